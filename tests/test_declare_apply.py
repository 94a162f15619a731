"""export / plan / apply on the simulated kernel: minimal, idempotent, all or nothing.

Each test starts from an empty simulated kernel or from targetcli-fb's
configuration restored there (save_helpers.peer_template)."""
import copy
import json

import pytest

from save_helpers import (copy_template, peer_doc, tree,
                          peer_template, tmp_path)  # noqa: F401 (fixtures; tmp_path on tmpfs)

from rtslib.saveconfig import ConfigInvalid, restore
from rtslib.saveconfig import apply as ap
from rtslib.saveconfig import export, plan

IQN = 'iqn.2003-01.org.linux-iscsi.liohost.x8664:sn.291008ada71d'
TPG = '/iscsi/%s/tpg1' % IQN
ACL = TPG + '/acls/iqn.1994-05.com.redhat:client'
SECRETS = ('secret1', 'secret2', 'tp', 'dp', 'dmp')


@pytest.fixture
def root(simdir):
    from rtslib import RTSRoot
    return RTSRoot()


@pytest.fixture
def peer_root(simdir, peer_template):
    from rtslib import RTSRoot
    copy_template(peer_template, simdir)
    return RTSRoot()


def lines(changes):
    return [c.text() for c in changes]


def no_secret(text):
    for secret in SECRETS:
        assert '"%s"' % secret not in text and ' %s' % secret not in text \
            and '>%s' % secret not in text, secret


# -- apply to an empty kernel = restore; twice = nothing ------------------------------

def test_apply_to_empty_kernel_builds_what_restore_builds(root, simdir, tmp_path):
    changes = ap.apply(root, peer_doc())
    assert len(changes) == 19 and lines(changes)[-1].startswith('link ' + ACL)
    applied = tree(simdir)
    from rtslib.saveconfig import clear_existing
    clear_existing(root, confirm=True)
    restore(root, peer_doc())
    restored = tree(simdir)
    # link names (aliases) and HBA numbers are the kernel's/ours to pick either way
    assert sorted(applied) == sorted(restored)


def test_second_apply_plans_nothing_and_changes_nothing(peer_root, simdir):
    before = tree(simdir)
    assert ap.make_plan(peer_root, peer_doc()) == []
    assert ap.apply(peer_root, peer_doc()) == []
    assert tree(simdir) == before


def test_plan_is_ordered_deletes_children_first_creates_parents_first(peer_root):
    doc = peer_doc()
    tpg = doc['targets'][0]['tpgs'][0]
    tpg['luns'] = [lun for lun in tpg['luns'] if lun['index'] == 0]       # lun1 goes
    tpg['node_acls'][0]['mapped_luns'] = [m for m in tpg['node_acls'][0]['mapped_luns']
                                          if m['tpg_lun'] == 0]
    tpg['node_acls'].append({'node_wwn': 'iqn.1994-05.com.example:new',
                             'mapped_luns': [{'index': 3, 'tpg_lun': 0}]})
    doc['storage_objects'].append({'plugin': 'ramdisk', 'name': 'ram9', 'size': 1048576})
    tpg['luns'].append({'index': 9, 'storage_object': '/backstores/ramdisk/ram9'})
    assert lines(ap.make_plan(peer_root, doc)) == [
        'delete %s/mapped_lun1' % ACL,
        'delete %s/luns/lun1' % TPG,
        'create /backstores/ramdisk/ram9',
        'create %s/acls/iqn.1994-05.com.example:new' % TPG,
        'link %s/luns/lun9 -> /backstores/ramdisk/ram9' % TPG,
        'link %s/acls/iqn.1994-05.com.example:new/mapped_lun3 -> %s/luns/lun0' % (TPG, TPG)]


# -- minimal ---------------------------------------------------------------------------

def test_one_changed_attribute_is_one_set_and_one_write(peer_root, simdir):
    from lib_helpers import CountingFS
    from rtslib import RTSRoot
    doc = peer_doc()
    doc['storage_objects'][1]['attributes']['emulate_3pc'] = 0
    doc['targets'][0]['tpgs'][0]['luns'][0]['alias'] = 'renamed'   # aliases are not compared
    changes = ap.make_plan(peer_root, doc)
    assert lines(changes) == ['set /backstores/block/my_disk attribute emulate_3pc=1->0']
    counting = CountingFS(peer_root.fs)
    before = tree(simdir)
    ap.apply(RTSRoot(fs=counting), doc)
    changed = [(op, p) for op, p in counting.paths
               if op in ('write', 'mkdir', 'rmdir', 'symlink', 'unlink')]
    assert changed == [('write', 'core/iblock_1/my_disk/attrib/emulate_3pc')]
    after = tree(simdir)
    assert {k for k in after if after[k] != before.get(k)} == \
        {k for k in after if k.endswith('my_disk/attrib/emulate_3pc')}


def test_changed_chap_password_is_set_without_showing_it(peer_root):
    doc = peer_doc()
    doc['targets'][0]['tpgs'][0]['node_acls'][0]['chap_password'] = 'n3w-secret'
    changes = ap.make_plan(peer_root, doc)
    assert lines(changes) == ['set %s auth password changed' % ACL]
    assert 'n3w-secret' not in plan.to_text(changes) + plan.to_json(changes) + \
        plan.diff_text(changes) + plan.diff_json(changes)
    ap.apply(peer_root, doc)
    acl = [a for t in peer_root.targets for tpg in t.tpgs for a in tpg.node_acls][0]
    assert acl.chap_password == 'n3w-secret'


def test_removed_chap_setting_is_cleared(peer_root):
    doc = peer_doc()
    del doc['targets'][0]['tpgs'][0]['node_acls'][0]['chap_mutual_userid']
    assert lines(ap.make_plan(peer_root, doc)) == ['set %s auth mutual_userid=bob->(none)' % ACL]


def test_changed_creation_setting_recreates_and_says_why(peer_root):
    doc = peer_doc()
    doc['storage_objects'][0]['size'] = 2 * 16777216        # ram1, used by the loopback LUN
    assert lines(ap.make_plan(peer_root, doc)) == [
        'delete /loopback/naa.5001405123456789/luns/lun0 (to be linked again: '
        '/backstores/ramdisk/ram1 is created again)',
        'delete /backstores/ramdisk/ram1 (to be created again: size 16777216->33554432)',
        'create /backstores/ramdisk/ram1',
        'link /loopback/naa.5001405123456789/luns/lun0 -> /backstores/ramdisk/ram1']


def test_rename_is_a_delete_and_a_create(peer_root):
    doc = peer_doc()
    doc['storage_objects'][0]['name'] = 'ram2'
    doc['targets'][1]['tpgs'][0]['luns'][0]['storage_object'] = '/backstores/ramdisk/ram2'
    got = lines(ap.make_plan(peer_root, doc, clear_existing=True))
    assert got == [
        'delete /loopback/naa.5001405123456789/luns/lun0 (to be linked again: '
        'storage_object /backstores/ramdisk/ram1->/backstores/ramdisk/ram2)',
        'delete /backstores/ramdisk/ram1',
        'create /backstores/ramdisk/ram2',
        'link /loopback/naa.5001405123456789/luns/lun0 -> /backstores/ramdisk/ram2']


# -- what is not in the file ------------------------------------------------------------

def test_objects_not_in_file_are_left_alone_unless_clear_existing(peer_root, simdir):
    doc = peer_doc()
    del doc['targets'][1]                       # the loopback target
    del doc['storage_objects'][0]               # ram1, which it uses
    doc['fabric_modules'] = []
    assert ap.make_plan(peer_root, doc) == []
    assert lines(ap.make_plan(peer_root, doc, clear_existing=True)) == [
        'delete /loopback/naa.5001405123456789/luns/lun0',
        'delete /loopback/naa.5001405123456789 tpg 1',
        'delete /loopback/naa.5001405123456789',
        'delete /backstores/ramdisk/ram1',
        'set /iscsi discovery_auth userid=du->(none)',
        'set /iscsi discovery_auth password changed',
        'set /iscsi discovery_auth mutual_userid=dmu->(none)',
        'set /iscsi discovery_auth mutual_password changed',
        'set /iscsi discovery_auth enable=true->false']
    ap.apply(peer_root, doc, clear_existing=True)
    assert [t.wwn for t in peer_root.targets] == [IQN]
    assert ap.make_plan(peer_root, doc, clear_existing=True) == []


# -- scopes -----------------------------------------------------------------------------

def test_target_scope_plans_that_target_and_its_storage_objects(peer_root):
    doc = peer_doc()
    doc['targets'][0]['tpgs'][0]['attributes']['authentication'] = 1
    doc['targets'][1]['tpgs'][0]['attributes']['cache_dynamic_acls'] = 0   # other target
    doc['storage_objects'][2]['attributes']['emulate_tpu'] = 1           # disk1: a LUN of IQN
    doc['storage_objects'][0]['attributes']['emulate_tpu'] = 1           # ram1: not
    assert lines(ap.make_plan(peer_root, doc, target=IQN)) == [
        'set /backstores/fileio/disk1 attribute emulate_tpu=0->1',
        'set %s attribute authentication=0->1' % TPG]


def test_storage_object_scope(peer_root):
    doc = peer_doc()
    doc['targets'][0]['tpgs'][0]['attributes']['authentication'] = 1
    doc['storage_objects'][0]['attributes']['emulate_tpu'] = 1
    assert lines(ap.make_plan(peer_root, doc, storage_object='ram1')) == [
        'set /backstores/ramdisk/ram1 attribute emulate_tpu=0->1']


def test_unknown_scope_is_refused_as_restore_refuses_it(peer_root):
    with pytest.raises(ConfigInvalid) as e:
        ap.make_plan(peer_root, peer_doc(), target='iqn.2000-01.com.example:nope')
    assert e.value.problems == ['target=iqn.2000-01.com.example:nope: no such target in the '
                                'file']


# -- all or nothing ---------------------------------------------------------------------

def test_refusal_half_way_undoes_every_change(peer_root, simdir):
    doc = peer_doc()
    doc['storage_objects'].append({'plugin': 'ramdisk', 'name': 'ram9', 'size': 1048576})
    doc['targets'][0]['tpgs'][0]['luns'].append(
        {'index': 7, 'storage_object': '/backstores/ramdisk/ram9'})
    doc['targets'][0]['tpgs'][0]['node_acls'][0]['chap_password'] = 'changed'
    doc['targets'][0]['tpgs'][0]['node_acls'][0]['mapped_luns'] = []
    doc['targets'][1]['tpgs'][0]['attributes']['cache_dynamic_acls'] = 7  # EINVAL, late
    before = tree(simdir)
    with pytest.raises(ap.ApplyFailed) as e:
        ap.apply(peer_root, doc)
    assert 'cache_dynamic_acls' in str(e.value) and 'were undone' in str(e.value)
    no_secret(str(e.value))
    assert tree(simdir) == before


def test_bad_file_gets_restores_refusals_and_changes_nothing(peer_root, simdir):
    doc = peer_doc()
    doc['targets'][0]['tpgs'][0]['luns'][0]['storage_object'] = '/backstores/block/nope'
    doc['storage_objects'][0]['size'] = -1
    before = tree(simdir)
    with pytest.raises(ConfigInvalid) as by_restore:
        restore(peer_root, doc)
    with pytest.raises(ConfigInvalid) as by_plan:
        ap.make_plan(peer_root, doc)
    with pytest.raises(ConfigInvalid) as by_apply:
        ap.apply(peer_root, doc)
    assert by_plan.value.problems == by_restore.value.problems == by_apply.value.problems
    assert len(by_plan.value.problems) == 2
    assert tree(simdir) == before


@pytest.mark.parametrize('name', ['chap_password', 'password'])  # password: older files
def test_masked_secret_is_refused_not_written(peer_root, simdir, name):
    doc = json.loads(export.to_text(export.document(peer_root)))
    acl = doc['targets'][0]['tpgs'][0]['node_acls'][0]
    acl[name] = acl.pop('chap_password')
    before = tree(simdir)
    with pytest.raises(ConfigInvalid) as e:
        ap.apply(peer_root, doc)
    assert any(p.startswith(f'targets[0].tpgs[0].node_acls[0].{name}: a masked secret')
               for p in e.value.problems)
    assert tree(simdir) == before


def test_plan_and_apply_leave_the_callers_document_as_it_was(peer_root, simdir):
    """A library caller's dict is not respelled or consumed (the plan copies only
    what it respells): seed plugin names and short CHAP names stay as given."""
    doc = peer_doc()
    doc['storage_objects'][1]['plugin'] = 'iblock'
    doc['storage_objects'][0]['attributes']['emulate_3pc'] = 0
    acl = doc['targets'][0]['tpgs'][0]['node_acls'][0]
    acl['userid'] = acl.pop('chap_userid')
    given = copy.deepcopy(doc)
    assert lines(ap.make_plan(peer_root, doc)) == [
        'set /backstores/ramdisk/ram1 attribute emulate_3pc=1->0']
    assert doc == given
    ap.apply(peer_root, doc)
    assert doc == given
    assert lines(ap.make_plan(peer_root, doc)) == []


# -- export -----------------------------------------------------------------------------

def test_export_is_the_save_dump_masked_on_stdout(peer_root, tmp_path):
    from rtslib.saveconfig import dump_config, save_to_file
    doc = export.document(peer_root)
    assert doc == dump_config(peer_root, lambda m: None)
    text = export.to_text(doc)
    assert '"chap_password": "********"' in text
    no_secret(text)
    assert 'secret1' in export.to_text(doc, show_secrets=True)
    path = tmp_path / 'out.json'
    export.write(doc, str(path))
    save_to_file(peer_root, str(tmp_path / 'saved.json'))
    assert path.read_bytes() == (tmp_path / 'saved.json').read_bytes()
    assert (path.stat().st_mode & 0o777) == 0o600


def test_export_of_a_tpg_plans_nothing(peer_root):
    tpg = [t for t in peer_root.targets if t.wwn == IQN][0].tpg(1, mode='lookup')
    doc = export.document(peer_root, tpg)
    assert [so['name'] for so in doc['storage_objects']] == ['my_disk', 'disk1']
    assert ap.make_plan(peer_root, doc) == []
    assert ap.make_plan(peer_root, doc, target=IQN) == []


def test_refused_secret_is_not_in_the_error(peer_root, simdir):
    doc = peer_doc()
    doc['targets'][0]['tpgs'][0]['node_acls'][0]['chap_password'] = 'x' * 300 + 'MYSECRET'
    before = tree(simdir)
    with pytest.raises(ap.ApplyFailed) as e:
        ap.apply(peer_root, doc)
    assert 'set %s auth password changed' % ACL in str(e.value)
    assert 'MYSECRET' not in str(e.value) and 'xxxx' not in str(e.value)
    assert tree(simdir) == before
