"""Validation of saveconfig.json documents: every problem, each with its JSON path."""
import copy
import json
import os

import pytest

from rtslib.saveconfig import schema

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')
FABRICS = ['iscsi', 'loopback', 'vhost']


@pytest.fixture
def peer():
    with open(os.path.join(DATA, 'peer-2.1.53-saveconfig.json')) as f:
        return json.load(f)


def test_targetcli_fb_file_is_valid(peer):
    assert schema.validate(peer, fabrics=FABRICS) == []


def test_empty_document_is_valid():
    assert schema.validate({}) == []


def test_every_problem_reported_with_its_path(peer):
    doc = copy.deepcopy(peer)
    tpg = doc['targets'][0]['tpgs'][0]
    tpg['luns'][1]['storage_object'] = '/backstores/block/disk9'
    tpg['node_acls'][0]['mapped_luns'][0]['tpg_lun'] = 7
    tpg['portals'].append({'ip_address': '127.0.0.1', 'port': 3260})
    doc['storage_objects'][0]['size'] = '16M'
    doc['storage_objects'][2]['name'] = 'my_disk'
    doc['storage_objects'][2]['plugin'] = 'block'
    doc['targets'][1]['fabric'] = 'nope'
    problems = schema.validate(doc, fabrics=FABRICS)
    assert problems == [
        'storage_objects[0].size: must be an integer, not a string',
        'storage_objects[2].aio: unknown field',
        'storage_objects[2].size: unknown field',
        "storage_objects[2].name: duplicate storage object 'block/my_disk' "
        "(also at storage_objects[1].name)",
        "targets[0].tpgs[0].luns[0].storage_object: no storage object 'fileio/disk1' "
        "in storage_objects",
        "targets[0].tpgs[0].luns[1].storage_object: no storage object 'block/disk9' "
        "in storage_objects",
        'targets[0].tpgs[0].portals[1]: duplicate portal 127.0.0.1:3260 '
        '(also at targets[0].tpgs[0].portals[0])',
        'targets[0].tpgs[0].node_acls[0].mapped_luns[0].tpg_lun: no lun 7 in this tpg',
        "targets[1].fabric: unknown fabric 'nope' (known: iscsi, loopback, vhost)",
    ]


@pytest.mark.parametrize('mutate, expected', [
    (lambda d: d.update(targets={}), 'targets: must be a list, not an object'),
    (lambda d: d['storage_objects'][1].pop('dev'),
     "storage_objects[1]: missing required field 'dev'"),
    (lambda d: d['storage_objects'][1].update(plugin='floppy'),
     "storage_objects[1].plugin: unknown plugin 'floppy'"),
    (lambda d: d['storage_objects'][0]['attributes'].update(block_size=[512]),
     'storage_objects[0].attributes.block_size: must be a number or a string, not a list'),
    (lambda d: d['storage_objects'][0].update(wwn=d['storage_objects'][1]['wwn']),
     "storage_objects[1].wwn: duplicate wwn"),
    (lambda d: d['targets'].append(copy.deepcopy(d['targets'][1])),
     "targets[2].wwn: duplicate target 'naa.5001405123456789' in fabric loopback"),
    (lambda d: d['targets'][0]['tpgs'].append({'tag': 1}),
     'targets[0].tpgs[1].tag: duplicate tpg tag 1'),
    (lambda d: d['targets'][0]['tpgs'][0]['luns'][0].update(index=0),
     'targets[0].tpgs[0].luns[1].index: duplicate lun index 0'),
    (lambda d: d['targets'][0]['tpgs'][0]['luns'][0].update(storage_object='disk1'),
     "targets[0].tpgs[0].luns[0].storage_object: 'disk1' is not /backstores/<plugin>/<name>"),
    (lambda d: d['targets'][0]['tpgs'][0]['luns'][0].update(alua_tg_pt_gp_name='ao'),
     "targets[0].tpgs[0].luns[0].alua_tg_pt_gp_name: no ALUA group 'ao'"),
    (lambda d: d['targets'][0]['tpgs'][0]['portals'][0].update(ip_address='10.0.0.300'),
     "portals[0].ip_address: '10.0.0.300' is not an IP address"),
    (lambda d: d['targets'][0]['tpgs'][0]['portals'][0].update(port=70000),
     'portals[0].port: 70000 is not a port number'),
    (lambda d: d['targets'][0]['tpgs'][0]['portals'][0].update(iser='yes'),
     'portals[0].iser: must be a boolean, not a string'),
    (lambda d: d['targets'][0]['tpgs'][0]['node_acls'].append(
        {'node_wwn': 'iqn.1994-05.com.redhat:client'}),
     "node_acls[1].node_wwn: duplicate node_acl 'iqn.1994-05.com.redhat:client'"),
    (lambda d: d['targets'][0]['tpgs'][0]['node_acls'][0]['mapped_luns'][1].update(index=0),
     'mapped_luns[1].index: duplicate mapped lun index 0'),
    (lambda d: d['targets'][0]['tpgs'][0]['node_acls'][0].update(chap_password=5),
     'node_acls[0].chap_password: must be a string, not a number'),
    (lambda d: d['fabric_modules'].append({'name': 'iscsi'}),
     "fabric_modules[1].name: duplicate fabric module 'iscsi'"),
    (lambda d: d['targets'][0].pop('wwn'), "targets[0]: missing required field 'wwn'"),
])
def test_each_kind_of_problem(peer, mutate, expected):
    mutate(peer)
    problems = schema.validate(peer, fabrics=FABRICS)
    assert any(expected in p for p in problems), problems


def test_lun_may_name_a_storage_object_that_exists_in_the_kernel(peer):
    peer['targets'][0]['tpgs'][0]['luns'][1]['storage_object'] = '/backstores/block/disk9'
    assert schema.validate(peer, existing_sos={'block/disk9'}, fabrics=FABRICS) == []


def test_seed_plugin_aliases_resolve(peer):
    peer['targets'][0]['tpgs'][0]['luns'][1]['storage_object'] = '/backstores/iblock/my_disk'
    assert schema.validate(peer, fabrics=FABRICS) == []


def test_not_an_object():
    assert schema.validate([1, 2]) == ['(top): must be a JSON object, not a list']
