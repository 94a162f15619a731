"""The object library as save/restore sees it: list, describe, dump, set up, find, delete.

Kept in one place so the rest of saveconfig/ speaks only in documents and
keys ('block/disk1', ('iscsi', 'iqn...')), and so that an object found again
by its key can be removed even when its setup() failed half-way.
"""
import copy

from rtslib.saveconfig import schema
from rtslib.saveconfig.errors import RTSLibError


def _rtslib():
    import rtslib  # lazy: importing saveconfig does no work
    return rtslib


def so_key(so):
    return schema.so_key(so.plugin, so.name)


def target_key(t):
    return (t.fabric_module.name, t.wwn)


def fabric_saved(fm):
    """rtslib-fb saves a fabric only for its discovery auth, and only if enabled."""
    return fm.exists and fm.has_feature('discovery_auth') and fm.discovery_enable_auth


def top_level(root):
    """(document key, lister, describer) for each top-level list."""
    return [
        ('fabric_modules', lambda: [f for f in root.fabric_modules if fabric_saved(f)],
         lambda f: f.name),
        ('storage_objects', lambda: root.storage_objects, so_key),
        ('targets', lambda: root.targets, lambda t: t.wwn),
    ]


def dump(obj):
    return obj.dump()


# -- a save that survives a broken link or an unreadable attribute ---------------

class _Unreadable(str):
    """Stands for a value that could not be read; int() of it fails, so the
    library's intify() passes it through and we can drop it afterwards."""


def _tolerant_getter(getter, what, kind, warn):
    def get(name):
        try:
            return getter(name)
        except (RTSLibError, OSError) as err:
            warn('%s: %s %s not saved: %s' % (what, kind, name, err))
            return _Unreadable('')
    return get


def _drop_unreadable(d):
    for key in ('attributes', 'parameters'):
        if key in d:
            d[key] = {k: v for k, v in d[key].items() if not isinstance(v, _Unreadable)}
    return d


def tolerant_dump(obj, what, warn):
    """obj.dump(); when it fails, the same document without the parts that
    cannot be read, each reported through warn(); None if nothing is usable."""
    try:
        return obj.dump()
    except (RTSLibError, OSError) as err:
        first = err
    # unreadable attribute/parameter: retry with getters that report and skip
    # (instance attributes: only this object is affected)
    obj.get_attribute = _tolerant_getter(obj.get_attribute, what, 'attribute', warn)
    obj.get_parameter = _tolerant_getter(obj.get_parameter, what, 'parameter', warn)
    try:
        return _drop_unreadable(obj.dump())
    except (RTSLibError, OSError) as err:
        first = err
    finally:
        del obj.get_attribute, obj.get_parameter
    rebuild = _REBUILD.get(_kind(obj))
    if rebuild is None:
        warn('%s not saved: %s' % (what, first))
        return None
    return rebuild(obj, what, warn)


def _kind(obj):
    for cls in type(obj).__mro__:
        if cls.__name__ in _REBUILD:
            return cls.__name__
    return None


def _base(obj, what, warn):
    """Attributes and parameters, each read on its own."""
    d = {}
    for key, lister, getter in (('attributes', obj.list_attributes, obj.get_attribute),
                                ('parameters', obj.list_parameters, obj.get_parameter)):
        values = {}
        try:
            names = lister(writable=True)
        except (RTSLibError, OSError) as err:
            warn('%s: %s not saved: %s' % (what, key, err))
            names = []
        for name in names:
            try:
                value = getter(name)
            except (RTSLibError, OSError) as err:
                warn('%s: %s %s not saved: %s' % (what, key[:-1], name, err))
                continue
            values[name] = _intify(value) if key == 'attributes' else value
        if values:
            d[key] = values
    return d


def _intify(value):
    try:
        return int(value)
    except ValueError:
        return value


def _children(obj, attr, what, warn, label):
    out = []
    try:
        children = list(getattr(obj, attr))
    except (RTSLibError, OSError) as err:
        warn('%s: %s not saved: %s' % (what, attr, err))
        return out
    for child in children:
        d = tolerant_dump(child, '%s %s' % (what, label(child)), warn)
        if d is not None:
            out.append(d)
    return out


def _auth(obj, d, feature):
    if obj.has_feature(feature):
        for attr in ('userid', 'password', 'mutual_userid', 'mutual_password'):
            value = getattr(obj, 'chap_' + attr, None)
            if value:
                d['chap_' + attr] = value
    return d


def _rebuild_target(t, what, warn):
    d = _base(t, what, warn)
    d.update(wwn=t.wwn, fabric=t.fabric_module.name)
    d['tpgs'] = _children(t, 'tpgs', what, warn, lambda x: 'tpg %s' % x.tag)
    return d


def _rebuild_tpg(tpg, what, warn):
    d = _base(tpg, what, warn)
    d.update(tag=tpg.tag, enable=tpg.enable)
    d['luns'] = _children(tpg, 'luns', what, warn, lambda x: 'lun %s' % x.lun)
    d['portals'] = _children(tpg, 'network_portals', what, warn,
                             lambda x: 'portal %s:%s' % (x.ip_address, x.port))
    d['node_acls'] = _children(tpg, 'node_acls', what, warn, lambda x: 'acl %s' % x.node_wwn)
    return _auth(tpg, d, 'acls_auth')


def _rebuild_acl(acl, what, warn):
    d = _base(acl, what, warn)
    d['node_wwn'] = acl.node_wwn
    d['mapped_luns'] = _children(acl, 'mapped_luns', what, warn,
                                 lambda x: 'mapped lun %s' % x.mapped_lun)
    if getattr(acl, 'tag', None):
        d['tag'] = acl.tag
    return _auth(acl, d, 'acls_auth')


# rtslib-fb's containers, rebuilt field by field (its schema) when their own
# dump() fails because one child is broken; leaves are simply left out
_REBUILD = {'Target': _rebuild_target, 'TPG': _rebuild_tpg, 'NodeACL': _rebuild_acl}


def has_config(root):
    """Is anything configured?  Stops at the first object found."""
    return any(True for _ in root.storage_objects) or any(True for _ in root.targets) or \
        any(fabric_saved(f) for f in root.fabric_modules)


def lun_users(so):
    """'lun N of WWN' for each LUN that uses a storage object."""
    out = []
    for lun in so.attached_luns:
        tpg = lun.parent_tpg
        out.append('lun %d of %s tpg %d' % (lun.lun, tpg.parent_target.wwn, tpg.tag))
    return out


def existing_sos(root):
    return {so_key(so): so for so in root.storage_objects}


def existing_targets(root):
    return {target_key(t): t for t in root.targets}


def fabric_names(root):
    """Every fabric the library knows (spec/), loaded or not."""
    return {fm.name for fm in root.fabric_modules}


def fabric(root, name):
    for fm in root.fabric_modules:
        if fm.name == name:
            return fm
    return None


# keys of a storage object document that are not constructor arguments
SO_NOT_KWARGS = ('exists', 'attributes', 'plugin', 'buffered_mode', 'alua_tpgs')
# attributes the real kernel turns into a reconfigure request to tcmu-runner
# once the object is enabled (ESRCH when none runs, even for the same value):
# written only when they differ from what creation gave (VM probe, 6.1)
RECONFIG_ATTRS = {'user': ('dev_config', 'dev_size', 'emulate_write_cache')}


def setup_storage_object(root, data, err_func):
    """Create one storage object from its document (rtslib-fb's restore steps:
    construct, set attributes, add ALUA groups); returns it."""
    from rtslib import storage
    from rtslib.alua import ALUATargetPortGroup
    from rtslib.node import set_attributes
    data = copy.deepcopy(data)  # setup() may consume the dict, as rtslib-fb's does
    plugin = schema.plugin_name(data['plugin'])
    attrs = data.get('attributes', {})
    later = {n: attrs.pop(n) for n in RECONFIG_ATTRS.get(plugin, ()) if n in attrs}
    cls = storage.so_mapping[plugin]
    if 'setup' in vars(cls) or 'setup' in vars(storage.StorageObject):
        so = cls.setup(root, data, err_func)
    else:
        kwargs = {k: v for k, v in data.items() if k not in SO_NOT_KWARGS}
        so = cls(fs=root.fs, **kwargs)
        set_attributes(so, attrs, err_func)
        for group in data.get('alua_tpgs', []):
            ALUATargetPortGroup.setup(so, group, err_func)
    changed = {n: v for n, v in later.items() if str(v) != so.get_attribute(n)}
    set_attributes(so, changed, err_func)
    return so


def setup_target(root, data, err_func):
    lib = _rtslib()
    fm = lib.FabricModule(data['fabric'], fs=root.fs)
    return lib.Target.setup(fm, copy.deepcopy(data), err_func)


def setup_fabric(fm, data, err_func):
    fm.setup(copy.deepcopy(data), err_func)


def reset_fabric(fm, old):
    """Put a fabric's discovery auth back to a dump() taken before."""
    fm.clear_discovery_auth_settings()
    if old:
        fm.setup(copy.deepcopy(old), _raise)


def _raise(msg):
    raise RTSLibError(msg)


def delete_so(root, key):
    so = existing_sos(root).get(key)
    if so is not None:
        so.delete()


def delete_target(root, key):
    t = existing_targets(root).get(key)
    if t is not None:
        t.delete()


def remove_fabric_dir(fm):
    """rmdir of a fabric's dir (only when no target is left in it)."""
    if fm.exists and not list(fm.targets):
        fm.fs.rmdir(fm.configfs_dir)
