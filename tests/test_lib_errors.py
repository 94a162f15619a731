"""Every kernel refusal reaches the user as one RTSLibError that names the object,
says what the kernel refused and what would be right; rtslib refuses itself what
crashes real kernels."""
import errno

import pytest

from lib_helpers import sim_fs
from rtslib import RTSLibError


@pytest.fixture
def tpg(simdir):
    sim_fs(simdir)
    from rtslib import TPG, FabricModule, Target
    return TPG(Target(FabricModule('iscsi'), 'iqn.2003-01.org.example:t1'), 1)


def test_iser_without_rdma_device(tpg):
    """The kernel binds iSER with RDMA-CM: an address no RDMA device serves fails."""
    from rtslib import NetworkPortal
    portal = NetworkPortal(tpg, '10.0.0.1', 3260)
    with pytest.raises(RTSLibError) as err:
        portal.iser = True
    msg = str(err.value)
    assert msg.startswith('Cannot enable iSER on portal 10.0.0.1:3260: no RDMA device serves '
                          'that address')
    assert msg.endswith('(EADDRNOTAVAIL)') or msg.endswith('(ENODEV)')
    assert portal.iser is False


def test_iser_on_loopback_and_wildcard_needs_no_rdma(tpg):
    from rtslib import NetworkPortal
    for ip in ('127.0.0.1', '0.0.0.0'):
        portal = NetworkPortal(tpg, ip, 3261 if ip == '0.0.0.0' else 3260)
        portal.iser = True
        assert portal.iser is True


def test_portal_clash_names_both_sides(tpg):
    from rtslib import NetworkPortal
    NetworkPortal(tpg, '127.0.0.1', 3260)
    with pytest.raises(RTSLibError) as err:
        NetworkPortal(tpg, '0.0.0.0', 3260)
    assert str(err.value).startswith('Cannot create portal 0.0.0.0:3260')
    assert 'EINVAL' in str(err.value) and 'wildcard' in str(err.value)


@pytest.mark.parametrize('address', ['999.1.1.1', 'localhost', '::1]', ''])
def test_bad_portal_address_refused_before_the_kernel(tpg, address):
    from rtslib import NetworkPortal
    with pytest.raises(RTSLibError, match='Invalid portal address'):
        NetworkPortal(tpg, address, 3260)
    assert tpg.fs.listdir(f'{tpg.cfs_path}/np') == []


def test_ipv6_portal_goes_in_brackets(tpg):
    from rtslib import NetworkPortal
    portal = NetworkPortal(tpg, '::1', 3263)
    assert portal.ip_address == '[::1]'
    assert tpg.fs.isdir(f'{tpg.cfs_path}/np/[::1]:3263')
    assert [p.ip_address for p in tpg.network_portals] == ['[::1]']


def test_missing_fabric_module_says_modprobe(simdir):
    sim_fs(simdir)
    from rtslib import FabricModule, Target
    with pytest.raises(RTSLibError) as err:
        Target(FabricModule('vhost'), 'naa.5001405abcdef012')
    assert 'modprobe vhost_scsi' in str(err.value)
    assert '/sys/kernel/config/target/vhost' in str(err.value)


def test_lookup_does_not_load_a_fabric(simdir):
    fs = sim_fs(simdir)
    from rtslib import FabricModule, RTSLibNotInCFS, RTSRoot, Target
    assert list(RTSRoot().targets) == []
    with pytest.raises(RTSLibNotInCFS):
        Target(FabricModule('iscsi'), 'iqn.2003-01.org.example:t1', mode='lookup')
    assert not fs.exists('iscsi')


def test_emulate_tpu_on_fileio_before_enable_is_refused(simdir):
    """echo 1 > emulate_tpu on a fileio object that is not enabled crashes real kernels."""
    fs = sim_fs(simdir)
    from rtslib import FileIOStorageObject
    fs.mkdir('core/fileio_7')
    fs.mkdir('core/fileio_7/raw')   # made by another tool, never enabled
    so = FileIOStorageObject('raw')
    with pytest.raises(RTSLibError) as err:
        so.set_attribute('emulate_tpu', 1)
    assert 'before it is enabled' in str(err.value) and 'fileio/raw' in str(err.value)
    assert fs.read('core/fileio_7/raw/attrib/emulate_tpu').strip() == '0'
    so.set_attribute('emulate_tpu', 0)   # harmless values pass


def test_bad_attribute_value_names_attribute_and_value(tpg):
    with pytest.raises(RTSLibError) as err:
        tpg.set_attribute('authentication', 2)
    msg = str(err.value)
    assert "set attribute authentication='2' on TPG 1 of iscsi target" in msg
    assert msg.endswith('(EINVAL)')


def test_unknown_attribute(tpg):
    with pytest.raises(RTSLibError, match="has no attribute 'no_such_thing'"):
        tpg.set_attribute('no_such_thing', 1)
    with pytest.raises(RTSLibError, match="has no readable attribute 'no_such_thing'"):
        tpg.get_attribute('no_such_thing')


def test_chap_secrets_never_in_messages(tpg):
    from rtslib import NodeACL
    acl = NodeACL(tpg, 'iqn.1994-05.com.redhat:client')
    secret = 'S3cr' * 64 + 'x'   # 257 bytes: over the kernel's 255
    with pytest.raises(RTSLibError) as err:
        acl.chap_password = secret
    assert 'S3cr' not in str(err.value) and '255' in str(err.value)
    acl.chap_password = 'a' * 255
    assert acl.chap_password == 'a' * 255
    with pytest.raises(RTSLibError, match="'NULL' is not a permitted"):
        acl.chap_userid = 'NULL'


def test_unit_serial_checked_before_the_kernel(simdir):
    sim_fs(simdir)
    from rtslib import RDMCPStorageObject, RTSRoot
    with pytest.raises(RTSLibError, match='Invalid unit serial'):
        RDMCPStorageObject('r1', 1 << 20, wwn='has space')
    assert list(RTSRoot().storage_objects) == []   # the failed create left nothing


def test_device_checks(simdir):
    sim_fs(simdir, claimed_devices=['/dev/sdc'])
    from rtslib import BlockStorageObject, RTSRoot
    with pytest.raises(RTSLibError, match='/dev/nonexistent.*no such device'):
        BlockStorageObject('b', dev='/dev/nonexistent')
    with pytest.raises(RTSLibError, match='Cannot use /dev/sdc for a block backstore: it is '
                       'held open exclusively by another program or backstore'):
        BlockStorageObject('b', dev='/dev/sdc')
    with pytest.raises(RTSLibError, match='not a block device.*fileio'):
        BlockStorageObject('b', dev='/mnt/w/file1')
    assert list(RTSRoot().storage_objects) == []


def test_invalid_names_and_numbers(tpg):
    from rtslib import LUN, TPG, NodeACL, RDMCPStorageObject
    with pytest.raises(RTSLibError, match="Invalid storage object name 'a b'"):
        RDMCPStorageObject('a b', 4096)
    with pytest.raises(RTSLibError, match='Invalid TPG tag 65536'):
        TPG(tpg.parent_target, 65536)
    with pytest.raises(RTSLibError, match='Invalid LUN 70000'):
        LUN(tpg, 70000, RDMCPStorageObject('r', 4096))
    with pytest.raises(RTSLibError, match="Invalid WWN 'not-an-iqn'.*for example"):
        NodeACL(tpg, 'not-an-iqn')


def test_second_tpg_on_a_fabric_without_tpgts(simdir):
    sim_fs(simdir)
    from rtslib import TPG, FabricModule, Target
    target = Target(FabricModule('loopback'))
    TPG(target, 1)
    with pytest.raises(RTSLibError, match='cannot have more than one TPG'):
        TPG(target, 2)


def test_no_oserror_escapes_a_failing_backend(simdir):
    """Whatever the backend raises (here EIO on every write) becomes RTSLibError."""
    fs = sim_fs(simdir)
    from rtslib import TPG, FabricModule, Target

    class EIOFS:
        simulated = True

        def __getattr__(self, name):
            return getattr(fs, name)

        def write(self, path, value):
            raise OSError(errno.EIO, 'Input/output error')

    tpg = TPG(Target(FabricModule('iscsi', fs=EIOFS()), 'iqn.2003-01.org.example:t9'), 1)
    for action in (lambda: tpg.set_attribute('authentication', 0),
                   lambda: setattr(tpg, 'enable', True),
                   lambda: setattr(tpg, 'chap_userid', 'u'),
                   lambda: tpg.set_parameter('TargetAlias', 'x')):
        with pytest.raises(RTSLibError) as err:
            action()
        assert 'TPG 1 of iscsi target iqn.2003-01.org.example:t9' in str(err.value)
        assert 'EIO' in str(err.value)


def test_delete_in_use_storage_object_via_raw_rmdir_is_explained(simdir):
    """A kernel EBUSY (here from a raw rmdir of a linked object) reads as advice."""
    from rtslib import LUN, TPG, FabricModule, RDMCPStorageObject, Target
    from rtslib.errors import kernel_error
    sim_fs(simdir)
    so = RDMCPStorageObject('r1', 4096)
    LUN(TPG(Target(FabricModule('iscsi'), 'iqn.2003-01.org.example:t1'), 1), 0, so)
    with pytest.raises(OSError) as raw:
        so.fs.rmdir(so.cfs_path)
    msg = str(kernel_error(raw.value, 'delete', so._label()))
    assert msg.startswith('Cannot delete storage object ramdisk/r1: it is in use')
    assert msg.endswith('(EBUSY)')


def test_an_object_removed_behind_our_back_says_so(simdir):
    """A handle whose directory another tool removed answers RTSLibNotInCFS on a read,
    not a bare 'no such file' (the existence check runs only when a read fails)."""
    fs = sim_fs(simdir)
    from rtslib import RDMCPStorageObject, RTSLibNotInCFS, ALUATargetPortGroup
    so = RDMCPStorageObject('gone', size=4096)
    group = ALUATargetPortGroup(so, 'ao', 3)
    assert so.get_attribute('block_size') == '512' and group.tg_pt_gp_id == 3
    fs.rmdir(group.cfs_path)
    with pytest.raises(RTSLibNotInCFS):
        group.tg_pt_gp_id
    fs.rmdir(so.cfs_path)
    with pytest.raises(RTSLibNotInCFS):
        so.get_attribute('block_size')
    with pytest.raises(RTSLibNotInCFS):
        so.set_attribute('emulate_tpu', 1)


def test_a_lun_of_a_removed_storage_object_says_so_and_leaves_no_lun(tpg):
    """The kernel refuses a link to an object another tool removed; the message says
    which object is gone (asked only then) and the LUN's directory goes again."""
    from rtslib import LUN, RDMCPStorageObject
    so = RDMCPStorageObject('gone', size=4096)
    tpg.fs.rmdir(so.cfs_path)
    with pytest.raises(RTSLibError, match='Cannot export storage object ramdisk/gone: '
                                          'it does not exist'):
        LUN(tpg, 0, so)
    assert list(tpg.luns) == [] and not tpg.fs.exists(f'{tpg.cfs_path}/lun/lun_0')
