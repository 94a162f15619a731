"""Backups as an admin uses them: listed newest first, restored as they are
(gzipped), and a save that leaves nothing but the file and its backup."""
import gzip
import os
import subprocess
import sys

from cli_helpers import ROOT, cfs, cli, dump_tree, ok
from save_helpers import TARGETCTL


def _backup_dir(simdir):
    return os.path.join(str(simdir), 'etc', 'target', 'backup')


def _storage_objects(simdir):
    core = cfs(simdir, 'core')
    return sorted(so for hba in os.listdir(core) if os.path.isdir(os.path.join(core, hba))
                  for so in os.listdir(os.path.join(core, hba))
                  if so != 'lu_gps' and os.path.isdir(os.path.join(core, hba, so)))


def _three_saves(simdir):
    """Three saves of a growing configuration: two backups (1 then 2 objects)."""
    ok(simdir, '/backstores/ramdisk', 'create', 'r1', '1M')
    ok(simdir, 'saveconfig')
    ok(simdir, '/backstores/ramdisk', 'create', 'r2', '1M')
    ok(simdir, 'saveconfig')
    ok(simdir, '/backstores/ramdisk', 'create', 'r3', '1M')
    ok(simdir, 'saveconfig')
    return sorted(os.listdir(_backup_dir(simdir)))


def test_list_backups_newest_first_and_restore_one_as_it_is(simdir):
    names = _three_saves(simdir)
    assert len(names) == 2 and all(n.endswith('-json.gz') for n in names)
    out = ok(simdir, 'restoreconfig', 'list_backups=true')
    lines = out.splitlines()
    paths = [os.path.join(_backup_dir(simdir), n) for n in names]
    assert lines[1].split()[0] == paths[1] and '(2 storage objects, 0 targets)' in lines[1]
    assert lines[2].split()[0] == paths[0] and '(1 storage object, 0 targets)' in lines[2]
    assert 'restoreconfig FILE' in lines[-1]
    ok(simdir, 'clearconfig', 'confirm=true')
    out = ok(simdir, 'restoreconfig', paths[0])
    assert out == f'Configuration restored from {paths[0]}\n'
    assert _storage_objects(simdir) == ['r1']


def test_targetctl_restores_a_gzipped_backup(simdir):
    names = _three_saves(simdir)
    newest = os.path.join(_backup_dir(simdir), names[-1])
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop('LIO_SIMULATE', None)
    r = subprocess.run([sys.executable, TARGETCTL, '--simulate', str(simdir), 'restore', newest],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert _storage_objects(simdir) == ['r1', 'r2']


def test_no_backups_is_said(simdir):
    assert 'No backups of ' in ok(simdir, 'restoreconfig', 'list_backups=true')


def test_damaged_gzip_is_one_line_and_nothing_changes(simdir, tmp_path):
    ok(simdir, '/backstores/ramdisk', 'create', 'r1', '1M')
    before = dump_tree(simdir)
    bad = tmp_path / 'saveconfig-x-json.gz'
    bad.write_bytes(gzip.compress(b'{"targets": []}')[:12])
    done = cli(simdir, 'restoreconfig', str(bad), 'clear_existing=true')
    assert done.returncode == 1
    assert done.stderr.strip().endswith('is a damaged gzip file (Compressed file ended before '
                                        'the end-of-stream marker was reached); nothing changed')
    assert len(done.stderr.splitlines()) == 1
    assert dump_tree(simdir) == before


def test_save_leaves_only_the_file_and_its_backup(simdir, tmp_path):
    ok(simdir, '/backstores/ramdisk', 'create', 'r1', '1M')
    ok(simdir, 'saveconfig')
    ok(simdir, '/backstores/ramdisk', 'create', 'r2', '1M')
    ok(simdir, 'saveconfig')
    etc = os.path.join(str(simdir), 'etc', 'target')
    assert sorted(os.listdir(etc)) == ['backup', 'saveconfig.json']
    assert len(os.listdir(os.path.join(etc, 'backup'))) == 1
    # a file of the user's choosing: nothing beside it, however often it is saved
    mine = tmp_path / 'mine'
    mine.mkdir()
    for _ in range(2):
        ok(simdir, 'saveconfig', str(mine / 'lio.json'))
    ok(simdir, '/backstores/ramdisk', 'create', 'r3', '1M')
    ok(simdir, 'saveconfig', str(mine / 'lio.json'))
    assert os.listdir(mine) == ['lio.json']
    # the lock lives in the simulation dir's lock directory instead
    assert os.listdir(os.path.join(str(simdir), 'run', 'lock', 'lio-py'))
