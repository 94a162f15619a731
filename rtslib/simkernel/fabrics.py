"""Writes to ALUA groups, TPGs, ACLs, portals and loopback nexus files."""
import errno

from rtslib.simkernel import host as hostmod
from rtslib.simkernel import parse, rules
from rtslib.simkernel.objects import (add_tg_member, assign_group_id, count_nps,
                                      drop_tg_member, parent_obj)
from rtslib.simkernel.parse import fail
from rtslib.simkernel.values import _bool01, _kbool


ALUA_TYPES = {0: 'None', 1: 'Implicit', 2: 'Explicit', 3: 'Implicit and Explicit'}
ALUA_STATUS = {0: 'None', 1: 'Altered by Explicit STPG', 2: 'Altered by Implicit ALUA'}


def _gp_location(node):
    """(device object, group name, group object or None for the default group)."""
    if node.kind == 'tg_pt_gp':
        return parent_obj(node.obj_path, 2), node.name, node.obj_path
    return node.obj_path, 'default_tg_pt_gp', None


def _tg_pt_gp_attr(fs, node, data, spec):
    fname = node.sub.rsplit('/', 1)[-1]
    dev_obj, gp, gp_obj = _gp_location(node)
    if fname == 'tg_pt_gp_id':
        return _tg_pt_gp_id(fs, dev_obj, gp, gp_obj, data)
    value = parse.kstrtoull(data, 32)
    if fname == 'alua_access_type':
        if value not in ALUA_TYPES:
            raise fail(errno.EINVAL)
        return ALUA_TYPES[value] + '\n'
    if fname == 'alua_access_status':
        if value not in ALUA_STATUS:
            raise fail(errno.EINVAL)
        return ALUA_STATUS[value] + '\n'
    if fname == 'alua_access_state':
        valid = gp_obj is None or fs.store.state(gp_obj).get('id') is not None
        if not valid or not fs.store.state(dev_obj).get('enabled') \
                or value not in (0, 1, 2, 3, 14, 15):
            raise fail(errno.EINVAL)
    if fname in ('preferred', 'alua_write_metadata') or fname.startswith('alua_support_'):
        if value > 1:
            raise fail(errno.EINVAL)
    return f'{int(value)}\n'


def _tg_pt_gp_id(fs, dev_obj, gp, gp_obj, data):
    value = parse.kstrtoull(data, 32)
    if value > 0xffff:
        raise fail(errno.EINVAL)
    value = assign_group_id(fs, dev_obj, 'tg_pt_gp', gp, value)
    if gp_obj is not None:
        gst = fs.store.state(gp_obj)
        gst['id'] = value
        fs.store.save_state(gp_obj, gst)
        for lun_obj in gst.get('member_objs', []):
            lst = fs.store.state(lun_obj)
            lst['tg_pt_gp_id'] = value
            fs.store.save_state(lun_obj, lst)
            fs.refresh(lun_obj)
    return f'{int(value)}\n'


def _lun_tg_pt_gp(fs, node, data, spec):
    lst = fs.store.state(node.obj_path)
    if not lst.get('dev'):
        raise fail(errno.ENODEV)
    name = data.strip()
    dev_obj = lst['dev']['obj']
    if name == 'default_tg_pt_gp':
        gp_id, gp_obj = 0, None
    else:
        gp_obj = dev_obj + '/alua/' + name
        gst = fs.store.state(gp_obj) if name and '/' not in name else {}
        if gst.get('id') is None:
            raise fail(errno.ENODEV)        # no such group, or its id is not set
        gp_id = gst['id']
    drop_tg_member(fs, dev_obj, lst.get('tg_pt_gp', 'default_tg_pt_gp'), lst['member'],
                   node.obj_path)
    add_tg_member(fs, dev_obj, name, lst['member'], node.obj_path)
    lst.update(tg_pt_gp=name, tg_pt_gp_id=gp_id)
    fs.store.save_state(node.obj_path, lst)


def _lun_alua_bool(fs, node, data, spec):
    if not fs.store.state(node.obj_path).get('dev'):
        raise fail(errno.ENODEV)
    return _bool01(data, spec)


def _lun_alua_status(fs, node, data, spec):
    if not fs.store.state(node.obj_path).get('dev'):
        raise fail(errno.ENODEV)
    if parse.kstrtoull(data, 32) > 2:
        raise fail(errno.EINVAL)
    return f'{parse.kstrtoull(data, 32)}\n'


# -- fabrics -------------------------------------------------------------------------------

def _tpg_enable(fs, node, data, spec):
    return _kbool(data, spec)             # target_fabric_tpg_base_enable_store: kstrtobool


def _tpg_authentication(fs, node, data, spec):
    """authentication=0 adds None to AuthMethod, =1 takes it out (iscsit_ta_authentication)."""
    content = _bool01(data, spec)
    rel = node.obj_path + '/param/AuthMethod'
    methods = [m for m in fs.store.get_file(rel).rstrip('\n').split(',') if m]
    if content == '0\n' and 'None' not in methods:
        methods.append('None')
    elif content == '1\n' and 'None' in methods and len(methods) > 1:
        methods.remove('None')
    fs.store.set_value(rel, ','.join(methods) + '\n')
    return content


def _cmdsn_depth(fs, node, data, spec):
    value = parse.kstrtoull(data, 32)
    if value > rules.CMDSN_DEPTH_MAX:
        raise fail(errno.EINVAL)
    return f'{int(max(value, 1))}\n'           # 0: "defaulting to 1"


def _mapped_lun_wp(fs, node, data, spec):
    value = _bool01(data, spec)
    st = fs.store.state(node.obj_path)
    if st.get('lun'):                       # no deve yet: the kernel ignores it
        st['wp'] = int(value)
        fs.store.save_state(node.obj_path, st)
    return None


def _nexus(fs, node, data, busy):
    """tcm_loop's and vhost_scsi's nexus store; dropping it (NULL) while the TPG has
    LUNs is `busy` ("active TPG port count": EPERM for tcm_loop, EBUSY for vhost)."""
    st = fs.store.state(node.obj_path)
    if data.startswith('NULL'):
        if not st.get('nexus'):
            raise fail(errno.ENODEV)
        if st.get('ports'):
            raise fail(busy)
        st.pop('nexus')
        fs.store.save_state(node.obj_path, st)
        return None
    if len(data) >= 256:
        raise fail(errno.EINVAL)
    wwn = fs.store.state(parent_obj(node.obj_path, 1))
    proto = next((p for pre, p in rules.LOOPBACK_PREFIXES.items() if pre in data), None)
    if proto is None or proto != wwn.get('proto'):
        raise fail(errno.EINVAL)            # no prefix / protocol differs from the wwn's
    if st.get('nexus'):
        raise fail(errno.EEXIST)
    st['nexus'] = parse.one_newline(data)
    fs.store.save_state(node.obj_path, st)
    return None


def _loop_nexus(fs, node, data, spec):
    return _nexus(fs, node, data, errno.EPERM)


def _vhost_nexus(fs, node, data, spec):
    return _nexus(fs, node, data, errno.EBUSY)


def _sbp_directory_id(fs, node, data, spec):
    """'implicit', or a hex number up to 0xffffff shown as %06x."""
    text = parse.one_newline(data)
    if text == 'implicit':
        return 'implicit\n'
    try:
        value = int(text, 16)
    except ValueError:
        raise fail(errno.EINVAL) from None
    if not 0 <= value <= 0xffffff:
        raise fail(errno.EINVAL)
    return f'{value:06x}\n'


def _loop_transport_status(fs, node, data, spec):
    value = parse.one_newline(data)
    if value not in ('online', 'offline'):
        raise fail(errno.EINVAL)
    return value + '\n'


def _portal_iser(fs, node, data, spec):
    value = parse.kstrtoull(data, 32)
    if value > 1:
        raise fail(errno.EINVAL)
    st = fs.store.state(node.obj_path)
    if value and not st.get('iser'):
        host, addr = fs.host(), st['addr']
        if addr in ('0.0.0.0', '::') or hostmod.is_loopback(addr) \
                or addr in hostmod.rdma_served(host):
            pass
        elif not hostmod.is_local(host, addr):
            raise fail(errno.EADDRNOTAVAIL)  # rdma_bind_addr() failed: -99
        else:
            raise fail(errno.ENODEV)         # local address, no RDMA device on it
    if value != st.get('iser', 0):
        count_nps(fs, node.obj_path, value - st.get('iser', 0))
    st['iser'] = value
    fs.store.save_state(node.obj_path, st)
    return f'{int(value)}\n'


def _portal_cxgbit(fs, node, data, spec):
    value = parse.kstrtoull(data, 32)
    if value > 1:
        raise fail(errno.EINVAL)
    st = fs.store.state(node.obj_path)
    if value and st['addr'] not in fs.host()['cxgbit_addresses']:
        raise fail(errno.EINVAL)             # no Chelsio offload device
    st['cxgbit'] = value
    fs.store.save_state(node.obj_path, st)
    return f'{int(value)}\n'


def _dbroot(fs, node, data, spec):
    if fs.host()['fabric_modules']:
        raise fail(errno.EINVAL)            # "db_root: cannot be changed: target drivers registered"
    path = parse.one_newline(data)
    if not hostmod.dir_exists(fs.host(), path):
        raise fail(errno.EINVAL)
    return path + '\n'


FABRIC_ACTIONS = {
    'dbroot': _dbroot,
    'tg_pt_gp_attr': _tg_pt_gp_attr,
    'tg_pt_gp_id': _tg_pt_gp_attr,
    'lun_tg_pt_gp': _lun_tg_pt_gp,
    'lun_alua_bool': _lun_alua_bool,
    'lun_alua_status': _lun_alua_status,
    'tpg_enable': _tpg_enable,
    'cmdsn_depth': _cmdsn_depth,
    'tpg_authentication': _tpg_authentication,
    'mapped_lun_wp': _mapped_lun_wp,
    'loop_nexus': _loop_nexus,
    'vhost_nexus': _vhost_nexus,
    'sbp_directory_id': _sbp_directory_id,
    'loop_transport_status': _loop_transport_status,
    'portal_iser': _portal_iser,
    'portal_cxgbit': _portal_cxgbit,
}
