"""Which names the fabrics beside iscsi and loopback take (recorded on 6.1:
tests/data/reference/kernel-6.1-fabrics/ops.tsv).

name_check(fs, kind, fabric, name, parent_state) raises the kernel's errno for
a target (wwn), TPG or ACL name the fabric refuses and returns state to keep.
"""
import errno
import re

from rtslib.simkernel.parse import fail

COLON_WWN = re.compile(r'^([0-9a-f]{2}:){7}[0-9a-f]{2}$')   # tcm_fc ft_parse_wwn
SBP_WWN = re.compile(r'^[0-9a-fA-F]{16}$')                  # sbp_parse_wwn: 16 hex digits
VHOST_PREFIXES = {'naa.': 'SAS', 'fc.': 'FCP', 'iqn.': 'iSCSI'}
# SCSI transport protocol identifiers (statistics scsi_transport/proto_id)
PROTO_IDS = {'FCP': 0, 'SBP': 3, 'SRP': 4, 'iSCSI': 5, 'SAS': 6}
FABRIC_PROTO = {'fc': 'FCP', 'sbp': 'SBP', 'srpt': 'SRP', 'qla2xxx': 'FCP'}


def _listed_ports(host, fabric):
    """Hardware ports sim-host.json lists in fabric_wwns (normalized WWNs, 'naa.21...')."""
    return [w.split('.', 1)[1] for w in (host.get('fabric_wwns') or {}).get(fabric, [])]


def srpt_port_names(host):
    """{target name: (device, port)} srpt registers for each RDMA port: the port
    GUID form ('0016:00ff:fe00:0001') and the GID form ('0xfe80...0001'); ports
    listed in fabric_wwns 'srpt' (ib.<GID>) by their GID form."""
    names = {'0x' + gid: ('fabric_wwns', gid) for gid in _listed_ports(host, 'srpt')}
    for dev, info in sorted((host.get('rdma_devices') or {}).items()):
        for port, pinfo in sorted(info.get('ports', {}).items()):
            gid = pinfo.get('gid') or ''
            groups = gid.split(':')
            if len(groups) != 8:
                continue
            names[':'.join(groups[4:])] = (dev, port)
            names['0x' + ''.join(groups)] = (dev, port)
    return names


def check_wwn(fs, fabric, name):
    if fabric == 'vhost':
        proto = next((p for pre, p in VHOST_PREFIXES.items() if name.startswith(pre)), None)
        if proto is None:
            raise fail(errno.EINVAL)     # "Unable to locate prefix for emulated Target Port"
        return {'proto': proto}
    if fabric == 'fc':
        if not COLON_WWN.match(name):
            raise fail(errno.EINVAL)
    elif fabric == 'sbp':
        if not SBP_WWN.match(name):
            raise fail(errno.EINVAL)
    elif fabric in ('qla2xxx', 'qla2xxx_npiv'):
        ports = [':'.join(p[i:i + 2] for i in range(0, len(p), 2))
                 for p in _listed_ports(fs.host(), 'qla2xxx')]
        if name not in ports:
            raise fail(errno.EINVAL)     # no QLogic HBA port with that WWPN
    elif fabric == 'srpt':
        if name not in srpt_port_names(fs.host()):
            raise fail(errno.EINVAL)     # no RDMA port with that GUID/GID
    return {'proto': FABRIC_PROTO.get(fabric)} if fabric in FABRIC_PROTO else {}


def check_tpg(fs, fabric, tpgt, wwn_state):
    """Per-fabric TPG limits; wwn_state['tpgs'] counts the target's TPGs."""
    if fabric == 'fc' and tpgt != 1:
        raise fail(errno.EINVAL)         # "a single TPG=1 is used for HW port mappings"
    if fabric == 'sbp' and wwn_state.get('tpgs'):
        raise fail(errno.EINVAL)         # "Only one TPG per Unit is possible."


def check_acl(fs, fabric, name):
    if fabric == 'fc' and not COLON_WWN.match(name):
        raise fail(errno.EINVAL)
    if fabric == 'srpt' and not srpt_initiator(name):
        raise fail(errno.EINVAL)


SRP_INITIATOR = re.compile(r'^(0x)?[0-9a-fA-F]{1,32}$')


def srpt_initiator(name):
    """srpt_parse_i_port_id: an optional 0x and up to 32 hex digits."""
    return bool(SRP_INITIATOR.match(name))


def proto_id(fabric, wwn_state):
    proto = wwn_state.get('proto')
    return PROTO_IDS.get(proto) if proto else None
