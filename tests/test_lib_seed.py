"""The seed page's "Scripting with RTSlib" script, run verbatim except its import line."""
from lib_helpers import sim_fs

# /work/shared/seed/lio-iser-wiki.txt, section "Setup script"; only the
# import line is ours (it reads `from rtslib import *` there too).
SEED_SCRIPT = '''\
#!/usr/bin/python
# iSER setup script example with RTSlib
from rtslib import *

# Setup an IBLOCK backstore
backstore = IBlockBackstore(3, mode='create')
try:
    so = IBlockStorageObject(backstore, "sdb", "/dev/sdb", gen_wwn=True)
except:
    backstore.delete()
    raise

# Create an iSER target endpoint using an iSCSI IQN
fabric = FabricModule('iSCSI')
target = Target(fabric, "iqn.2003-01.org.linux-iscsi.x.x8664:sn.d3d8b0500fde")
tpg = TPG(target, 1)

# Setup a network portal in the iSER TPG
# The IP address must already be active on the system
portal = NetworkPortal(tpg, "192.168.1.128", "5060")

# Enable iSER for the portal (only difference to iSCSI)
portal._set_iser_attr(1)

# Export LUN 0 via the 'so' StorageObject class
lun0 = tpg.lun(0, so, "my_lun")

# Setup the NodeACL for an iSER initiator, and create MappedLUN 0
node_acl = tpg.node_acl("iqn.2003-01.org.linux-iscsi.y.x8664:sn.abcdefghijkl")
mapped_lun = node_acl.mapped_lun(0, 0, False)
'''

IQN = 'iqn.2003-01.org.linux-iscsi.x.x8664:sn.d3d8b0500fde'
TPG = f'iscsi/{IQN}/tpgt_1'
ACL = f'{TPG}/acls/iqn.2003-01.org.linux-iscsi.y.x8664:sn.abcdefghijkl'


def run_seed():
    namespace = {'__name__': 'seed'}
    exec(compile(SEED_SCRIPT, 'lio-iser-wiki-seed.py', 'exec'), namespace)
    return namespace


def test_seed_script_builds_the_seed_tree(simdir):
    # "The IP address must already be active on the system", on an RDMA port
    fs = sim_fs(simdir, ip_addresses=['127.0.0.1', '::1', '192.168.1.128'],
                rdma_addresses=['192.168.1.128'])
    ns = run_seed()
    # the storage object: core/iblock_3/sdb, enabled, with a unit serial
    assert fs.read('core/iblock_3/sdb/enable').strip() == '1'
    assert fs.read('core/iblock_3/sdb/udev_path').strip() == '/dev/sdb'
    assert ns['so'].wwn and ns['so'].wwn in fs.read('core/iblock_3/sdb/wwn/vpd_unit_serial')
    # the portal with iSER on, on the port given as a string
    assert fs.read(f'{TPG}/np/192.168.1.128:5060/iser').strip() == '1'
    assert ns['portal'].iser is True and ns['portal'].port == 5060
    # LUN 0 linked under the alias the script chose
    assert fs.readlink(f'{TPG}/lun/lun_0/my_lun') == 'core/iblock_3/sdb'
    # the ACL's mapped LUN 0 -> TPG LUN 0, writable
    assert fs.readlink(f'{ACL}/lun_0/' + ns['mapped_lun'].alias) == f'{TPG}/lun/lun_0'
    assert fs.read(f'{ACL}/lun_0/write_protect').strip() == '0'
    assert ns['mapped_lun'].tpg_lun == ns['lun0']


def test_seed_objects_read_back_through_the_rtslib_fb_api(simdir):
    sim_fs(simdir, ip_addresses=['127.0.0.1', '::1', '192.168.1.128'],
           rdma_addresses=['192.168.1.128'])
    run_seed()
    from rtslib import RTSRoot
    root = RTSRoot()
    assert [(so.plugin, so.name, so.udev_path) for so in root.storage_objects] == \
        [('block', 'sdb', '/dev/sdb')]
    assert [t.wwn for t in root.targets] == [IQN]
    assert [(p.ip_address, p.port, p.iser) for p in root.network_portals] == \
        [('192.168.1.128', 5060, True)]
    lun = next(root.luns)
    assert (lun.lun, lun.alias, lun.storage_object.name) == (0, 'my_lun', 'sdb')
    assert [m.mapped_lun for m in lun.mapped_luns] == [0]


def test_seed_script_without_the_rdma_port_fails_with_a_clear_error(simdir):
    """On a host where 192.168.1.128 has no RDMA device, iSER cannot be on."""
    import pytest
    from rtslib import RTSLibError
    sim_fs(simdir, ip_addresses=['127.0.0.1', '::1', '192.168.1.128'], rdma_addresses=[])
    with pytest.raises(RTSLibError) as err:
        run_seed()
    msg = str(err.value)
    assert msg.startswith('Cannot enable iSER on portal 192.168.1.128:5060')
    assert 'RDMA' in msg
