"""A client written for rtslib_fb, run with only its import changed."""
import pytest

from lib_helpers import sim_fs


def rtslib_fb_client():
    """Create a block backstore, target, TPG, portal with iSER, LUN, ACL with CHAP."""
    from rtslib import (LUN, TPG, BlockStorageObject, FabricModule, MappedLUN,  # was rtslib_fb
                        NetworkPortal, NodeACL, RTSRoot, Target)
    root = RTSRoot()
    so = BlockStorageObject('disk1', dev='/dev/sdb')
    iscsi = FabricModule('iscsi')
    target = Target(iscsi)
    tpg = TPG(target, 1)
    portal = NetworkPortal(tpg, '127.0.0.1', 3260)
    portal.iser = True
    lun = LUN(tpg, 0, so)
    acl = NodeACL(tpg, 'iqn.1994-05.com.redhat:client')
    acl.chap_userid = 'alice'
    acl.chap_password = 'secret1'
    acl.chap_mutual_userid = 'bob'
    acl.chap_mutual_password = 'secret2'
    mlun = MappedLUN(acl, 0, lun)
    tpg.set_attribute('authentication', '1')
    tpg.enable = True
    return root, so, target, tpg, portal, lun, acl, mlun


def test_rtslib_fb_client_creates_and_deletes(simdir):
    fs = sim_fs(simdir)
    root, so, target, tpg, portal, lun, acl, mlun = rtslib_fb_client()
    tpg_rel = f'iscsi/{target.wwn}/tpgt_1'
    assert target.wwn.startswith('iqn.2003-01.org.linux-iscsi.')
    assert fs.read(f'{tpg_rel}/np/127.0.0.1:3260/iser').strip() == '1'
    assert fs.read(f'{tpg_rel}/enable').strip() == '1'
    assert fs.read(f'{tpg_rel}/acls/iqn.1994-05.com.redhat:client/auth/userid_mutual').strip() \
        == 'bob'
    assert (acl.chap_userid, acl.chap_password) == ('alice', 'secret1')
    assert (acl.chap_mutual_userid, acl.chap_mutual_password) == ('bob', 'secret2')
    assert mlun.tpg_lun == lun and lun.storage_object == so
    assert so.status == 'activated'
    assert portal.iser is True and portal.offload is False
    # rtslib_fb-style listing and lookup
    assert [t.wwn for t in root.targets] == [target.wwn]
    assert [n.node_wwn for n in root.node_acls] == ['iqn.1994-05.com.redhat:client']
    assert list(root.mapped_luns) == [mlun]
    # delete: the target takes its TPG, portal, LUN and ACL; then the backstore
    target.delete()
    so.delete()
    assert list(root.targets) == [] and list(root.storage_objects) == []
    assert fs.listdir('core') == ['alua']


def test_storage_object_delete_takes_its_luns_along(simdir):
    sim_fs(simdir)
    root, so, target, *_ = rtslib_fb_client()
    so.delete()
    assert list(root.luns) == [] and list(root.mapped_luns) == []
    assert [t.wwn for t in root.targets] == [target.wwn]


def test_modes_any_create_lookup(simdir):
    sim_fs(simdir)
    from rtslib import FabricModule, RTSLibError, RTSLibNotInCFS, Target
    wwn = 'iqn.2003-01.org.example:t1'
    with pytest.raises(RTSLibNotInCFS):
        Target(FabricModule('iscsi'), wwn, mode='lookup')
    made = Target(FabricModule('iscsi'), wwn, mode='create')
    assert Target(FabricModule('iscsi'), wwn, mode='lookup') == made
    assert Target(FabricModule('iscsi'), wwn) == made
    with pytest.raises(RTSLibError, match='already exists'):
        Target(FabricModule('iscsi'), wwn, mode='create')
    with pytest.raises(RTSLibError, match="Invalid mode 'sometimes'"):
        Target(FabricModule('iscsi'), wwn, mode='sometimes')


def test_every_backstore_type(simdir):
    sim_fs(simdir)
    from rtslib import (BlockStorageObject, FileIOStorageObject, PSCSIStorageObject,
                        RDMCPStorageObject, RTSRoot, UserBackedStorageObject)
    f = FileIOStorageObject('f1', '/mnt/w/file1', 67108864, write_back=True)
    b = BlockStorageObject('b1', '/dev/loop0')
    r = RDMCPStorageObject('r1', 16 * 1024 * 1024)
    p = PSCSIStorageObject('p1', '/dev/sdc')
    u = UserBackedStorageObject('u1', config='file//mnt/w/u1', size=1048576)
    assert (f.size, f.write_back, f.udev_path, f.aio) == (67108864, True, '/mnt/w/file1', False)
    assert (b.udev_path, b.readonly) == ('/dev/loop0', False)
    assert (r.size, r.nullio) == (16 * 1024 * 1024, False)
    assert p.udev_path == '/dev/sdc'
    assert (u.size, u.config) == (1048576, 'file//mnt/w/u1')
    # one HBA per object, lowest free index across plugins, as rtslib-fb
    assert sorted(so.cfs_path for so in RTSRoot().storage_objects) == [
        'core/fileio_0/f1', 'core/iblock_1/b1', 'core/pscsi_3/p1', 'core/rd_mcp_2/r1',
        'core/user_4/u1']
    for so in (f, b, r, u):
        assert so.is_configured() and len(so.wwn) == 36


def test_loopback_nexus_and_lun(simdir):
    fs = sim_fs(simdir)
    from rtslib import LUN, TPG, FabricModule, RDMCPStorageObject, Target
    ram = RDMCPStorageObject('ram1', 1 << 20)
    target = Target(FabricModule('loopback'))
    assert target.wwn.startswith('naa.5001405')
    tpg = TPG(target)
    assert tpg.nexus.startswith('naa.5001405')
    assert tpg.enable is True  # loopback TPGs have no enable file
    lun = LUN(tpg, storage_object=ram)
    assert lun.lun == 0 and lun.storage_object == ram
    assert fs.read(f'{tpg.cfs_path}/nexus').strip() == tpg.nexus
    with pytest.raises(Exception, match='already set'):
        tpg.nexus = 'naa.5001405abcdef999'


def test_discovery_auth(simdir):
    fs = sim_fs(simdir)
    from rtslib import FabricModule
    iscsi = FabricModule('iscsi')
    iscsi.discovery_userid = 'du'
    iscsi.discovery_password = 'dp'
    iscsi.discovery_mutual_userid = 'dmu'
    iscsi.discovery_mutual_password = 'dmp'
    iscsi.discovery_enable_auth = True
    assert fs.read('iscsi/discovery_auth/enforce_discovery_auth').strip() == '1'
    assert iscsi.dump() == {'name': 'iscsi', 'discovery_enable_auth': True,
                            'discovery_userid': 'du', 'discovery_password': 'dp',
                            'discovery_mutual_userid': 'dmu', 'discovery_mutual_password': 'dmp'}
    iscsi.clear_discovery_auth_settings()
    assert (iscsi.discovery_userid, iscsi.discovery_enable_auth) == ('', False)


def test_tpg_generic_groups(simdir):
    sim_fs(simdir)
    from rtslib import TPG, FabricModule, Target
    tpg = TPG(Target(FabricModule('iscsi')))
    assert 'generate_node_acls' in tpg.list_attributes(writable=True)
    assert 'TargetAlias' in tpg.list_parameters()
    assert tpg.list_auth_attrs(writable=False) == ['authenticate_target']
    tpg.set_attribute('generate_node_acls', 1)
    tpg.set_parameter('TargetAlias', 'disk box')
    tpg.set_auth_attr('userid', 'rts-user')
    assert (tpg.get_attribute('generate_node_acls'), tpg.get_parameter('TargetAlias'),
            tpg.chap_userid) == ('1', 'disk box', 'rts-user')
    tpg.chap_userid = ''
    assert tpg.get_auth_attr('userid') == ''


def test_tpg_authenticate_target_follows_mutual_chap(simdir):
    sim_fs(simdir)
    from rtslib import TPG, FabricModule, Target
    tpg = TPG(Target(FabricModule('iscsi')))
    assert tpg.authenticate_target is False
    tpg.chap_mutual_userid, tpg.chap_mutual_password = 'm', 'mp'
    assert tpg.authenticate_target is True


def test_node_acl_groups_share_mapped_luns_and_settings(simdir):
    sim_fs(simdir)
    from rtslib import LUN, TPG, FabricModule, NodeACLGroup, RDMCPStorageObject, Target
    from rtslib.fabric import fabric_modules
    assert fabric_modules['iscsi']() == FabricModule('iscsi')
    tpg = TPG(Target(FabricModule('iscsi'), 'iqn.2003-01.org.example:x'), 1)
    LUN(tpg, 0, RDMCPStorageObject('r', 4096))
    group = NodeACLGroup(tpg, 'hosts')
    group.add_acl('iqn.1994-05.com.example:a')
    group.mapped_lun_group(0, 0)
    group.add_acl('iqn.1994-05.com.example:b')   # joins with the group's mapped LUN
    assert sorted(group.wwns) == ['iqn.1994-05.com.example:a', 'iqn.1994-05.com.example:b']
    assert [m.mapped_lun for m in group.mapped_lun_groups] == [0]
    assert [[m.mapped_lun for m in acl.mapped_luns] for acl in tpg.node_acls] == [[0], [0]]
    group.set_userids('shared')
    assert {wwn: uid for wwn, uid in group.get_userids()} == {
        'iqn.1994-05.com.example:a': 'shared', 'iqn.1994-05.com.example:b': 'shared'}
    with pytest.raises(Exception, match="'.' is not permitted"):
        NodeACLGroup(tpg, 'a.b')
    group.delete()
    assert list(tpg.node_acls) == []


def test_storage_object_factory_and_attribute_dicts(simdir):
    sim_fs(simdir)
    from rtslib import RTSLibError, StorageObjectFactory
    block = StorageObjectFactory('/dev/sdb')
    assert (block.plugin, block.name, block.udev_path) == ('block', 'dev-sdb', '/dev/sdb')
    file1 = StorageObjectFactory('/mnt/w/file1')
    assert (file1.plugin, file1.size) == ('fileio', 67108864)
    with pytest.raises(RTSLibError, match='not an existing file or block device'):
        StorageObjectFactory('/nonexistent')
    assert block.attributes['block_size'] == '512'
    assert 'hw_block_size' in block.attributes and 'hw_block_size' not in block.dump()['attributes']


def test_fabric_present_follows_the_host_and_loads_nothing(simdir):
    from rtslib import FabricModule
    fs = sim_fs(simdir, fabric_modules={'iscsi': 'iscsi_target_mod', 'qla2xxx': 'tcm_qla2xxx',
                                        'fc': 'tcm_fc'},
                fabric_wwns={'qla2xxx': ['naa.2100001b32000001'],
                             'sbp': ['eui.0011223344556677']})
    iscsi, loopback = FabricModule('iscsi', fs=fs), FabricModule('loopback', fs=fs)
    assert iscsi.present and not iscsi.exists  # asking made no fabric dir
    assert not loopback.present
    assert FabricModule('qla2xxx', fs=fs).present  # a hardware fabric: module and a port
    assert not FabricModule('tcm_fc', fs=fs).present  # its module, but no FCoE port
    assert not FabricModule('sbp', fs=fs).present  # a port, but no sbp_target module
    assert not FabricModule('srpt', fs=fs).present
    iscsi.target('iqn.2003-01.org.linux-iscsi.x:t1')
    assert iscsi.exists and iscsi.present
