"""A configuration with every kind of object, for the export/plan/apply tests.

Built with the library on a simulated host that has every fabric with a spec
(srpt, qla2xxx, tcm_fc, sbp, efct get local port WWNs), an RDMA address for
iSER, and every backstore; then exported, so the tests work on documents."""
import copy

PORTS = {'srpt': 'ib.fe800000000000000002c90300a8b3a1', 'qla2xxx': 'naa.21000024ff31e2a4',
         'tcm_fc': 'naa.200000109b123456', 'sbp': 'eui.0011223344556677',
         'efct': 'naa.10000090fa5d3c2e'}
INITIATORS = {'srpt': 'ib.fe800000000000000002c90300a8b3a2', 'sbp': 'eui.0011223344556678',
              'iscsi': 'iqn.1994-05.com.example:init'}
IQN = 'iqn.2003-01.org.example:every'
ISCSI_TPG = '/iscsi/%s/tpg1' % IQN
ISCSI_ACL = ISCSI_TPG + '/acls/' + INITIATORS['iscsi']
SECRETS = ('tpg-secret', 'secret1', 'secret2', 'disc-secret')


def every_fabric_host(fs):
    """Every fabric module, ports for those that need hardware, RDMA on 127.0.0.1,
    and one more SCSI disk (/dev/sdd) for pscsi."""
    from rtslib import spec
    specs = spec.load_all().values()
    host = fs.host()
    sdd = dict(host['block_devices']['/dev/sdc'], minor=48, name='sdd')
    fs.configure_host(fabric_modules={s['configfs_dir']: s['kernel_module'] for s in specs},
                      fabric_wwns={name: [wwn] for name, wwn in PORTS.items()},
                      rdma_addresses=['127.0.0.1'],
                      block_devices=dict(host['block_devices'], **{'/dev/sdd': sdd}),
                      scsi_devices=dict(host['scsi_devices'], **{'4:0:0:0': dict(
                          host['scsi_devices']['3:0:0:0'], dev='/dev/sdd')}))


def fabrics_with_spec():
    from rtslib import spec
    return sorted(n for n, s in spec.load_all().items() if not s.get('view_of'))


def build_iscsi(root):
    """Every backstore, ALUA groups, and an iSCSI target with everything a TPG has."""
    from rtslib import (ALUATargetPortGroup, BlockStorageObject, FabricModule,
                        FileIOStorageObject, LUN, MappedLUN, NetworkPortal, NodeACL,
                        PSCSIStorageObject, RDMCPStorageObject, Target, TPG,
                        UserBackedStorageObject)
    fileio = FileIOStorageObject('file1', dev='/mnt/w/file1', size=67108864, write_back=True)
    block = BlockStorageObject('disk1', dev='/dev/sdb')
    PSCSIStorageObject('pt1', dev='/dev/sdc')
    ram = RDMCPStorageObject('ram1', 1 << 20)
    UserBackedStorageObject('user1', config='file/tmp/u.img', size=1 << 20)
    fileio.set_attribute('emulate_3pc', 0)
    group = ALUATargetPortGroup(block, 'ao', 7)
    group.preferred = 1
    iscsi = FabricModule('iscsi')
    tpg = TPG(Target(iscsi, IQN), 1)
    tpg.set_attribute('authentication', 0)
    tpg.set_parameter('MaxRecvDataSegmentLength', 65536)
    tpg.chap_userid, tpg.chap_password = 'tpg-user', 'tpg-secret'
    portal = NetworkPortal(tpg, '127.0.0.1', 3261)
    portal.iser = True
    luns = [LUN(tpg, 0, fileio), LUN(tpg, 1, block), LUN(tpg, 2, ram)]
    luns[1].alua_tg_pt_gp_name = 'ao'
    acl = NodeACL(tpg, INITIATORS['iscsi'])
    acl.chap_userid, acl.chap_password = 'alice', 'secret1'
    acl.chap_mutual_userid, acl.chap_mutual_password = 'bob', 'secret2'
    acl.set_attribute('dataout_timeout', 5)
    MappedLUN(acl, 0, luns[0])
    MappedLUN(acl, 5, luns[1], write_protect=True)
    tpg.enable = True
    iscsi.discovery_userid, iscsi.discovery_password = 'disc', 'disc-secret'
    iscsi.discovery_enable_auth = True
    return ram


def build_fabric(root, name, ram):
    """One target of fabric `name` exporting ram (and an ACL mapping it where the
    fabric has ACLs); returns its path, or raises what the simulator refused."""
    from rtslib import LUN, MappedLUN, NodeACL, TPG, FabricModule, Target
    fm = FabricModule(name)
    tpg = TPG(Target(fm, PORTS.get(name)), 1)
    lun = LUN(tpg, 0, ram)
    if fm.has_feature('acls'):
        MappedLUN(NodeACL(tpg, INITIATORS.get(name, 'naa.21000024ff31e2a5')), 0, lun)
    return tpg


def covers(have, want):
    """The JSON paths where `want` says something `have` does not (restore's
    comparison: lists matched by identity), link names left out."""
    from rtslib.saveconfig.restore import differences
    return differences(without_aliases(want), without_aliases(have))


def sorted_members(t):
    """tree() with each ALUA members file's lines sorted: the kernel lists a group's
    LUNs in the order they joined, which an undo that re-creates a LUN changes."""
    out = dict(t)
    for key, value in t.items():
        if key.endswith('/members') and value[0] == 'file':
            out[key] = ('file', b''.join(sorted(value[1].split(b'\n\x00'))))
    return out


def without_aliases(doc):
    """A document without link names (the one thing apply does not compare)."""
    doc = copy.deepcopy(doc)
    for t in doc['targets']:
        for tpg in t['tpgs']:
            for lun in tpg['luns']:
                lun.pop('alias', None)
            for acl in tpg['node_acls']:
                for mlun in acl['mapped_luns']:
                    mlun.pop('alias', None)
    return doc
