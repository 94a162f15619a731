"""The save file itself: atomic replacement, mode, lock, backups, faults.

These run without the object library: they drive rtslib.saveconfig's file
layer directly, in tmp_path (never /etc/target).
"""
import gzip
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from rtslib.saveconfig import atomic, backup, paths
from rtslib.saveconfig.errors import LockTimeout, SaveConfigError
from rtslib.saveconfig.restore import NoSaveFile, load_file
from save_helpers import mount_tmpfs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child_env(**extra):
    env = dict(os.environ, PYTHONPATH=ROOT, PYTHONDONTWRITEBYTECODE='1')
    env.update(extra)
    return env


def test_default_file_follows_simulation(tmp_path, monkeypatch):
    monkeypatch.setenv('LIO_SIMULATE', str(tmp_path))
    assert paths.default_save_file() == str(tmp_path / 'etc/target/saveconfig.json')
    monkeypatch.delenv('LIO_SIMULATE')
    assert paths.default_save_file() == '/etc/target/saveconfig.json'


def test_atomic_write_replaces_whole_file_mode_0600(tmp_path):
    f = tmp_path / 'saveconfig.json'
    f.write_text('old')
    os.chmod(f, 0o644)
    atomic.atomic_write(str(f), b'new content\n')
    assert f.read_bytes() == b'new content\n'
    assert f.stat().st_mode & 0o777 == 0o600
    assert sorted(os.listdir(tmp_path)) == ['saveconfig.json']  # no temp file left


def test_enospc_hook_keeps_old_file(tmp_path, monkeypatch):
    f = tmp_path / 'saveconfig.json'
    f.write_text('old')
    monkeypatch.setenv(atomic.HOOK_ENV, 'enospc')
    with pytest.raises(SaveConfigError, match='No space left on device'):
        atomic.atomic_write(str(f), b'new')
    assert f.read_text() == 'old'
    assert os.listdir(tmp_path) == ['saveconfig.json']


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 64 KiB tmpfs: a real full disk.  Needs root and mount(2)."""
    mnt = mount_tmpfs(tmp_path / 'mnt', '64k', 'the ENOSPC hook test covers the same path')
    yield mnt
    subprocess.run(['umount', '-l', str(mnt)], check=False)


def test_full_disk_clear_error_old_file_intact(small_tmpfs):
    f = small_tmpfs / 'saveconfig.json'
    f.write_text('{"old": true}\n')
    with pytest.raises(SaveConfigError) as e:
        atomic.atomic_write(str(f), b'x' * (256 * 1024))
    assert 'No space left on device' in str(e.value) and str(f) in str(e.value)
    assert f.read_text() == '{"old": true}\n'
    assert os.listdir(small_tmpfs) == ['saveconfig.json']


def test_read_only_dir_clear_error_old_file_intact(small_tmpfs):
    f = small_tmpfs / 'saveconfig.json'
    f.write_text('old')
    subprocess.run(['mount', '-o', 'remount,ro', str(small_tmpfs)], check=True)
    with pytest.raises(SaveConfigError, match='Read-only file system'):
        atomic.atomic_write(str(f), b'new')
    # the lock lives in the lock directory, not beside the file: it still works
    with atomic.FileLock(paths.lock_file(str(f)), timeout=1):
        pass
    assert f.read_text() == 'old'


KILL_WRITER = textwrap.dedent('''
    import sys
    from rtslib.saveconfig import atomic
    path, a, b = sys.argv[1], sys.argv[2].encode() * 50000, sys.argv[3].encode() * 80000
    print('ready', flush=True)
    while True:
        atomic.atomic_write(path, a)
        atomic.atomic_write(path, b)
''')


def test_kill_9_at_random_points_leaves_old_or_new_whole(tmp_path):
    f = tmp_path / 'saveconfig.json'
    a, b = b'A' * 50000, b'B' * 80000
    f.write_bytes(a)
    rng = random.Random(5)
    for _ in range(12):
        # the hook sleeps between the steps, so kills land inside each window
        p = subprocess.Popen([sys.executable, '-c', KILL_WRITER, str(f), 'A', 'B'],
                             stdout=subprocess.PIPE,
                             env=child_env(**{atomic.HOOK_ENV: 'delay=0.001'}))
        p.stdout.readline()
        time.sleep(rng.uniform(0, 0.05))
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
        data = f.read_bytes()
        assert data in (a, b), 'mixed or empty file: %d bytes' % len(data)
    # a stale temp file may remain after a kill; it never carries the real name
    assert all(n == 'saveconfig.json' or n.endswith('.tmp') for n in os.listdir(tmp_path))


HOLDER = textwrap.dedent('''
    import sys, time
    from rtslib.saveconfig import atomic
    with atomic.FileLock(sys.argv[1]):
        print('locked', flush=True)
        time.sleep(60)
''')


def _hold_lock(lock):
    p = subprocess.Popen([sys.executable, '-c', HOLDER, lock], stdout=subprocess.PIPE,
                         env=child_env())
    assert p.stdout.readline().strip() == b'locked'
    return p


def test_lock_of_dead_holder_does_not_block(tmp_path):
    lock = str(tmp_path / '.saveconfig.json.lock')
    p = _hold_lock(lock)
    p.kill()
    p.wait()
    p.stdout.close()
    with atomic.FileLock(lock, timeout=5) as held:
        assert held.fd is not None
    assert os.path.exists(lock)  # the stale file stays; its flock died with the holder


def test_live_holder_makes_second_writer_fail_clearly(tmp_path):
    lock = str(tmp_path / '.saveconfig.json.lock')
    p = _hold_lock(lock)
    try:
        with pytest.raises(LockTimeout) as e:
            with atomic.FileLock(lock, timeout=0.3):
                pass
        assert 'locked by another process (pid %d)' % p.pid in str(e.value)
    finally:
        p.kill()
        p.wait()
        p.stdout.close()


def test_backup_only_when_content_changed_and_rotated(tmp_path):
    f = str(tmp_path / 'saveconfig.json')
    names = []
    for i in range(13):
        n = backup.backup(f, b'{"v": %d}\n' % i, max_files=10)
        names.append(n)
        assert backup.backup(f, b'{"v": %d}\n' % i, max_files=10) is None  # unchanged
    kept = backup.list_backups(f)
    assert len(kept) == 10
    assert kept == sorted(set(names[-10:]))
    assert [json.loads(backup.read_backup(k))['v'] for k in kept] == list(range(3, 13))
    assert all(os.stat(k).st_mode & 0o777 == 0o600 for k in kept)
    # targetcli-fb's name: saveconfig-YYYYmmdd-HH:MM:SS-json.gz
    assert os.path.basename(kept[0]).startswith('saveconfig-')
    assert kept[0].endswith('-json.gz')
    with gzip.open(kept[-1]) as g:
        assert json.loads(g.read()) == {'v': 12}


def test_load_missing_file(tmp_path):
    with pytest.raises(NoSaveFile, match='no saved configuration at'):
        load_file(str(tmp_path / 'nope.json'))


@pytest.mark.parametrize('content, message', [
    (b'', 'is empty'),
    (b'{"targets": [', 'not valid JSON: Expecting value at line 1 column 14'),
    (b'{"targets": []', "not valid JSON: Expecting ',' delimiter at line 1"),
    (b'\xff\xfe{}', 'not UTF-8'),
])
def test_load_truncated_or_corrupted(tmp_path, content, message):
    f = tmp_path / 'saveconfig.json'
    f.write_bytes(content)
    with pytest.raises(SaveConfigError, match=message):
        load_file(str(f))


def test_truncated_real_file_every_length_is_refused(tmp_path):
    full = open(os.path.join(ROOT, 'tests/data/peer-2.1.53-saveconfig.json'), 'rb').read()
    f = tmp_path / 'saveconfig.json'
    for cut in range(0, len(full) - 2, 97):
        f.write_bytes(full[:cut])
        with pytest.raises(SaveConfigError):
            load_file(str(f))
