"""Where the saved configuration lives.

/etc/target on a real system; DIR/etc/target when the backend is the simulated
kernel under DIR, so a simulated session never reads or writes the host's file.
Each function takes the backend (fs); without one, the library's default.
"""
import hashlib
import os

from rtslib import configfs

SAVE_NAME = 'saveconfig.json'
BACKUP_SUBDIR = 'backup'
# targetcli-fb's default; the shell's max_backup_files preference overrides it
MAX_BACKUP_FILES = 10
REAL_LOCK_DIR = '/run/lock/lio-py'


def _sim_root(fs):
    """DIR of a simulated kernel's backend, or None for the real kernel."""
    fs = fs if fs is not None else configfs.default_fs()
    return fs.sim_root if fs.simulated else None


def target_dir(fs=None):
    """/etc/target, or DIR/etc/target in simulated mode."""
    sim = _sim_root(fs)
    if sim:
        return os.path.join(os.path.abspath(sim), 'etc', 'target')
    return '/etc/target'


def default_save_file(fs=None):
    return os.path.join(target_dir(fs), SAVE_NAME)


def backup_dir(save_file):
    return os.path.join(os.path.dirname(os.path.abspath(save_file)), BACKUP_SUBDIR)


def lock_dir(fs=None):
    """Where the save code's locks live: /run/lock/lio-py, DIR/run/lock/lio-py when
    simulated.  Never beside a user's file: a save to ~/x.json leaves only x.json."""
    sim = _sim_root(fs)
    return sim_lock_dir(sim) if sim else REAL_LOCK_DIR


def sim_lock_dir(sim_root):
    return os.path.join(os.path.abspath(sim_root), 'run', 'lock', 'lio-py')


def lock_file(save_file, fs=None):
    """The lock guarding one save file, named by the file's real path (two names
    of one file share a lock): <lock_dir>/<basename>.<hash of the path>.lock."""
    path = os.path.realpath(os.path.abspath(save_file))
    digest = hashlib.sha256(path.encode('utf-8', 'surrogateescape')).hexdigest()[:16]
    return os.path.join(lock_dir(fs), f'{os.path.basename(path)}.{digest}.lock')
