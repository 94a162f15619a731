"""export: the saveconfig document of the whole configuration or of one node.

The same dump save writes (save.dump_config for everything, obj.dump() for
a node), so an export is a file that restore, plan and apply take.  A node's
export holds what makes it restorable on its own: a target (or one of its
TPGs) comes with the storage objects its LUNs use.  Secrets: to_text()
masks CHAP passwords unless asked not to; write() keeps them (mode 0600).
"""
import copy
import os

from rtslib.saveconfig import atomic, paths, plan, save, schema
from rtslib.saveconfig.errors import RTSLibError, SaveConfigError

# what users write for "standard output" instead of a file name
STDOUT_NAMES = ('-', '/dev/stdout', '/dev/fd/1', '/proc/self/fd/1')


def is_stdout(path):
    return path is None or path in STDOUT_NAMES


def _empty():
    return {'fabric_modules': [], 'storage_objects': [], 'targets': []}


def document(root, node=None, warn=None):
    """The export of everything (node None), a storage object, a target or a TPG."""
    from rtslib.target import TPG, Target
    from rtslib.storage import StorageObject
    if node is None:
        problems = []
        doc = save.dump_config(root, problems.append)
        if problems and warn is None:
            raise SaveConfigError('cannot read the whole configuration: ' + '; '.join(problems))
        for text in problems:
            warn(text)
        return doc
    doc = _empty()
    try:
        if isinstance(node, StorageObject):
            doc['storage_objects'].append(node.dump())
            return doc
        if isinstance(node, TPG):
            target = node.parent_target.dump()
            target['tpgs'] = [t for t in target['tpgs'] if t['tag'] == node.tag]
        elif isinstance(node, Target):
            target = node.dump()
        else:
            raise SaveConfigError(f'{node!r} cannot be exported on its own: export its target, '
                                  f'TPG or storage object')
        doc['targets'].append(target)
        doc['storage_objects'] = _used_storage_objects(root, target)
    except (RTSLibError, OSError) as err:
        raise SaveConfigError(f'cannot export {node}: {err}') from None
    return doc


def _used_storage_objects(root, target):
    from rtslib.storage import so_mapping
    keys = sorted({schema.parse_so_ref(lun['storage_object'])
                   for tpg in target['tpgs'] for lun in tpg['luns']})
    out = []
    for key in keys:
        plugin, name = key.split('/', 1)
        out.append(so_mapping[plugin](name, fs=root.fs).dump())
    return out


def masked(doc):
    """A copy with every non-empty secret replaced by ********."""
    doc = copy.deepcopy(doc)

    def walk(value):
        if isinstance(value, dict):
            for k, v in value.items():
                if k in plan.SECRETS and v:
                    value[k] = plan.MASK
                else:
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
    walk(doc)
    return doc


def to_text(doc, show_secrets=False):
    return save.to_bytes(doc if show_secrets else masked(doc)).decode('utf-8')


def write(doc, path, lock_timeout=None, fs=None):
    """Write an export to a file: atomically, mode 0600, secrets kept, under its lock."""
    path = os.path.realpath(os.path.abspath(os.path.expanduser(path)))
    dirname = os.path.dirname(path)
    if not os.path.isdir(dirname):
        raise SaveConfigError(f'cannot write {path}: {dirname} is not a directory')
    with atomic.FileLock(paths.lock_file(path, fs), lock_timeout):
        atomic.atomic_write(path, save.to_bytes(doc))
    return path
