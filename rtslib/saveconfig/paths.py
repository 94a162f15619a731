"""Where the saved configuration lives.

/etc/target on a real system; DIR/etc/target when LIO_SIMULATE=DIR selects the
simulated kernel, so a simulated session never reads or writes the host's file.
"""
import os

from rtslib import configfs

SAVE_NAME = 'saveconfig.json'
BACKUP_SUBDIR = 'backup'
# targetcli-fb's default; the shell's max_backup_files preference overrides it
MAX_BACKUP_FILES = 10


def target_dir(simulate=None):
    """/etc/target, or DIR/etc/target in simulated mode."""
    sim = simulate or configfs.sim_dir()
    if sim:
        return os.path.join(os.path.abspath(sim), 'etc', 'target')
    return '/etc/target'


def default_save_file(simulate=None):
    return os.path.join(target_dir(simulate), SAVE_NAME)


def backup_dir(save_file):
    return os.path.join(os.path.dirname(os.path.abspath(save_file)), BACKUP_SUBDIR)


def lock_file(save_file):
    """The lock sits next to the file it guards (same directory, same filesystem)."""
    path = os.path.abspath(save_file)
    return os.path.join(os.path.dirname(path), '.' + os.path.basename(path) + '.lock')
