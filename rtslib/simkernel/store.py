"""Files of the simulated tree and the bookkeeping kept beside it.

Everything is O(1) per operation: one JSON file per object under
DIR/.simstate/objs/ (named by a hash of the object's path), small fixed-size
counters, and one file per TCP port for the network-portal registry.
"""
import contextlib
import fcntl
import hashlib
import json
import os
import shutil

SIM_SUBDIR = 'sys/kernel/config/target'


class Store:
    def __init__(self, simdir):
        self.simdir = os.path.abspath(simdir)
        self.root = os.path.join(self.simdir, SIM_SUBDIR)
        self.meta = os.path.join(self.simdir, '.simstate')
        self._kept = None           # files saved by the running op's journal
        self._trash = []

    # -- the visible tree -------------------------------------------------
    def abspath(self, rel):
        return f'{self.root}/{rel}' if rel else self.root

    def put_file(self, rel, content, mode):
        """Atomically (re)write an attribute file with the kernel's mode."""
        path = self.abspath(rel)
        self.keep(path)
        tmp = os.path.join(self.meta, f'tmp.{os.getpid()}')
        self.create_file(tmp, content, mode, replace=True)
        os.replace(tmp, path)

    def get_file(self, rel):
        with open(self.abspath(rel), 'rb') as f:
            return f.read().decode('utf-8', 'surrogateescape')

    def append(self, rel, text):
        """Add to a list file (members) without rewriting it: O(1)."""
        path = self.abspath(rel)
        self.keep(path)
        st = os.lstat(path)
        if st.st_nlink > 1:                 # still shared with the template cache
            self.set_value(rel, self.get_file(rel) + text)
            return
        mode = st.st_mode & 0o7777
        os.chmod(path, mode | 0o200)
        try:
            with open(path, 'a', encoding='utf-8', errors='surrogateescape') as f:
                f.write(text)
        finally:
            os.chmod(path, mode)

    def remove_entry(self, rel, text):
        """Take one entry out of a list file (proportional to that one list)."""
        try:
            content = self.get_file(rel)
        except FileNotFoundError:
            return
        at = content.find(text)
        while at > 0 and content[at - 1] not in '\n\0':
            at = content.find(text, at + 1)
        if at >= 0:
            self.set_value(rel, content[:at] + content[at + len(text):])

    def set_value(self, rel, content):
        """Replace a file's content, keeping its mode."""
        mode = os.lstat(self.abspath(rel)).st_mode & 0o7777
        self.put_file(rel, content, mode)

    def create_file(self, path, content, mode, replace=False):
        """Write a new file with the kernel's mode (replace=True: over a
        scratch file a killed process may have left)."""
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
        fd = os.open(path, flags, 0o600)
        try:
            os.write(fd, content.encode('utf-8', 'surrogateescape'))
            os.fchmod(fd, mode)
        finally:
            os.close(fd)

    def template_cache(self, name, tmpl, version):
        """A finished copy of a template's files to hard-link from: linking a
        file costs a fraction of creating one.  Files are never written in
        place while shared (put_file replaces, append copies first)."""
        path = os.path.join(self.meta, 'templates', f'{name}.{version}')
        if os.path.isdir(path):
            return path
        scratch = path + f'.tmp.{os.getpid()}'
        os.makedirs(scratch)
        for d in sorted(tmpl['dirs']):
            os.makedirs(os.path.join(scratch, d), exist_ok=True)
        for rel, (mode, value) in tmpl['files'].items():
            self.create_file(os.path.join(scratch, rel), value, mode)
        os.rename(scratch, path)
        return path

    # -- hidden per-object state ---------------------------------------------
    def _obj_path(self, rel):
        digest = hashlib.sha1(rel.encode('utf-8', 'surrogateescape')).hexdigest()
        return os.path.join(self.meta, 'objs', digest[:2], digest + '.json')

    def state(self, rel):
        try:
            with open(self._obj_path(rel)) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def save_state(self, rel, data):
        self._write_json(self._obj_path(rel), data)

    def drop_state(self, rel):
        path = self._obj_path(rel)
        self.keep(path)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    # -- small global tables --------------------------------------------------
    def table(self, name):
        try:
            with open(os.path.join(self.meta, name)) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def save_table(self, name, data):
        path = os.path.join(self.meta, name)
        self.keep(path)
        if data:
            self._write_json(path, data)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def next_counter(self, name, first):
        """Kernel index allocators (HBA ids, device indexes...): never reused."""
        counters = self.table('counters.json')
        value = counters.get(name, first)
        counters[name] = value + 1
        self.save_table('counters.json', counters)
        return value

    def _write_json(self, path, data):
        self.keep(path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f'{path}.tmp.{os.getpid()}'
        with open(tmp, 'w') as f:
            json.dump(data, f, sort_keys=True)
        os.replace(tmp, path)

    @contextlib.contextmanager
    def locked(self):
        """One mutating operation at a time across processes sharing DIR,
        applied whole or not at all, as the kernel applies it."""
        os.makedirs(self.meta, exist_ok=True)
        fd = os.open(os.path.join(self.meta, 'lock'), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._rollback()
            self._kept, self._trash = set(), []
            try:
                yield
            finally:
                self._commit()
        finally:
            os.close(fd)

    # -- crash safety ---------------------------------------------------------
    # The kernel applies each configfs operation whole; here one operation is
    # several file writes.  Before changing a file an operation logs the file's
    # prior content (and before a tree change, how to undo it); the next
    # operation rolls back one whose process was killed half-way.
    def _journal(self):
        return os.path.join(self.meta, 'journal')

    def interrupted(self):
        """Whether a killed process left an operation half-applied."""
        return os.path.isdir(self._journal())

    def keep(self, path):
        """Save `path`'s current content before the running op first changes it."""
        if self._kept is None or path in self._kept:
            return
        self._kept.add(path)
        entry = {'path': path}
        if os.path.lexists(path):
            entry['copy'] = os.path.join(self._open_journal(), str(len(self._kept)))
            shutil.copy2(path, entry['copy'], follow_symlinks=False)
        self._log(entry)

    def intent(self, **undo):
        """Log how to undo a tree change the running op is about to make:
        remove=PATH, relink=PATH with dest=TARGET, or restore=PATH from trash=PATH."""
        self._log({'tree': undo})

    def discard_after_commit(self, path):
        self._trash.append(path)

    def _open_journal(self):
        j = self._journal()
        if not os.path.isdir(j):
            os.mkdir(j)
        return j

    def _log(self, entry):
        if self._kept is None:
            return
        with open(os.path.join(self._open_journal(), 'log'), 'a') as f:
            f.write(json.dumps(entry) + '\n')

    def _commit(self):
        j = self._journal()
        if os.path.isdir(j):
            done = f'{j}.done.{os.getpid()}'
            shutil.rmtree(done, ignore_errors=True)   # left by a killed commit
            os.rename(j, done)              # the commit point
            # its files are known by name: no directory scan on the hot path
            for name in ['log'] + [str(n) for n in range(1, len(self._kept) + 1)]:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(done, name))
            os.rmdir(done)
        for path in self._trash:
            shutil.rmtree(path, ignore_errors=True)
        self._kept, self._trash = None, []

    def _rollback(self):
        j = self._journal()
        if not os.path.isdir(j):
            return
        try:
            with open(os.path.join(j, 'log')) as f:
                lines = f.read().split('\n')
        except FileNotFoundError:
            lines = []
        entries = []
        for line in lines:
            try:
                entries.append(json.loads(line))
            except ValueError:              # the line being written at the kill
                break
        for entry in reversed(entries):
            _undo(entry)
        shutil.rmtree(j)


def _undo(entry):
    tree = entry.get('tree')
    if tree is None:
        path = entry['path']
        if 'copy' in entry:
            if os.path.lexists(entry['copy']):
                os.replace(entry['copy'], path)
        elif os.path.lexists(path):
            os.unlink(path)
    elif 'remove' in tree and os.path.lexists(tree['remove']):
        p = tree['remove']
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        else:
            os.unlink(p)
    elif 'relink' in tree and not os.path.lexists(tree['relink']):
        os.symlink(tree['dest'], tree['relink'])
    elif 'restore' in tree and os.path.lexists(tree['trash']) \
            and not os.path.lexists(tree['restore']):
        os.rename(tree['trash'], tree['restore'])
