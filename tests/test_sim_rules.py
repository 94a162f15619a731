"""Simulated kernel rules beyond the recordings' rows: backend write semantics,
ALUA groups, pscsi over a tcm_loop disk, module-global discovery auth, host facts."""
import errno

import pytest

from rtslib.simkernel import SimConfigFS
from sim_helpers import tmp_path  # noqa: F401  (sim dirs on tmpfs: much faster)

DEV = 'core/fileio_0/disk1'
T = 'iscsi/iqn.2003-01.org.example:t/tpgt_1'


@pytest.fixture
def fs(tmp_path):
    fs = SimConfigFS(str(tmp_path / 'sim'))
    fs.mkdir('core/fileio_0')
    fs.mkdir(DEV)
    fs.write(DEV + '/control', 'fd_dev_name=/mnt/w/file1,fd_dev_size=1048576')
    fs.write(DEV + '/enable', '1')
    for d in ('iscsi', 'iscsi/iqn.2003-01.org.example:t', T, T + '/lun/lun_0'):
        fs.mkdir(d)
    fs.symlink(DEV, T + '/lun/lun_0/disk1')
    return fs


def err(fn, *args, **kw):
    with pytest.raises(OSError) as e:
        fn(*args, **kw)
    return errno.errorcode[e.value.errno]


def test_write_semantics_of_the_backend_interface(fs):
    assert err(fs.write, DEV + '/no_such_file', '1') == 'ENOENT'      # O_WRONLY
    assert err(fs.write, DEV + '/no_such_file', '1', create=True) == 'EACCES'  # shell >
    assert err(fs.write, T + '/attrib/authentication', '') == 'EFAULT'
    fs.write(T + '/attrib/authentication', '', create=True)            # printf '' >
    assert err(fs.write, 'version', 'x') == 'EACCES'
    assert err(fs.write, T + '/attrib', '1') == 'EISDIR'
    assert err(fs.unlink, T + '/enable') == 'EPERM'


def test_tg_pt_gp_membership_follows_the_lun(fs):
    fs.mkdir(DEV + '/alua/gp_b')
    assert err(fs.write, T + '/lun/lun_0/alua_tg_pt_gp', 'gp_b') == 'ENODEV'   # no id yet
    fs.write(DEV + '/alua/gp_b/tg_pt_gp_id', '7')
    fs.write(T + '/lun/lun_0/alua_tg_pt_gp', 'gp_b\n')
    assert fs.read(T + '/lun/lun_0/alua_tg_pt_gp').startswith(
        'TG Port Alias: gp_b\nTG Port Group ID: 7\n')
    assert fs.read(DEV + '/alua/gp_b/members') == \
        'iSCSI/iqn.2003-01.org.example:t/tpgt_1/lun_0\n\0'
    assert fs.read(DEV + '/alua/default_tg_pt_gp/members') == ''
    fs.rmdir(DEV + '/alua/gp_b')                      # members fall back to the default
    assert fs.read(DEV + '/alua/default_tg_pt_gp/members').startswith('iSCSI/')
    assert 'default_tg_pt_gp' in fs.read(T + '/lun/lun_0/alua_tg_pt_gp')


def test_lu_group_membership_and_removal(fs):
    fs.mkdir('core/alua/lu_gps/lug1')
    assert err(fs.write, DEV + '/alua_lu_gp', 'lug1') == 'ENODEV'
    fs.write('core/alua/lu_gps/lug1/lu_gp_id', '7')
    fs.write(DEV + '/alua_lu_gp', 'lug1')
    assert fs.read(DEV + '/alua_lu_gp') == 'LU Group Alias: lug1\nLU Group ID: 7\n'
    assert fs.read('core/alua/lu_gps/lug1/members') == 'fileio_0/disk1\n'
    assert fs.read('core/alua/lu_gps/default_lu_gp/members') == ''
    fs.rmdir('core/alua/lu_gps/lug1')
    assert fs.read('core/alua/lu_gps/default_lu_gp/members') == 'fileio_0/disk1\n'


def test_discovery_auth_outlives_the_iscsi_dir(tmp_path):
    fs = SimConfigFS(str(tmp_path / 'sim'))
    fs.mkdir('iscsi')
    fs.write('iscsi/discovery_auth/userid', 'du')
    fs.rmdir('iscsi')
    fs.mkdir('iscsi')
    assert fs.read('iscsi/discovery_auth/userid') == 'du\n'


def test_pscsi_passes_through_a_tcm_loop_disk(fs):
    lw, lt = 'loopback/naa.5001405aaaaaaaaa', 'loopback/naa.5001405aaaaaaaaa/tpgt_1'
    for d in ('loopback', lw, lt, lt + '/lun/lun_0'):
        fs.mkdir(d)
    fs.symlink(DEV, lt + '/lun/lun_0/d')
    host = fs.read(lt + '/address').split(':')[0]
    fs.mkdir('core/pscsi_0')
    fs.mkdir('core/pscsi_0/pt')
    fs.write('core/pscsi_0/pt/control', 'scsi_host_id=%s,scsi_channel_id=0,'
             'scsi_target_id=1,scsi_lun_id=0' % host)
    assert err(fs.write, 'core/pscsi_0/pt/enable', '1') == 'EINVAL'    # no udev_path
    fs.write('core/pscsi_0/pt/udev_path', '/dev/sda')
    fs.write('core/pscsi_0/pt/enable', '1')
    fs.mkdir('core/pscsi_0/pt2')
    fs.write('core/pscsi_0/pt2/control', 'scsi_host_id=9,scsi_channel_id=0,'
             'scsi_target_id=0,scsi_lun_id=0')
    fs.write('core/pscsi_0/pt2/udev_path', '/dev/sdz')
    assert err(fs.write, 'core/pscsi_0/pt2/enable', '1') == 'ENODEV'


def test_iser_needs_rdma_on_a_local_non_loopback_address(fs):
    fs.configure_host(ip_addresses=['127.0.0.1', '::1', '192.0.2.1', '192.0.2.2'],
                      rdma_addresses=['192.0.2.2'])
    for addr in ('192.0.2.1', '192.0.2.2', '198.51.100.1'):
        fs.mkdir('%s/np/%s:3260' % (T, addr))
    assert err(fs.write, T + '/np/192.0.2.1:3260/iser', '1') == 'ENODEV'
    fs.write(T + '/np/192.0.2.2:3260/iser', '1')
    assert err(fs.write, T + '/np/198.51.100.1:3260/iser', '1') == 'EADDRNOTAVAIL'
    assert fs.read('iscsi/iqn.2003-01.org.example:t/fabric_statistics/iscsi_instance/portals') \
        == '4\n'


def test_claimed_block_device_is_busy(fs):
    fs.configure_host(claimed_devices=['/dev/sdb'])
    fs.mkdir('core/iblock_0')
    fs.mkdir('core/iblock_0/b')
    fs.write('core/iblock_0/b/control', 'udev_path=/dev/sdb')
    assert err(fs.write, 'core/iblock_0/b/enable', '1') == 'EBUSY'
    fs.mkdir('core/iblock_0/c')
    fs.write('core/iblock_0/c/control', 'udev_path=/dev/sdc')
    fs.write('core/iblock_0/c/enable', '1')
    assert 'iBlock device: sdc' in fs.read('core/iblock_0/c/info')
    assert fs.read('core/iblock_0/c/attrib/is_nonrot') == '1\n'


def test_emulate_tpu_before_enable_is_refused_not_crashed(tmp_path):
    # 6.1 oopses here; the simulator answers like later kernels (ENODEV)
    fs = SimConfigFS(str(tmp_path / 'sim'))
    fs.mkdir('core/fileio_0')
    fs.mkdir(DEV)
    assert err(fs.write, DEV + '/attrib/emulate_tpu', '1') == 'ENODEV'
    fs.write(DEV + '/attrib/emulate_tpu', '0')
    fs.mkdir('core/rd_mcp_0')
    fs.mkdir('core/rd_mcp_0/r')
    assert err(fs.write, 'core/rd_mcp_0/r/attrib/emulate_tpu', '1') == 'ENOSYS'


def test_device_attribute_rules(fs):
    a = DEV + '/attrib/'
    fs.write(a + 'emulate_dpo', 'whatever')                 # deprecated: ignored
    assert fs.read(a + 'emulate_dpo') == '1\n'
    assert err(fs.write, a + 'emulate_rest_reord', '1') == 'ENOSYS'
    assert err(fs.write, a + 'pi_prot_type', '2') == 'ENOSYS'
    assert err(fs.write, a + 'pi_prot_type', '1') == 'EINVAL'   # exported
    assert err(fs.write, a + 'emulate_tas', '0') == 'EINVAL'    # exported
    fs.write(a + 'emulate_pr', '0')
    assert err(fs.write, DEV + '/wwn/vendor_id', 'ABCDEFGHI') == 'EOVERFLOW'
    assert err(fs.write, DEV + '/wwn/vendor_id', 'ABC') == 'EINVAL'   # exported
    assert err(fs.write, DEV + '/wwn/company_id', '0x1000000') == 'EOVERFLOW'
    assert err(fs.write, a + 'alua_support', '0') == 'ENOSYS'
    fs.write(a + 'alua_support', '1')


def test_state_is_shared_by_processes(tmp_path, fs):
    other = SimConfigFS(fs.sim_root)
    assert other.read(DEV + '/enable') == '1\n'
    assert err(other.rmdir, DEV) == 'EBUSY'


def test_alua_group_ids_are_set_once_and_unique(fs):
    fs.mkdir(DEV + '/alua/a')
    fs.mkdir(DEV + '/alua/b')
    fs.mkdir(DEV + '/alua/c')
    assert fs.read(DEV + '/alua/a/tg_pt_gp_id') == ''          # no valid id yet
    fs.write(DEV + '/alua/a/tg_pt_gp_id', '5')
    assert err(fs.write, DEV + '/alua/a/tg_pt_gp_id', '6') == 'EINVAL'   # only once
    assert err(fs.write, DEV + '/alua/b/tg_pt_gp_id', '5') == 'EINVAL'   # taken
    fs.write(DEV + '/alua/b/tg_pt_gp_id', '0')                 # 0: next free number
    assert fs.read(DEV + '/alua/b/tg_pt_gp_id') == '1\n'
    assert err(fs.write, DEV + '/alua/default_tg_pt_gp/tg_pt_gp_id', '9') == 'EINVAL'
    fs.rmdir(DEV + '/alua/a')
    fs.write(DEV + '/alua/c/tg_pt_gp_id', '5')                 # free again
    fs.mkdir('core/alua/lu_gps/l1')
    fs.write('core/alua/lu_gps/l1/lu_gp_id', '3')
    assert err(fs.write, 'core/alua/lu_gps/l1/lu_gp_id', '4') == 'EINVAL'


def test_state_left_by_a_killed_process_does_not_block(fs):
    # a process died after recording a LUN link but before making the symlink
    fs.mkdir(T + '/lun/lun_1')
    fs.symlink(DEV, T + '/lun/lun_1/x')
    import os
    os.unlink(fs.abspath(T + '/lun/lun_1/x'))        # the link never appeared
    fs.symlink(DEV, T + '/lun/lun_1/y')               # not EEXIST: stale record dropped
    assert fs.read(DEV + '/statistics/scsi_dev/ports') == '2\n'


def _action_names(value):
    """Every name of an action(...) spec anywhere inside a rules table."""
    if isinstance(value, dict):
        if value.get('type') == 'action':
            yield value['name']
        for item in value.values():
            yield from _action_names(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _action_names(item)


def test_every_action_in_the_rules_has_a_handler():
    """rules.py names write handlers by string: each must resolve (a typo would only
    show as a KeyError on the first write of that file)."""
    from rtslib.simkernel import rules, writes
    names = {name for table in vars(rules).values() for name in _action_names(table)}
    assert len(names) > 10 and 'tpg_enable' in names
    assert sorted(names - set(writes.ACTIONS)) == []
