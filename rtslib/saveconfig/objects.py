"""The object library as save/restore sees it: list, describe, dump, set up, find, delete.

Kept in one place so the rest of saveconfig/ speaks only in documents and
keys ('block/disk1', ('iscsi', 'iqn...')), and so that an object found again
by its key can be removed even when its setup() failed half-way.
"""
import copy

from rtslib.saveconfig import schema


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


def setup_storage_object(root, data, err_func):
    data = copy.deepcopy(data)  # setup() may consume the dict, as rtslib-fb's does
    data['plugin'] = schema.plugin_name(data['plugin'])
    return _rtslib().StorageObjectFactory.setup(root, data, err_func) \
        if hasattr(_rtslib().StorageObjectFactory, 'setup') \
        else _rtslib().tcm.StorageObject.setup(root, data, err_func)


def setup_target(root, data, err_func):
    lib = _rtslib()
    fm = lib.FabricModule(data['fabric'])
    return lib.Target.setup(fm, copy.deepcopy(data), err_func)


def setup_fabric(fm, data, err_func):
    fm.setup(copy.deepcopy(data), err_func)


def reset_fabric(fm, old):
    """Put a fabric's discovery auth back to a dump() taken before."""
    fm.clear_discovery_auth_settings()
    if old:
        fm.setup(copy.deepcopy(old), _raise)


def _raise(msg):
    raise _rtslib().RTSLibError(msg)


def delete_so(root, key):
    so = existing_sos(root).get(key)
    if so is not None:
        so.delete()


def delete_target(root, key):
    t = existing_targets(root).get(key)
    if t is not None:
        t.delete()
