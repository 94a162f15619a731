"""saveconfig: the running configuration to a JSON file, never losing the old one.

The file is rtslib-fb's saveconfig.json (same keys, sorted, indent 2), so
targetcli-fb restores it and we restore theirs.  Writes go through
atomic.atomic_write under the file's lock; the previous content is kept in
backup/ when it changes (backup.py).
"""
import json
import os

from rtslib import locks
from rtslib.saveconfig import atomic, backup, jsonfmt, paths, schema
from rtslib.saveconfig.errors import SaveConfigError


def to_bytes(doc):
    """Serialise exactly as rtslib-fb does, so unchanged configs give identical bytes."""
    return (jsonfmt.dumps(doc, indent=2) + '\n').encode('utf-8')


def is_empty(doc):
    return not any(doc.get(k) for k in ('storage_objects', 'targets', 'fabric_modules'))


def dump_config(root, warn):
    """The whole configuration as a document; each object that cannot be read
    (broken symlink, unreadable attribute) is reported through warn() and left
    out, so the rest is still saved.  The document always restores: see
    consistent()."""
    doc = root.dump(warn=warn)
    consistent(root, doc, warn)
    return doc


def consistent(root, doc, warn):
    """Make `doc` a set that restores, whatever one-shot commands did during the dump.

    Each TPG is read under its lock (a mapped LUN always has its LUN), but the
    storage objects are read before the targets: a LUN made meanwhile may use a
    storage object made meanwhile (read it now), or one deleted meanwhile with
    its LUNs (leave the LUN out, as a save made after that delete would).  What
    an unreadable object leaves dangling is left out too, and reported."""
    have = {schema.so_doc_key(so) for so in doc['storage_objects']}
    for target in doc['targets']:
        for tpg in target.get('tpgs', []):
            kept, gone = [], set()
            for lun in tpg.get('luns', []):
                key = schema.parse_so_ref(lun.get('storage_object'))
                if key in have or _add_storage_object(root, doc, key, have):
                    kept.append(lun)
                else:
                    gone.add(lun.get('index'))
            tpg['luns'] = kept
            _drop_dangling_mappings(target, tpg, {lun.get('index') for lun in kept}, gone,
                                    warn)


def _add_storage_object(root, doc, key, have):
    """Dump the storage object `key` created during the save; False if it is gone."""
    from rtslib.errors import RTSLibError
    from rtslib.storage import so_mapping
    plugin, _, name = (key or '').partition('/')
    try:
        so = so_mapping[plugin](name, fs=root.fs)
        doc['storage_objects'].append(so.dump())
    except (KeyError, RTSLibError, OSError):
        return False
    have.add(key)
    return True


def _drop_dangling_mappings(target, tpg, luns, gone, warn):
    """Leave out mapped LUNs whose LUN is not saved; report those not explained by a
    delete during the save (`gone`: the LUN went with its storage object)."""
    for acl in tpg.get('node_acls', []):
        mapped = acl.get('mapped_luns', [])
        acl['mapped_luns'] = [m for m in mapped if m.get('tpg_lun') in luns]
        for m in mapped:
            if m.get('tpg_lun') not in luns | gone:
                warn(f"target {target.get('wwn')} tpg {tpg.get('tag')} acl {acl.get('node_wwn')}: "
                     f"mapped lun {m.get('index')} not saved: its LUN {m.get('tpg_lun')} is not "
                     f"saved")


# -- saving a selection ---------------------------------------------------------

def _so_refs(target):
    """Storage object keys the LUNs of one target document use."""
    return {schema.parse_so_ref(lun.get('storage_object'))
            for tpg in target.get('tpgs', []) for lun in tpg.get('luns', [])}


def _replace(items, match, new):
    """Replace the items matching `match` by `new` (list, possibly empty), in place."""
    out, placed = [], False
    for item in items:
        if match(item):
            if not placed:
                out.extend(new)
                placed = True
        else:
            out.append(item)
    if not placed:
        out.extend(new)
    return out


def select_storage_object(saved, current, so_ref):
    """Update one storage object (and the targets whose LUNs use it) in `saved`.

    As rtslib-fb's so_path save: the file keeps every other object; a storage
    object deleted from the kernel is removed from the file, and the targets
    that used it are saved as the kernel now has them (gone if deleted), with
    the other storage objects their LUNs use when the file lacks them.
    """
    key = schema.parse_so_ref(so_ref) or so_ref
    match = [so for so in current['storage_objects'] if schema.so_doc_key(so) == key]
    saved['storage_objects'] = _replace(saved.get('storage_objects', []),
                                        lambda so: schema.so_doc_key(so) == key, match)
    users = [t for t in current['targets'] if key in _so_refs(t)]
    old_users = {(t.get('fabric'), t.get('wwn')) for t in saved.get('targets', [])
                 if key in _so_refs(t)}
    new_users = {(t['fabric'], t['wwn']) for t in users}
    targets = saved.get('targets', [])
    for ident in old_users | new_users:
        # a target that used the object is refreshed from the kernel (rtslib-fb
        # drops it from the file once it no longer uses the object: we keep it)
        new = [t for t in current['targets'] if (t['fabric'], t['wwn']) == ident]
        targets = _replace(targets, lambda t, i=ident: (t.get('fabric'), t.get('wwn')) == i, new)
    saved['targets'] = targets
    refreshed = [t for t in current['targets'] if (t['fabric'], t['wwn']) in old_users | new_users]
    return _add_needed(saved, current, refreshed)


def _add_needed(saved, current, targets):
    """Add to `saved` the storage objects the LUNs of `targets` use that it lacks:
    a target written whole needs them, or the file no longer restores (rtslib-fb
    wrote such files; our validation refuses them)."""
    have = {schema.so_doc_key(so) for so in saved.get('storage_objects', [])}
    need = set().union(*(_so_refs(t) for t in targets)) - have
    saved.setdefault('storage_objects', []).extend(
        so for so in current['storage_objects'] if schema.so_doc_key(so) in need)
    return saved


def select_target(saved, current, wwn):
    """Update one target in `saved`; add the storage objects it needs that the
    file lacks (so the file stays restorable), keep everything else."""
    match = [t for t in current['targets'] if t['wwn'] == wwn]
    saved['targets'] = _replace(saved.get('targets', []), lambda t: t.get('wwn') == wwn, match)
    return _add_needed(saved, current, match)


def _read_existing(path):
    """Current bytes of the save file, or None if there is none."""
    try:
        with open(path, 'rb') as f:
            return f.read()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise SaveConfigError(f'cannot read {path}: {err.strerror}') from err


def _parse_existing(path, data):
    if not data:
        return {'fabric_modules': [], 'storage_objects': [], 'targets': []}
    try:
        doc = json.loads(data)
    except ValueError as err:
        raise SaveConfigError(f'{path} is not valid JSON ({err}); a partial save would lose it, '
                              f'save everything or fix the file') from err
    if not isinstance(doc, dict):
        raise SaveConfigError(f'{path} does not hold a configuration object')
    return doc


def save_to_file(root, path=None, so_path=None, target=None, *, empty_guard=False,
                 cleared=False, max_backup_files=paths.MAX_BACKUP_FILES, backup_old=None,
                 lock_timeout=None, warn=None):
    """Save the configuration (or one storage object / target of it) to `path`.

    empty_guard: the shell's autosave sets it; an empty configuration then
    never replaces a non-empty file unless `cleared` says the user cleared the
    configuration on purpose.  backup_old: keep the old content in backup/
    (default: only for the default save file, as targetcli-fb).  Returns the
    list of problems met in the kernel tree (objects left out); [] is a full save.
    """
    default = paths.default_save_file(root.fs)
    path = os.path.abspath(os.path.expanduser(path or default))
    if backup_old is None:
        backup_old = path == os.path.abspath(default)
    # a save file that is a symlink is written through (the rename would
    # otherwise replace the link itself with a plain file)
    path = os.path.realpath(path)
    problems = []

    def note(text):
        problems.append(text)
        if warn:
            warn(text)

    _ensure_dir(os.path.dirname(path))
    # the tree's lock (shared) before the file's: a restore is not saved half done
    with locks.tree(root.fs), atomic.FileLock(paths.lock_file(path, root.fs), lock_timeout):
        old = _read_existing(path)
        current = dump_config(root, note)
        if so_path or target:
            doc = _parse_existing(path, old)
            if so_path:
                doc = select_storage_object(doc, current, so_path)
            if target:
                doc = select_target(doc, current, target)
        else:
            doc = current
        data = to_bytes(doc)
        if empty_guard and not cleared and is_empty(doc) and _holds_config(old):
            raise SaveConfigError(f'not saving an empty configuration over {path}, which is not '
                                  f'empty; clear it on purpose (clearconfig) to do that')
        if old == data:
            return problems
        if old and backup_old:
            backup.backup(path, old, max_backup_files)
        atomic.atomic_write(path, data)
    return problems


def _holds_config(data):
    """Does the old file hold anything worth keeping?  (Unparsable: assume so.)"""
    if not data or not data.strip():
        return False
    try:
        doc = json.loads(data)
    except ValueError:
        return True
    return not isinstance(doc, dict) or not is_empty(doc)


def _ensure_dir(dirname):
    if os.path.isdir(dirname):
        return
    try:
        os.makedirs(dirname, mode=0o700, exist_ok=True)
    except OSError as err:
        raise SaveConfigError(atomic.describe(err, dirname)) from err
