"""apply: make exactly the planned changes, all or nothing, under the configuration lock.

make_plan() validates the file as restore does (same validator, same
messages, plus a refusal of masked secrets), reads the live configuration of
the scope (the dump save makes, only of that scope) and diffs the two
(plan.Planner).  apply() runs the list: each change is journalled before it
is made, so whatever stops the run (a kernel refusal half way, or anything
else) undoes the journal in reverse, the failed change first.
"""
import os

from rtslib import locks
from rtslib.saveconfig import atomic, objects, paths, plan, schema
from rtslib.saveconfig.restore import load_file, select
from rtslib.saveconfig.errors import ConfigInvalid, RTSLibError, SaveConfigError, Undone


class ApplyFailed(Undone):
    """A change was refused; what this apply made was undone (rollback_errors: what not)."""


def config_lock(fs, timeout=None):
    """The lock save, restore, apply and clear share: the default save file's."""
    return atomic.FileLock(paths.lock_file(paths.default_save_file(fs), fs), timeout)


# -- the live side ------------------------------------------------------------------

def _read(what, read):
    """read() of the kernel, or one error saying a plan needs all of it."""
    from rtslib.node import UNREADABLE
    try:
        return read()
    except UNREADABLE as err:
        raise SaveConfigError(f'cannot read {what} from the kernel: {err}; a plan needs all of it '
                              f'(delete or repair that object first)') from None


def _lookup(what, find):
    """find() of one object by its name, or None when the kernel has no such object."""
    from rtslib.errors import RTSLibNotInCFS
    try:
        return find()
    except RTSLibNotInCFS:
        return None
    except (RTSLibError, OSError) as err:
        raise SaveConfigError(f'cannot read {what} from the kernel: {err}') from None


def _find_so(root, key):
    """The kernel's storage object 'plugin/name', or None (one lookup, no listing)."""
    import rtslib
    plugin, name = key.split('/', 1)
    cls = rtslib.storage.so_mapping.get(plugin)
    return None if cls is None else _lookup('storage object ' + key,
                                            lambda: cls(name, fs=root.fs))


class _KernelHas:
    """`key in it`: has the kernel this storage object?  The validator asks only for
    LUN references the file does not define, so a plan lists no storage objects."""

    def __init__(self, root):
        self.root = root
        self.memo = {}

    def __contains__(self, key):
        if key not in self.memo:
            self.memo[key] = _find_so(self.root, key) is not None
        return self.memo[key]


def live_document(root, want, target=None, storage_object=None, seen=None):
    """The live configuration of the scope as save dumps it: everything (the same
    reads as saveconfig, plus the fabrics the file names), or for target= /
    storage_object= the objects of `want` looked up by name.  seen: a dict that
    gets the storage objects read, by key."""
    import rtslib
    if not (target or storage_object):
        found = []
        doc = _read('the configuration', lambda: root.dump(storage_objects_seen=found))
        if seen is not None:
            seen.update((objects.so_key(so), so) for so in found)
        fabrics = {fm['name']: fm for fm in doc['fabric_modules']}
        for fm in want['fabric_modules']:
            if fm['name'] not in fabrics:
                fabrics[fm['name']] = _read('fabric ' + fm['name'], rtslib.FabricModule(
                    fm['name'], fs=root.fs).dump)
        doc['fabric_modules'] = fabrics
        return doc
    doc = {'fabric_modules': {}, 'storage_objects': [], 'targets': []}
    for so in want['storage_objects']:
        key = schema.so_key(so['plugin'], so['name'])
        found = _find_so(root, key)
        if found is not None:
            doc['storage_objects'].append(_read('storage object ' + key, found.dump))
    for t in want['targets']:
        found = _lookup('target ' + t['wwn'], lambda: rtslib.Target(
            rtslib.FabricModule(t['fabric'], fs=root.fs), t['wwn'], mode='lookup'))
        if found is not None:
            doc['targets'].append(_read('target ' + t['wwn'], found.dump))
    return doc


# -- planning -----------------------------------------------------------------------

def validate(root, config, target=None, storage_object=None, clear_existing=False,
             source='configuration'):
    """The file checked as restore checks it; returns the normalised document of the
    scope ({'fabric_modules', 'storage_objects', 'targets'} lists)."""
    whole_clear = clear_existing and not (target or storage_object)
    existing = {} if whole_clear else _KernelHas(root)
    problems = schema.validate(config, existing_sos=existing,
                               fabrics=objects.fabric_names(root))
    fabrics, sos, targets, selection = select(
        config if isinstance(config, dict) else {}, target, storage_object)
    problems += selection
    if not problems:
        problems = plan.masked_secrets(config)
    if problems:
        raise ConfigInvalid(source, problems)
    return plan.normalize({'fabric_modules': [f for _, f in fabrics],
                           'storage_objects': [so for _, so in sos],
                           'targets': [t for _, t in targets]})


def make_plan(root, config, target=None, storage_object=None, clear_existing=False,
              source='configuration', seen=None):
    """The changes that bring the kernel to `config` in that scope, in apply order.
    seen: live_document's."""
    want = validate(root, config, target, storage_object, clear_existing, source)
    have = live_document(root, want, target, storage_object, seen)
    p = plan.Planner(clear_existing)
    p.fabrics(want['fabric_modules'], have['fabric_modules'])
    p.storage_objects(want['storage_objects'], have['storage_objects'])
    p.targets(want['targets'], have['targets'])
    changes = p.changes()
    _check_users(root, p, changes, source)
    return changes


def _check_users(root, planner, changes, source):
    """A storage object the plan deletes must have no LUN the plan keeps (deleting it
    would take them along, as rtslib-fb silently does)."""
    if not planner.gone_sos:
        return
    deleted = {c.key[1:] for c in changes if c.op == 'delete' and c.kind == 'lun'}
    problems = []
    for key, reason in planner.gone_sos.items():
        so = _find_so(root, key)
        if so is None:
            continue
        for lun in so.attached_luns:
            tpg = lun.parent_tpg
            if (tpg.parent_target.wwn, tpg.tag, lun.lun) not in deleted:
                problems.append(f'storage_object {key}: deleting it ({reason}) would delete lun '
                                f'{lun.lun} of {tpg.parent_target.wwn} tpg {tpg.tag}, '
                                f'which the file does not cover; add that target to the file, or '
                                f'delete the LUN first')
    if problems:
        raise ConfigInvalid(source, problems)


# -- applying -----------------------------------------------------------------------

def _refuse(message):
    raise RTSLibError(message)


class Runner:
    """Makes changes one by one, journalling each; undo() reverses the journal."""

    def __init__(self, root, progress=None, storage_objects=None):
        self.root = root
        # the plan's live dump read these: a change to one needs no lookup by name
        self.storage_objects = storage_objects or {}
        self.fs = root.fs
        self.journal = []
        self.progress = progress
        self.made_fabric_dirs = []
        self.parents = {}   # (kind, key) -> target, TPG or ACL found once (a stat each)
        self.members_of_deleted = {}    # ALUA group key -> its LUNs when it was deleted

    def run(self, changes):
        total = len(changes)
        for done, change in enumerate(changes):
            if self.progress:
                self.progress(done, total)
            self.journal.append(change)     # first: a half-made object is found by its key
            self.do(change)
        if self.progress:
            self.progress(total, total)

    def forget_if_remade(self, change):
        """A storage object deleted or made again is looked up afresh (its HBA may change)."""
        if change.op != 'set' and change.kind == 'storage_object':
            self.storage_objects.pop(change.key, None)

    def do(self, change):
        self.forget_if_remade(change)
        if change.op == 'set':
            self.set(change, change.new)
        elif change.op == 'delete':
            if change.kind == 'alua_tpg':
                # the kernel moves a deleted group's LUNs to default_tg_pt_gp: an
                # undo has to move them back, which no change of the plan says
                group = self.find(change.kind, change.key)
                self.members_of_deleted[change.key] = (group.member_luns() or []) \
                    if group else []
            self.remove(change.kind, change.key)
        else:
            getattr(self, 'create_' + change.kind)(change)

    def undo(self):
        errors = []
        for change in reversed(self.journal):
            try:
                self.undo_one(change)
            except (RTSLibError, OSError) as err:
                errors.append(f'{change.path}: {err}')
        self.journal = []
        for fm in self.made_fabric_dirs:
            try:
                objects.remove_fabric_dir(fm)
            except OSError as err:
                errors.append(f'{fm.name}: {err}')
        return errors

    def undo_one(self, change):
        self.forget_if_remade(change)
        if change.op == 'set':
            if change.old is not None or change.setting[1] == 'tag':
                self.set(change, change.old)
        elif change.op == 'delete':
            getattr(self, 'create_' + change.kind)(change)
            for lun in self.members_of_deleted.pop(change.key, ()):
                lun.alua_tg_pt_gp_name = change.key[1]
        else:
            self.remove(change.kind, change.key)

    # -- finding objects (no listing: a stat per step) ---------------------------
    def lib(self):
        import rtslib
        return rtslib

    def find(self, kind, key):
        """The object, or None when it does not exist."""
        try:
            return self.lookup(kind, key)
        except RTSLibError:
            return None

    PARENTS = ('target', 'tpg', 'node_acl')

    def lookup(self, kind, key):
        """The object by its key; a target, TPG or ACL is found once per run (each of
        10,000 LUNs would otherwise stat its target and TPG again)."""
        if kind not in self.PARENTS:
            return self._lookup(kind, key)
        found = self.parents.get((kind, key))
        if found is None:
            found = self.parents[(kind, key)] = self._lookup(kind, key)
        return found

    def _lookup(self, kind, key):
        lib = self.lib()
        if kind == 'fabric':
            return lib.FabricModule(key, fs=self.fs)
        if kind == 'storage_object':
            if key in self.storage_objects:
                return self.storage_objects[key]
            plugin, name = key.split('/', 1)
            return lib.storage.so_mapping[plugin](name, fs=self.fs)
        if kind == 'alua_tpg':
            return lib.ALUATargetPortGroup(self.lookup('storage_object', key[0]), key[1])
        if kind == 'target':
            return lib.Target(lib.FabricModule(key[0], fs=self.fs), key[1], mode='lookup')
        if kind == 'tpg':
            return lib.TPG(self.lookup('target', key[:2]), key[2], mode='lookup')
        tpg = self.lookup('tpg', key[:3])
        if kind == 'lun':
            return lib.LUN(tpg, key[3])
        if kind == 'portal':
            return lib.NetworkPortal(tpg, key[3], key[4], mode='lookup')
        if kind == 'node_acl':
            return lib.NodeACL(tpg, key[3], mode='lookup')
        return lib.MappedLUN(self.lookup('node_acl', key[:4]), key[4])

    # -- the changes --------------------------------------------------------------
    def set(self, change, value):
        obj = self.lookup(change.kind, change.key)
        if change.kind == 'fabric' and not obj.exists:
            self.made_fabric_dirs.append(obj)
        group, name = change.setting
        if group == 'attributes':
            obj.set_attribute(name, value)
        elif group == 'parameters':
            obj.set_parameter(name, value)
        elif name == 'tag':
            obj.tag = value or None
        else:
            setattr(obj, name, '' if value is None else value)

    def create_storage_object(self, change):
        self.storage_objects[change.key] = objects.setup_storage_object(
            self.root, change.data, _refuse)

    def create_alua_tpg(self, change):
        self.lib().ALUATargetPortGroup.setup(self.lookup('storage_object', change.key[0]),
                                             change.data, _refuse)

    def create_target(self, change):
        fm = self.lib().FabricModule(change.key[0], fs=self.fs)
        if not fm.exists:
            self.made_fabric_dirs.append(fm)
        self.lib().Target.setup(fm, change.data, _refuse)

    def create_tpg(self, change):
        self.lib().TPG.setup(self.lookup('target', change.key[:2]), change.data, _refuse)

    def create_lun(self, change):
        so = self.storage_objects.get(schema.parse_so_ref(change.data['storage_object']))
        self.lib().LUN.setup(self.lookup('tpg', change.key[:3]), change.data, _refuse, so)

    def create_portal(self, change):
        self.lib().NetworkPortal.setup(self.lookup('tpg', change.key[:3]), change.data,
                                       _refuse)

    def create_node_acl(self, change):
        self.lib().NodeACL.setup(self.lookup('tpg', change.key[:3]), change.data, _refuse)

    def create_mapped_lun(self, change):
        self.lib().MappedLUN.setup(self.lookup('tpg', change.key[:3]),
                                   self.lookup('node_acl', change.key[:4]), change.data, _refuse)

    def remove(self, kind, key):
        self.parents.clear()    # what was found may be what goes
        obj = self.find(kind, key)
        if obj is None:
            return
        if kind == 'lun':
            # the plan deleted every mapped LUN of it first: no ACL scan needed
            obj._delete_unmapped()
        else:
            obj.delete()


def _lookups(root, changes):
    """A plan that makes storage objects or LUNs looks storage objects up by name and
    picks free HBA indexes for each: one scan of core/ answers them all (as in a
    restore).  Other plans need no scan."""
    import contextlib
    from rtslib import hba
    if any(c.op in ('create', 'link') and c.kind in ('storage_object', 'lun')
           for c in changes):
        return hba.batch_lookups(root.fs)
    return contextlib.nullcontext()


def apply(root, config, target=None, storage_object=None, clear_existing=False,
          source='configuration', progress=None, lock_timeout=None):
    """Bring the kernel to `config` (a parsed saveconfig document) with the fewest
    changes; returns them.  ConfigInvalid when the file is refused (nothing
    changed), ApplyFailed when a change was refused (everything undone)."""
    # the tree's lock first (its place in rtslib/locks.py's order), exclusive
    with locks.tree(root.fs, exclusive=True), config_lock(root.fs, lock_timeout):
        seen = {}
        changes = make_plan(root, config, target, storage_object, clear_existing, source,
                            seen)
        runner = Runner(root, progress, seen)
        try:
            with _lookups(root, changes):
                runner.run(changes)
        except BaseException as err:    # whatever stops it (even ^C): undo, then report
            failed = runner.journal[-1]
            done = len(runner.journal) - 1
            rollback = runner.undo()
            if not isinstance(err, (RTSLibError, OSError)):
                raise
            undone = (f"the {done} change{'' if done == 1 else 's'} made before were undone"
                      if not rollback else 'undone as far as possible')
            raise ApplyFailed(f'{source}: apply stopped at "{failed.text()}": {err}; {undone}',
                              rollback) from None
    return changes


def apply_file(root, path, **kwargs):
    path = os.path.abspath(os.path.expanduser(path))
    return apply(root, load_file(path), source=path, **kwargs)


def plan_file(root, path, target=None, storage_object=None, clear_existing=False):
    path = os.path.abspath(os.path.expanduser(path))
    return make_plan(root, load_file(path), target, storage_object, clear_existing,
                     source=path)
