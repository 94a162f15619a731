"""dump() of every object has the keys of the peer's saveconfig.json (rtslib-fb schema).

The configuration of /work/shared/reference/peer-2.1.53 is rebuilt with the
library on the simulator, then every dict of our dump is compared, key set
by key set, with the matching dict of the peer's file.
"""
import json
import os

import pytest

from conftest import REFERENCE
from lib_helpers import sim_fs

PEER = os.path.join(REFERENCE, 'peer-2.1.53', 'saveconfig.json')


def build_peer_config():
    from rtslib import (LUN, TPG, BlockStorageObject, FabricModule, FileIOStorageObject,
                        MappedLUN, NetworkPortal, NodeACL, RDMCPStorageObject, RTSRoot,
                        Target)
    ram = RDMCPStorageObject('ram1', 16777216)
    disk = BlockStorageObject('my_disk', dev='/dev/loop0')
    file1 = FileIOStorageObject('disk1', dev='/mnt/w/file1', size=67108864, write_back=True)
    iscsi = FabricModule('iscsi')
    target = Target(iscsi, 'iqn.2003-01.org.linux-iscsi.liohost.x8664:sn.291008ada71d')
    tpg = TPG(target, 1)
    for name, value in (('authentication', 0), ('demo_mode_write_protect', 0),
                        ('generate_node_acls', 1), ('cache_dynamic_acls', 1)):
        tpg.set_attribute(name, value)
    tpg.chap_userid, tpg.chap_password = 'tu', 'tp'
    lun0 = LUN(tpg, 0, disk)
    lun1 = LUN(tpg, 1, file1)
    NetworkPortal(tpg, '127.0.0.1', 3260).iser = True
    acl = NodeACL(tpg, 'iqn.1994-05.com.redhat:client')
    acl.chap_userid, acl.chap_password = 'alice', 'secret1'
    acl.chap_mutual_userid, acl.chap_mutual_password = 'bob', 'secret2'
    MappedLUN(acl, 0, lun0)
    MappedLUN(acl, 1, lun1)
    tpg.enable = True
    iscsi.discovery_userid, iscsi.discovery_password = 'du', 'dp'
    iscsi.discovery_mutual_userid, iscsi.discovery_mutual_password = 'dmu', 'dmp'
    iscsi.discovery_enable_auth = True
    loop = TPG(Target(FabricModule('loopback'), 'naa.5001405123456789'), 1)
    LUN(loop, 0, ram)
    return RTSRoot()


def keys_diff(ours, peer, where, out):
    """Record every key-set difference between two parallel JSON trees."""
    if isinstance(peer, dict):
        if not isinstance(ours, dict):
            out.append(f'{where}: not an object')
            return
        if set(ours) != set(peer):
            out.append(f'{where}: extra {sorted(set(ours) - set(peer))}, '
                       f'missing {sorted(set(peer) - set(ours))}')
        for key in set(ours) & set(peer):
            keys_diff(ours[key], peer[key], f'{where}.{key}', out)
    elif isinstance(peer, list) and peer and isinstance(peer[0], dict):
        if not isinstance(ours, list) or len(ours) != len(peer):
            out.append(f'{where}: {len(ours)} items, peer has {len(peer)}')
            return
        for i, (a, b) in enumerate(zip(ours, peer)):
            keys_diff(a, b, f'{where}[{i}]', out)


def _sorted(doc):
    """Both documents in one order: objects by name/wwn/index."""
    doc['storage_objects'].sort(key=lambda so: so['name'])
    doc['targets'].sort(key=lambda t: t['wwn'])
    for t in doc['targets']:
        for tpg in t['tpgs']:
            tpg['luns'].sort(key=lambda x: x['index'])
    return doc


@pytest.fixture
def dumped(simdir):
    sim_fs(simdir)
    root = build_peer_config()
    with open(PEER) as f:
        peer = json.load(f)
    return _sorted(root.dump()), _sorted(peer), root


def test_dump_has_the_peer_keys_everywhere(dumped):
    ours, peer, _ = dumped
    out = []
    keys_diff(ours, peer, 'saveconfig', out)
    assert out == []


def test_dump_values_match_what_was_set(dumped):
    ours, peer, _ = dumped
    for key in ('fabric_modules',):
        assert ours[key] == peer[key]
    tpg, ptpg = ours['targets'][0]['tpgs'][0], peer['targets'][0]['tpgs'][0]
    for key in ('tag', 'enable', 'chap_userid', 'chap_password', 'portals'):
        assert tpg[key] == ptpg[key], key
    acl, pacl = tpg['node_acls'][0], ptpg['node_acls'][0]
    assert {k: v for k, v in acl.items() if k.startswith('chap_') or k == 'node_wwn'} == \
        {k: v for k, v in pacl.items() if k.startswith('chap_') or k == 'node_wwn'}
    assert [(m['index'], m['tpg_lun'], m['write_protect']) for m in acl['mapped_luns']] == \
        [(m['index'], m['tpg_lun'], m['write_protect']) for m in pacl['mapped_luns']]
    assert [(x['index'], x['storage_object']) for x in tpg['luns']] == \
        [(x['index'], x['storage_object']) for x in ptpg['luns']]
    for so, pso in zip(ours['storage_objects'], peer['storage_objects']):
        for key in ('name', 'plugin', 'dev', 'size', 'write_back', 'readonly', 'aio'):
            assert so.get(key) == pso.get(key), (so['name'], key)


def test_each_object_dump_alone(dumped):
    """dump() of one object is the fragment the root's dump holds for it."""
    ours, _, root = dumped
    so = next(s for s in root.storage_objects if s.name == 'disk1')
    assert so.dump() == next(s for s in ours['storage_objects'] if s['name'] == 'disk1')
    lun = next(root.luns)
    assert set(lun.dump()) == {'alias', 'alua_tg_pt_gp_name', 'index', 'storage_object'}
    assert set(next(root.network_portals).dump()) == {'ip_address', 'port', 'iser', 'offload'}
    assert set(next(root.mapped_luns).dump()) == {'alias', 'index', 'tpg_lun', 'write_protect'}
    alua = next(root.alua_tpgs).dump()
    assert alua['name'] == 'default_tg_pt_gp' and alua['alua_access_type'] == 3


def test_setup_recreates_what_dump_gave(dumped, tmp_path):
    """dump() then setup() on an empty kernel gives the same dump again."""
    from rtslib import FabricModule, RTSRoot, Target
    from rtslib.simkernel import SimConfigFS
    from rtslib.storage import StorageObject
    ours, _, _ = dumped
    fresh = RTSRoot(SimConfigFS(str(tmp_path / 'fresh')))
    errors = []
    for so in ours['storage_objects']:
        StorageObject.setup(fresh, so, errors.append)
    for fabric in ours['fabric_modules']:
        FabricModule(fabric['name'], fs=fresh.fs).setup(fabric, errors.append)
    for target in ours['targets']:
        Target.setup(FabricModule(target['fabric'], fs=fresh.fs), target, errors.append)
    again = _sorted(fresh.dump())
    for doc in (ours, again):   # generated per object, not configuration
        for t in doc['targets']:
            for tpg in t['tpgs']:
                tpg.pop('nexus', None)
    assert errors == []
    assert again == ours
