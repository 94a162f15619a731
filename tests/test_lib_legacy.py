"""The older Datera API: backstore objects first, same classes underneath."""
import pytest

from lib_helpers import sim_fs


def test_both_call_forms_of_the_clashing_names(simdir):
    fs = sim_fs(simdir)
    from rtslib import (FileIOBackstore, FileIOStorageObject, PSCSIBackstore,
                        PSCSIStorageObject, RDMCPBackstore, RDMCPStorageObject, RTSRoot)
    # Datera: (backstore, name, dev, size, ...) / (backstore, name, size)
    old_file = FileIOStorageObject(FileIOBackstore(5, mode='create'), 'f_old', '/mnt/w/file1',
                                   1048576, gen_wwn=True, buffered_mode=True)
    old_ram = RDMCPStorageObject(RDMCPBackstore(6, mode='create'), 'r_old', 8192)
    old_pt = PSCSIStorageObject(PSCSIBackstore(8, mode='create'), 'p_old', '/dev/sdb')
    # rtslib-fb: (name, dev, size, ...) / (name, size)
    new_file = FileIOStorageObject('f_new', '/mnt/w/file1', 1048576)
    new_ram = RDMCPStorageObject('r_new', size=8192)
    assert old_file.cfs_path == 'core/fileio_5/f_old' and old_file.write_back is True
    assert old_ram.cfs_path == 'core/rd_mcp_6/r_old' and old_ram.size == 8192
    assert old_pt.cfs_path == 'core/pscsi_8/p_old' and old_pt.udev_path == '/dev/sdb'
    assert new_file.cfs_path == 'core/fileio_0/f_new' and new_file.write_back is False
    assert new_ram.cfs_path == 'core/rd_mcp_1/r_new'
    # lookups by name find either form
    assert FileIOStorageObject('f_old') == old_file
    assert RDMCPStorageObject('r_old') == old_ram
    assert {so.name for so in RTSRoot().storage_objects} == \
        {'f_old', 'r_old', 'p_old', 'f_new', 'r_new'}
    assert fs.read('core/fileio_5/f_old/enable').strip() == '1'


def test_backstore_delete_takes_its_objects(simdir):
    fs = sim_fs(simdir)
    from rtslib import IBlockBackstore, IBlockStorageObject, RTSLibError
    backstore = IBlockBackstore(3, mode='create')
    so = IBlockStorageObject(backstore, 'sdb', '/dev/sdb', gen_wwn=True)
    assert [s.name for s in backstore.storage_objects] == ['sdb'] and so.is_configured()
    with pytest.raises(RTSLibError, match='already exists'):
        IBlockBackstore(3, mode='create')
    backstore.delete()
    assert not fs.exists('core/iblock_3')


def test_failed_legacy_create_can_be_undone_as_the_seed_does(simdir):
    fs = sim_fs(simdir)
    from rtslib import IBlockBackstore, IBlockStorageObject, RTSLibError
    backstore = IBlockBackstore(4, mode='create')
    with pytest.raises(RTSLibError, match='/dev/sdz'):
        IBlockStorageObject(backstore, 'sdz', '/dev/sdz', gen_wwn=True)
    backstore.delete()
    assert not fs.exists('core/iblock_4')


def test_fabric_name_is_case_insensitive_and_portal_port_may_be_text(simdir):
    sim_fs(simdir)
    from rtslib import TPG, FabricModule, NetworkPortal, Target
    fabric = FabricModule('iSCSI')
    assert fabric.name == 'iscsi' and fabric == FabricModule('ISCSI')
    tpg = TPG(Target(fabric, 'iqn.2003-01.org.linux-iscsi.x.x8664:sn.d3d8b0500fde'), 1)
    portal = NetworkPortal(tpg, '127.0.0.1', '5060')
    portal._set_iser_attr(1)
    assert portal._get_iser_attr() is True and portal.port == 5060


def test_iser_view_of_iscsi(simdir):
    """FabricModule('iser') is the iscsi directory with the seed's feature list."""
    sim_fs(simdir)
    from rtslib import FabricModule, Target
    iser = FabricModule('iser')
    assert iser.path == '/sys/kernel/config/target/iscsi'
    assert iser.wwn_types == ('iqn',) and iser.kernel_module == 'iscsi_target_mod'
    assert 'iser' not in FabricModule.list_fabrics()   # not listed twice
    target = Target(iser)
    assert [t.wwn for t in FabricModule('iscsi').targets] == [target.wwn]
    assert target.dump()['fabric'] == 'iscsi'
