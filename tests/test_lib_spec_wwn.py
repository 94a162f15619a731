"""Fabric spec files and WWN handling: what a user or packager would check."""
import json
import re
import shutil

import pytest

from rtslib import spec, wwn
from rtslib.errors import RTSLibError, SpecError

TARGETCLI_FABRICS = ('iscsi', 'loopback', 'srpt', 'qla2xxx', 'tcm_fc', 'vhost', 'xen-pvscsi',
                     'usb_gadget', 'sbp', 'efct')


@pytest.fixture
def spec_copy(tmp_path, monkeypatch):
    """A private copy of spec/ selected through LIO_SPEC_DIR."""
    d = tmp_path / 'spec'
    shutil.copytree(spec.spec_dir(), d)
    monkeypatch.setenv('LIO_SPEC_DIR', str(d))
    spec.clear_cache()
    yield d
    spec.clear_cache()


def test_every_targetcli_fabric_and_iser_has_a_valid_spec():
    specs = spec.load_all()
    for name in TARGETCLI_FABRICS + ('iser',):
        assert name in specs, f'spec/{name}.json missing'
        assert specs[name]['spec_file'].endswith(f'{name}.json')


def test_iser_is_a_view_of_the_iscsi_dir_with_the_seed_features():
    iser, iscsi = spec.get('iser'), spec.get('iSCSI')
    assert iser['configfs_dir'] == iscsi['configfs_dir'] == 'iscsi'
    assert iser['kernel_module'] == 'iscsi_target_mod'
    assert 'ib_isert' in iser['extra_modules']
    assert iser['wwn_types'] == ['iqn']
    # what the seed page's `iser/ info` prints
    assert ', '.join(iser['features']) == 'discovery_auth, acls, acls_auth, nps, tpgts'


@pytest.fixture
def warnings_seen():
    """The warnings spec loading gives (what the entry points print on stderr)."""
    seen = []
    spec.configure(warn=seen.append)
    yield seen
    spec.configure()


@pytest.mark.parametrize('field, value, words', [
    ('configfs_dir', 'a/b', "field 'configfs_dir'"),
    ('wwn_types', ['iqn', 'bogus'], "field 'wwn_types'"),
    ('wwn_types', [], "field 'wwn_types'"),
    ('features', ['acls', 'teleport'], "field 'features'"),
    ('listed', 'yes', "field 'listed'"),
    ('colour', 'blue', "unknown field 'colour'"),
])
def test_broken_spec_disables_only_its_fabric_with_one_warning(spec_copy, warnings_seen,
                                                               field, value, words):
    path = spec_copy / 'loopback.json'
    doc = json.loads(path.read_text())
    doc[field] = value
    path.write_text(json.dumps(doc))
    specs = spec.load_all()
    assert 'loopback' not in specs
    assert {'iscsi', 'vhost', 'srpt'} <= set(specs)
    spec.load_all()
    assert len(warnings_seen) == 1, warnings_seen
    assert 'loopback.json' in warnings_seen[0] and words in warnings_seen[0]
    with pytest.raises(RTSLibError, match=r'loopback is disabled: .*loopback.json'):
        spec.get('loopback')


def test_missing_field_and_bad_json_are_named(spec_copy, warnings_seen):
    path = spec_copy / 'srpt.json'
    doc = json.loads(path.read_text())
    del doc['kernel_module']
    path.write_text(json.dumps(doc))
    assert 'srpt' not in spec.load_all()
    assert "srpt.json: field 'kernel_module' is missing" in warnings_seen[-1]
    path.write_text('{"name": ')
    spec.clear_cache()
    assert 'srpt' not in spec.load_all()
    assert 'srpt.json: not valid JSON' in warnings_seen[-1]


def test_name_must_match_file(spec_copy, warnings_seen):
    path = spec_copy / 'sbp.json'
    doc = json.loads(path.read_text())
    doc['name'] = 'firewire'
    path.write_text(json.dumps(doc))
    assert 'sbp' not in spec.load_all() and 'firewire' not in spec.load_all()
    assert "sbp.json: field 'name' is 'firewire'" in warnings_seen[0]


def test_a_view_of_a_broken_spec_is_disabled_too(spec_copy, warnings_seen):
    (spec_copy / 'iscsi.json').write_text('[]')
    specs = spec.load_all()
    assert 'iscsi' not in specs and 'iser' not in specs and 'loopback' in specs
    assert len(warnings_seen) == 2
    assert any('iser.json' in w and "'view_of'" in w for w in warnings_seen)


def test_user_spec_dir_adds_and_replaces_fabrics(spec_copy, tmp_path, warnings_seen):
    user = tmp_path / 'user-specs'
    user.mkdir()
    (user / 'myfabric.json').write_text(json.dumps({
        'name': 'myfabric', 'configfs_dir': 'myfab', 'kernel_module': 'my_target',
        'wwn_types': ['naa'], 'features': ['acls']}))
    doc = json.loads((spec_copy / 'vhost.json').read_text())
    doc['description'] = 'mine'
    (user / 'vhost.json').write_text(json.dumps(doc))
    spec.configure([str(user)], warn=warnings_seen.append)
    specs = spec.load_all()
    assert specs['myfabric']['kernel_module'] == 'my_target'
    assert specs['vhost']['description'] == 'mine'
    assert specs['iscsi']['spec_file'].startswith(str(spec_copy))
    assert not warnings_seen


def test_user_spec_dirs_come_from_the_entry_points_variable():
    dirs = spec.user_dirs_from('/a:/b', simdir='/sim')
    assert dirs == ['/sim/etc/target/fabrics.d', '/a', '/b']
    assert spec.user_dirs_from(None) == ['/etc/target/fabrics.d']


def test_unknown_fabric_lists_known_ones():
    with pytest.raises(RTSLibError) as err:
        spec.get('fibrechannel')
    assert 'iscsi' in str(err.value) and 'loopback' in str(err.value)


def test_import_reads_no_spec(monkeypatch, tmp_path):
    """Specs load on first use: a bad LIO_SPEC_DIR does not break import."""
    import importlib
    import rtslib
    monkeypatch.setenv('LIO_SPEC_DIR', str(tmp_path / 'nowhere'))
    spec.clear_cache()
    importlib.reload(rtslib)
    with pytest.raises(SpecError, match='LIO_SPEC_DIR'):
        spec.load_all()
    spec.clear_cache()


def test_generated_iqn_has_the_seed_form():
    iqn = wwn.generate('iqn', hostname='san01', machine='x86_64')
    assert re.fullmatch(r'iqn\.2003-01\.org\.linux-iscsi\.san01\.x8664:sn\.[0-9a-f]{12}', iqn)
    assert wwn.generate('iqn', 'san01', 'x86_64') != iqn


@pytest.mark.parametrize('hostname, expected', [
    ('(none)', 'none'), ('My_Host.example.com', 'myhost'), ('', 'localhost'),
    ('((()))', 'localhost'),
])
def test_generated_iqn_survives_odd_hostnames(hostname, expected):
    iqn = wwn.generate('iqn', hostname=hostname, machine='x86_64')
    assert iqn.startswith(f'iqn.2003-01.org.linux-iscsi.{expected}.x8664:sn.')
    assert wwn.is_valid('iqn', iqn)


@pytest.mark.parametrize('kind', ['naa', 'eui', 'unit_serial'])
def test_generated_wwns_validate(kind):
    assert wwn.is_valid(kind, wwn.generate(kind))


@pytest.mark.parametrize('types, given, normalized', [
    (('naa',), '50:01:40:5A:BC:DE:F0:12', 'naa.5001405abcdef012'),
    (('naa',), '0x5001405abcdef012', 'naa.5001405abcdef012'),
    (('ib',), '0xfe800000000000000002c903000e8acd', 'ib.fe800000000000000002c903000e8acd'),
    (('iqn', 'naa', 'eui'), 'eui.001405ABCDEF0123', 'eui.001405abcdef0123'),
    (('iqn',), 'IQN.2003-01.COM.Example:Disk', 'iqn.2003-01.com.example:disk'),
])
def test_wwn_normalization(types, given, normalized):
    assert wwn.normalize(types, given)[0] == normalized


@pytest.mark.parametrize('types, given', [
    (('iqn',), 'not-an-iqn'), (('iqn',), 'iqn.2003-01.org.x:has space'),
    (('iqn',), 'iqn.2003-01.org_x.y:z'), (('naa',), 'naa.5001405abc'),
    (('naa',), 'naa.3001405abcdef012'), (('eui',), 'eui.xyz'), (('ib',), 'ib.1234'),
])
def test_invalid_wwns_are_refused_with_an_example(types, given):
    with pytest.raises(RTSLibError) as err:
        wwn.normalize(types, given)
    assert given in str(err.value) and 'for example' in str(err.value)


@pytest.mark.parametrize('serial, ok', [
    ('5f4f90ce-235e-462b-9a5a-6616ff52db88', True), ('SERIAL1', True),
    ('', False), ('has space', False), ('x' * 254, False), ('ünïcode', False),
])
def test_unit_serial_validation(serial, ok):
    if ok:
        assert wwn.check_unit_serial(serial) == serial
    else:
        with pytest.raises(RTSLibError, match='unit serial'):
            wwn.check_unit_serial(serial)
