"""targetctl on the simulated kernel: exit status, one-line errors, kill -9 faults."""
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from save_helpers import (PEER_FILE, ROOT, TARGETCTL, copy_template, mount_tmpfs, normalized,
                          peer_doc, tree, peer_template, tmp_path)  # noqa: F401 (fixtures; tmp_path on tmpfs)


def run(simdir, *args, env=None):
    e = dict(os.environ, PYTHONPATH=ROOT, PYTHONDONTWRITEBYTECODE='1')
    e.pop('LIO_SIMULATE', None)
    e.update(env or {})
    return subprocess.run([sys.executable, TARGETCTL, '--simulate', str(simdir)] + list(args),
                          capture_output=True, text=True, env=e, timeout=120)


def ok(r):
    assert r.returncode == 0, r.stderr
    assert 'Traceback' not in r.stdout + r.stderr
    return r


def fails(r):
    assert r.returncode != 0
    assert 'Traceback' not in r.stdout + r.stderr
    assert r.stderr.startswith('targetctl: ')
    return r


def test_restore_save_clear_cycle(simdir, tmp_path):
    assert ok(run(simdir, 'restore', PEER_FILE)).stdout == \
        'Configuration restored from %s\n' % PEER_FILE
    restored = tree(simdir)
    r = ok(run(simdir, 'save'))
    default = os.path.join(str(simdir), 'etc', 'target', 'saveconfig.json')
    assert r.stdout == 'Configuration saved to %s\n' % default
    assert normalized(json.load(open(default))) == normalized(peer_doc())
    assert ok(run(simdir, 'clear')).stdout == 'All configuration cleared\n'
    assert tree(simdir) != restored
    ok(run(simdir, 'restore'))
    assert tree(simdir) == restored


def test_restore_without_any_saved_file_is_fine_at_boot(simdir):
    r = ok(run(simdir, 'restore'))
    assert r.stdout.startswith('No saved config file at ')


def test_restore_of_missing_named_file_fails_in_one_line(simdir, tmp_path):
    r = fails(run(simdir, 'restore', str(tmp_path / 'nope.json')))
    assert r.stderr == 'targetctl: no saved configuration at %s\n' % (tmp_path / 'nope.json')


@pytest.fixture
def peer_sim(simdir, peer_template):
    copy_template(peer_template, simdir)
    return simdir


def test_corrupted_file_one_line_nothing_changed(peer_sim, tmp_path):
    simdir = peer_sim
    before = tree(simdir)
    bad = tmp_path / 'bad.json'
    bad.write_text(open(PEER_FILE).read()[:500])
    r = fails(run(simdir, 'restore', str(bad)))
    assert len(r.stderr.splitlines()) == 1 and 'not valid JSON' in r.stderr
    assert tree(simdir) == before


def test_invalid_document_lists_each_problem(simdir, tmp_path):
    doc = peer_doc()
    doc['targets'][0]['tpgs'][0]['luns'][0]['storage_object'] = '/backstores/fileio/nope'
    doc['storage_objects'][0]['size'] = -1
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(doc))
    ok(run(simdir, 'clear'))  # the simulated kernel's empty tree, as after boot
    before = tree(simdir)
    r = fails(run(simdir, 'restore', str(bad)))
    lines = r.stderr.splitlines()
    assert lines[0] == 'targetctl: %s: 2 problems found, nothing changed' % bad
    assert lines[1:] == ['  storage_objects[0].size: must not be negative',
                         "  targets[0].tpgs[0].luns[0].storage_object: no storage object "
                         "'fileio/nope' in storage_objects"]
    assert tree(simdir) == before


def test_missing_device_partial_restore_exits_non_zero(simdir, tmp_path):
    doc = peer_doc()
    [so for so in doc['storage_objects'] if so['plugin'] == 'block'][0]['dev'] = '/dev/sdz'
    f = tmp_path / 'saveconfig.json'
    f.write_text(json.dumps(doc))
    ok(run(simdir, 'clear'))
    before = tree(simdir)
    fails(run(simdir, 'restore', str(f)))
    assert tree(simdir) == before
    r = fails(run(simdir, '--skip-missing', 'restore', str(f)))
    assert r.returncode == 4  # partly done on purpose
    assert 'storage_objects[1]: storage object block/my_disk skipped' in r.stderr
    assert r.stderr.splitlines()[-1] == \
        'targetctl: restored from %s except 3 object(s) listed above' % f
    assert tree(simdir) != before


def test_usage_errors_are_one_line(simdir):
    r = fails(run(simdir, 'frobnicate'))
    assert len(r.stderr.splitlines()) == 1 and r.returncode == 2


def test_service_unit():
    text = open(os.path.join(ROOT, 'scripts', 'target.service')).read()
    lines = [ln.strip() for ln in text.splitlines()]
    assert 'Type=oneshot' in lines and 'RemainAfterExit=yes' in lines
    assert any(ln.startswith('ExecStart=') and ln.endswith('restore') and 'targetctl' in ln
               for ln in lines)
    assert any(ln.startswith('ExecStop=') and ln.endswith('targetctl clear') for ln in lines)
    assert 'Requires=sys-kernel-config.mount' in lines
    after = ' '.join(ln for ln in lines if ln.startswith('After='))
    assert 'sys-kernel-config.mount' in after and 'systemd-modules-load.service' in after


# -- kill -9 ------------------------------------------------------------------------

SAVER = textwrap.dedent('''
    import os, sys
    from rtslib import RTSRoot, configfs
    from rtslib.saveconfig import save_to_file
    path, sims = sys.argv[1], sys.argv[2:]
    print('ready', flush=True)
    while True:
        for sim in sims:     # two kernels with different configurations
            os.environ['LIO_SIMULATE'] = sim
            save_to_file(RTSRoot(configfs.open_configfs(simulate=sim)), path)
''')


def test_kill_9_during_save_leaves_old_or_new_file(tmp_path, peer_template):
    sims = [tmp_path / 'a', tmp_path / 'b']
    for sim in sims:
        copy_template(peer_template, sim)
    ok(run(sims[1], 'clear'))
    path = tmp_path / 'etc' / 'saveconfig.json'
    path.parent.mkdir()
    contents = []
    for sim in sims:
        ok(run(sim, 'save', str(path)))
        contents.append(path.read_bytes())
    assert contents[0] != contents[1]
    env = dict(os.environ, PYTHONPATH=ROOT, LIO_SAVECONFIG_TEST_HOOK='delay=0.002')
    rng = random.Random(11)
    for _ in range(8):
        p = subprocess.Popen([sys.executable, '-c', SAVER, str(path)] + [str(s) for s in sims],
                             stdout=subprocess.PIPE, env=env)
        p.stdout.readline()
        time.sleep(rng.uniform(0, 0.15))
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
        assert path.read_bytes() in contents


def test_kill_9_during_restore_then_restore_again_converges(tmp_path, peer_template):
    expected = tree(peer_template)
    sim = tmp_path / 'sim'
    sim.mkdir()
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop('LIO_SIMULATE', None)
    start = time.monotonic()
    ok(run(sim, 'clear'))            # start-up and an empty clear: before the restore proper
    started = time.monotonic() - start
    start = time.monotonic()
    ok(run(sim, 'restore', PEER_FILE))
    one_restore = time.monotonic() - start
    rng = random.Random(7)
    for _ in range(3):
        p = subprocess.Popen([sys.executable, TARGETCTL, '--simulate', str(sim), 'restore',
                              PEER_FILE], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=env)
        # a random moment of the restore proper (of the clear, then the creation)
        time.sleep(rng.uniform(started, one_restore))
        p.send_signal(signal.SIGKILL)
        p.wait()
        ok(run(sim, 'restore', PEER_FILE))
        assert tree(sim) == expected


def test_full_disk_during_save_one_line_old_file_intact(peer_sim, tmp_path):
    simdir = peer_sim
    path = tmp_path / 'saveconfig.json'
    path.write_text('{"old": 1}\n')
    r = fails(run(simdir, 'save', str(path), env={'LIO_SAVECONFIG_TEST_HOOK': 'enospc'}))
    assert r.stderr == 'targetctl: cannot write %s: No space left on device\n' % path
    assert path.read_text() == '{"old": 1}\n'
    assert sorted(os.listdir(tmp_path)) == ['saveconfig.json', 'sim']


def test_second_writer_waits_then_fails_clearly(simdir, tmp_path):
    from rtslib.saveconfig import LockTimeout, atomic, paths, save_to_file
    from rtslib import RTSRoot
    path = str(tmp_path / 'saveconfig.json')
    with atomic.FileLock(paths.lock_file(path)):
        with pytest.raises(LockTimeout, match='locked by another process .pid %d.' % os.getpid()):
            save_to_file(RTSRoot(), path, lock_timeout=0.2)
    assert not os.path.exists(path)


def test_read_only_directory_one_line_old_file_intact(peer_sim, tmp_path):
    mnt = mount_tmpfs(tmp_path / 'ro', '1m', 'a read-only directory for root needs a '
                      'read-only mount')
    try:
        path = mnt / 'saveconfig.json'
        path.write_text('{"old": 1}\n')
        subprocess.run(['mount', '-o', 'remount,ro', str(mnt)], check=True)
        r = fails(run(peer_sim, 'save', str(path)))
        assert r.stderr == 'targetctl: cannot write %s: Read-only file system\n' % path
        assert path.read_text() == '{"old": 1}\n'
    finally:
        subprocess.run(['umount', '-l', str(mnt)], check=False)
