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


def dump(obj):
    return obj.dump()


def current(obj):
    """What the kernel has for an object (a broken part just reads as absent)."""
    from rtslib.node import dump_or_report
    return dump_or_report(obj, str, lambda message: None) or {}


def has_config(root):
    """Is anything configured?  Stops at the first object found."""
    return any(True for _ in root.storage_objects) or any(True for _ in root.targets) or \
        any(f.saved for f in root.fabric_modules)


def lun_users(so):
    """'lun N of WWN' for each LUN that uses a storage object."""
    out = []
    for lun in so.attached_luns:
        tpg = lun.parent_tpg
        out.append(f'lun {lun.lun} of {tpg.parent_target.wwn} tpg {tpg.tag}')
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


# attributes the real kernel turns into a reconfigure request to tcmu-runner
# once the object is enabled (ESRCH when none runs, even for the same value):
# written only when they differ from what creation gave (VM probe, 6.1)
RECONFIG_ATTRS = {'user': ('dev_config', 'dev_size', 'emulate_write_cache')}


def setup_storage_object(root, data, err_func):
    """Create one storage object from its document (rtslib-fb's restore steps:
    construct, set attributes, add ALUA groups); returns it."""
    from rtslib import storage
    from rtslib.node import set_attributes
    attrs = dict(data.get('attributes', {}))     # the caller's document stays whole
    data = dict(data, attributes=attrs)
    plugin = schema.plugin_name(data['plugin'])
    later = {n: attrs.pop(n) for n in RECONFIG_ATTRS.get(plugin, ()) if n in attrs}
    so = storage.so_mapping[plugin].setup(root, data, err_func)
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
