"""SimConfigFS: the configfs backend interface on a simulated kernel.

Each call works on the paths it names: it classifies the path from its text
(kinds.resolve), reads the few state files involved, and changes the visible
tree the way configfs would (object dirs appear complete, removed dirs take
their kernel-made children along).  Mutations hold DIR/.simstate/lock.
"""
import errno
import os
import shutil
import stat

from rtslib.configfs import first_dir_under
from rtslib.simkernel import objects, render, writes
from rtslib.simkernel.host import load_host, write_host
from rtslib.simkernel.kinds import (CONTAINERS, LINK_HOLDERS, default_children, resolve, split,
                                    template_name, templates_version)
from rtslib.simkernel.parse import fail
from rtslib.simkernel.rules import READ_ERRORS, SESSION_ONLY
from rtslib.simkernel.store import Store

NAME_MAX = 255


class SimConfigFS:
    """Simulated /sys/kernel/config/target under DIR (see rtslib.configfs)."""

    simulated = True

    def __init__(self, simdir):
        self.store = Store(simdir)
        # the absolute DIR the tree is under: its save file and locks stay with it
        # whatever the working directory becomes
        self.sim_root = self.store.simdir
        self.root = self.store.root
        self._ready = False

    # -- the simulated machine ---------------------------------------------------
    def host(self):
        """The simulated host (DIR/sim-host.json, written with defaults if missing)."""
        os.makedirs(self.store.simdir, exist_ok=True)
        return load_host(os.path.join(self.store.simdir, 'sim-host.json'))

    def configure_host(self, **overrides):
        """Change facts of the simulated machine (keys as in host.DEFAULT_HOST),
        e.g. rdma_addresses=['192.0.2.1'], block_devices={...}."""
        data = self.host()
        data.update(overrides)
        write_host(os.path.join(self.store.simdir, 'sim-host.json'), data)
        return data

    def _ensure(self):
        """Make the tree as the kernel shows it with the modules loaded (once)."""
        if self._ready:
            return
        if not os.path.isdir(self.root) or self.store.interrupted():
            with self.store.locked():         # also rolls back a killed op
                if not os.path.isdir(self.root):
                    self.host()
                    os.makedirs(os.path.dirname(self.root), exist_ok=True)
                    node = resolve([])
                    self._build(node, {}, self.root)
        self._ready = True

    # -- read-only calls ------------------------------------------------------------
    def abspath(self, path):
        return self.store.abspath(path.strip('/'))

    def exists(self, path):
        self._ensure()
        return os.path.lexists(self.abspath(path))

    def isdir(self, path):
        self._ensure()
        try:
            return stat.S_ISDIR(os.lstat(self.abspath(path)).st_mode)
        except (OSError, ValueError):
            return False

    def first_dir(self, paths):
        self._ensure()
        return first_dir_under(self, paths)

    def islink(self, path):
        self._ensure()
        return os.path.islink(self.abspath(path))

    def writable(self, path):
        """Whether the kernel lets a file be written: the mode its template gives it."""
        self._ensure()
        return bool(os.stat(self.abspath(path)).st_mode & 0o200)

    def listdir(self, path=''):
        self._ensure()
        return sorted(os.listdir(self.abspath(path)))

    def readlink(self, path):
        self._ensure()
        p = self.abspath(path)
        dest = os.readlink(p)
        full = os.path.normpath(dest if dest[:1] == '/' else f'{os.path.dirname(p)}/{dest}')
        if full.startswith(self.root + '/'):
            return full[len(self.root) + 1:]
        return os.path.relpath(full, self.root)

    def _existing(self, path):
        """(path's parts, the host path under DIR); ENOENT when nothing is there."""
        self._ensure()
        parts = self._parts(path)
        p = self.abspath(path)
        if not os.path.lexists(p):
            raise fail(errno.ENOENT)
        return parts, p

    def read(self, path):
        parts, p = self._existing(path)
        if os.path.isdir(p):
            raise fail(errno.EISDIR)
        if not os.stat(p).st_mode & 0o444:
            raise fail(errno.EACCES)
        node = self._real_node(parts)
        if node is not None and self._read_fails(node):
            raise fail(errno.ENODEV)
        with open(p, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def _read_fails(self, node):
        if node.sub in SESSION_ONLY.get(node.kind, ()):
            return render.session_of(self, node.obj_path.rsplit('/', 1)[0]) is None
        rule = READ_ERRORS.get(node.kind) or READ_ERRORS.get(
            f'{node.kind}_{node.flavour}')
        if not rule or not (rule[1] == '*' or node.sub.startswith(rule[1])):
            return False
        st = self.store.state(node.obj_path)
        if rule[0] == 'unlinked':
            return not st.get('dev' if node.kind == 'lun' else 'lun')
        return not st.get('nexus')

    # -- mutations -------------------------------------------------------------------
    def mkdir(self, path):
        self._ensure()
        parts = self._parts(path)
        if not parts:
            raise fail(errno.EEXIST)
        if len(parts[-1].encode('utf-8', 'surrogateescape')) > NAME_MAX:
            raise fail(errno.ENAMETOOLONG)
        with self.store.locked():
            parent = self._existing_dir(parts[:-1])
            if os.path.lexists(self.abspath(path)):
                raise fail(errno.EEXIST)
            if CONTAINERS.get(parent.kind, {}).get(parent.sub) is None:
                raise fail(errno.EPERM)      # no make_group here (kernel-made group)
            node = resolve(parts)
            st = objects.on_create(self, node)
            self._build(node, st, self.abspath(path))

    def rmdir(self, path):
        self._ensure()
        parts = self._parts(path)
        p = self.abspath(path)
        with self.store.locked():
            if not os.path.lexists(p):
                raise fail(errno.ENOENT)
            if os.path.islink(p) or not os.path.isdir(p):
                raise fail(errno.ENOTDIR)
            node = resolve(parts)
            if node is None or node.sub or not parts:
                raise fail(errno.EPERM)      # kernel-made (default) group
            st = self.store.state(node.obj_path)
            if st.get('refs'):
                raise fail(errno.EBUSY)      # something links to it
            if self._has_user_children(node):
                raise fail(errno.ENOTEMPTY)
            objects.on_remove(self, node, st)
            trash = os.path.join(self.store.meta, f'trash.{os.getpid()}')
            shutil.rmtree(trash, ignore_errors=True)
            self.store.intent(restore=p, trash=trash)
            os.rename(p, trash)
            self.store.drop_state(node.obj_path)
            self.store.discard_after_commit(trash)  # kept until then for a rollback

    def write(self, path, value, create=False):
        """open(O_WRONLY) + one write(2), like RealConfigFS.write.

        create=True is the shell's `> file` (O_CREAT|O_TRUNC): a missing file is
        then EACCES (configfs makes no files) and an empty value means no
        write(2) at all; without it a missing file is ENOENT and an empty
        write(2) EFAULT (configfs copies nothing and says so).
        """
        self._ensure()
        parts = self._parts(path)
        p = self.abspath(path)
        if os.path.isdir(p):
            raise fail(errno.EISDIR)
        if not os.path.lexists(p):
            parent_ok = os.path.isdir(os.path.dirname(p))
            raise fail(errno.EACCES if create and parent_ok else errno.ENOENT)
        if not os.stat(p).st_mode & 0o222:
            raise fail(errno.EACCES)
        data = value.decode('utf-8', 'surrogateescape') if isinstance(value, bytes) else value
        if not data:
            if create:
                return                       # open+truncate, no write(2): nothing happens
            raise fail(errno.EFAULT)
        with self.store.locked():
            node = self._real_node(parts)
            writes.write(self, node, data)

    def symlink(self, target, link):
        self._ensure()
        lparts = self._parts(link)
        tparts = self._parts(self._under_root(target))
        with self.store.locked():
            holder = self._existing_dir(lparts[:-1])
            if os.path.lexists(self.abspath(link)):
                raise fail(errno.EEXIST)
            if holder.kind not in LINK_HOLDERS or holder.sub:
                raise fail(errno.EPERM)      # no allow_link here
            tnode = resolve(tparts)
            if tnode is None or not os.path.isdir(self.abspath('/'.join(tparts))):
                raise fail(errno.ENOENT)
            objects.on_link(self, holder, tnode, lparts[-1])
            ups = '../' * len(lparts)        # out of the link's dir and out of target/
            self.store.intent(remove=self.abspath(link))
            os.symlink(ups + 'target/' + '/'.join(tparts), self.abspath(link))

    def unlink(self, path):
        parts, p = self._existing(path)
        if os.path.isdir(p) and not os.path.islink(p):
            raise fail(errno.EISDIR)
        if not os.path.islink(p):
            raise fail(errno.EPERM)          # attribute files cannot be removed
        with self.store.locked():
            holder = resolve(parts[:-1])
            objects.on_unlink(self, holder)
            self.store.intent(relink=p, dest=os.readlink(p))
            os.unlink(p)

    # -- helpers used by the rule modules ------------------------------------------------
    def refresh(self, obj):
        """Re-render the state-dependent files of one object."""
        node = resolve(obj.split('/') if obj else [])
        st = self.store.state(obj)
        files = node.template['files']
        for rel, content in render.dynamic(self, node, st).items():
            full = (obj + '/' + rel) if obj else rel
            try:
                info = os.lstat(self.store.abspath(full))
            except FileNotFoundError:
                continue
            # still hard-linked to the template cache: it holds the template value
            current = files[rel][1] if info.st_nlink > 1 and rel in files \
                else self.store.get_file(full)
            if current != content:
                self.store.put_file(full, content, info.st_mode & 0o7777)

    def read_values(self, obj, rels):
        out = []
        for rel in rels:
            try:
                out.append(self.store.get_file(obj + '/' + rel if obj else rel))
            except (FileNotFoundError, NotADirectoryError):
                out.append('')
        return out

    def read_attr_ints(self, obj, names):
        values = self.read_values(obj, ['attrib/' + n for n in names])
        return {n: int(v) for n, v in zip(names, values) if v.strip().lstrip('-').isdigit()}

    def store_exists(self, rel):
        return os.path.lexists(self.store.abspath(rel))

    # -- internals --------------------------------------------------------------------------
    def _under_root(self, target):
        """A symlink target as a path below the configfs root (absolute ones cut)."""
        if target.startswith(self.root + '/'):
            return target[len(self.root) + 1:]
        return target

    @staticmethod
    def _parts(path):
        parts = split(path)
        if parts is None:
            raise fail(errno.ENOENT)
        return parts

    def _existing_dir(self, parts):
        p = self.abspath('/'.join(parts))
        if not os.path.isdir(p):
            raise fail(errno.ENOTDIR if os.path.lexists(p) else errno.ENOENT)
        node = self._real_node(parts)
        if node is None:
            raise fail(errno.ENOENT)
        return node

    def _real_node(self, parts):
        node = resolve(parts)
        if node is None or node.kind == 'link':
            # reached through a symlink: classify where it really is
            real = os.path.realpath(self.abspath('/'.join(parts)))
            if not real.startswith(self.root + '/'):
                return None
            node = resolve(real[len(self.root) + 1:].split('/'))
        return node

    def _has_user_children(self, node):
        subs = list(CONTAINERS.get(node.kind, {}))
        if node.kind in LINK_HOLDERS:
            subs.append('')
        for sub in subs:
            known = default_children(node.kind, node.flavour, sub)
            d = self.abspath(node.obj_path + ('/' + sub if sub else ''))
            with os.scandir(d) as it:
                for entry in it:
                    if entry.name not in known:
                        return True
        return False

    def _build(self, node, st, dest):
        """Make the object dir complete in a scratch place, then move it in."""
        tmpl = node.template
        os.makedirs(self.store.meta, exist_ok=True)
        cache = self.store.template_cache(template_name(node.kind, node.flavour), tmpl,
                                          templates_version())
        scratch = os.path.join(self.store.meta, f'build.{os.getpid()}')
        shutil.rmtree(scratch, ignore_errors=True)     # left by a killed process
        os.mkdir(scratch)
        for d in sorted(tmpl['dirs']):
            os.mkdir(os.path.join(scratch, d))
        if st is not None:
            self.store.save_state(node.obj_path, st)
        initial = render.initial(self, node, st)
        for rel, (mode, value) in tmpl['files'].items():
            dst = os.path.join(scratch, rel)
            if rel in initial:
                self.store.create_file(dst, initial[rel], mode)
                continue
            try:
                os.link(os.path.join(cache, rel), dst)
            except OSError:                  # EMLINK, no hard links here...
                self.store.create_file(dst, value, mode)
        os.chmod(scratch, 0o755)
        self.store.intent(remove=dest)
        os.rename(scratch, dest)
        self.refresh(node.obj_path)
