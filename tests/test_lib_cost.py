"""Cost rules: a lookup reads only its own path, LUN 10,000 costs what LUN 1 did,
listings read only what they yield, and `import rtslib` does no I/O."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from lib_helpers import CountingFS, sim_fs

WWN = 'iqn.2003-01.org.example:target{}'
ACL = 'iqn.1994-05.com.example:client{}'


def build(fs, targets, luns, acls):
    from rtslib import LUN, TPG, FabricModule, MappedLUN, NodeACL, RDMCPStorageObject, Target
    sos = [RDMCPStorageObject(f'ram{i}', 4096, fs=fs) for i in range(max(2, targets))]
    for t in range(targets):
        tpg = TPG(Target(FabricModule('iscsi', fs=fs), WWN.format(t)), 1)
        for n in range(luns):
            LUN(tpg, n, sos[n % len(sos)], alias=f'l{n}')
        for a in range(acls):
            MappedLUN(NodeACL(tpg, ACL.format(a)), 0, 0)


def lookups(fs):
    """One-shot style lookups of single objects by path."""
    from rtslib import LUN, TPG, FabricModule, MappedLUN, NetworkPortal, NodeACL, Target
    target = Target(FabricModule('iscsi', fs=fs), WWN.format(0), mode='lookup')
    tpg = TPG(target, 1, mode='lookup')
    lun = LUN(tpg, 1)
    so = lun.storage_object
    acl = NodeACL(tpg, ACL.format(0), mode='lookup')
    mlun = MappedLUN(acl, 0)
    with pytest.raises(Exception):
        NetworkPortal(tpg, '127.0.0.1', 3260, mode='lookup')
    return (lun.alias, so.name, mlun.tpg_lun.lun, mlun.write_protect, acl.chap_userid,
            tpg.get_attribute('authentication'))


def cost(fs, action):
    counting = CountingFS(fs)
    result = action(counting)
    return dict(counting.calls), counting.paths, result


def test_lookup_cost_does_not_grow_with_the_tree(simdir, tmp_path):
    small = sim_fs(simdir)
    build(small, targets=1, luns=2, acls=1)
    from rtslib.simkernel import SimConfigFS
    large = SimConfigFS(str(tmp_path / 'large'))
    build(large, targets=3, luns=12, acls=3)
    small_calls, small_paths, small_result = cost(small, lookups)
    large_calls, large_paths, large_result = cost(large, lookups)
    assert small_result == large_result
    assert small_calls == large_calls
    # and nothing outside the objects looked up was touched
    for _, path in large_paths:
        assert path.startswith(('iscsi/' + WWN.format(0), 'core/rd_mcp_')) or path == 'iscsi', path


def test_storage_object_lookup_reads_no_file(simdir):
    fs = sim_fs(simdir)
    build(fs, targets=2, luns=3, acls=1)
    from rtslib import RDMCPStorageObject, RTSRoot
    RTSRoot(fs=fs).invalidate_caches()
    calls, paths, so = cost(fs, lambda f: RDMCPStorageObject('ram1', fs=f))
    assert so.cfs_path.endswith('/ram1')
    assert 'read' not in calls and not any(p.startswith('iscsi') for _, p in paths)
    # a second lookup in the same process costs one stat
    calls, _, _ = cost(fs, lambda f: RDMCPStorageObject('ram1', fs=f))
    assert calls == {'isdir': calls.get('isdir', 0)} and calls['isdir'] <= 3


def test_lun_10000_costs_what_lun_1_did(simdir):
    fs = sim_fs(simdir)
    from rtslib import LUN, TPG, FabricModule, RDMCPStorageObject, Target
    so = RDMCPStorageObject('ram', 4096, fs=fs)
    tpg = TPG(Target(FabricModule('iscsi', fs=fs), WWN.format(1)), 1)
    first, _, _ = cost(fs, lambda f: LUN(TPG(Target(FabricModule('iscsi', fs=f), WWN.format(1),
                                                    'lookup'), 1, 'lookup'), 1, so, 'a'))
    for n in range(2, 16):
        LUN(tpg, n, so, alias=f'x{n}')
    last, _, _ = cost(fs, lambda f: LUN(TPG(Target(FabricModule('iscsi', fs=f), WWN.format(1),
                                                   'lookup'), 1, 'lookup'), 10000, so, 'b'))
    assert first == last


def test_next_free_lun_lists_only_that_tpgs_luns(simdir):
    fs = sim_fs(simdir)
    build(fs, targets=3, luns=5, acls=0)
    from rtslib import LUN, TPG, FabricModule, RDMCPStorageObject, Target
    so = RDMCPStorageObject('ram0', fs=fs)
    tpg = TPG(Target(FabricModule('iscsi', fs=fs), WWN.format(2), 'lookup'), 1, 'lookup')
    calls, paths, lun = cost(fs, lambda f: LUN(TPG(Target(FabricModule('iscsi', fs=f),
                                                          WWN.format(2), 'lookup'), 1,
                                                   'lookup'), None, so))
    assert lun.lun == 5
    assert [p for op, p in paths if op == 'listdir'] == [f'{tpg.cfs_path}/lun']


def test_listings_read_only_what_they_yield(simdir):
    fs = sim_fs(simdir)
    build(fs, targets=3, luns=4, acls=2)
    from rtslib import RTSRoot
    counting = CountingFS(fs)
    root = RTSRoot(fs=counting)   # reads dbroot once, as rtslib-fb's does
    counting.reset()
    first = next(root.targets)
    assert first.wwn == WWN.format(0)
    assert 'read' not in counting.calls
    assert counting.calls['listdir'] == 1   # the iscsi dir: no stat per target
    counting.reset()
    assert len([t.wwn for t in root.targets]) == 3 and 'read' not in counting.calls


def test_import_does_no_io(tmp_path):
    """`import rtslib` touches neither the simulated tree nor the spec files."""
    sim = tmp_path / 'sim'
    code = ('import rtslib, rtslib.target, rtslib.legacy, rtslib.root\n'
            'import sys; sys.exit(0 if rtslib.spec._cache == {} else 3)\n')
    env = dict(os.environ, LIO_SIMULATE=str(sim), LIO_SPEC_DIR=str(tmp_path / 'no-spec'),
               PYTHONPATH=ROOT)
    done = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert not sim.exists()


def test_storage_object_delete_finds_its_luns_without_a_scan(simdir):
    """The kernel's ALUA members file names the LUNs: no listing of every target."""
    fs = sim_fs(simdir)
    build(fs, targets=2, luns=3, acls=1)
    from rtslib import RDMCPStorageObject, RTSRoot
    calls, paths, _ = cost(fs, lambda f: RDMCPStorageObject('ram0', fs=f).delete())
    assert ('listdir', 'iscsi') not in paths
    assert not any(op == 'listdir' and p.endswith('/lun') for op, p in paths)
    left = [(lun.parent_tpg.parent_target.wwn, lun.lun) for lun in RTSRoot(fs=fs).luns]
    # build() exports ram0 as LUNs 0 and 2 of each target (LUN n uses ram{n % 2})
    assert left == [(WWN.format(0), 1), (WWN.format(1), 1)]


def _so_lookup_cost(fs, name):
    from rtslib import RDMCPStorageObject, RTSRoot
    RTSRoot(fs=fs).invalidate_caches()  # as a new one-shot process starts
    calls, paths, so = cost(fs, lambda f: RDMCPStorageObject(name, fs=f))
    assert so.name == name
    return sum(calls.values()), paths


def test_storage_object_lookup_is_flat_past_the_rtslib_fb_layout(simdir, tmp_path,
                                                                   monkeypatch):
    """Objects past the first LAYOUT_LIMIT HBAs are found with one stat, whatever the
    number of objects; the first ones keep rtslib-fb's lowest-free layout."""
    from rtslib import RDMCPStorageObject, hba
    from rtslib.simkernel import SimConfigFS
    monkeypatch.setattr(hba, 'LAYOUT_LIMIT', 3)  # a small limit keeps the tree small
    small, large = sim_fs(simdir), SimConfigFS(str(tmp_path / 'large'))
    for fs, count in ((small, 2), (large, 40)):
        sos = [RDMCPStorageObject(f'ram{i}', 4096, fs=fs) for i in range(count)]
    assert [so.index for so in sos[:3]] == [0, 1, 2]
    assert all(so.index >= hba.HOME_BASE for so in sos[3:])
    last, paths = _so_lookup_cost(large, 'ram39')
    assert last == 1 and paths == [('isdir', sos[39].cfs_path)]
    # an object in the low indexes costs what it does in a 2-object tree, plus
    # the (one) listdir seeing more HBA names: the scan stops at the low ones
    small_cost, _ = _so_lookup_cost(small, 'ram1')
    large_cost, _ = _so_lookup_cost(large, 'ram1')
    assert large_cost == small_cost


def test_storage_object_made_by_another_tool_is_found_by_the_scan(simdir):
    """A tree made by rtslib-fb (any index) still reads: the home index is only a hint."""
    from rtslib import RDMCPStorageObject
    fs = sim_fs(simdir)
    for i in (7, 3, 12):
        fs.mkdir('core/rd_mcp_%d' % i)
        fs.mkdir('core/rd_mcp_%d/r%d' % (i, i))
    fs.mkdir('core/rd_mcp_9')
    fs.mkdir('core/rd_mcp_9/other')
    fs.mkdir('core/fileio_8')              # another plugin's HBA is not probed
    _, paths = _so_lookup_cost(fs, 'other')
    assert ('listdir', 'core') in paths
    # the scan: one probe list over this plugin's HBAs, lowest index first, no reads
    probes = [p for op, p in paths if op == 'first_dir']
    assert probes == ['core/rd_mcp_%d/other' % i for i in (3, 7, 9)]
    assert not [op for op, _ in paths if op in ('read', 'readlink')]
    assert RDMCPStorageObject('other', fs=fs).cfs_path == 'core/rd_mcp_9/other'
    assert RDMCPStorageObject('r12', fs=fs).cfs_path == 'core/rd_mcp_12/r12'
