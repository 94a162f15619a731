"""Crash-safe file replacement and the save file's lock.

A reader of the save file sees either the old or the new content, never a mix,
whatever moment the writer dies at: the new content goes to a unique temp file
in the same directory, is fsynced, renamed over the old name, and the directory
is fsynced so the rename itself survives a power cut.
"""
import errno
import fcntl
import os
import tempfile
import time

from rtslib.saveconfig.errors import LockTimeout, SaveConfigError

# Test hook (fault tests only): "delay=SECONDS" sleeps between the steps of a
# write so a test can kill the process inside each window; "enospc" makes the
# data write fail as on a full disk.  Read at call time; unset in normal use.
HOOK_ENV = 'LIO_SAVECONFIG_TEST_HOOK'
LOCK_TIMEOUT = 30.0


def _hook(step):
    spec = os.environ.get(HOOK_ENV)
    if not spec:
        return
    for item in spec.split(','):
        key, _, value = item.partition('=')
        if key == 'delay':
            time.sleep(float(value))
        elif key == 'enospc' and step == 'write':
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def describe(err, path):
    """'cannot write /etc/target/x: No space left on device' from an OSError."""
    reason = err.strerror or str(err)
    return f'cannot write {path}: {reason}'


def fsync_dir(dirname):
    fd = os.open(dirname, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        _hook('write')
        done = os.write(fd, view)
        view = view[done:]


def atomic_write(path, data, mode=0o600):
    """Replace `path` with bytes `data` so that a crash leaves old or new, whole."""
    dirname = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f'.{base}.', suffix='.tmp', dir=dirname)
    except OSError as err:
        raise SaveConfigError(describe(err, path)) from err
    try:
        try:
            os.fchmod(fd, mode)  # before any data: secrets never readable by others
            _hook('open')
            _write_all(fd, data)
            _hook('fsync')
            os.fsync(fd)
        finally:
            os.close(fd)
        _hook('rename')
        os.replace(tmp, path)
    except OSError as err:
        _remove_quietly(tmp)
        raise SaveConfigError(describe(err, path)) from err
    except BaseException:
        _remove_quietly(tmp)
        raise
    try:
        _hook('fsync_dir')
        fsync_dir(dirname)
    except OSError as err:
        # some filesystems cannot fsync a directory at all; the file is in place
        if err.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise SaveConfigError(describe(err, dirname)) from err


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass  # best effort: a stale temp file is harmless, it never has the real name


class FileLock:
    """Exclusive flock on a lock file; the kernel drops it when the holder dies.

    A dead holder therefore never blocks anyone; a live one makes us wait up to
    `timeout` seconds, then fail with a message naming its pid.
    """

    def __init__(self, path, timeout=None):
        self.path = path
        self.timeout = LOCK_TIMEOUT if timeout is None else timeout
        self.fd = None

    def __enter__(self):
        self.fd = self._open()
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._holder()
                    os.close(self.fd)
                    self.fd = None
                    raise LockTimeout(
                        f'{self.path} is locked by another process{holder}; gave up after '
                        f'{self.timeout:g}s') from None
                time.sleep(0.05)
        return self

    def _open(self):
        try:
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as err:
            first = err
        try:
            # read-only directory with an existing lock file: flock works on a
            # read-only descriptor, and the write that follows reports the real cause
            return os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            raise SaveConfigError(describe(first, os.path.dirname(self.path))) from first

    def _holder(self):
        from rtslib.locks import holders_of
        pids = holders_of(self.fd)
        return f" (pid {', '.join((str(p) for p in pids))})" if pids else ''

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)  # closing releases the flock
            self.fd = None
        return False
