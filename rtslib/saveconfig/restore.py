"""restoreconfig: validate the whole document, then apply it all or nothing.

Nothing touches the kernel until schema.validate() found no problem.  While
applying, a journal records each top-level object this restore created (by
key, so an object whose setup() failed half-way is found again) and each
fabric setting it changed; when the kernel refuses something the journal is
undone in reverse order and, if the restore had cleared the old
configuration first, that configuration is put back.
"""
import copy
import gzip
import json
import os
import zlib

from rtslib import hba, locks
from rtslib.saveconfig import clear, objects, paths, schema
from rtslib.saveconfig.errors import (ConfigInvalid, RestoreFailed, RTSLibError,
                                      SaveConfigError)


GZIP_MAGIC = b'\x1f\x8b'


class NoSaveFile(SaveConfigError, FileNotFoundError):
    """There is no file to restore from (at boot: nothing was ever saved).
    Also a FileNotFoundError: rtslib-fb clients catch OSError for this case."""

    def __str__(self):
        return str(self.args[0]) if self.args else 'no saved configuration'


class RestoreReport(list):
    """rtslib-fb's restore() returns a list of messages; ours too, with the
    conflicts (merge restore) and skipped objects (skip_missing) apart."""

    def __init__(self):
        super().__init__()
        self.conflicts = []
        self.skipped = []

    def conflict(self, text):
        self.conflicts.append(text)
        self.append(text)

    def skip(self, text):
        self.skipped.append(text)
        self.append(text)


class _Refused(Exception):
    """The kernel (or the library) refused one step; carries the JSON path."""

    def __init__(self, path, message):
        super().__init__(f'{path}: {message}')


def load_file(path=None, fs=None):
    """Parse a save file (default: backend fs's default one); every failure is one
    SaveConfigError naming the file."""
    path = os.path.abspath(os.path.expanduser(path or paths.default_save_file(fs)))
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except FileNotFoundError:
        raise NoSaveFile(f'no saved configuration at {path}') from None
    except OSError as err:
        raise SaveConfigError(f'cannot read {path}: {err.strerror}') from err
    data = _gunzip(path, data)
    if not data.strip():
        raise SaveConfigError(f'{path} is empty (truncated?); nothing changed')
    try:
        return json.loads(data.decode('utf-8'))
    except UnicodeDecodeError as err:
        raise SaveConfigError(f'{path} is not UTF-8 text (byte {err.start}); '
                              'nothing changed') from None
    except json.JSONDecodeError as err:
        raise SaveConfigError(f'{path} is not valid JSON: {err.msg} at line {err.lineno} '
                              f'column {err.colno} (truncated or corrupted?); '
                              'nothing changed') from None


def _gunzip(path, data):
    """A gzipped file (our backups, by its magic bytes, whatever its name) as its text."""
    if data[:2] != GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as err:
        raise SaveConfigError(f'{path} is a damaged gzip file ({err}); nothing changed') from None


# -- which parts of the document to restore --------------------------------------

def _indexed(doc, key):
    items = doc.get(key, [])
    return list(enumerate(items)) if isinstance(items, list) else []


def select(doc, target=None, storage_object=None):
    """(fabric_modules, storage_objects, targets) to restore as (index, data)
    lists, and the problems of the selection itself."""
    fabrics, sos, targets = _indexed(doc, 'fabric_modules'), _indexed(doc, 'storage_objects'), \
        _indexed(doc, 'targets')
    if not (target or storage_object):
        return fabrics, sos, targets, []
    problems = []
    chosen_t = [(i, t) for i, t in targets if target and t.get('wwn') == target]
    if target and not chosen_t:
        problems.append(f"target={target}: no such target in the file")
    need = {schema.parse_so_ref(lun.get('storage_object'))
            for _, t in chosen_t for tpg in t.get('tpgs', []) for lun in tpg.get('luns', [])}
    chosen_so = [(i, so) for i, so in sos if schema.so_doc_key(so) in need or
                 storage_object in (so.get('name'), schema.so_doc_key(so))]
    if storage_object and not any(storage_object in (so.get('name'), schema.so_doc_key(so))
                                  for _, so in sos):
        problems.append(f"storage_object={storage_object}: no such storage object in the file")
    return [], chosen_so, chosen_t, problems


# -- comparing a file entry with what the kernel has ----------------------------

IDENT = ('tag', 'index', 'name', 'node_wwn', 'ip_address', 'port', 'wwn')


def _ident(item):
    if isinstance(item, dict):
        return tuple(str(item.get(k)) for k in IDENT)
    return (json.dumps(item, sort_keys=True),)


def differences(want, have, path=''):
    """JSON paths where `want` (file) says something `have` (kernel) does not."""
    if isinstance(want, dict) and isinstance(have, dict):
        out = []
        for key, value in want.items():
            sub = f'{path}.{key}' if path else key
            if key not in have:
                if value not in (None, '', [], {}, False):
                    out.append(sub)
            else:
                out.extend(differences(value, have[key], sub))
        return out
    if isinstance(want, list) and isinstance(have, list):
        if len(want) != len(have):
            return [path]
        out = []
        for i, (w, h) in enumerate(zip(sorted(want, key=_ident), sorted(have, key=_ident))):
            out.extend(differences(w, h, f'{path}[{i}]'))
        return out
    return [] if want == have else [path]


# -- applying -------------------------------------------------------------------

class Restorer:
    def __init__(self, root, merge, skip_missing):
        self.root = root
        self.merge = merge
        self.skip_missing = skip_missing
        self.report = RestoreReport()
        self.journal = []
        self.skipped_sos = {}   # 'plugin/name' -> why LUNs on it are skipped

    def strict(self, path):
        def err_func(message):
            raise _Refused(path, message)
        return err_func

    def conflict(self, path, what, want, have):
        diff = differences(want, have)
        if diff:
            self.report.conflict(f"{path}: {what} exists and differs from the file "
                                 f"({', '.join(diff[:5]) + (', ...' if len(diff) > 5 else '')}); "
                                 f"left as it is")

    def storage_objects(self, items):
        existing = objects.existing_sos(self.root)
        for i, data in items:
            path, key = f'storage_objects[{i}]', schema.so_doc_key(data)
            if key in existing:
                self.conflict(path, f"storage object '{key}'", data,
                              objects.current(existing[key]))
                continue
            self.journal.append(('so', key))
            try:
                objects.setup_storage_object(self.root, data, self.strict(path))
            except (_Refused, RTSLibError, OSError) as err:
                if not self.skip_missing:
                    raise _as_refused(path, err) from None
                self.journal.pop()
                objects.delete_so(self.root, key)
                self.skipped_sos[key] = f'the skipped storage object {key}'
                self.report.skip(f'{path}: storage object {key} skipped: {_strip_path(err, path)}')

    def fabric_modules(self, items):
        for i, data in items:
            path = f'fabric_modules[{i}]'
            fm = objects.fabric(self.root, data['name'])
            if fm is None:
                raise _Refused(path, f"no fabric module '{data['name']}'")
            old = objects.dump(fm) if fm.saved else None
            if old and self.merge:
                self.conflict(path, f"discovery auth of fabric '{data['name']}'", data, old)
                continue
            self.note_fabric_dir(data['name'])
            self.journal.append(('fabric', fm, old))
            try:
                objects.setup_fabric(fm, data, self.strict(path))
            except (RTSLibError, OSError) as err:
                raise _as_refused(path, err) from None

    def targets(self, items):
        existing = objects.existing_targets(self.root)
        for i, data in items:
            path, key = f'targets[{i}]', (data['fabric'], data['wwn'])
            if key in existing:
                self.conflict(path, f"target '{data['wwn']}'", data,
                              objects.current(existing[key]))
                continue
            data = self.without_skipped(path, data)
            self.note_fabric_dir(data['fabric'])
            self.journal.append(('target', key))
            try:
                objects.setup_target(self.root, data, self.strict(path))
            except (RTSLibError, OSError) as err:
                raise _as_refused(path, err) from None

    def note_fabric_dir(self, name):
        """The first use of a fabric makes its configfs dir; undo removes it
        again, so a failed restore leaves the tree exactly as it found it."""
        fm = objects.fabric(self.root, name)
        if fm is not None and not fm.exists and ('fabric_dir', fm) not in self.journal:
            self.journal.append(('fabric_dir', fm))

    def without_skipped(self, path, data):
        """The target minus LUNs (and their mapped LUNs) whose storage object was skipped."""
        if not self.skipped_sos:
            return data
        data = copy.deepcopy(data)
        for t, tpg in enumerate(data.get('tpgs', [])):
            luns = tpg.get('luns', [])
            tpg['luns'] = self._without(luns, f'{path}.tpgs[{t}].luns', self._lun_skipped)
            gone = {lun['index'] for lun in luns} - {lun['index'] for lun in tpg['luns']}
            for a, acl in enumerate(tpg.get('node_acls', [])):
                acl['mapped_luns'] = self._without(
                    acl.get('mapped_luns', []), f'{path}.tpgs[{t}].node_acls[{a}].mapped_luns',
                    lambda mlun: (f"mapped lun {mlun['index']} skipped: its lun "
                                  f"{mlun['tpg_lun']} was skipped"
                                  if mlun['tpg_lun'] in gone else None))
        return data

    def _lun_skipped(self, lun):
        """Why a LUN is left out (its storage object was), or None."""
        key = schema.parse_so_ref(lun['storage_object'])
        if key not in self.skipped_sos:
            return None
        return f"lun {lun['index']} skipped: it needs {self.skipped_sos[key]}"

    def _without(self, items, where, why_skipped):
        """items but those why_skipped(item) gives a reason for, each reported."""
        kept = []
        for i, item in enumerate(items):
            why = why_skipped(item)
            if why:
                self.report.skip(f'{where}[{i}]: {why}')
            else:
                kept.append(item)
        return kept

    def undo(self):
        """Reverse the journal; returns what could not be undone."""
        errors = []
        for entry in reversed(self.journal):
            try:
                if entry[0] == 'target':
                    objects.delete_target(self.root, entry[1])
                elif entry[0] == 'so':
                    objects.delete_so(self.root, entry[1])
                elif entry[0] == 'fabric_dir':
                    objects.remove_fabric_dir(entry[1])
                else:
                    objects.reset_fabric(entry[1], entry[2])
            except (RTSLibError, OSError) as err:
                errors.append(f'{entry[0]} {entry[1]}: {err}')
        self.journal = []
        return errors


def _in_use(root, name):
    """Replacing a storage object that LUNs use would delete those LUNs (as
    rtslib-fb silently does): refuse instead, saying what to do."""
    out = []
    for key, so in objects.existing_sos(root).items():
        if name in (so.name, key):
            users = objects.lun_users(so)
            if users:
                out.append(f"storage_object={name}: in use by {', '.join(users)}; restore with "
                           f"target= for those targets, or without clear_existing")
    return out


def _as_refused(path, err):
    return err if isinstance(err, _Refused) else _Refused(path, str(err))


def _strip_path(err, path):
    text = str(err)
    return text[len(path) + 2:] if text.startswith(path + ': ') else text


def _absent_sos(config, existing):
    """skip_missing: storage objects that LUNs of the file name but neither the
    file nor the kernel holds (a partial save by rtslib-fb or by an older lio-py
    wrote such files); their LUNs are skipped, the rest restored.
    {'plugin/name': why}."""
    if not isinstance(config, dict) or not isinstance(config.get('storage_objects'), list) \
            or not isinstance(config.get('targets'), list):
        return {}
    have = {schema.so_doc_key(so) for so in config['storage_objects'] if isinstance(so, dict)}
    refs = set()
    for t in config['targets']:
        for tpg in (t.get('tpgs') or []) if isinstance(t, dict) else []:
            for lun in (tpg.get('luns') or []) if isinstance(tpg, dict) else []:
                if isinstance(lun, dict):
                    refs.add(schema.parse_so_ref(lun.get('storage_object')))
    return {key: f'the storage object {key}, which the file does not hold'
            for key in refs - have - set(existing) - {None}}


def _put_back(root, before):
    """Best effort: re-create the configuration a clearing restore removed."""
    r = Restorer(root, merge=True, skip_missing=True)
    try:
        r.storage_objects(_indexed(before, 'storage_objects'))
        r.fabric_modules(_indexed(before, 'fabric_modules'))
        r.targets(_indexed(before, 'targets'))
    except (_Refused, RTSLibError, OSError) as err:
        return [f'putting back the previous configuration: {err}']
    return list(r.report.skipped)


def restore(root, config, target=None, storage_object=None, clear_existing=False,
            abort_on_error=False, skip_missing=False, source='configuration'):
    """See _restore; the whole tree's lock, exclusive: one-shot commands wait for
    the restore, or it for them, and no one sees the tree half restored."""
    with locks.tree(root.fs, exclusive=True):
        return _restore(root, config, target, storage_object, clear_existing,
                        abort_on_error, skip_missing, source)


def _restore(root, config, target, storage_object, clear_existing, abort_on_error,
             skip_missing, source):
    """Restore `config` (a parsed saveconfig.json) into the kernel.

    All or nothing: a document with any problem changes nothing
    (ConfigInvalid lists them all); a kernel refusal undoes this restore's work
    and raises RestoreFailed.  abort_on_error is accepted for rtslib-fb
    compatibility; we always stop at the first refusal.  clear_existing=False
    merges: objects already present are left alone and listed as conflicts
    when they differ.  skip_missing: a storage object that cannot be created
    (missing device) is skipped with what needs it, each one reported.
    Returns a RestoreReport (empty list: everything restored as in the file).
    """
    del abort_on_error  # always all-or-nothing, see docstring
    # a LUN may name a storage object that is only in the kernel, unless this
    # restore clears them all first
    whole_clear = clear_existing and not (target or storage_object)
    existing = {} if whole_clear else objects.existing_sos(root)
    absent = _absent_sos(config, existing) if skip_missing else {}
    problems = schema.validate(config, existing_sos=set(existing) | set(absent),
                               fabrics=objects.fabric_names(root))
    fabrics, sos, targets, selection = select(config if isinstance(config, dict) else {},
                                              target, storage_object)
    if clear_existing and storage_object and not target:
        selection += _in_use(root, storage_object)
    if problems or selection:
        raise ConfigInvalid(source, problems + selection)
    before = None
    if clear_existing and objects.has_config(root):
        # kept to put back if the kernel refuses the new one (at boot the
        # kernel is empty and this costs nothing)
        from rtslib.saveconfig.save import dump_config
        before = dump_config(root, lambda msg: None)
    r = Restorer(root, merge=not clear_existing, skip_missing=skip_missing)
    r.skipped_sos.update(absent)
    try:
        if clear_existing:
            clear.clear_existing(root, target, storage_object, confirm=True)
        with hba.batch_lookups(root.fs):
            r.storage_objects(sos)
            r.fabric_modules(fabrics)
            r.targets(targets)
    except BaseException as err:
        # any error, not only a kernel refusal: a half-applied restore (after
        # clearing, the running configuration gone) is never left behind
        rollback = r.undo()
        if before is not None:
            try:
                clear.clear_existing(root, target, storage_object, confirm=True)
            except SaveConfigError as again:
                rollback.append(str(again))
            rollback += _put_back(root, before)
        if not isinstance(err, Exception):
            raise                   # KeyboardInterrupt: undone, and still an interrupt
        if not isinstance(err, (_Refused, RTSLibError, OSError)):
            err = f'an internal error ({type(err).__name__}: {err})'
        raise RestoreFailed(f"{source}: restore stopped at {err}; "
                            + ('undone as far as possible' if rollback
                               else 'the previous configuration is back')) from None
    return r.report


def restore_from_file(root, path=None, clear_existing=True, target=None, storage_object=None,
                      abort_on_error=False, skip_missing=False):
    """Load and restore a save file (default: the default save file)."""
    path = os.path.abspath(os.path.expanduser(path or paths.default_save_file(root.fs)))
    config = load_file(path)
    return restore(root, config, target, storage_object, clear_existing=clear_existing,
                   abort_on_error=abort_on_error, skip_missing=skip_missing, source=path)
