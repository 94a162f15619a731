"""Rotated backups of the save file, as targetcli-fb keeps them.

Before a save replaces the file with different content, the old content is
kept as backup/saveconfig-YYYYmmdd-HH:MM:SS-json.gz (targetcli-fb's name, so
either tool finds the other's backups), unless the newest backup already holds
exactly that content.  Only the newest max_backup_files are kept.
"""
import glob
import gzip
import json
import os
import time

from rtslib.saveconfig import atomic, paths
from rtslib.saveconfig.errors import SaveConfigError


def _pattern(save_file):
    stem = os.path.splitext(os.path.basename(save_file))[0]
    return os.path.join(paths.backup_dir(save_file), stem + '-*json*')


def list_backups(save_file):
    """Backups of save_file, oldest first (the timestamp sorts as text)."""
    return sorted(glob.glob(_pattern(save_file)))


def newest_first(save_file):
    """(path, what it holds) of each backup of save_file, newest first, for an
    admin picking one to restore: 'N storage objects, M targets' or why unreadable."""
    out = []
    for path in reversed(list_backups(save_file)):
        try:
            doc = json.loads(read_backup(path))
            holds = (f"{_count(doc.get('storage_objects'), 'storage object')}, "
                     f"{_count(doc.get('targets'), 'target')}")
        except (OSError, EOFError, ValueError, AttributeError, gzip.BadGzipFile) as err:
            holds = f"unreadable: {getattr(err, 'strerror', None) or err}"
        out.append((path, holds))
    return out


def _count(items, noun):
    n = len(items or [])
    return f"{n} {noun}{'' if n == 1 else 's'}"


def read_backup(path):
    with open(path, 'rb') as f:
        data = f.read()
    return gzip.decompress(data) if path.endswith('.gz') else data


def _new_name(save_file, newest):
    stem = os.path.splitext(os.path.basename(save_file))[0]
    now = time.time()
    base = os.path.join(paths.backup_dir(save_file), stem + '-' +
                        time.strftime('%Y%m%d-%H:%M:%S', time.localtime(now)))
    name = base + '-json.gz'
    if os.path.lexists(name) or (newest and name <= newest):
        # several saves in one second: '.' sorts after '-', so the newest
        # backup stays last in name order
        name = f'{base}.{int(now % 1 * 1e6):06}-json.gz'
    return name


def backup(save_file, old_data, max_files=paths.MAX_BACKUP_FILES):
    """Keep old_data (the file's content before this save) unless already kept."""
    existing = list_backups(save_file)
    if existing:
        try:
            if read_backup(existing[-1]) == old_data:
                return None
        except (OSError, EOFError, gzip.BadGzipFile):
            pass  # an unreadable newest backup is no reason to skip this one
    bdir = paths.backup_dir(save_file)
    try:
        os.makedirs(bdir, mode=0o700, exist_ok=True)
    except OSError as err:
        raise SaveConfigError(atomic.describe(err, bdir)) from err
    name = _new_name(save_file, existing[-1] if existing else None)
    # mtime=0: the same content always gives the same bytes
    atomic.atomic_write(name, gzip.compress(old_data, mtime=0))
    rotate(save_file, max_files)
    return name


def rotate(save_file, max_files):
    max_files = max(1, int(max_files))
    for old in list_backups(save_file)[:-max_files]:
        try:
            os.unlink(old)
        except OSError:
            pass  # an extra old backup is harmless; the save itself succeeded
