"""saveconfig on a storage object or target node saves that object into the
save file and keeps everything else in it (targetcli-fb's per-object save)."""
import json

from cli_helpers import batch, ok

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
