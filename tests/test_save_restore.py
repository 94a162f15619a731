"""save / restore / clear on the simulated kernel (never the host's configfs).

Each test starts from an empty simulated kernel (conftest's simdir fixture:
LIO_SIMULATE=tmp_path/sim) and writes its files under tmp_path.
"""
import copy
import json
import os

import pytest

from save_helpers import (copy_template, normalized, peer_doc, saved, tree,
                          peer_template, tmp_path)  # noqa: F401 (fixtures; tmp_path on tmpfs)

from rtslib.saveconfig import (ConfigInvalid, RestoreFailed, SaveConfigError, clear_existing,
                               default_save_file, restore, restore_from_file, save_to_file)
from rtslib.saveconfig import backup


@pytest.fixture
def root(simdir):
    from rtslib import RTSRoot
    return RTSRoot()


@pytest.fixture
def peer_root(simdir, peer_template):
    """The kernel after restoring targetcli-fb's saveconfig.json (a copy of
    one restore made per session)."""
    from rtslib import RTSRoot
    copy_template(peer_template, simdir)
    return RTSRoot()


def is_clear(simdir):
    """What is left after a clear: storage objects, HBAs, targets (should be [])."""
    base = os.path.join(str(simdir), 'sys', 'kernel', 'config', 'target')
    left = [p for p in tree(simdir) if p.startswith('core/') and p.count('/') == 1
            and p != 'core/alua']
    for fabric in ('iscsi', 'loopback'):
        d = os.path.join(base, fabric)
        if os.path.isdir(d):
            left += [fabric + '/' + n for n in os.listdir(d)
                     if os.path.isdir(os.path.join(d, n)) and n != 'discovery_auth']
    return left


# -- round trip with targetcli-fb's file -------------------------------------------

def test_targetcli_fb_file_round_trips(root, tmp_path):
    """Restore targetcli-fb 2.1.53's file, save it again: the same document.

    Documented difference: list order (rtslib-fb listed lun1 before lun0, as its
    os.listdir gave them; we list in index order), hence normalized()."""
    assert restore(root, peer_doc(), clear_existing=True) == []
    ours = saved(root, tmp_path / 'ours.json')
    assert normalized(ours) == normalized(peer_doc())


def test_save_clear_restore_gives_identical_tree(peer_root, simdir, tmp_path):
    before = tree(simdir)
    path = tmp_path / 'saveconfig.json'
    saved(peer_root, path)
    clear_existing(peer_root, confirm=True)
    assert is_clear(simdir) == []
    assert restore_from_file(peer_root, str(path)) == []
    assert tree(simdir) == before


def test_saved_file_is_mode_0600_and_rtslib_fb_formatted(peer_root, tmp_path):
    path = tmp_path / 'saveconfig.json'
    doc = saved(peer_root, path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert path.read_text() == json.dumps(doc, sort_keys=True, indent=2) + '\n'


# -- clear -------------------------------------------------------------------------

def test_clear_without_confirm_refuses_and_changes_nothing(peer_root, simdir):
    before = tree(simdir)
    with pytest.raises(SaveConfigError, match='confirm=True'):
        clear_existing(peer_root)
    assert tree(simdir) == before


def test_clear_removes_everything_and_resets_discovery_auth(peer_root, simdir):
    clear_existing(peer_root, confirm=True)
    assert is_clear(simdir) == []
    assert list(peer_root.storage_objects) == [] and list(peer_root.targets) == []
    iscsi = [f for f in peer_root.fabric_modules if f.name == 'iscsi'][0]
    assert iscsi.discovery_enable_auth is False and iscsi.discovery_userid == ''


# -- validation before any change -------------------------------------------------

def test_invalid_document_changes_nothing_and_lists_every_problem(peer_root, simdir):
    before = tree(simdir)
    doc = peer_doc()
    doc['targets'][0]['tpgs'][0]['luns'][1]['storage_object'] = '/backstores/block/disk9'
    doc['targets'][0]['tpgs'][0]['portals'][0]['port'] = 'x'
    with pytest.raises(ConfigInvalid) as e:
        restore(peer_root, doc, clear_existing=True)
    assert e.value.problems == [
        "targets[0].tpgs[0].luns[1].storage_object: no storage object 'block/disk9' "
        "in storage_objects",
        'targets[0].tpgs[0].portals[0].port: must be an integer, not a string']
    assert tree(simdir) == before


def test_corrupted_file_changes_nothing(peer_root, simdir, tmp_path):
    before = tree(simdir)
    f = tmp_path / 'bad.json'
    f.write_text(json.dumps(peer_doc())[:-40])
    with pytest.raises(SaveConfigError, match='not valid JSON'):
        restore_from_file(peer_root, str(f))
    assert tree(simdir) == before


# -- kernel refusal half-way: roll back -------------------------------------------

def _refused_half_way(doc):
    """A valid document the kernel refuses late: the second target's TPG has
    an attribute out of range (EINVAL on the real kernel, kernel-6.1/errors.tsv;
    values are the kernel's to judge, so validation lets it through)."""
    doc = copy.deepcopy(doc)
    doc['targets'][1], doc['targets'][0] = doc['targets'][0], doc['targets'][1]
    doc['targets'][1]['tpgs'][0]['attributes']['authentication'] = 2
    return doc


def test_refusal_half_way_on_empty_kernel_leaves_it_empty(root, simdir):
    before = tree(simdir)
    with pytest.raises(RestoreFailed) as e:
        restore(root, _refused_half_way(peer_doc()))
    assert 'targets[1]' in str(e.value) and 'the previous configuration is back' in str(e.value)
    assert tree(simdir) == before


def test_refusal_half_way_with_clear_existing_puts_old_config_back(peer_root, simdir):
    before = tree(simdir)
    doc = _refused_half_way(peer_doc())
    doc['storage_objects'][0]['name'] = 'ram2'   # something new to create first
    doc['targets'][0]['tpgs'][0]['luns'][0]['storage_object'] = '/backstores/ramdisk/ram2'
    with pytest.raises(RestoreFailed):
        restore(peer_root, doc, clear_existing=True)
    assert tree(simdir) == before


# -- merge, selections --------------------------------------------------------------

def test_merge_adds_missing_leaves_existing_and_lists_conflicts(peer_root, tmp_path):
    ram = [so for so in peer_root.storage_objects if so.name == 'ram1'][0]
    ram.set_attribute('emulate_3pc', 0)
    loop = [t for t in peer_root.targets if t.fabric_module.name == 'loopback'][0]
    loop.delete()
    report = restore(peer_root, peer_doc(), clear_existing=False)
    assert len(report.conflicts) == 1
    assert report.conflicts[0].startswith(
        "storage_objects[0]: storage object 'ramdisk/ram1' exists and differs from the file "
        "(attributes.emulate_3pc)")
    assert ram.get_attribute('emulate_3pc') == '0'  # left alone
    assert [t.wwn for t in peer_root.targets if t.fabric_module.name == 'loopback'] \
        == ['naa.5001405123456789']


def test_restore_one_target_brings_its_storage_objects_only(root):
    iqn = peer_doc()['targets'][0]['wwn']
    assert restore(root, peer_doc(), target=iqn) == []
    assert [t.wwn for t in root.targets] == [iqn]
    assert sorted('%s/%s' % (so.plugin, so.name) for so in root.storage_objects) == \
        ['block/my_disk', 'fileio/disk1']


def test_restore_one_storage_object(root):
    assert restore(root, peer_doc(), storage_object='ram1') == []
    assert [so.name for so in root.storage_objects] == ['ram1']
    assert list(root.targets) == []


def test_restore_unknown_selection_is_refused(root, simdir):
    before = tree(simdir)
    with pytest.raises(ConfigInvalid, match='target=iqn.nope: no such target in the file'):
        restore(root, peer_doc(), target='iqn.nope')
    assert tree(simdir) == before


# -- missing devices ----------------------------------------------------------------

def _missing_device_doc():
    doc = peer_doc()
    block = [so for so in doc['storage_objects'] if so['plugin'] == 'block'][0]
    block['dev'] = '/dev/sdz'
    return doc


def test_missing_device_fails_whole_restore_by_default(root, simdir):
    before = tree(simdir)
    with pytest.raises(RestoreFailed, match='storage_objects\\[1\\]'):
        restore(root, _missing_device_doc())
    assert tree(simdir) == before


def test_skip_missing_restores_the_rest_and_reports_each_skip(root):
    report = restore(root, _missing_device_doc(), skip_missing=True)
    assert [s.split(':')[0] for s in report.skipped] == [
        'storage_objects[1]', 'targets[0].tpgs[0].luns[1]',
        'targets[0].tpgs[0].node_acls[0].mapped_luns[0]']
    assert sorted(so.name for so in root.storage_objects) == ['disk1', 'ram1']
    tpg = [t for t in root.targets if t.wwn.startswith('iqn')][0].tpgs
    tpg = list(tpg)[0]
    assert [lun.lun for lun in tpg.luns] == [1]
    assert [m.mapped_lun for acl in tpg.node_acls for m in acl.mapped_luns] == [1]


# -- saving selections, the autosave guard, backups ------------------------------------

def test_save_one_storage_object_keeps_the_rest_of_the_file(peer_root, tmp_path):
    path = tmp_path / 'saveconfig.json'
    doc = saved(peer_root, path)
    doc['targets'] = [t for t in doc['targets'] if t['fabric'] == 'iscsi']
    doc['storage_objects'].append({'plugin': 'ramdisk', 'name': 'elsewhere', 'size': 4096})
    path.write_text(json.dumps(doc))
    ram = [so for so in peer_root.storage_objects if so.name == 'ram1'][0]
    ram.set_attribute('emulate_3pc', 0)
    assert save_to_file(peer_root, str(path), so_path='/backstores/ramdisk/ram1') == []
    new = json.loads(path.read_text())
    by_name = {so['name']: so for so in new['storage_objects']}
    assert by_name['ram1']['attributes']['emulate_3pc'] == 0
    assert 'elsewhere' in by_name                      # kept
    assert sorted(t['fabric'] for t in new['targets']) == ['iscsi', 'loopback']  # its user


def test_save_one_target_keeps_the_rest_of_the_file(peer_root, tmp_path):
    path = tmp_path / 'saveconfig.json'
    path.write_text(json.dumps({'storage_objects': [], 'targets': [
        {'fabric': 'iscsi', 'wwn': 'iqn.2003-01.org.example:other', 'tpgs': []}]}))
    assert save_to_file(peer_root, str(path), target='naa.5001405123456789') == []
    new = json.loads(path.read_text())
    assert sorted(t['wwn'] for t in new['targets']) == ['iqn.2003-01.org.example:other',
                                                         'naa.5001405123456789']
    assert [so['name'] for so in new['storage_objects']] == ['ram1']


def test_autosave_never_replaces_a_config_with_nothing(peer_root, tmp_path):
    path = tmp_path / 'saveconfig.json'
    full = saved(peer_root, path)
    clear_existing(peer_root, confirm=True)
    with pytest.raises(SaveConfigError, match='not saving an empty configuration'):
        save_to_file(peer_root, str(path), empty_guard=True)
    assert json.loads(path.read_text()) == full
    assert save_to_file(peer_root, str(path), empty_guard=True, cleared=True) == []
    assert json.loads(path.read_text()) == {'fabric_modules': [], 'storage_objects': [],
                                            'targets': []}


def test_default_file_under_simdir_with_backup_only_on_change(peer_root, simdir):
    path = default_save_file()
    assert path == os.path.join(str(simdir), 'etc', 'target', 'saveconfig.json')
    assert save_to_file(peer_root) == []
    first = open(path, 'rb').read()
    assert save_to_file(peer_root) == []            # unchanged: no backup
    assert backup.list_backups(path) == []
    [so for so in peer_root.storage_objects if so.name == 'ram1'][0].delete()
    assert save_to_file(peer_root) == []
    kept = backup.list_backups(path)
    assert len(kept) == 1 and backup.read_backup(kept[0]) == first


def test_broken_link_is_reported_and_the_rest_saved(peer_root, simdir, tmp_path):
    lun_dir = os.path.join(str(simdir), 'sys/kernel/config/target/loopback',
                           'naa.5001405123456789/tpgt_1/lun/lun_0')
    links = [n for n in os.listdir(lun_dir) if os.path.islink(os.path.join(lun_dir, n))]
    assert len(links) == 1
    link = os.path.join(lun_dir, links[0])
    os.unlink(link)
    os.symlink('/nonexistent/core/rd_mcp_9/gone', link)   # what a vanished object leaves
    path = tmp_path / 'saveconfig.json'
    problems = save_to_file(peer_root, str(path))
    assert len(problems) == 1 and 'lun 0' in problems[0], problems
    doc = json.loads(path.read_text())
    assert len(doc['storage_objects']) == 3
    loop = [t for t in doc['targets'] if t['fabric'] == 'loopback'][0]
    assert loop['tpgs'][0]['luns'] == []
    assert [t for t in doc['targets'] if t['fabric'] == 'iscsi'][0]['tpgs'][0]['luns']


def test_clear_one_target_or_one_storage_object(peer_root):
    iqn = peer_doc()['targets'][0]['wwn']
    clear_existing(peer_root, target=iqn, confirm=True)
    assert [t.wwn for t in peer_root.targets] == ['naa.5001405123456789']
    assert len(list(peer_root.storage_objects)) == 3
    clear_existing(peer_root, storage_object='ramdisk/ram1', confirm=True)
    assert sorted(so.name for so in peer_root.storage_objects) == ['disk1', 'my_disk']
    loop = list(peer_root.targets)[0]
    assert [lun.lun for tpg in loop.tpgs for lun in tpg.luns] == []  # its LUN went with it


def test_restore_one_target_with_clear_existing_replaces_only_it(peer_root, simdir):
    before = tree(simdir)
    iqn = peer_doc()['targets'][0]['wwn']
    tpg = list([t for t in peer_root.targets if t.wwn == iqn][0].tpgs)[0]
    list(tpg.node_acls)[0].delete()
    assert restore(peer_root, peer_doc(), target=iqn, clear_existing=True) == []
    assert tree(simdir) == before


def test_unreadable_attribute_is_reported_and_the_rest_saved(peer_root, simdir, tmp_path):
    attr = os.path.join(str(simdir), 'sys/kernel/config/target/core/rd_mcp_0/ram1/attrib',
                        'emulate_tas')
    os.unlink(attr)
    os.symlink('/nonexistent', attr)     # reading it fails, as an unreadable file does
    path = tmp_path / 'saveconfig.json'
    problems = save_to_file(peer_root, str(path))
    assert len(problems) == 1, problems
    assert 'ramdisk/ram1' in problems[0] and 'emulate_tas' in problems[0]
    doc = json.loads(path.read_text())
    ram = [so for so in doc['storage_objects'] if so['name'] == 'ram1'][0]
    assert 'emulate_tas' not in ram['attributes'] and ram['attributes']['emulate_3pc'] == 1
    assert len(doc['targets']) == 2


def test_merging_the_running_configuration_again_changes_nothing(peer_root, simdir):
    before = tree(simdir)
    assert restore(peer_root, peer_doc(), clear_existing=False) == []
    assert tree(simdir) == before


def test_replacing_a_storage_object_that_luns_use_is_refused(peer_root, simdir):
    before = tree(simdir)
    with pytest.raises(ConfigInvalid, match='storage_object=ram1: in use by lun 0 of '
                       'naa.5001405123456789 tpg 1'):
        restore(peer_root, peer_doc(), storage_object='ram1', clear_existing=True)
    assert tree(simdir) == before


def test_save_through_a_symlinked_file(peer_root, tmp_path):
    real = tmp_path / 'real.json'
    real.write_text('{}')
    link = tmp_path / 'saveconfig.json'
    link.symlink_to(real)
    assert save_to_file(peer_root, str(link)) == []
    assert link.is_symlink()
    assert len(json.loads(real.read_text())['targets']) == 2


def _every_kind(root):
    """Every backstore type, ALUA group, CHAP (TPG and mutual ACL), discovery
    auth, changed attributes and parameters: the configuration the issue names."""
    from rtslib import (BlockStorageObject, FileIOStorageObject, PSCSIStorageObject,
                        RDMCPStorageObject)
    from save_every_kind import wire_every_kind
    sos = [FileIOStorageObject('f1', '/mnt/w/file1', size=64 << 20, write_back=False),
           FileIOStorageObject('f2', '/mnt/w/new.img', size=1 << 20),
           BlockStorageObject('b1', '/dev/sdc', readonly=True),
           PSCSIStorageObject('p1', '/dev/sdb'),
           RDMCPStorageObject('r1', size=1 << 20, nullio=True)]
    wire_every_kind(sos, sos[2], alua_state=1, lun_numbers=[0, 1, 2, 9, 4])


def test_every_kind_of_object_survives_save_clear_restore(root, simdir, tmp_path):
    _every_kind(root)
    before = tree(simdir)
    path = tmp_path / 'saveconfig.json'
    doc = saved(root, path)
    assert sorted(so['plugin'] for so in doc['storage_objects']) == \
        ['block', 'fileio', 'fileio', 'pscsi', 'ramdisk']
    clear_existing(root, confirm=True)
    assert is_clear(simdir) == []
    assert restore_from_file(root, str(path)) == []
    assert tree(simdir) == before
    assert saved(root, tmp_path / 'again.json') == doc


def _undeclared(doc):
    """Each key of a saved document that its class's SAVE_FIELDS do not declare."""
    from rtslib.saveconfig import schema
    kinds = {'tpgs': schema.TPG_FIELDS, 'luns': schema.LUN_FIELDS, 'portals': schema.PORTAL,
             'node_acls': schema.NODE_ACL, 'mapped_luns': schema.MAPPED_LUN,
             'alua_tpgs': schema.ALUA_TPG, 'fabric_modules': schema.FABRIC,
             'targets': schema.TARGET}
    out = []

    def walk(path, item, fields):
        required, optional = fields
        for key, value in item.items():
            if key not in required and key not in optional and '*' not in optional:
                out.append(f'{path}.{key}')
            if key in kinds and isinstance(value, list):
                for i, child in enumerate(value):
                    walk(f'{path}.{key}[{i}]', child, kinds[key])
    for key in ('fabric_modules', 'targets'):
        for i, item in enumerate(doc[key]):
            walk(f'{key}[{i}]', item, kinds[key])
    for i, so in enumerate(doc['storage_objects']):
        walk(f'storage_objects[{i}]', so, schema.SO_PLUGINS[so['plugin']])
    return out


def test_every_dump_field_is_one_the_schema_declares(root):
    """What dump() writes and what a restore checks come from one declaration per
    class: every key of every kind of object's dump is declared, and the dump is valid."""
    from rtslib import UserBackedStorageObject
    from rtslib.saveconfig import schema
    _every_kind(root)
    UserBackedStorageObject('u1', config='file/x', size=1 << 20)
    doc = root.dump()
    assert sorted({so['plugin'] for so in doc['storage_objects']}) == \
        ['block', 'fileio', 'pscsi', 'ramdisk', 'user']
    assert doc['fabric_modules'] and doc['targets'][0]['tpgs'][0]['node_acls'][0]['mapped_luns']
    assert schema.validate(doc) == []
    assert _undeclared(doc) == []
    doc['targets'][0]['tpgs'][0]['luns'][0]['surprise'] = 1
    assert _undeclared(doc) == ['targets[0].tpgs[0].luns[0].surprise']


def test_user_backstore_survives_save_clear_restore(root, simdir, tmp_path):
    """TCMU (user:) storage object with a LUN.  On the real 6.1 kernel (a VM
    probe, user_9/u1 enabled, no LUN yet) cmd_time_out=30, qfull_time_out=-1
    and nl_reply_supported=0 are accepted after enable (the kernel refuses
    cmd_time_out only while exports exist); dev_config, dev_size and
    emulate_write_cache answer ESRCH (a reconfigure request, no tcmu-runner),
    so restore writes those only when they differ from what creation gave."""
    from rtslib import LUN, TPG, FabricModule, Target, UserBackedStorageObject
    so = UserBackedStorageObject('u1', config='file/x', size=1 << 20)
    LUN(TPG(Target(FabricModule('loopback'), 'naa.5001405aaaaaaaaa'), 1), 0, so)
    before = tree(simdir)
    path = tmp_path / 'saveconfig.json'
    doc = saved(root, path)
    clear_existing(root, confirm=True)
    assert restore_from_file(root, str(path)) == []
    assert tree(simdir) == before
    assert saved(root, tmp_path / 'again.json') == doc


def test_save_layout_is_json_dumps_sorted_indent_2(peer_root, tmp_path):
    """The file is byte for byte what rtslib-fb's json.dumps(sort_keys, indent=2) writes,
    for the peer's configuration and for awkward values."""
    from rtslib.saveconfig import jsonfmt
    path = tmp_path / 'saveconfig.json'
    assert save_to_file(peer_root, str(path)) == []
    text = path.read_text()
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + '\n'
    odd = {'b': [1, 2.5, True, None, 'x\u00e9\n"', [], {}], 'a': {'z': -1, 'y': float('nan')},
           'c': (1, 2), 'd': 10 ** 30, 1: 'a non-string key'}
    odd.pop(1)
    assert jsonfmt.dumps(odd) == json.dumps(odd, sort_keys=True, indent=2)
    assert jsonfmt.dumps({1: 'x'}) == json.dumps({1: 'x'}, sort_keys=True, indent=2)


# -- issue 19 item 6: what restore used to get wrong ---------------------------------

def test_unknown_fabric_module_key_is_refused_before_anything_changes(peer_root, simdir):
    before = tree(simdir)
    doc = peer_doc()
    doc['fabric_modules'] = [{'name': 'iscsi', 'fs': 'x'}]
    with pytest.raises(ConfigInvalid) as e:
        restore(peer_root, doc, clear_existing=True)
    assert 'fabric_modules[0].fs: unknown field' in str(e.value)
    assert tree(simdir) == before


def test_any_error_half_way_with_clear_existing_puts_old_config_back(peer_root, simdir,
                                                                      monkeypatch):
    """Not only kernel refusals: an internal error while applying is undone too."""
    from rtslib.saveconfig import objects

    real, calls = objects.setup_target, []

    def broken(*args):      # the first target set up fails; putting back works
        calls.append(1)
        if len(calls) == 1:
            raise AttributeError('simulated bug')
        return real(*args)
    before = tree(simdir)
    monkeypatch.setattr(objects, 'setup_target', broken)
    with pytest.raises(RestoreFailed) as e:
        restore(peer_root, peer_doc(), clear_existing=True)
    assert 'an internal error (AttributeError: simulated bug)' in str(e.value)
    assert 'the previous configuration is back' in str(e.value)
    monkeypatch.undo()
    assert tree(simdir) == before


def test_discovery_credentials_with_auth_disabled_survive_save_restore(root, tmp_path):
    iscsi = [fm for fm in root.fabric_modules if fm.name == 'iscsi'][0]
    iscsi.discovery_userid, iscsi.discovery_password = 'du', 'dp'
    assert not iscsi.discovery_enable_auth
    path = str(tmp_path / 'saved.json')
    save_to_file(root, path)
    assert json.load(open(path))['fabric_modules'] == [{
        'discovery_enable_auth': False, 'discovery_password': 'dp', 'discovery_userid': 'du',
        'name': 'iscsi'}]
    clear_existing(root, confirm=True)
    assert iscsi.discovery_userid == ''
    restore_from_file(root, path)
    assert (iscsi.discovery_userid, iscsi.discovery_password) == ('du', 'dp')
