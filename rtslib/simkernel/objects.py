"""What the kernel checks and records when objects are made, removed and linked.

Each on_create_<kind> validates the new dir's name (raising the kernel's errno)
and returns the object's hidden state; only the parent's state and small
registries are read, never a listing of the tree.
"""
import errno
import time

from rtslib.simkernel import fabric_names, parse, rules
from rtslib.simkernel.parse import fail
from rtslib.simkernel.render import fabric_name, tg_member


def parent_obj(obj, levels):
    return '/'.join(obj.split('/')[:-levels])


def tpg_of(obj):
    """FABRIC/WWN/tpgt_N of anything below a TPG."""
    return '/'.join(obj.split('/')[:3])


# -- mkdir ---------------------------------------------------------------------

def on_create(fs, node):
    return _CREATE[node.kind](fs, node, node.name)


def _create_fabric(fs, node, name):
    if name not in fs.host()['fabric_modules']:
        # no such fabric module loaded or loadable on demand
        raise fail(errno.EINVAL)
    if name == 'iscsi':
        return {'discovery': fs.store.table('iscsi-module.json')}
    return {}


def _create_hba(fs, node, name):
    plugin, index = _hba_name(name)
    if plugin not in fs.host()['backstore_plugins']:
        raise fail(errno.EINVAL)
    hba_id = fs.store.next_counter('hba_id', 1)
    # statistics `inst` is the hba_index, one ahead: the kernel's own lun0 HBA is 0
    return {'index': hba_id, 'inst': hba_id + 1, 'dev_count': 0, 'host_id': index}


def _hba_name(name):
    from rtslib.simkernel.kinds import hba_plugin
    plugin, index = hba_plugin(name)
    if plugin is None:
        raise fail(errno.EINVAL)
    try:
        value = parse.kstrtoull(index, 64, newline=False)
    except OSError:
        raise fail(errno.EINVAL) from None
    return plugin, value


def _create_device(fs, node, name):
    hba = fs.store.state(parent_obj(node.obj_path, 1))
    return {'plugin': node.flavour, 'enabled': False, 'params': {},
            'hba_inst': hba['inst'], 'exports': 0, 'refs': 0, 'rtpi_next': 1}


def _create_tg_pt_gp(fs, node, name):
    return {'id': None, 'members': []}


def _create_lu_gp(fs, node, name):
    return {'id': None, 'members': []}


def _create_wwn(fs, node, name):
    fab = node.flavour
    if fab == 'iscsi':
        if len(name.encode('utf-8', 'surrogateescape')) > rules.MAX_ISCSI_WWN:
            raise fail(errno.EINVAL)
        return {'tiqn_index': fs.store.next_counter('tiqn_index', 0)}
    if fab == 'loopback':
        proto = next((p for pre, p in rules.LOOPBACK_PREFIXES.items() if pre in name), None)
        if proto is None:
            raise fail(errno.EINVAL)
        host_no = fs.store.next_counter('scsi_host', fs.host()['first_scsi_host'])
        return {'proto': proto, 'host_no': host_no}
    return fabric_names.check_wwn(fs, fab, name)


def _create_tpg(fs, node, name):
    try:
        tpgt = parse.numbered(name, 'tpgt_', 16)
    except OSError:
        raise fail(errno.EINVAL) from None
    limit = rules.MAX_TPGT.get(node.flavour)
    if limit is not None and tpgt > limit:
        raise fail(errno.EINVAL)
    wwn_obj = parent_obj(node.obj_path, 1)
    wst = fs.store.state(wwn_obj)
    fabric_names.check_tpg(fs, node.flavour, tpgt, wst)
    wst['tpgs'] = wst.get('tpgs', 0) + 1
    fs.store.save_state(wwn_obj, wst)
    st = {'tpgt': tpgt, 'ports': 0}
    if node.flavour == 'loopback':
        st['host_no'] = fs.store.state(parent_obj(node.obj_path, 1))['host_no']
    return st


def _create_lun(fs, node, name):
    try:
        return {'lun': parse.numbered(name, 'lun_', 64), 'refs': 0}
    except OSError:
        raise fail(errno.EINVAL) from None


def _create_mapped_lun(fs, node, name):
    try:
        return {'mapped_lun': parse.numbered(name, 'lun_', 64)}
    except OSError:
        raise fail(errno.EINVAL) from None


def _create_acl(fs, node, name):
    fabric_names.check_acl(fs, node.flavour, name)
    return {'acl_index': fs.store.next_counter('acl_index', 1)}


def _create_portal(fs, node, name):
    if node.flavour != 'iscsi':
        raise fail(errno.ENOSYS)       # fabric has no network portals
    addr, port = parse.portal(name)
    tpg = tpg_of(node.obj_path)
    # the kernel's global np list: {address: TPGs using it} per port, kept as
    # {address: count} per port (few addresses) + the TPGs per (port, address, target)
    table = f'np-{port}.json'
    reg = fs.store.table(table)
    key = _np_key(port, addr, tpg)
    users = fs.store.state(key).get('tpgs', []) if addr in reg else []
    stale = tpg in users                 # its dir does not exist (mkdir checked): a dead process
    if users and not stale:
        # the same np in two TPGs of one target is refused; other targets share it
        raise fail(errno.EINVAL)
    if addr not in reg and port and any(_bind_conflict(addr, other) for other in reg):
        raise fail(errno.EINVAL)         # kernel_bind() failed: -EADDRINUSE
    if not stale:
        reg[addr] = reg.get(addr, 0) + 1
    fs.store.save_table(table, reg)
    fs.store.save_state(key, {'tpgs': [tpg]})
    if not stale:
        count_nps(fs, node.obj_path, 1)
    return {'addr': addr, 'port': port, 'iser': 0, 'cxgbit': 0}


def _np_key(port, addr, tpg):
    return f"np:{port}:{addr}:{tpg.rsplit('/', 1)[0]}"


def count_nps(fs, portal_obj, delta):
    """The target's fabric_statistics count of network portals (iSER ones too)."""
    wwn_obj = parent_obj(tpg_of(portal_obj), 1)
    wst = fs.store.state(wwn_obj)
    wst['nps'] = wst.get('nps', 0) + delta
    fs.store.save_state(wwn_obj, wst)
    fs.refresh(wwn_obj)


def _bind_conflict(new, old):
    """Listening sockets on one port: wildcards overlap their family (:: is dual-stack)."""
    v6 = lambda a: ':' in a     # noqa: E731
    if '::' in (new, old):
        return True
    if '0.0.0.0' in (new, old):
        return not v6(new) and not v6(old)
    return False


_CREATE = {'fabric': _create_fabric, 'hba': _create_hba, 'device': _create_device,
           'tg_pt_gp': _create_tg_pt_gp, 'lu_gp': _create_lu_gp, 'wwn': _create_wwn,
           'tpg': _create_tpg, 'lun': _create_lun, 'mapped_lun': _create_mapped_lun,
           'acl': _create_acl, 'portal': _create_portal}


# -- rmdir ------------------------------------------------------------------------

def on_remove(fs, node, st):
    fn = _REMOVE.get(node.kind)
    if fn:
        fn(fs, node, st)


def _remove_portal(fs, node, st):
    table = f"np-{st['port']}.json"
    reg = fs.store.table(table)
    reg[st['addr']] = reg.get(st['addr'], 1) - 1
    if reg[st['addr']] <= 0:
        reg.pop(st['addr'])
    fs.store.save_table(table, reg)
    fs.store.drop_state(_np_key(st['port'], st['addr'], tpg_of(node.obj_path)))
    count_nps(fs, node.obj_path, -1 - st.get('iser', 0))


def _remove_device(fs, node, st):
    if st.get('claim'):
        fs.store.drop_state('claim:' + st['claim'])
    if st.get('enabled'):
        fs.store.remove_entry(f"core/alua/lu_gps/{st.get('lu_gp', 'default_lu_gp')}/members",
                              member_name(node.obj_path) + '\n')


def _remove_tg_pt_gp(fs, node, st):
    # member LUNs fall back to the device's default group
    dev_obj = parent_obj(node.obj_path, 2)
    release_group_id(fs, dev_obj, 'tg_pt_gp', node.name)
    for member_lun in st.get('member_objs', []):
        lst = fs.store.state(member_lun)
        lst.update(tg_pt_gp='default_tg_pt_gp', tg_pt_gp_id=0)
        fs.store.save_state(member_lun, lst)
        add_tg_member(fs, dev_obj, 'default_tg_pt_gp', lst['member'], member_lun)
        fs.refresh(member_lun)


def _remove_lu_gp(fs, node, st):
    release_group_id(fs, '', 'lu_gp', node.name)
    # member devices go back to default_lu_gp (core_alua_free_lu_gp)
    from rtslib.simkernel.devices import move_lu_gp
    for dev_obj in st.get('member_objs', []):
        dst = fs.store.state(dev_obj)
        if dst:
            move_lu_gp(fs, dev_obj, dst, 'default_lu_gp')
            fs.refresh(dev_obj)


def _remove_tpg(fs, node, st):
    wwn_obj = parent_obj(node.obj_path, 1)
    wst = fs.store.state(wwn_obj)
    wst['tpgs'] = max(0, wst.get('tpgs', 1) - 1)
    fs.store.save_state(wwn_obj, wst)


def _remove_fabric(fs, node, st):
    # discovery auth belongs to iscsi_target_mod: it outlives the fabric dir
    if node.flavour == 'iscsi':
        saved = dict(zip(DISCOVERY_FILES, fs.read_values(
            node.obj_path, ['discovery_auth/' + f for f in DISCOVERY_FILES])))
        fs.store.save_table('iscsi-module.json', saved)


DISCOVERY_FILES = ('userid', 'password', 'userid_mutual', 'password_mutual',
                   'enforce_discovery_auth')

_REMOVE = {'portal': _remove_portal, 'device': _remove_device,
           'tg_pt_gp': _remove_tg_pt_gp, 'lu_gp': _remove_lu_gp, 'fabric': _remove_fabric,
           'tpg': _remove_tpg}


LU_MEMBERS = 'core/alua/lu_gps/default_lu_gp/members'


def add_tg_member(fs, dev_obj, gp, member, lun_obj):
    """A LUN joins a device's target port group (members file and group state)."""
    fs.store.append(f'{dev_obj}/alua/{gp}/members', tg_member(member))
    if gp != 'default_tg_pt_gp':
        gp_obj = f'{dev_obj}/alua/{gp}'
        gst = fs.store.state(gp_obj)
        gst.setdefault('member_objs', []).append(lun_obj)
        fs.store.save_state(gp_obj, gst)


def drop_tg_member(fs, dev_obj, gp, member, lun_obj):
    fs.store.remove_entry(f'{dev_obj}/alua/{gp}/members', tg_member(member))
    if gp != 'default_tg_pt_gp':
        gp_obj = f'{dev_obj}/alua/{gp}'
        gst = fs.store.state(gp_obj)
        gst['member_objs'] = [m for m in gst.get('member_objs', []) if m != lun_obj]
        fs.store.save_state(gp_obj, gst)


def assign_group_id(fs, owner_obj, kind, name, value):
    """core_alua_set_{tg_pt,lu}_gp_id: once per group, unique among the owner's
    groups (a device's tg_pt_gps, or all lu_gps); 0 takes the next free number."""
    owner = fs.store.state(owner_obj)
    ids = owner.setdefault(kind + '_ids', {f'default_{kind}': 0})
    if name in ids:
        raise fail(errno.EINVAL)             # "already has a valid ID"
    taken = set(ids.values())
    if value == 0:
        value = owner.get(kind + '_next', 1)
        while value in taken:
            value += 1
        owner[kind + '_next'] = value + 1
    elif value in taken:
        raise fail(errno.EINVAL)             # "ID: %hu already exists"
    ids[name] = value
    fs.store.save_state(owner_obj, owner)
    return value


def release_group_id(fs, owner_obj, kind, name):
    owner = fs.store.state(owner_obj)
    if owner.get(kind + '_ids', {}).pop(name, None) is not None:
        fs.store.save_state(owner_obj, owner)


def member_name(dev_obj):
    """'core/fileio_0/disk1' -> 'fileio_0/disk1' as lu_gp members lists it."""
    return dev_obj.split('/', 1)[1]


# -- symlinks -----------------------------------------------------------------------

def on_link(fs, holder, target, name):
    """Checks and bookkeeping of `ln -s target holder/name` (the link itself is
    made afterwards by the caller)."""
    if holder.kind == 'lun':
        _link_lun(fs, holder, target, name)
    else:
        _link_mapped_lun(fs, holder, target, name)


def _stale(fs, holder_obj, recorded):
    """A link the state records but the tree lacks: a process died between the
    two (state is saved first); such a record is dropped, as if never made."""
    return bool(recorded) and not fs.islink(holder_obj + '/' + recorded.get('name', ''))


def _link_lun(fs, lun, dev, name):
    if dev.kind != 'device' or dev.sub:
        raise fail(errno.EFAULT)         # "Bad se_dev_ci"
    dst = fs.store.state(dev.obj_path)
    if not dst.get('enabled'):
        raise fail(errno.ENODEV)         # "se_device not configured yet"
    lst = fs.store.state(lun.obj_path)
    if _stale(fs, lun.obj_path, lst.get('dev')):
        on_unlink(fs, lun)
        dst = fs.store.state(dev.obj_path)
        lst = fs.store.state(lun.obj_path)
    if lst.get('dev'):
        raise fail(errno.EEXIST)         # "Port Symlink already exists"
    fab, wwn, tpgt_dir = lun.obj_path.split('/')[:3]
    tpg_obj = tpg_of(lun.obj_path)
    tpg = fs.store.state(tpg_obj)
    wst = fs.store.state(parent_obj(tpg_obj, 1))
    rtpi = dst['rtpi_next']
    member = f"{fabric_name(fab)}/{wwn}/tpgt_{tpg['tpgt']}/lun_{lst['lun']}"
    lst.update(dev={'obj': dev.obj_path, 'dev_index': dst['dev_index'],
                    'hba_inst': dst['hba_inst'], 'name': name},
               rtpi=rtpi, wwn=wwn, tpgt=tpg['tpgt'], member=member,
               tpg_inst=wst.get('tiqn_index', 1), tg_pt_gp='default_tg_pt_gp',
               tg_pt_gp_id=0)
    dst['rtpi_next'] = rtpi + 1
    dst['exports'] += 1
    dst['refs'] += 1
    add_tg_member(fs, dev.obj_path, 'default_tg_pt_gp', member, lun.obj_path)
    tpg['ports'] = tpg.get('ports', 0) + 1
    fs.store.save_state(lun.obj_path, lst)
    fs.store.save_state(dev.obj_path, dst)
    fs.store.save_state(tpg_obj, tpg)
    if fab == 'loopback':
        _loop_scsi_device(fs, tpg, lst, lun.obj_path)
    fs.refresh(lun.obj_path)
    fs.refresh(dev.obj_path)


def _loop_scsi_device(fs, tpg, lst, lun_obj, add=True):
    """tcm_loop adds a SCSI device H:0:tpgt:lun on the host for each linked LUN
    (what pscsi can then pass through)."""
    hctl = f"{tpg['host_no']}:0:{tpg['tpgt']}:{lst['lun']}"
    if add:
        model = fs.read_values(lst['dev']['obj'], ('wwn/product_id',))[0].strip()
        wst = fs.store.state(parent_obj(tpg_of(lun_obj), 1))
        vpd = {name: fmt.format(vendor='LIO-ORG', wwn=lst['wwn'], rtpi=lst['rtpi'],
                                tpgt=tpg['tpgt'],
                                proto=rules.PROTOCOL_NAMES.get(wst.get('proto'), ''))
               for name, fmt in rules.PSCSI_VPD_LOOP.items()}
        fs.store.save_state('scsi:' + hctl, dict(rules.TCM_LOOP_SCSI, dev='scsi:' + hctl,
                                                 model=model, lun_obj=lun_obj, vpd=vpd))
    else:
        fs.store.drop_state('scsi:' + hctl)


def _link_mapped_lun(fs, mlun, lun, name):
    if lun.kind != 'lun' or lun.sub:
        raise fail(errno.EFAULT)         # "Bad lun_ci"
    lst = fs.store.state(lun.obj_path)
    if not lst.get('dev'):
        raise fail(errno.EINVAL)         # source se_lun has no device
    if tpg_of(lun.obj_path).split('/')[1:] != tpg_of(mlun.obj_path).split('/')[1:]:
        raise fail(errno.EINVAL)         # "Illegal Initiator ACL Symlink outside of ..."
    mst = fs.store.state(mlun.obj_path)
    if _stale(fs, mlun.obj_path, {'name': mst.get('link_name', '')} if mst.get('link') else None):
        on_unlink(fs, mlun)
        lst = fs.store.state(lun.obj_path)
        mst = fs.store.state(mlun.obj_path)
    if mst.get('link'):
        raise fail(errno.EINVAL)         # "Existing orig->se_lun doesn't match new lun"
    acl_obj = parent_obj(mlun.obj_path, 1)
    acl = fs.store.state(acl_obj)
    wp = 0
    if mlun.flavour == 'iscsi':
        wp = int(fs.read_values(tpg_of(mlun.obj_path), ('attrib/prod_mode_write_protect',))[0]
                 or 0)
    mst.update(lun={'obj': lun.obj_path, 'dev_index': lst['dev']['dev_index'],
                    'rtpi': lst['rtpi'], 'tpg_inst': lst['tpg_inst']},
               link=lun.obj_path, link_name=name, acl=acl_obj.rsplit('/', 1)[1],
               acl_index=acl['acl_index'],
               wp=wp, creation_time=jiffies())
    lst['refs'] = lst.get('refs', 0) + 1
    lst.setdefault('mapped_by', []).append(mlun.obj_path)
    fs.store.save_state(mlun.obj_path, mst)
    fs.store.save_state(lun.obj_path, lst)
    fs.refresh(mlun.obj_path)


def jiffies():
    # scsi_auth_intr/creation_time is jiffies since boot on the real host
    return int(time.monotonic() * 100) % 100000


def on_unlink(fs, holder):
    if holder.kind == 'lun':
        lst = fs.store.state(holder.obj_path)
        link = lst.pop('dev', None)
        if not link:
            return
        dst = fs.store.state(link['obj'])
        if dst:
            dst['exports'] = max(0, dst['exports'] - 1)
            dst['refs'] = max(0, dst['refs'] - 1)
            drop_tg_member(fs, link['obj'], lst.get('tg_pt_gp', 'default_tg_pt_gp'),
                           lst['member'], holder.obj_path)
            fs.store.save_state(link['obj'], dst)
        tpg_obj = tpg_of(holder.obj_path)
        tpg = fs.store.state(tpg_obj)
        tpg['ports'] = max(0, tpg.get('ports', 0) - 1)
        fs.store.save_state(tpg_obj, tpg)
        if holder.flavour == 'loopback':
            _loop_scsi_device(fs, tpg, lst, holder.obj_path, add=False)
        fs.store.save_state(holder.obj_path, lst)
        fs.refresh(holder.obj_path)
        if dst:
            fs.refresh(link['obj'])
        # the LUN's mappings lose their device entries; their symlinks stay
        for mlun_obj in lst.get('mapped_by', []):
            mst = fs.store.state(mlun_obj)
            if mst.pop('lun', None):
                fs.store.save_state(mlun_obj, mst)
                fs.refresh(mlun_obj)
    else:
        mst = fs.store.state(holder.obj_path)
        mst.pop('lun', None)
        lun_obj = mst.pop('link', None)
        fs.store.save_state(holder.obj_path, mst)
        lst = fs.store.state(lun_obj) if lun_obj else {}
        if lst:
            lst['refs'] = max(0, lst.get('refs', 0) - 1)
            lst['mapped_by'] = [m for m in lst.get('mapped_by', []) if m != holder.obj_path]
            fs.store.save_state(lun_obj, lst)
        fs.refresh(holder.obj_path)

