"""Simulated kernel: the tree at start, object creation, basic refusals."""
import errno
import os

import pytest

from rtslib.simkernel import SimConfigFS
from sim_helpers import tmp_path  # noqa: F401  (sim dirs on tmpfs: much faster)



@pytest.fixture
def fs(tmp_path):
    return SimConfigFS(str(tmp_path / 'sim'))


def err(fn, *args):
    with pytest.raises(OSError) as e:
        fn(*args)
    return errno.errorcode[e.value.errno]


def test_nothing_on_disk_until_first_use(tmp_path):
    fs = SimConfigFS(str(tmp_path / 'sim'))
    assert not os.path.exists(tmp_path / 'sim')
    assert fs.listdir('') == ['core', 'dbroot', 'version']
    assert os.path.isdir(tmp_path / 'sim/sys/kernel/config/target/core/alua/lu_gps')
    assert os.path.isfile(tmp_path / 'sim/sim-host.json')
    assert fs.simulated is True and fs.sim_root == str(tmp_path / 'sim')


def test_empty_tree_as_the_kernel_shows_it(fs):
    assert fs.read('dbroot') == '/etc/target\n'
    assert fs.read('core/alua/lu_gps/default_lu_gp/lu_gp_id') == '0\n'
    assert fs.read('core/alua/lu_gps/default_lu_gp/members') == ''
    assert fs.listdir('core') == ['alua']


def test_backstore_lifecycle(fs):
    fs.mkdir('core/rd_mcp_0')
    fs.mkdir('core/rd_mcp_0/ram1')
    assert fs.read('core/rd_mcp_0/ram1/enable') == '0\n'
    assert err(fs.read, 'core/rd_mcp_0/ram1/control') == 'EACCES'
    assert err(fs.write, 'core/rd_mcp_0/ram1/enable', '1\n') == 'EINVAL'   # no rd_pages
    fs.write('core/rd_mcp_0/ram1/control', 'rd_pages=2048\n')
    fs.write('core/rd_mcp_0/ram1/enable', '1\n')
    assert fs.read('core/rd_mcp_0/ram1/attrib/block_size') == '512\n'
    assert err(fs.write, 'core/rd_mcp_0/ram1/enable', '1\n') == 'EEXIST'
    assert fs.read('core/alua/lu_gps/default_lu_gp/members') == 'rd_mcp_0/ram1\n'
    fs.rmdir('core/rd_mcp_0/ram1')
    assert fs.listdir('core/rd_mcp_0') == ['hba_info', 'hba_mode']
    assert fs.read('core/alua/lu_gps/default_lu_gp/members') == ''


def test_kernel_made_dirs_cannot_be_removed(fs):
    assert err(fs.rmdir, 'core') == 'EPERM'
    fs.mkdir('iscsi')
    assert err(fs.rmdir, 'iscsi/discovery_auth') == 'EPERM'
    assert err(fs.mkdir, 'iscsi/discovery_auth/x') == 'EPERM'


def test_host_overrides(fs):
    fs.configure_host(rdma_addresses=['10.0.0.1'], ip_addresses=['127.0.0.1', '10.0.0.1'])
    assert fs.host()['rdma_addresses'] == ['10.0.0.1']
