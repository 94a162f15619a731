"""The one module that touches the kernel's configfs tree.

Every path given to a ConfigFS method is relative to the target root
(``/sys/kernel/config/target`` on a real kernel): '' is the root itself,
'iscsi/iqn.../tpgt_1/lun/lun_0' a LUN.  Errors are the OSError the kernel
(or the simulated kernel) raised, with .errno set; the object layer turns
them into RTSLibError with a message for the user.

Two backends share this interface:
  RealConfigFS      plain syscalls on /sys/kernel/config/target
  simkernel.SimConfigFS  a directory tree DIR/sys/kernel/config/target that
                    applies the kernel's rules (rtslib/simkernel/)
"""
import errno
import os
import stat

REAL_ROOT = '/sys/kernel/config/target'
SIM_SUBDIR = 'sys/kernel/config/target'
SIM_ENV = 'LIO_SIMULATE'


class RealConfigFS:
    """Syscalls on a configfs mount; the kernel enforces every rule."""

    simulated = False

    def __init__(self, root=REAL_ROOT):
        self.root = root.rstrip('/') or '/'

    def abspath(self, path):
        # concatenation, not os.path.join: an ls makes one of these per file it reads
        return f'{self.root}/{path}' if path else self.root

    def exists(self, path):
        return os.path.lexists(self.abspath(path))

    def isdir(self, path):
        """A directory, not a link to one: one lstat (os.path.isdir + islink made two)."""
        try:
            return stat.S_ISDIR(os.lstat(self.abspath(path)).st_mode)
        except (OSError, ValueError):
            return False

    def islink(self, path):
        return os.path.islink(self.abspath(path))

    def writable(self, path):
        """Whether the kernel lets a file be written (its mode: one stat)."""
        return bool(os.stat(self.abspath(path)).st_mode & 0o200)

    def listdir(self, path=''):
        return sorted(os.listdir(self.abspath(path)))

    def mkdir(self, path):
        os.mkdir(self.abspath(path))

    def rmdir(self, path):
        os.rmdir(self.abspath(path))

    def read(self, path):
        """Return the file's text as the kernel gives it (trailing newline kept)."""
        with open(self.abspath(path), 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def write(self, path, value):
        """One open(O_WRONLY) + one write(2), as `echo -n value > path`."""
        data = value.encode('utf-8') if isinstance(value, str) else value
        fd = os.open(self.abspath(path), os.O_WRONLY)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def symlink(self, target, link):
        """Make `link` point at the object dir `target` (both root-relative)."""
        os.symlink(self.abspath(target), self.abspath(link))

    def readlink(self, path):
        """Root-relative path of the object a link points at."""
        link = self.abspath(path)
        dest = os.readlink(link)
        head, sep, tail = dest.partition('/target/')
        if sep and head.startswith('..') and not head.strip('./'):
            return tail         # configfs's own form, ../../(...)/target/<rel>: no normpath
        full = os.path.normpath(dest if dest[:1] == '/' else f'{os.path.dirname(link)}/{dest}')
        if full.startswith(self.root + '/'):
            return full[len(self.root) + 1:]
        # configfs answers ../../target/core/...; map it back under our root
        marker = '/target/'
        if marker in dest:
            return dest.split(marker, 1)[1]
        return os.path.relpath(full, self.root)

    def unlink(self, path):
        os.unlink(self.abspath(path))

    def first_dir(self, paths):
        return first_dir_under(self, paths)


def first_dir_under(fs, paths):
    """The first of `paths` that is a directory, or None.

    One faccessat(2) per path on a descriptor of the root: no exception per
    miss and no walk from / each time.  A lookup by name in a tree with one
    HBA per storage object (rtslib-fb's layout) probes thousands of paths.
    """
    fd = os.open(fs.abspath(''), os.O_RDONLY | os.O_DIRECTORY)
    try:
        for path in paths:
            if os.access(path, os.F_OK, dir_fd=fd) and fs.isdir(path):
                return path
    finally:
        os.close(fd)
    return None


def tree_key(fs):
    """Which tree a backend serves (wrappers of one backend share memos about it)."""
    abspath = getattr(fs, 'abspath', None)
    return abspath('') if callable(abspath) else id(fs)


def sim_dir():
    """The simulation directory from LIO_SIMULATE, or None."""
    return os.environ.get(SIM_ENV) or None


def backend(simdir=None):
    """The simulated kernel under simdir, or the real one: what an entry point
    (targetcli, targetctl) builds from its --simulate and hands to everything."""
    if simdir:
        from rtslib.simkernel import SimConfigFS  # lazy: no cost for real use
        return SimConfigFS(simdir)
    return RealConfigFS()


def open_configfs(root=None, simulate=None):
    """The configfs backend a library user gets without choosing one.

    simulate=DIR (or LIO_SIMULATE=DIR: the library's one reading of the
    environment, for programs written for rtslib-fb) selects the simulated
    kernel under DIR; root= overrides the real mount point (tests of the real
    backend).
    """
    if root and not simulate:
        return RealConfigFS(root)
    return backend(simulate or sim_dir())


_default = {'fs': None, 'key': None}


def default_fs():
    """The process-wide backend, made on first use (no I/O at import).

    Follows LIO_SIMULATE unless set_default_fs() pinned one explicitly.
    """
    key = ('env', sim_dir())
    if _default['fs'] is None or (_default['key'][0] == 'env' and _default['key'] != key):
        _default.update(fs=open_configfs(), key=key)
    return _default['fs']


def set_default_fs(fs):
    """Pin the backend for objects made without an explicit fs (None: follow env)."""
    _default.update(fs=fs, key=('pinned', None) if fs else None)
    return fs


def errno_name(err):
    """'EINVAL' for an OSError or errno number."""
    num = err.errno if isinstance(err, OSError) else err
    return errno.errorcode.get(num, str(num))


def real_lio_problem():
    """Why this process cannot use the real kernel's LIO, or None (one sentence,
    how to fix it included; each tool adds its own pointer to --simulate)."""
    if not os.path.isdir('/sys/kernel/config'):
        return ("configfs is not available (/sys/kernel/config is missing): mount it with "
                "`mount -t configfs none /sys/kernel/config`.")
    if os.geteuid() != 0:
        return "must run as root to configure the kernel target (LIO)."
    if not os.path.isdir(REAL_ROOT):
        return (f"LIO is not loaded ({REAL_ROOT} is missing): run `modprobe target_core_mod`.")
    return None
