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


def test_open_configfs_selects_the_simulator(tmp_path, monkeypatch):
    from rtslib import configfs
    fs = configfs.open_configfs(simulate=str(tmp_path / 'sim'))
    assert isinstance(fs, SimConfigFS) and fs.simulated
    assert fs.abspath('core') == str(tmp_path / 'sim/sys/kernel/config/target/core')
    monkeypatch.setenv('LIO_SIMULATE', str(tmp_path / 'env'))
    assert configfs.open_configfs().sim_root == str(tmp_path / 'env')


def _make_luns(simdir, first, count):
    fs = SimConfigFS(simdir)
    for i in range(first, first + count):
        fs.mkdir('iscsi/iqn.2003-01.org.example:t/tpgt_1/lun/lun_%d' % i)
        fs.symlink('core/rd_mcp_0/r', 'iscsi/iqn.2003-01.org.example:t/tpgt_1/lun/lun_%d/r' % i)


def test_processes_sharing_dir_do_not_lose_updates(tmp_path):
    import multiprocessing
    simdir = str(tmp_path / 'sim')
    fs = SimConfigFS(simdir)
    for d in ('core/rd_mcp_0', 'core/rd_mcp_0/r'):
        fs.mkdir(d)
    fs.write('core/rd_mcp_0/r/control', 'rd_pages=8')
    fs.write('core/rd_mcp_0/r/enable', '1')
    for d in ('iscsi', 'iscsi/iqn.2003-01.org.example:t', 'iscsi/iqn.2003-01.org.example:t/tpgt_1'):
        fs.mkdir(d)
    ctx = multiprocessing.get_context('fork')
    procs = [ctx.Process(target=_make_luns, args=(simdir, n * 10, 10)) for n in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert fs.read('core/rd_mcp_0/r/statistics/scsi_dev/ports') == '30\n'
    members = fs.read('core/rd_mcp_0/r/alua/default_tg_pt_gp/members')
    assert members.count('\0') == 30
    ports = {fs.read('iscsi/iqn.2003-01.org.example:t/tpgt_1/lun/lun_%d/statistics/'
                     'scsi_port/indx' % i) for i in range(30)}
    assert len(ports) == 30                     # each LUN its own relative port id
