"""The fabrics beside iSCSI in the shell (issue 16): spec files that break,
user spec files, which fabrics are listed, and what a missing one says."""
import errno
import io
import json
import os
import re
import shutil

import pytest

from cli_helpers import cli, configure_host, env_for, ok
from conftest import ROOT

SPEC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'spec')


def run_env(simdir, *args, **env):
    import subprocess
    import sys
    full = dict(env_for(os.path.join(str(simdir), '..', 'home')), **env)
    return subprocess.run([sys.executable, '-m', 'targetcli', '--simulate', str(simdir), *args],
                          capture_output=True, text=True, env=full, timeout=120)


@pytest.fixture
def spec_copy(tmp_path):
    d = tmp_path / 'spec'
    shutil.copytree(SPEC, d)
    return d


def test_a_malformed_spec_disables_only_its_fabric(tmp_path, spec_copy):
    sim = tmp_path / 'sim'
    doc = json.loads((spec_copy / 'loopback.json').read_text())
    doc['features'] = ['acls', 'teleport']
    (spec_copy / 'loopback.json').write_text(json.dumps(doc))
    done = run_env(sim, 'ls', LIO_SPEC_DIR=str(spec_copy))
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1, done.stderr
    assert 'loopback.json' in warnings[0] and "field 'features'" in warnings[0]
    assert 'o- iscsi' in done.stdout and 'o- loopback' not in done.stdout
    done = run_env(sim, '/loopback', 'create', LIO_SPEC_DIR=str(spec_copy))
    assert done.returncode == 1
    assert 'loopback.json' in done.stderr and 'Traceback' not in done.stderr
    done = run_env(sim, '/iscsi', 'create', LIO_SPEC_DIR=str(spec_copy))
    assert done.returncode == 0, done.stderr


def test_user_spec_files_add_a_fabric(tmp_path):
    sim = tmp_path / 'sim'
    user = sim / 'etc' / 'target' / 'fabrics.d'
    user.mkdir(parents=True)
    (user / 'myfabric.json').write_text(json.dumps({
        'name': 'myfabric', 'configfs_dir': 'myfab', 'kernel_module': 'my_target',
        'wwn_types': ['naa'], 'features': ['acls']}))
    configure_host(sim, fabric_modules={'iscsi': 'iscsi_target_mod', 'loopback': 'tcm_loop',
                                        'myfab': 'my_target'})
    assert 'o- myfabric' in ok(sim, 'ls')
    other = tmp_path / 'elsewhere'
    other.mkdir()
    (other / 'second.json').write_text(json.dumps({
        'name': 'second', 'configfs_dir': 'myfab', 'kernel_module': 'my_target',
        'wwn_types': ['naa'], 'features': []}))
    done = run_env(sim, 'ls', LIO_USER_SPEC_DIRS=str(other))
    assert done.returncode == 0 and 'o- second' in done.stdout and 'o- myfabric' in done.stdout


def test_a_missing_fabric_names_the_module_to_load(tmp_path):
    sim = tmp_path / 'sim'
    done = cli(sim, '/vhost', 'create')
    assert done.returncode == 1
    assert 'vhost_scsi' in done.stderr and 'sim-host.json' in done.stderr
    done = cli(sim, 'cd', '/srpt')
    assert 'ib_srpt' in done.stderr
    assert 'ib_srpt' not in cli(sim, 'cd', '/nosuchthing').stderr


# the VM's fabrics (tests/data/reference/kernel-6.1-fabrics/host.json): srpt on soft-RoCE
GID = 'fe80:0000:0000:0000:0016:00ff:fe00:0001'
VM_FABRICS = {'iscsi': 'iscsi_target_mod', 'loopback': 'tcm_loop', 'vhost': 'vhost_scsi',
              'srpt': 'ib_srpt', 'fc': 'tcm_fc', 'sbp': 'sbp_target', 'qla2xxx': 'tcm_qla2xxx',
              'qla2xxx_npiv': 'tcm_qla2xxx'}
RXE = {'rxe0': {'node_guid': '0016:00ff:fe00:0001', 'ports': {'1': {
    'gid': GID, 'link_layer': 'Ethernet', 'netdev': 'veth0', 'state': '4: ACTIVE'}}}}


@pytest.fixture
def vm_like(tmp_path):
    sim = tmp_path / 'sim'
    configure_host(sim, fabric_modules=VM_FABRICS, rdma_devices=RXE)
    return sim


def test_ls_lists_fabrics_as_targetcli_fb_does_on_the_vm(vm_like):
    out = ok(vm_like, 'ls')
    for shown in ('iscsi', 'loopback', 'srpt', 'vhost'):
        assert f'o- {shown} ' in out
    # xen_scsiback does not load; tcm_fc, sbp and qla2xxx have no ports there
    for hidden in ('xen-pvscsi', 'tcm_fc', 'sbp', 'qla2xxx', 'usb_gadget', 'efct'):
        assert f'o- {hidden} ' not in out


def test_vhost_target_shows_its_nexus_and_no_error_rows(vm_like):
    ok(vm_like, '/backstores/ramdisk', 'create', 'r1', '16M')
    out = ok(vm_like, '/vhost', 'create', 'naa.5001405aaaaaaaa1')
    assert 'Created target naa.5001405aaaaaaaa1.' in out and 'Created TPG 1.' in out
    ok(vm_like, '/vhost/naa.5001405aaaaaaaa1/tpg1/luns', 'create', '/backstores/ramdisk/r1')
    out = ok(vm_like, 'ls', '/vhost')
    assert 'ERROR' not in out
    assert re.search(r'o- tpg1 \.+ \[naa\.5001405[0-9a-f]{9}, no-gen-acls\]', out), out
    assert re.search(r'o- lun0 \.+ \[ramdisk/r1', out), out


SRP_TARGET, SRP_INITIATOR = 'ib.fe80000000000000001600fffe000001', \
    'ib.0000000000000000001600fffe000001'


def _srp_export(sim, sessions):
    """An srpt target exporting a ramdisk to SRP_INITIATOR; sessions as sim-host.json
    describes them (names as the configfs directories: 0x...); `sessions detail`."""
    configure_host(sim, fabric_modules=VM_FABRICS, rdma_devices=RXE, sessions=sessions)
    ok(sim, '/backstores/ramdisk', 'create', 'r1', '16M')
    ok(sim, '/srpt', 'create', SRP_TARGET)
    ok(sim, f'/srpt/{SRP_TARGET}/luns', 'create', '/backstores/ramdisk/r1')
    ok(sim, f'/srpt/{SRP_TARGET}/acls', 'create', SRP_INITIATOR)
    return ok(sim, 'sessions', 'detail')


def test_a_logged_in_srp_initiator_shows_in_sessions(tmp_path):
    """srpt ACLs have no info file: the session shows in a mapped LUN's port
    statistics, which the kernel answers only while the initiator is logged in."""
    assert '(no open sessions)' in _srp_export(tmp_path / 'out', [])
    out = _srp_export(tmp_path / 'in', [{'target': '0x' + SRP_TARGET[3:], 'tpgt': 1,
                                         'initiator': '0x' + SRP_INITIATOR[3:]}])
    assert 'sid: 0 type: Normal session-state: LOGGED_IN' in out, out
    assert f'name: {SRP_INITIATOR}' in out
    assert 'mapped-lun: 0 backstore: ramdisk/r1 mode: rw' in out
    assert 'sid: 0' in ok(tmp_path / 'in', f'/srpt/{SRP_TARGET}/acls/{SRP_INITIATOR}',
                          'sessions')


def test_srpt_target_is_its_port_without_tpg_tags(vm_like):
    out = ok(vm_like, '/srpt', 'create')
    assert 'Created target ib.fe80000000000000001600fffe000001.' in out
    out = ok(vm_like, 'ls', '/srpt')
    assert 'ERROR' not in out and 'tpg1' not in out
    assert re.search(r'o- ib\.fe80000000000000001600fffe000001 \.+ \[no-gen-acls\]', out), out
    ok(vm_like, '/srpt/ib.fe80000000000000001600fffe000001/acls', 'create',
       'ib.00000000000000000016000000000002')
    done = cli(vm_like, '/srpt', 'create', 'ib.fe800000000000000000000000000bad')
    assert done.returncode == 1 and 'not a local srpt port' in done.stderr


def test_fabrics_with_ports_appear_with_them(vm_like):
    configure_host(vm_like, fabric_wwns={'tcm_fc': ['naa.2000001122334455'],
                                         'sbp': ['eui.0011223344556677']})
    out = ok(vm_like, 'ls')
    assert 'o- tcm_fc ' in out and 'o- sbp ' in out and 'o- qla2xxx ' not in out
    ok(vm_like, '/tcm_fc', 'create', 'naa.2000001122334455')
    ok(vm_like, '/sbp', 'create')
    out = ok(vm_like, 'ls')
    assert 'ERROR' not in out
    assert re.search(r'o- naa\.2000001122334455 \.+ \[no-gen-acls\]', out), out
    # sbp: not enabled at create (as targetcli-fb: it waits for its directory_id)
    assert re.search(r'o- eui\.0011223344556677 \.+ \[disabled\]', out), out


class FailingFS:
    """A backend whose write to one kind of file fails, as a kernel refusal would."""

    def __init__(self, inner, suffix):
        self.inner, self.suffix = inner, suffix
        self.simulated = inner.simulated

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def write(self, path, value, *args, **kw):
        if path.endswith(self.suffix):
            raise OSError(errno.EIO, 'refused on purpose')
        return self.inner.write(path, value, *args, **kw)


@pytest.mark.parametrize('fabric, wwn, suffix', [
    ('vhost', 'naa.5001405aaaaaaaa1', '/nexus'),
    ('srpt', 'ib.fe80000000000000001600fffe000001', '/enable'),
    ('iscsi', 'iqn.2003-01.org.example:t1', '/attrib/authentication'),
])
def test_a_create_that_fails_half_way_leaves_nothing(vm_like, tmp_path, fabric, wwn, suffix):
    from rtslib.simkernel import SimConfigFS
    from targetcli.main import Reporter
    from targetcli.shell import TargetShell
    from targetcli.ui_root import UIRoot
    ok(vm_like, 'ls')
    before = sorted(os.listdir(vm_like / 'sys/kernel/config/target'))
    buf = io.StringIO()
    sh = TargetShell(str(tmp_path / 'home'), simdir=str(vm_like), stdout=buf, stderr=buf,
                     fs=FailingFS(SimConfigFS(str(vm_like)), suffix))
    UIRoot(sh)
    assert not Reporter(sh, False)(lambda: sh.run_tokens([f'/{fabric}', 'create', wwn]))
    fabric_dir = vm_like / 'sys/kernel/config/target' / ('fc' if fabric == 'tcm_fc' else fabric)
    assert not fabric_dir.exists() or os.listdir(fabric_dir) in ([], ['discovery_auth']) or \
        not [n for n in os.listdir(fabric_dir) if n not in ('discovery_auth', 'version',
                                                             'lio_version', 'rdma_cm_port',
                                                             'cpus_allowed_list')]
    assert 'Created target' not in buf.getvalue()
    assert sorted(os.listdir(vm_like / 'sys/kernel/config/target')) in (before, before + [fabric],
                                                                       sorted(before + [fabric]))


def test_a_logged_in_session_described_in_sim_host_shows_in_sessions(tmp_path):
    sim = tmp_path / 'sim'
    iqn, initiator = 'iqn.2003-01.org.example:s1', 'iqn.1994-05.com.redhat:client'
    configure_host(sim, sessions=[{'target': iqn, 'tpgt': 1, 'initiator': initiator,
                                   'alias': 'client', 'sid': 3, 'address': '10.0.0.2',
                                   'transport': 'TCP'}])
    ok(sim, '/backstores/ramdisk', 'create', 'r1', '16M')
    ok(sim, '/iscsi', 'create', iqn)
    ok(sim, f'/iscsi/{iqn}/tpg1/luns', 'create', '/backstores/ramdisk/r1')
    ok(sim, f'/iscsi/{iqn}/tpg1/acls', 'create', initiator)
    out = ok(sim, 'sessions', 'detail')
    assert 'alias: client\tsid: 3 type: Normal session-state: LOGGED_IN' in out
    assert f'name: {initiator}' in out
    assert 'mapped-lun: 0 backstore: ramdisk/r1 mode: rw' in out
    assert 'address: 10.0.0.2 (TCP)' in out
    assert 'sid: 3' in ok(sim, f'/iscsi/{iqn}/tpg1', 'sessions')
    assert '(no open sessions)' in ok(sim, '/iscsi', 'create', 'iqn.2003-01.org.example:s2') + \
        ok(sim, '/iscsi/iqn.2003-01.org.example:s2/tpg1', 'sessions')


def test_srp_session_files_read_as_the_kernel_s_while_logged_in(tmp_path):
    """The simulator's ACL subtree with an SRP login described in sim-host.json
    has the files and the session-only values the kernel showed with ib_srp."""
    from fidelity.dump import dump_lines
    from rtslib.simkernel import SimConfigFS
    sim = tmp_path / 'sim'
    _srp_export(sim, [{'target': '0x' + SRP_TARGET[3:], 'tpgt': 1,
                       'initiator': '0x' + SRP_INITIATOR[3:]}])
    acls = 'srpt/0x' + SRP_TARGET[3:] + '/tpgt_1/acls'
    got = dump_lines(SimConfigFS(str(sim)), acls)
    with open(os.path.join(ROOT, 'tests/data/reference/kernel-6.1-fabrics/srpt-logged-in.txt')) as f:
        real = f.read().splitlines()

    def shape(lines):   # paths and, for the session files, values (indexes vary by boot)
        out = []
        for line in lines:
            path = line.split(' ')[0]
            if '/lun_0/' in path and ' -> ' in line:
                path = path.rsplit('/', 1)[0] + '/<link>'
            out.append(line if path.endswith(('/indx', '/port_ident')) and
                       'scsi_att_intr_port' in path else path)
        return sorted(out)
    assert shape(got) == shape(real)
