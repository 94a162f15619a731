"""Writes to backstore files: enable, control, attrib/, wwn/, ALUA LU groups.

Each action parses the buffer as the kernel's store function does, checks the
device's state in the kernel's order and returns the file's new content (None:
nothing stored in that file; rendered files follow the state instead).
"""
import errno

from rtslib import holders
from rtslib.simkernel import host as hostmod
from rtslib.simkernel import parse, rules
from rtslib.simkernel.objects import (LU_MEMBERS, assign_group_id, jiffies, member_name,
                                      parent_obj)
from rtslib.simkernel.parse import fail


def _dev_enable(fs, node, data, spec):
    if not parse.kstrtobool(data):
        raise fail(errno.EINVAL)           # 'only valid value is "1"'
    st = fs.store.state(node.obj_path)
    if st.get('enabled'):
        raise fail(errno.EEXIST)           # "se_dev->se_dev_ptr already set"
    # every attempt from here on takes a new device index, failed ones too
    st['dev_index'] = fs.store.next_counter('dev_index', 1)
    try:
        attrib = _CONFIGURE[node.flavour](fs, node, st)
    except OSError:
        fs.store.save_state(node.obj_path, st)
        fs.refresh(node.obj_path)
        raise
    hba_obj = parent_obj(node.obj_path, 1)
    hba = fs.store.state(hba_obj)
    st.update(enabled=True, fid=hba.get('dev_count', 0), creation_time=jiffies())
    hba['dev_count'] = hba.get('dev_count', 0) + 1
    fs.store.save_state(hba_obj, hba)
    for name, value in attrib.items():
        rel = node.obj_path + '/attrib/' + name
        if fs.store_exists(rel):
            fs.store.set_value(rel, f'{value}\n')
    fs.store.save_state(node.obj_path, st)
    if node.flavour != 'pscsi':             # passthrough: no LU group membership
        fs.store.append(LU_MEMBERS, member_name(node.obj_path) + '\n')


def _enabled_attrib(plugin, bdev=None):
    out = {}
    for name, value in rules.ENABLED_ATTRIB.get(plugin, {}).items():
        if isinstance(value, str) and value.startswith('@'):
            value = int((bdev or {}).get(value[1:], 0))
        out[name] = value
    return out


def _configure_fileio(fs, node, st):
    params = st['params']
    name = params.get('fd_dev_name')
    if not name:
        raise fail(errno.EINVAL)            # "Missing fd_dev_name="
    host = fs.host()
    if name in host['block_devices']:
        params['fd_dev_size'] = host['block_devices'][name]['size']
    elif name in host['files']:
        params.setdefault('fd_dev_size', host['files'][name])
    else:
        if not hostmod.dir_exists(host, name.rsplit('/', 1)[0] or '/'):
            raise fail(errno.ENOENT)        # filp_open() failed
        if not int(params.get('fd_dev_size', 0) or 0):
            raise fail(errno.EINVAL)        # no fd_dev_size= and no file
    attrib = _enabled_attrib('fileio')
    if str(params.get('fd_buffered_io')) == '1':
        attrib['emulate_write_cache'] = 1   # buffered I/O: the backend reports WCE
    return attrib


def _claim(fs, node, st, path):
    host = fs.host()
    if holders.sim_user(host, path) or fs.store.state('claim:' + path):
        # blkdev_get_by_path(FMODE_EXCL): mounted, swap, dm, md, a partition claimed
        raise fail(errno.EBUSY)
    fs.store.save_state('claim:' + path, {'owner': node.obj_path})
    st['claim'] = path


def _configure_iblock(fs, node, st):
    path = st['params'].get('udev_path')
    if not path:
        raise fail(errno.EINVAL)            # "Missing udev_path= parameters"
    bdev = fs.host()['block_devices'].get(path)
    if bdev is None:
        raise fail(errno.ENOENT)
    _claim(fs, node, st, path)
    st['bdev'] = {'name': bdev['name'], 'major': bdev['major'], 'minor': bdev['minor'],
                  'discard': bdev.get('discard', False)}
    return _enabled_attrib('iblock', bdev)


def _configure_rd(fs, node, st):
    pages = int(st['params'].get('rd_pages', 0) or 0)
    if pages <= 0:
        raise fail(errno.EINVAL)            # "Illegal page count: 0"
    return _enabled_attrib('rd_mcp')


def _configure_user(fs, node, st):
    return _enabled_attrib('user')


def _configure_pscsi(fs, node, st):
    if not (st.get('udev_path') or st['params'].get('udev_path')):
        raise fail(errno.EINVAL)            # "udev_path attribute has not been set"
    p = st['params']
    hctl = ':'.join(str(p.get(k, '')) for k in (
        'scsi_host_id', 'scsi_channel_id', 'scsi_target_id', 'scsi_lun_id'))
    sdev = fs.host()['scsi_devices'].get(hctl) or fs.store.state('scsi:' + hctl)
    if not sdev:
        raise fail(errno.ENODEV)
    _claim(fs, node, st, sdev['dev'])
    sdev = dict(dict(rules.TCM_LOOP_SCSI, model=''), **sdev)
    st['sdev'] = {k: sdev[k] for k in ('vendor', 'model', 'rev', 'type')}
    # INQUIRY data of the real device, as it pads it
    for name, key, width in (('vendor_id', 'vendor', 8), ('product_id', 'model', 16),
                             ('revision', 'rev', 4)):
        fs.store.set_value(f'{node.obj_path}/wwn/{name}', sdev[key].ljust(width) + '\n')
    for name, text in sdev.get('vpd', {}).items():  # the device's own VPD 0x83 page
        fs.store.set_value(f'{node.obj_path}/wwn/{name}', text)
    attrib = _enabled_attrib('pscsi')
    attrib.update(hw_block_size=sdev['hw_block_size'], hw_max_sectors=sdev['hw_max_sectors'],
                  hw_queue_depth=sdev['queue_depth'])
    return attrib


_CONFIGURE = {'fileio': _configure_fileio, 'iblock': _configure_iblock,
              'rd_mcp': _configure_rd, 'user': _configure_user, 'pscsi': _configure_pscsi}


# fixed buffers match_strlcpy() copies these control values into, cutting longer
# ones silently (FD_MAX_DEV_NAME, SE_UDEV_PATH_LEN, TCMU_CONFIG_LEN)
CONTROL_BUFFERS = {'fd_dev_name': 256, 'udev_path': 512, 'dev_config': 256}


def _dev_control(fs, node, data, spec):
    st = fs.store.state(node.obj_path)
    known = rules.CONTROL_KEYS.get(node.flavour, ())
    for item in data.replace('\n', ',').split(','):
        key, _, value = item.partition('=')
        if key not in known:
            continue                        # unknown keys are ignored
        if key == 'udev_path' and st.get('claim'):
            raise fail(errno.EEXIST)        # "while ibd_bd exists"
        if key in ('fd_dev_size', 'rd_pages', 'dev_size') or key.startswith('scsi_'):
            try:
                value = int(value)
            except ValueError:
                raise fail(errno.EINVAL) from None
        if key in CONTROL_BUFFERS:
            value = value.encode('utf-8', 'surrogateescape')[:CONTROL_BUFFERS[key] - 1] \
                .decode('utf-8', 'surrogateescape')
        st['params'][key] = value
        if node.flavour == 'user' and key in ('dev_config', 'dev_size'):
            fs.store.set_value(node.obj_path + '/attrib/' + key, f'{value}\n')
    fs.store.save_state(node.obj_path, st)


def _dev_udev_path(fs, node, data, spec):
    st = fs.store.state(node.obj_path)
    value = parse.one_newline(data)
    if len(value) > 512:
        raise fail(errno.EINVAL)
    st['udev_path'] = value
    fs.store.save_state(node.obj_path, st)


def _dev_lu_gp(fs, node, data, spec):
    name = data.strip()
    st = fs.store.state(node.obj_path)
    if name == 'default_lu_gp':
        gp_id = 0
    else:
        gp_id = fs.store.state('core/alua/lu_gps/' + name).get('id') \
            if name and '/' not in name else None
    if gp_id is None:
        raise fail(errno.ENODEV)            # no such group, or its id is not set
    if not st.get('enabled'):
        return None                         # no lu_gp_mem before configure: nothing to move
    move_lu_gp(fs, node.obj_path, st, name)
    return None


def move_lu_gp(fs, dev_obj, st, name):
    """A device leaves its LU group for `name` (members files and group states)."""
    member = member_name(dev_obj) + '\n'
    old = st.get('lu_gp', 'default_lu_gp')
    for gp, add in ((old, False), (name, True)):
        rel = 'core/alua/lu_gps/' + gp
        if add:
            fs.store.append(rel + '/members', member)
        else:
            fs.store.remove_entry(rel + '/members', member)
        if gp != 'default_lu_gp':
            gst = fs.store.state(rel)
            objs = [o for o in gst.get('member_objs', []) if o != dev_obj]
            gst['member_objs'] = objs + [dev_obj] if add else objs
            fs.store.save_state(rel, gst)
    st['lu_gp'] = name
    fs.store.save_state(dev_obj, st)


def _lu_gp_id(fs, node, data, spec):
    value = parse.kstrtoull(data, 32)
    if value > 0xffff:
        raise fail(errno.EINVAL)
    value = assign_group_id(fs, '', 'lu_gp', node.name if node.obj_path else 'default_lu_gp', value)
    st = fs.store.state(node.obj_path)
    st['id'] = value
    fs.store.save_state(node.obj_path, st)
    return f'{int(value)}\n'


def _exported(fs, node):
    return bool(fs.store.state(node.obj_path).get('exports'))


def _dev_attr_int(fs, node, name):
    value = fs.read_values(node.obj_path, ('attrib/' + name,))[0].strip()
    return int(value) if value.lstrip('-').isdigit() else 0


def _dev_queue_depth(fs, node, data, spec):
    value = parse.kstrtoull(data, 32)
    if _exported(fs, node) or value == 0:
        raise fail(errno.EINVAL)
    if value > _dev_attr_int(fs, node, 'queue_depth') and \
            value > _dev_attr_int(fs, node, 'hw_queue_depth'):
        raise fail(errno.EINVAL)            # "exceeds TCM/SE_Device MAX TCQ"
    return f'{int(value)}\n'


def _dev_pi_prot_type(fs, node, data, spec):
    value = parse.kstrtoull(data, 32)
    st = fs.store.state(node.obj_path)
    if value > 3:
        raise fail(errno.EINVAL)
    if value == 2:
        raise fail(errno.ENOSYS)            # "DIF TYPE2 protection currently not supported"
    if node.flavour not in rules.PROT_BACKENDS:
        if value == 0:
            return '0\n'
        raise fail(errno.ENOSYS)
    if not st.get('enabled'):
        raise fail(errno.ENODEV)            # "requires device to be configured"
    if st.get('exports'):
        raise fail(errno.EINVAL)
    fs.store.set_value(node.obj_path + '/attrib/pi_prot_verify', f'{int(bool(value))}\n')
    return f'{int(value)}\n'


def _dev_pi_prot_format(fs, node, data, spec):
    if not parse.kstrtobool(data):
        return None
    st = fs.store.state(node.obj_path)
    if node.flavour not in rules.FORMAT_PROT_BACKENDS:
        raise fail(errno.ENOSYS)
    if not st.get('enabled'):
        raise fail(errno.ENODEV)
    if st.get('exports'):
        raise fail(errno.EINVAL)
    return None                             # formats; the file always reads 0


def _dev_pi_prot_verify(fs, node, data, spec):
    flag = parse.kstrtobool(data)
    if flag and not _dev_attr_int(fs, node, 'pi_prot_type'):
        return None                         # "not supported by backend, ignoring"
    return f'{int(flag)}\n'


def _dev_rest_reord(fs, node, data, spec):
    if parse.kstrtobool(data):
        raise fail(errno.ENOSYS)            # "restricted reordering not implemented"
    return '0\n'


def _dev_model_alias(fs, node, data, spec):
    flag = parse.kstrtobool(data)
    if flag:
        model = node.name[:15]              # the backstore name, INQUIRY_MODEL_LEN - 1
    else:
        model = rules.PRODUCT.get(node.flavour, ('', ''))[0]
    fs.store.set_value(node.obj_path + '/wwn/product_id', model + '\n')
    return f'{int(flag)}\n'


def _dev_optimal_sectors(fs, node, data, spec):
    value = parse.kstrtoull(data, 32)
    if value > _dev_attr_int(fs, node, 'hw_max_sectors'):
        raise fail(errno.EINVAL)
    return f'{int(value)}\n'


def _dev_write_cache(fs, node, data, spec):
    flag = parse.kstrtobool(data)
    if flag and node.flavour == 'iblock':
        raise fail(errno.EINVAL)            # device reports its own write cache
    return f'{int(flag)}\n'


def _dev_unmap(fs, node, data, spec):
    """emulate_tpu, emulate_tpws, unmap_zeroes_data: UNMAP must be set up."""
    flag = parse.kstrtobool(data)
    st = fs.store.state(node.obj_path)
    if flag and not _dev_attr_int(fs, node, 'max_unmap_block_desc_count'):
        if node.flavour not in rules.UNMAP_BACKENDS:
            raise fail(errno.ENOSYS)        # "Generic Block Discard not supported"
        if not st.get('enabled'):
            # 6.1 calls configure_unmap() on the unopened file/bdev here and oopses
            # (NULL pointer); later kernels answer ENODEV ("requires device to be
            # configured"), and so does the simulator.  rtslib must enable first.
            raise fail(errno.ENODEV)
        if not (st.get('bdev') or {}).get('discard'):
            raise fail(errno.ENOSYS)        # "Generic Block Discard setup ... failed"
    return f'{int(flag)}\n'


def _dev_fixed_flag(fs, node, data, spec):
    flag = parse.kstrtobool(data)
    current = _dev_attr_int(fs, node, node.sub.split('/', 1)[1])
    if flag != bool(current) and node.flavour != 'user':
        raise fail(errno.ENOSYS)            # "has fixed value"
    return f'{int(flag)}\n'


def _user_dev_config(fs, node, data, spec):
    value = parse.one_newline(data)
    st = fs.store.state(node.obj_path)
    st['params']['dev_config'] = value
    fs.store.save_state(node.obj_path, st)
    return value + '\n'


def _user_dev_size(fs, node, data, spec):
    value = parse.kstrtoull(data, 64)
    st = fs.store.state(node.obj_path)
    st['params']['dev_size'] = value
    fs.store.save_state(node.obj_path, st)
    return f'{int(value)}\n'


def _wwn_serial(fs, node, data, spec):
    if len(data.encode('utf-8', 'surrogateescape')) >= 254:
        raise fail(errno.EOVERFLOW)         # INQUIRY_VPD_SERIAL_LEN, newline counted
    st = fs.store.state(node.obj_path)
    if st.get('exports'):
        raise fail(errno.EINVAL)
    value = data.strip()
    st['serial'] = value
    fs.store.save_state(node.obj_path, st)
    return f'T10 VPD Unit Serial Number: {value}\n'


def _wwn_ident(fs, node, data, spec):
    raw = data.encode('utf-8', 'surrogateescape')
    value = data.strip()
    if len(raw) > spec['maxlen'] + 1 or len(value.encode()) > spec['maxlen']:
        raise fail(errno.EOVERFLOW)         # INQUIRY_*_LEN
    if any(not 0x20 <= ord(c) <= 0x7e for c in value):
        raise fail(errno.EINVAL)            # "non-ASCII-printable characters"
    if _exported(fs, node):
        raise fail(errno.EINVAL)
    return value + '\n'


def _wwn_company(fs, node, data, spec):
    value = parse.kstrtoull(data, 32)
    if value >= 0x1000000:
        raise fail(errno.EOVERFLOW)
    if _exported(fs, node):
        raise fail(errno.EINVAL)
    return ('%#08x\n' % value) if value else '00000000\n'     # C's %#08x


# -- ALUA --------------------------------------------------------------------------------


DEVICE_ACTIONS = {
    'dev_fixed_flag': _dev_fixed_flag,
    'dev_pi_prot_format': _dev_pi_prot_format,
    'dev_pi_prot_verify': _dev_pi_prot_verify,
    'dev_rest_reord': _dev_rest_reord,
    'dev_model_alias': _dev_model_alias,
    'lu_gp_id': _lu_gp_id,
    'dev_enable': _dev_enable,
    'dev_control': _dev_control,
    'dev_udev_path': _dev_udev_path,
    'dev_lu_gp': _dev_lu_gp,
    'dev_queue_depth': _dev_queue_depth,
    'dev_pi_prot_type': _dev_pi_prot_type,
    'dev_optimal_sectors': _dev_optimal_sectors,
    'dev_write_cache': _dev_write_cache,
    'dev_unmap': _dev_unmap,
    'user_dev_config': _user_dev_config,
    'user_dev_size': _user_dev_size,
    'wwn_serial': _wwn_serial,
    'wwn_ident': _wwn_ident,
    'wwn_company': _wwn_company,
}
