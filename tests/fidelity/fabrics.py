"""Fidelity workloads for the fabrics beside iscsi and loopback (issue 16 item 1).

vhost (vhost_scsi), srpt (ib_srpt over soft-RoCE), tcm_fc, sbp (sbp_target)
and qla2xxx (tcm_qla2xxx) load in the VM's Debian kernel; xen_scsiback does
not ("No such device").  Each workload makes the fabric's objects with raw
configfs operations and records the tree after each create, every WWN form
the fabric takes or refuses, and what it lacks (np/, nexus, enable...).

setup_guest() runs in the guest before the workloads: it loads the modules
and gives ib_srpt a port (rdma_rxe on a veth pair with a fixed MAC, so that
the port's GID, hence srpt's target names, are the same in every boot).
"""
import glob
import os

# fabric dir -> module; xen_scsiback is tried and refused in the VM
FABRIC_MODULES = {'vhost': 'vhost_scsi', 'srpt': 'ib_srpt', 'fc': 'tcm_fc',
                  'sbp': 'sbp_target', 'qla2xxx': 'tcm_qla2xxx'}
VETH = ('veth-fab0', 'veth-fab1')
VETH_MAC = '02:16:00:00:00:01'
VETH_IP = '10.16.0.1'
RXE = 'rxe-fab0'
SRPT_RDMA_CM_PORT = 5000


def _sys(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def rdma_devices():
    """{device: {node_guid, ports: {n: {state, link_layer, gid, netdev}}}} from sysfs."""
    out = {}
    for dev_dir in sorted(glob.glob('/sys/class/infiniband/*')):
        ports = {}
        for port_dir in sorted(glob.glob(dev_dir + '/ports/*')):
            ports[os.path.basename(port_dir)] = {
                'state': _sys(port_dir + '/state'), 'link_layer': _sys(port_dir + '/link_layer'),
                'gid': _sys(port_dir + '/gids/0'),
                'netdev': _sys(port_dir + '/gid_attrs/ndevs/0')}
        out[os.path.basename(dev_dir)] = {'node_guid': _sys(dev_dir + '/node_guid'),
                                          'ports': ports}
    return out


def setup_guest(ctx):
    """Load the fabric modules and make the soft-RoCE port (once per boot)."""
    loaded, refused = {}, {}
    if not os.path.isdir('/sys/class/infiniband/' + RXE):
        for argv in (['ip', 'link', 'add', VETH[0], 'address', VETH_MAC, 'type', 'veth',
                      'peer', 'name', VETH[1]],
                     ['ip', 'addr', 'add', VETH_IP + '/24', 'dev', VETH[0]],
                     ['ip', 'link', 'set', VETH[0], 'up'], ['ip', 'link', 'set', VETH[1], 'up'],
                     ['modprobe', 'rdma_rxe'],
                     ['rdma', 'link', 'add', RXE, 'type', 'rxe', 'netdev', VETH[0]]):
            ctx.run(argv)
    for fabric, module in sorted(FABRIC_MODULES.items()) + [('xen-pvscsi', 'xen-scsiback')]:
        # srpt also listens on RDMA/CM (port 5000): ib_srp logs in over soft-RoCE with dest=
        extra = ['rdma_cm_port=%d' % SRPT_RDMA_CM_PORT] if module == 'ib_srpt' else []
        res = ctx.run(['modprobe', module] + extra, check=False)
        if res.returncode == 0:
            loaded[fabric] = module
        else:
            refused[fabric] = (res.stderr or res.stdout).strip()
    return loaded, refused


def srpt_names(devices):
    """Placeholders for srpt's port names: GUID form and GID form of port 1's GID 0."""
    gid = devices.get(RXE, {}).get('ports', {}).get('1', {}).get('gid') or \
        'fe80:0000:0000:0000:0016:00ff:fe00:0001'
    groups = gid.split(':')
    return {'SRPTGUID': ':'.join(groups[4:]), 'SRPTGID': '0x' + ''.join(groups),
            'SRPTGIDC': gid}


def _rows():
    from fidelity.workloads import RAM_ENABLED, RAMDISK, dump, echo, ln, ls, mkdir, read, rm, rmdir
    return RAM_ENABLED, RAMDISK, dump, echo, ln, ls, mkdir, read, rm, rmdir


def _fabric(fabric, *refused):
    """The fabric's dir made and dumped, then each refused WWN tried (EINVAL)."""
    from fidelity.workloads import dump, mkdir
    return [mkdir(fabric), dump('fabric')] + [mkdir(f'{fabric}/{wwn}', 'EINVAL') for wwn in refused]


def _lun0(tpg):
    """LUN 0 of tpg, linked to the ramdisk."""
    from fidelity.workloads import RAMDISK, ln, mkdir
    return [mkdir(tpg + '/lun/lun_0'), ln(RAMDISK, tpg + '/lun/lun_0/ram1_link')]


def _unmake(tpg, wwn, fabric):
    """LUN 0 unlinked and removed, then the TPG, the WWN and the fabric."""
    from fidelity.workloads import rm, rmdir
    return [rm(tpg + '/lun/lun_0/ram1_link'), rmdir(tpg + '/lun/lun_0'),
            rmdir(tpg), rmdir(wwn), rmdir(fabric)]


VW = 'vhost/naa.5001405aaaaaaaa1'
V = VW + '/tpgt_1'
SW = 'srpt/{SRPTGID}'
S = SW + '/tpgt_1'
FW = 'fc/20:00:00:11:22:33:44:55'
F = FW + '/tpgt_1'
BW = 'sbp/0011223344556677'
B = BW + '/tpgt_1'
SRP_INITIATOR = '0x00000000000000000011223344556677'


def vhost():
    RAM_ENABLED, RAMDISK, dump, echo, ln, ls, mkdir, read, rm, rmdir = _rows()
    return RAM_ENABLED + [
        mkdir('vhost'), dump('fabric'), read('vhost/version'),
        mkdir('vhost/eui.0011223344556677', 'EINVAL', 'eui is not a vhost WWN'),
        mkdir('vhost/not-a-wwn', 'EINVAL'),
        mkdir('vhost/naa.' + 'a' * 300, 'ENAMETOOLONG'),
        mkdir('vhost/iqn.2003-01.com.example:vh', 'OK', 'iqn prefix: iSCSI emulated port'),
        mkdir('vhost/fc.5001405aaaaaaaa2', 'OK', 'fc prefix: FCP emulated port'),
        rmdir('vhost/iqn.2003-01.com.example:vh'), rmdir('vhost/fc.5001405aaaaaaaa2'),
        mkdir(VW), dump('wwn'),
        mkdir(VW + '/tpg_1', 'EINVAL'), mkdir(VW + '/tpgt_x', 'EINVAL'),
        mkdir(VW + '/tpgt_65536', 'EINVAL'), mkdir(VW + '/tpgt_256', 'EINVAL'),
        mkdir(VW + '/tpgt_0', 'OK'), rmdir(VW + '/tpgt_0'),
        mkdir(V), dump('tpg'),
        read(V + '/nexus', 'ENODEV', 'no nexus yet'),
        echo(V + '/enable', '1', 'ENOENT', 'no enable file'),
        mkdir(V + '/np/127.0.0.1:3260', 'ENOSYS', 'no fabric_make_np'),
        echo(V + '/nexus', 'iqn.1994-05.com.redhat:x', 'EINVAL', 'protocol differs from the WWN'),
        echo(V + '/nexus', 'naa.5001405bbbbbbbb1'), read(V + '/nexus'),
        echo(V + '/nexus', 'naa.5001405bbbbbbbb2', 'EEXIST'), dump('nexus'),
        *_lun0(V), dump('lun'),
        mkdir(V + '/acls/naa.5001405ccccccccc1', 'OK', 'generic ACL'), dump('acl'),
        rmdir(V + '/acls/naa.5001405ccccccccc1'),
        echo(V + '/attrib/fabric_prot_type', '4', 'EINVAL'),
        echo(V + '/nexus', 'NULL', 'EBUSY', 'LUN still there'),
        rm(V + '/lun/lun_0/ram1_link'), rmdir(V + '/lun/lun_0'),
        echo(V + '/nexus', 'NULL'), read(V + '/nexus', 'ENODEV'),
        echo(V + '/nexus', 'NULL', 'ENODEV', 'no nexus to drop'), dump('nexus-dropped'),
        rmdir(V), rmdir(VW), rmdir('vhost'),
    ]


def srpt():
    RAM_ENABLED, RAMDISK, dump, echo, ln, ls, mkdir, read, rm, rmdir = _rows()
    return RAM_ENABLED + [
        mkdir('srpt'), dump('fabric'),
        mkdir('srpt/0x0000000000000000000000000000dead', 'EINVAL', 'no such port'),
        mkdir('srpt/ib.fe800000000000000016000000000001', 'EINVAL'),
        mkdir('srpt/{SRPTGIDC}', 'EINVAL', 'GID with colons'),
        mkdir('srpt/{SRPTGUID}', 'OK', 'port GUID form'), dump('wwn-guid'),
        mkdir(SW, 'OK', 'port GID form'), dump('wwn-gid'), rmdir('srpt/{SRPTGUID}'),
        mkdir(SW + '/tpgt_2', 'OK'), rmdir(SW + '/tpgt_2'),
        mkdir(S), dump('tpg'), mkdir(SW + '/tpgt_2', 'OK', 'srpt has many TPGs per port'),
        rmdir(SW + '/tpgt_2'),
        mkdir(S + '/np/127.0.0.1:3260', 'ENOSYS'),
        mkdir(S + '/acls/iqn.1994-05.com.redhat:x', 'EINVAL', 'not an SRP port name'),
        mkdir(S + '/acls/0x0011223344556677', 'OK', 'short form'),
        rmdir(S + '/acls/0x0011223344556677'),
        mkdir(S + '/acls/00000000000000000011223344556688', 'OK', 'no 0x'),
        rmdir(S + '/acls/00000000000000000011223344556688'),
        mkdir(S + '/acls/' + SRP_INITIATOR), dump('acl'),
        *_lun0(S),
        mkdir(S + '/acls/' + SRP_INITIATOR + '/lun_0'),
        ln(S + '/lun/lun_0', S + '/acls/' + SRP_INITIATOR + '/lun_0/m'), dump('lun'),
        echo(S + '/enable', '1'), read(S + '/enable'), dump('enabled'),
        echo(S + '/attrib/srp_max_rdma_size', '1', 'EINVAL', 'below 65536'),
        echo(S + '/attrib/srp_max_rdma_size', '131072'),
        echo(S + '/attrib/srp_sq_size', '1', 'EINVAL'),
        echo(S + '/attrib/use_srq', '1'), read(S + '/attrib/use_srq'),
        echo('srpt/discovery_auth/rdma_cm_port', '5000'), read('srpt/discovery_auth/rdma_cm_port'),
        echo('srpt/discovery_auth/rdma_cm_port', '0'),
        echo(S + '/enable', '0'),
        rm(S + '/acls/' + SRP_INITIATOR + '/lun_0/m'), rmdir(S + '/acls/' + SRP_INITIATOR + '/lun_0'),
        rmdir(S + '/acls/' + SRP_INITIATOR),
        *_unmake(S, SW, 'srpt'),
    ]


def tcm_fc():
    RAM_ENABLED, RAMDISK, dump, echo, ln, ls, mkdir, read, rm, rmdir = _rows()
    return RAM_ENABLED + [
        *_fabric('fc', 'naa.2000001122334455', '2000001122334455', '20:00:00:11:22:33:44'),
        mkdir(FW), dump('wwn'),
        mkdir(F), mkdir(FW + '/tpgt_2', 'EINVAL', 'a single TPG=1'), dump('tpg'),
        mkdir(F + '/np/127.0.0.1:3260', 'ENOSYS'),
        mkdir(F + '/acls/naa.2100001122334466', 'EINVAL'),
        mkdir(F + '/acls/21:00:00:11:22:33:44:66'), dump('acl'),
        *_lun0(F),
        echo(F + '/enable', '1', 'ENOENT', 'no enable file'), dump('lun'),
        rmdir(F + '/acls/21:00:00:11:22:33:44:66'),
        *_unmake(F, FW, 'fc'),
    ]


def sbp():
    RAM_ENABLED, RAMDISK, dump, echo, ln, ls, mkdir, read, rm, rmdir = _rows()
    return RAM_ENABLED + [
        *_fabric('sbp', 'eui.0011223344556677', '00:11:22:33:44:55:66:77', '001122334455667'),
        mkdir(BW), dump('wwn'),
        mkdir(BW + '/tpgt_2', 'OK'), rmdir(BW + '/tpgt_2'),
        mkdir(B), mkdir(BW + '/tpgt_2', 'EINVAL', 'only one TPG per unit'), dump('tpg'),
        mkdir(B + '/np/127.0.0.1:3260', 'ENOSYS'),
        mkdir(B + '/acls/0011223344556688', 'OK'), dump('acl'),
        rmdir(B + '/acls/0011223344556688'),
        *_lun0(B), dump('lun'),
        echo(B + '/enable', '1'), read(B + '/enable'), dump('enabled'), echo(B + '/enable', '0'),
        echo(B + '/attrib/mgt_orb_timeout', '0', 'EINVAL'),
        echo(B + '/directory_id', '12'),
        *_unmake(B, BW, 'sbp'),
    ]


def qla2xxx():
    RAM_ENABLED, RAMDISK, dump, echo, ln, ls, mkdir, read, rm, rmdir = _rows()
    return [
        mkdir('qla2xxx'), dump('fabric'), read('qla2xxx/version'),
        mkdir('qla2xxx/21:00:00:24:ff:00:00:01', 'EINVAL', 'no QLogic HBA with this port'),
        mkdir('qla2xxx/naa.21000024ff000001', 'EINVAL'), mkdir('qla2xxx/bogus', 'EINVAL'),
        mkdir('qla2xxx_npiv'), dump('npiv'),
        mkdir('qla2xxx_npiv/21:00:00:24:ff:00:00:01@21:00:00:24:ff:00:00:02', 'EINVAL'),
        rmdir('qla2xxx_npiv'), rmdir('qla2xxx'),
    ]


def absent():
    RAM_ENABLED, RAMDISK, dump, echo, ln, ls, mkdir, read, rm, rmdir = _rows()
    return [mkdir('xen-pvscsi', 'EINVAL', 'xen_scsiback refused to load'),
            mkdir('usb_gadget', 'EINVAL', 'usb_f_tcm not in the image'),
            mkdir('efct', 'EINVAL', 'efct not in the image'), dump('none')]


def workloads():
    return [('fabric-vhost', vhost()), ('fabric-srpt', srpt()), ('fabric-tcm_fc', tcm_fc()),
            ('fabric-sbp', sbp()), ('fabric-qla2xxx', qla2xxx()), ('fabric-absent', absent())]
