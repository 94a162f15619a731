"""Short advisory locks that make concurrent one-shot commands serialisable.

Why: a one-shot command decides from what it read a moment ago (the lowest
free LUN, which ACLs a new LUN is mapped into, which LUNs a new ACL maps,
the mapped LUNs to remove before a LUN), and another process may change
that before it writes.  Two tools answer it:

- The kernel's EEXIST on mkdir: where a choice is one directory (a LUN
  index, a TPG tag, an HBA index, a generated WWN) the creator takes the
  next free one and tries again (LUN, TPG, Target, rtslib/hba.py), so even a
  tool that takes no lock (targetcli-fb beside us) cannot make us fail.
- A lock, where a decision spans several objects (a LUN and every ACL it is
  mapped into; deleting a LUN with its mapped LUNs; an ACL and the LUNs it
  maps): flock(2) on a small file, exclusive for that moment only.

The lock files, in the save code's lock directory (/run/lock/lio-py,
DIR/run/lock/lio-py when simulated):

  tree.lock                       shared by every change; exclusive for restore,
                                  clear and apply, so they never interleave with
                                  one-shots (never a mixed tree)
  backstore.<plugin>.lock         creating/deleting storage objects of one kind
                                  (the kernel lets two HBAs hold one name)
  target.<fabric>+<wwn>.lock      a target's TPGs, and deleting it
  tpg.<fabric>+<wwn>+tpgt_<n>.lock  everything below one TPG

Per object, so unrelated targets never wait for each other; always taken in
that order (tree, backstore, target, tpg), so no two holders can deadlock.
Held for one command's own changes, never across a prompt; flock is released
by the kernel when a holder dies.  A lock costs an open and a flock whatever
the size of the configuration; taking one this process already holds costs
nothing, and while this process holds tree.lock exclusive (a restore) no other
lock is taken at all.  The files stay (removing one could split its waiters
between two files); /run is emptied at boot.
"""
import contextlib
import fcntl
import functools
import os
import signal
import threading
import time

from rtslib.configfs import REAL_ROOT
from rtslib.errors import RTSLibError

TREE = 'tree.lock'
TIMEOUT = 30.0
# how long to wait for a lock before refusing (seconds; tests make it short)
TIMEOUT_ENV = 'LIO_LOCK_TIMEOUT'
TICK = 1.0          # how often a waiter looks at who holds the lock
_NAME_MAX = 200

# lock file path -> [fd, exclusive, depth] of the locks this process holds
_held = {}


class LockBusy(RTSLibError):
    """Another process held a lock for longer than the timeout."""


class LockUnavailable(RTSLibError):
    """The lock file cannot be opened (its directory cannot be made)."""


def lock_dir(fs):
    """The save code's lock directory for the tree `fs` serves."""
    return _lock_paths(fs)[0]


def _lock_paths(fs):
    """(lock directory, its tree.lock) of the tree `fs` serves."""
    sim_root = getattr(fs, 'sim_root', None) if getattr(fs, 'simulated', False) else None
    return _lock_paths_of(sim_root, getattr(fs, 'root', REAL_ROOT))


@functools.lru_cache(maxsize=None)
def _lock_paths_of(sim_root, root):
    # cached: every object a restore makes asks (and finds the tree held)
    directory = _find_lock_dir(sim_root, root)
    return directory, os.path.join(directory, TREE)


def _find_lock_dir(sim_root, root):
    from rtslib.saveconfig import paths
    if sim_root:
        return paths.sim_lock_dir(sim_root)
    if root.rstrip('/') == REAL_ROOT:
        return paths.REAL_LOCK_DIR
    # a real-backend tree somewhere else (tests): its locks beside it
    return os.path.join(os.path.dirname(root.rstrip('/')), '.lio-py-locks')


def _file_name(kind, path):
    name = f"{kind}.{path.replace('/', '+')}.lock"
    if len(name.encode('utf-8', 'surrogateescape')) <= _NAME_MAX:
        return name
    import hashlib
    return f"{kind}.{hashlib.sha1(path.encode('utf-8', 'surrogateescape')).hexdigest()}.lock"


def _open(path):
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def _flock(fd, exclusive, path, what, timeout):
    """flock; a holder stuck for `timeout` seconds ends in a clear error, not a hang.

    The wait sleeps in the kernel (blocking flock), woken once a second to look
    at who holds the lock (the kernel's lock table names them, shared holders
    too), and restarts whenever that changes, so a long queue of short holders
    (16 processes at one TPG) is never taken for one holder that is stuck.
    Waiters that polled instead took the CPU from the holder under QEMU's TCG."""
    kind = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        _wait(fd, kind, path, what, timeout)


class _Tick(Exception):
    """SIGALRM during a blocking flock: time to look at the holder."""


_blocked = [False]      # in a blocking flock of _wait (main thread)


def _raise_tick(signum, frame):
    # only inside the flock: a tick arriving just after it returned is ignored (and
    # one arriving before the flag is cleared repeats a flock we already hold: a no-op)
    if _blocked[0]:
        raise _Tick()


def _wait(fd, kind, path, what, timeout):
    holder, deadline = holders_of(fd), time.monotonic() + timeout
    in_main = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGALRM, _raise_tick) if in_main else None
    try:
        while True:
            try:
                if in_main:
                    signal.setitimer(signal.ITIMER_REAL, TICK)
                    _blocked[0] = True
                    fcntl.flock(fd, kind)
                    _blocked[0] = False
                else:           # signals reach only the main thread: poll
                    fcntl.flock(fd, kind | fcntl.LOCK_NB)
                return
            except (_Tick, BlockingIOError):
                pass
            finally:
                _blocked[0] = False
                if in_main:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            now = holders_of(fd)
            if now != holder:
                holder, deadline = now, time.monotonic() + timeout
            elif time.monotonic() >= deadline:
                raise LockBusy(_busy_message(holder, what, path, timeout))
            if not in_main:
                time.sleep(0.02)
    finally:
        if in_main:
            signal.signal(signal.SIGALRM, signal.SIG_DFL if old is None else old)


def holders_of(fd):
    """The pids holding a flock on fd's file, from /proc/locks (waiters, shown
    with '->', left out); () when the table cannot be read."""
    try:
        st = os.fstat(fd)
        with open('/proc/locks', encoding='ascii', errors='replace') as f:
            table = f.read()
    except OSError:
        return ()
    me = f'{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}'
    pids = set()
    for line in table.splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[1] == 'FLOCK' and fields[5] == me:
            pids.add(int(fields[4]))
    return tuple(sorted(pids))


def _busy_message(holders, what, path, timeout):
    what = what() if callable(what) else what
    if not holders:
        by = 'another process has'
    elif len(holders) == 1:
        by = f'process {holders[0]} has'
    else:
        by = 'processes ' + ', '.join(str(p) for p in holders) + ' have'
    return f'{what} is busy: {by} held {path} for {timeout:g}s; try again when it has finished'


@contextlib.contextmanager
def hold(path, exclusive=True, what='the configuration', timeout=None):
    """Hold the flock on `path` (re-entrant within this process; a shared lock held
    here is raised to exclusive for the inner block, then lowered again)."""
    if timeout is None:
        timeout = float(os.environ.get(TIMEOUT_ENV) or TIMEOUT)
    held = _held.get(path)
    if held is not None and (held[1] or not exclusive):
        held[2] += 1
        try:
            yield
        finally:
            held[2] -= 1
        return
    if held is not None:
        _flock(held[0], True, path, what, timeout)
        held[1] = True
        try:
            yield
        finally:
            fcntl.flock(held[0], fcntl.LOCK_SH)
            held[1] = False
        return
    try:
        fd = _open(path)
    except OSError as err:
        raise LockUnavailable(f'cannot open the lock file {path}: {err.strerror}') from None
    try:
        _flock(fd, exclusive, path, what, timeout)
        _held[path] = [fd, exclusive, 1]
        yield
    finally:
        _held.pop(path, None)
        os.close(fd)        # releases the flock


def tree(fs, exclusive=False, what='the configuration', timeout=None):
    """The whole tree: shared by changes, exclusive for restore/clear/apply."""
    return hold(_lock_paths(fs)[1], exclusive, what, timeout)


def tree_exclusive_here(fs):
    held = _held.get(_lock_paths(fs)[1])
    return bool(held and held[1])


_NOTHING_TO_TAKE = contextlib.nullcontext()


def _object_lock(fs, kind, path, what):
    """An object's lock, inside the tree lock (taken shared here if not held).
    what: how a busy message names the object (a callable: made only then)."""
    directory, tree_path = _lock_paths(fs)
    outer = _held.get(tree_path)
    if outer is not None and outer[1]:
        return _NOTHING_TO_TAKE     # a restore/clear/apply holds the whole tree
    return _object_and_tree(directory, tree_path, outer is None, kind, path, what)


@contextlib.contextmanager
def _object_and_tree(directory, tree_path, take_tree, kind, path, what):
    with contextlib.ExitStack() as stack:
        if take_tree:
            stack.enter_context(hold(tree_path, False, 'the configuration'))
        stack.enter_context(hold(os.path.join(directory, _file_name(kind, path)), True, what))
        yield


def tpg(node):
    """Everything below one TPG: its LUNs, ACLs, mapped LUNs and portals."""
    return _object_lock(node.fs, 'tpg', node.cfs_path, node._label)


def target(node):
    """One target's TPGs (tags) and its deletion."""
    return _object_lock(node.fs, 'target', node.cfs_path, node._label)


def backstore(fs, plugin):
    """Storage objects of one plugin (their names are unique per plugin)."""
    return _object_lock(fs, 'backstore', plugin, f'the {plugin} backstore')


@contextlib.contextmanager
def all_backstores(fs, plugins):
    """Every plugin's lock (a save reads the storage objects whole), in name order."""
    with contextlib.ExitStack() as stack:
        for plugin in sorted(set(plugins)):
            stack.enter_context(backstore(fs, plugin))
        yield


@contextlib.contextmanager
def shell_command(fs):
    """What the shell holds around one command: the tree lock, shared.  Best effort:
    where the lock directory cannot be made (a real kernel without root, where
    nothing can be changed anyway) the command runs without it."""
    if not getattr(fs, 'simulated', False) and os.geteuid() != 0:
        yield               # nor a lock directory made by a user for root's to share
        return
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(tree(fs))
        except LockUnavailable:
            pass
        yield
