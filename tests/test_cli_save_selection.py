"""saveconfig on a storage object or target node saves that object into the
save file and keeps everything else in it (targetcli-fb's per-object save)."""
import json
import os
import subprocess
import sys

from cli_helpers import ROOT, batch, cfs, env_for, ok

T1 = 'iqn.2003-01.org.example:t1'
T2 = 'iqn.2003-01.org.example:t2'


def saved(simdir):
    with open(simdir / 'etc' / 'target' / 'saveconfig.json') as f:
        doc = json.load(f)
    sos = {so['name']: so for so in doc['storage_objects']}
    targets = {t['wwn']: t for t in doc['targets']}
    return sos, targets


def setup_two_of_each(simdir):
    done = batch(simdir, [
        '/backstores/ramdisk create r1 1M', '/backstores/ramdisk create r2 1M',
        f'/iscsi create {T1}', f'/iscsi create {T2}',
        f'/iscsi/{T1}/tpg1/luns create /backstores/ramdisk/r1',
        f'/iscsi/{T2}/tpg1/luns create /backstores/ramdisk/r2',
        'saveconfig'])
    assert done.returncode == 0, done.stderr


def test_storage_object_save_updates_only_that_object(tmp_path):
    simdir = tmp_path / 'sim'
    setup_two_of_each(simdir)
    ok(simdir, '/backstores/ramdisk/r1', 'set', 'attribute', 'emulate_3pc=0')
    ok(simdir, '/backstores/ramdisk/r2', 'set', 'attribute', 'emulate_3pc=0')
    out = ok(simdir, '/backstores/ramdisk/r1', 'saveconfig')
    assert out.startswith('Configuration saved to ')
    sos, targets = saved(simdir)
    assert sos['r1']['attributes']['emulate_3pc'] == 0
    assert sos['r2']['attributes']['emulate_3pc'] == 1     # not selected: as saved before
    assert set(targets) == {T1, T2}


def test_target_save_updates_only_that_target(tmp_path):
    simdir = tmp_path / 'sim'
    setup_two_of_each(simdir)
    ok(simdir, f'/iscsi/{T1}/tpg1/luns', 'delete', '0')
    ok(simdir, f'/iscsi/{T2}/tpg1/luns', 'delete', '0')
    ok(simdir, f'/iscsi/{T1}', 'saveconfig')
    _, targets = saved(simdir)
    assert targets[T1]['tpgs'][0]['luns'] == []
    assert len(targets[T2]['tpgs'][0]['luns']) == 1         # not selected: as saved before


def targetctl(simdir, *args):
    return subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'targetctl'),
                           '--simulate', str(simdir), *args], capture_output=True, text=True,
                          env=env_for(), timeout=120)


def setup_target_on_two_objects(simdir):
    """T1's LUN 0 is on fileio f1, LUN 1 on ramdisk r1; one ACL maps both."""
    done = batch(simdir, [
        '/backstores/fileio create f1 /srv/f1.img 1M', '/backstores/ramdisk create r1 1M',
        f'/iscsi create {T1}',
        f'/iscsi/{T1}/tpg1/luns create /backstores/fileio/f1',
        f'/iscsi/{T1}/tpg1/luns create /backstores/ramdisk/r1',
        f'/iscsi/{T1}/tpg1/acls create iqn.1994-05.com.redhat:client'])
    assert done.returncode == 0, done.stderr


def live(simdir):
    tpg = cfs(simdir, 'iscsi', T1, 'tpgt_1')
    acl = os.path.join(tpg, 'acls', 'iqn.1994-05.com.redhat:client')
    return (sorted(os.listdir(os.path.join(tpg, 'lun'))) if os.path.isdir(tpg) else None,
            sorted(n for n in os.listdir(acl) if n.startswith('lun_'))
            if os.path.isdir(acl) else None)


def test_partial_save_writes_a_file_that_restores(tmp_path):
    """`/backstores/fileio/f1 saveconfig` with no save file yet: T1 is written
    whole, so r1 (which T1's LUN 1 uses) goes into the file with it."""
    simdir = tmp_path / 'sim'
    setup_target_on_two_objects(simdir)
    ok(simdir, '/backstores/fileio/f1', 'saveconfig')
    sos, targets = saved(simdir)
    assert set(sos) == {'f1', 'r1'} and set(targets) == {T1}
    assert targetctl(simdir, 'clear').returncode == 0
    assert live(simdir) == (None, None)
    r = targetctl(simdir, 'restore')
    assert r.returncode == 0, r.stderr
    assert live(simdir) == (['lun_0', 'lun_1'], ['lun_0', 'lun_1'])


def test_skip_missing_restores_the_rest_of_a_file_missing_a_storage_object(tmp_path):
    """A file an older partial save (or rtslib-fb's) wrote: T1 whole, r1 absent.
    A plain restore refuses it naming the LUN; --skip-missing restores all but
    that LUN and its mapped LUN, names them, and exits 4."""
    simdir = tmp_path / 'sim'
    setup_target_on_two_objects(simdir)
    ok(simdir, 'saveconfig')
    path = simdir / 'etc' / 'target' / 'saveconfig.json'
    doc = json.loads(path.read_text())
    doc['storage_objects'] = [so for so in doc['storage_objects'] if so['name'] != 'r1']
    path.write_text(json.dumps(doc))
    assert targetctl(simdir, 'clear').returncode == 0
    r = targetctl(simdir, 'restore')
    assert r.returncode == 1
    assert "no storage object 'ramdisk/r1' in storage_objects" in r.stderr
    assert live(simdir) == (None, None)                         # nothing changed
    r = targetctl(simdir, '--skip-missing', 'restore')
    assert r.returncode == 4, r.stderr
    assert 'lun 1 skipped: it needs the storage object ramdisk/r1, which the file does ' \
        'not hold' in r.stderr
    assert 'mapped lun 1 skipped: its lun 1 was skipped' in r.stderr
    assert live(simdir) == (['lun_0'], ['lun_0'])
    assert ok(simdir, '/backstores/fileio/f1', 'info').count('name: f1') == 1
