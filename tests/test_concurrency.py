"""Issue 19: one-shot commands run by many real processes at the same moment end
as some serial order of them would, and every command that would succeed alone
succeeds.  Each test releases 16 to 24 processes at once (tests/parallel_helpers.py)
on the simulated kernel and checks the tree they leave."""
import json
import os
import re

import pytest

from cli_helpers import ROOT, cli, env_for
from parallel_helpers import failures, invariants, run_together, tpg_with

T = 'iqn.2003-01.org.example:par{}'
ACL = 'iqn.1994-05.com.example:host{}'


def targetcli_together(simdir, commands):
    return run_together(commands, env=env_for(simdir.parent / 'home'), cwd=ROOT,
                        options=('--simulate', str(simdir)))


def root():
    from rtslib import RTSRoot
    return RTSRoot()


def ramdisks(names):
    from rtslib import RDMCPStorageObject
    return {name: RDMCPStorageObject(name, 1 << 20) for name in names}


def tpg_path(wwn, tag=1):
    return f'/iscsi/{wwn}/tpg{tag}'


def test_storage_objects_get_distinct_hbas_and_one_name_wins_once(simdir):
    commands = [['/backstores/ramdisk', 'create', f'r{i}', '1M'] for i in range(12)]
    commands += [['/backstores/ramdisk', 'create', 'same', '1M'] for _ in range(4)]
    results = targetcli_together(simdir, commands)
    assert not failures(results[:12]), failures(results[:12])
    lost = failures(results[12:])
    assert len(lost) == 3, results[12:]
    assert all('already exists' in r.stderr and r.stderr.count('\n') == 1 for r in lost), lost
    sos = sorted(so.name for so in root().storage_objects)
    assert sos == sorted([f'r{i}' for i in range(12)] + ['same'])
    hbas = [name for name in (simdir / 'sys/kernel/config/target/core').iterdir()
            if name.name.startswith('rd_mcp_')]
    assert len(hbas) == 13      # one HBA per object, no index used twice
    assert invariants(root()) == []


def test_storage_object_deletes_beside_luns_created_on_them(simdir):
    """A storage object delete removes the LUNs made on it meanwhile too; a LUN
    create that comes after the delete fails with one line."""
    sos = ramdisks([f'd{i}' for i in range(4)] + [f'k{i}' for i in range(4)])
    tpg_with(T.format(0), 1, sos.values(), [ACL.format(0)])
    tpg_with(T.format(0), 2)
    acl = f'{tpg_path(T.format(0))}/acls/{ACL.format(0)}'
    commands = [['/backstores/ramdisk', 'delete', f'd{i}'] for i in range(4)]
    commands += [[f'{tpg_path(T.format(0), 2)}/luns', 'create', f'/backstores/ramdisk/{name}']
                 for name in sos]
    commands += [[acl, 'delete', str(4 + i)] for i in range(4)]
    results = targetcli_together(simdir, commands)
    assert not failures(results[:4] + results[8:]), failures(results)
    assert all(r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr
               for r in failures(results[4:8])), failures(results)
    assert sorted(so.name for so in root().storage_objects) == [f'k{i}' for i in range(4)]
    names = sorted(lun.storage_object.name for lun in root().luns)
    assert names == sorted([f'k{i}' for i in range(4)] * 2), names
    assert invariants(root(), auto_mapped=False) == []


def test_targets_tpgs_and_target_deletes(simdir):
    from rtslib import Target
    tpg_with(T.format(0), 1)
    for n in range(1, 5):
        Target('iscsi', T.format(n))
    commands = [['/iscsi', 'create'] for _ in range(6)]
    commands += [[f'/iscsi/{T.format(0)}', 'create'] for _ in range(6)]
    commands += [['/iscsi', 'delete', T.format(n)] for n in range(1, 5)]
    results = targetcli_together(simdir, commands)
    assert not failures(results), failures(results)
    made = {re.search(r'Created target (\S+)\.', r.stdout).group(1) for r in results[:6]}
    assert len(made) == 6
    tags = sorted(int(re.search(r'Created TPG (\d+)\.', r.stdout).group(1))
                  for r in results[6:12])
    assert tags == list(range(2, 8))       # no tag used twice
    wwns = {t.wwn for t in root().targets}
    assert wwns == made | {T.format(0)}
    for wwn in made:        # /iscsi create made TPG 1 and its default portal whole
        tpgs = list(root().targets)
        tpg = next(t for t in tpgs if t.wwn == wwn).tpg(1, mode='lookup')
        assert [p.ip_address for p in tpg.network_portals] == ['0.0.0.0']


def test_luns_and_acls_created_together_all_map_each_other(simdir):
    """The issue's case: 8 LUN and 8 ACL creates left 4 LUNs and ACLs mapping
    one LUN twice.  Now every one succeeds and every ACL maps every LUN once."""
    sos = ramdisks([f'r{i}' for i in range(12)])
    tpg_with(T.format(0), 1)
    path = tpg_path(T.format(0))
    commands = [[f'{path}/luns', 'create', f'/backstores/ramdisk/{name}'] for name in sos]
    commands += [[f'{path}/acls', 'create', ACL.format(i)] for i in range(12)]
    results = targetcli_together(simdir, commands)
    assert not failures(results), failures(results)
    numbers = [int(re.search(r'Created LUN (\d+)\.', r.stdout).group(1)) for r in results[:12]]
    assert sorted(numbers) == list(range(12))
    tpg = next(root().tpgs)
    assert sorted(lun.storage_object.name for lun in tpg.luns) == sorted(sos)
    assert len(list(tpg.node_acls)) == 12
    assert invariants(root()) == []


def test_mapped_luns_portals_and_alua_groups(simdir):
    sos = ramdisks([f'r{i}' for i in range(8)])
    tpg_with(T.format(0), 1, sos.values(), acls=[])
    from rtslib import NodeACL, TPG, Target
    NodeACL(TPG(Target('iscsi', T.format(0)), 1), ACL.format(0))
    path = tpg_path(T.format(0))
    commands = [[f'{path}/acls/{ACL.format(0)}', 'create', str(10 + i), f'lun{i}']
                for i in range(8)]
    commands += [[f'{path}/portals', 'create', f'127.0.0.{i + 2}'] for i in range(4)]
    commands += [['/backstores/ramdisk/r0/alua', 'create', f'g{i}', str(i + 1)]
                 for i in range(4)]
    commands += [['/backstores/ramdisk/r1/alua', 'create', f'same{i}', '7'] for i in range(2)]
    results = targetcli_together(simdir, commands)
    assert not failures(results[:16]), failures(results[:16])
    assert len(failures(results[16:])) == 1, results[16:]     # one id, one group
    tpg = next(root().tpgs)
    acl = next(tpg.node_acls)
    assert sorted((m.mapped_lun, m.tpg_lun.lun) for m in acl.mapped_luns) == \
        [(10 + i, i) for i in range(8)]
    assert sorted(p.ip_address for p in tpg.network_portals) == \
        [f'127.0.0.{i + 2}' for i in range(4)]
    assert sorted(g.name for g in sos['r0'].alua_tpgs) == \
        ['default_tg_pt_gp'] + [f'g{i}' for i in range(4)]
    assert invariants(root()) == []


def mixed_stream(simdir, tpgs=3):
    """Per TPG (of two targets): 2 LUN creates, 2 LUN deletes, 2 ACL creates, 2 ACL
    deletes, interleaved.  Returns (commands, per-TPG counts expected after)."""
    commands, places = [], []
    for t in range(tpgs):
        wwn, tag = T.format(t % 2), 1 + t // 2
        old = ramdisks([f'old{t}_{i}' for i in range(4)])
        new = ramdisks([f'new{t}_{i}' for i in range(2)])
        tpg_with(wwn, tag, old.values(), [ACL.format(f'{t}-{i}') for i in range(3)])
        path = tpg_path(wwn, tag)
        for i in range(2):
            commands += [[f'{path}/luns', 'create', f'/backstores/ramdisk/new{t}_{i}'],
                         [f'{path}/acls', 'delete', ACL.format(f'{t}-{i}')],
                         [f'{path}/luns', 'delete', f'lun{i}'],
                         [f'{path}/acls', 'create', ACL.format(f'{t}-new{i}')]]
        places.append((wwn, tag, sorted(new) + [f'old{t}_{i}' for i in (2, 3)]))
    return commands, places


def check_places(places):
    from rtslib import TPG, Target
    for wwn, tag, names in places:
        tpg = TPG(Target('iscsi', wwn, mode='lookup'), tag, mode='lookup')
        assert sorted(lun.storage_object.name for lun in tpg.luns) == sorted(names)
        assert len(list(tpg.node_acls)) == 3


def test_mixed_stream_of_creates_and_deletes_in_several_tpgs(simdir):
    commands, places = mixed_stream(simdir, tpgs=3)
    results = targetcli_together(simdir, commands)
    assert not failures(results), failures(results)
    check_places(places)
    assert invariants(root()) == []


def test_saves_taken_during_a_stream_restore_into_a_consistent_tree(simdir, tmp_path):
    commands, _ = mixed_stream(simdir, tpgs=2)
    saves = [tmp_path / f'save{i}.json' for i in range(4)]
    results = targetcli_together(simdir, commands + [['saveconfig', str(f)] for f in saves])
    assert not failures(results), failures(results)
    from rtslib import RTSRoot
    from rtslib.simkernel import SimConfigFS
    for n, saved in enumerate(saves):
        fresh = tmp_path / f'fresh{n}'
        done = cli(fresh, 'restoreconfig', str(saved), 'clear_existing=true')
        assert done.returncode == 0, (json.loads(saved.read_text()), done.stderr)
        assert invariants(RTSRoot(fs=SimConfigFS(str(fresh)))) == []


def test_restore_beside_one_shots_never_leaves_a_mixed_tree(simdir, tmp_path):
    """A clearing restore of a file holding the TPG, beside one-shots that add to
    that TPG: each one-shot runs before the restore (and is cleared) or after it
    (and is kept), so every command succeeds and the tree keeps the invariants."""
    sos = ramdisks([f'r{i}' for i in range(10)])
    tpg_with(T.format(0), 1, [sos['r0']], [ACL.format('a')])
    saved = tmp_path / 'before.json'
    assert cli(simdir, 'saveconfig', str(saved)).returncode == 0
    path = tpg_path(T.format(0))
    commands = [['restoreconfig', str(saved), 'clear_existing=true']]
    commands += [[f'{path}/acls', 'create', ACL.format(i)] for i in range(6)]
    commands += [['/backstores/ramdisk', 'create', f'x{i}', '1M'] for i in range(3)]
    commands += [[f'{path}/portals', 'create', f'127.0.0.{i + 2}'] for i in range(3)]
    results = targetcli_together(simdir, commands)
    assert not failures(results), failures(results)
    tpg = next(root().tpgs)
    assert [lun.storage_object.name for lun in tpg.luns] == ['r0']
    assert invariants(root()) == []


def test_restore_waiting_too_long_refuses_with_one_line(simdir, tmp_path):
    from rtslib import locks
    from rtslib.configfs import default_fs
    tpg_with(T.format(0), 1)
    saved = tmp_path / 'x.json'
    assert cli(simdir, 'saveconfig', str(saved)).returncode == 0
    assert cli(simdir, 'restoreconfig', str(saved), 'clear_existing=true').returncode == 0
    with locks.tree(default_fs()):      # as a one-shot command that does not end
        done = run_together([['restoreconfig', str(saved), 'clear_existing=true']],
                            env=dict(env_for(simdir.parent / 'home'),
                                     LIO_LOCK_TIMEOUT='1'),
                            cwd=ROOT, options=('--simulate', str(simdir)))[0]
    assert done.returncode == 1
    assert done.stderr.count('\n') == 1 and 'busy' in done.stderr, done.stderr
    # the holder named is this test process (it holds the tree lock shared), not
    # whichever process held the lock exclusively last
    assert f'process {os.getpid()} has held' in done.stderr, done.stderr


def test_a_tpg_held_too_long_is_named_in_one_line(simdir):
    """A LUN create that waits for its TPG's lock longer than the timeout names that
    TPG and its holder (the label is made only for this message)."""
    from rtslib import locks
    ramdisks(['a'])
    held = tpg_with(T.format(0), 1)
    with locks.tpg(held):
        done = run_together([[f'{tpg_path(T.format(0))}/luns', 'create',
                              '/backstores/ramdisk/a']],
                            env=dict(env_for(simdir.parent / 'home'), LIO_LOCK_TIMEOUT='1'),
                            cwd=ROOT, options=('--simulate', str(simdir)))[0]
    assert done.returncode == 1
    assert done.stderr.count('\n') == 1, done.stderr
    assert f'TPG 1 of' in done.stderr and T.format(0) in done.stderr, done.stderr
    assert f'process {os.getpid()} has held' in done.stderr, done.stderr
    assert list(held.luns) == []


@pytest.mark.parametrize('kind', ['tpg', 'target'])
def test_unrelated_targets_do_not_wait_for_each_other(simdir, kind):
    """Holding one TPG's (or target's) lock does not stop a LUN create in another."""
    from rtslib import locks
    sos = ramdisks(['a', 'b'])
    first = tpg_with(T.format(0), 1)
    tpg_with(T.format(1), 1)
    held = locks.tpg(first) if kind == 'tpg' else locks.target(first.parent_target)
    with held:
        done = cli(simdir, f'{tpg_path(T.format(1))}/luns', 'create', '/backstores/ramdisk/b',
                   options=())
    assert done.returncode == 0, done.stderr
    assert sos


def test_locks_live_under_dir_and_a_restore_takes_no_object_lock(simdir):
    """In-process: the lock files are in DIR/run/lock/lio-py; a process holding the
    tree lock shared (a shell command) can raise it to exclusive (restoreconfig run
    by that command), and while it is exclusive no object lock file is made."""
    from rtslib import locks
    from rtslib.configfs import default_fs
    fs = default_fs()
    tpg = tpg_with(T.format(0), 1)
    where = simdir / 'run' / 'lock' / 'lio-py'
    assert (where / 'tree.lock').exists()
    assert (where / f'target.iscsi+{T.format(0)}.lock').exists()
    with locks.tree(fs), locks.tree(fs, exclusive=True):
        assert locks.tree_exclusive_here(fs)
        with locks.tpg(tpg_named(tpg, 2)):
            pass
    assert not locks.tree_exclusive_here(fs)
    assert not (where / f'tpg.iscsi+{T.format(0)}+tpgt_2.lock').exists()


def tpg_named(tpg, tag):
    """Another TPG of tpg's target, as an object only (no I/O)."""
    from rtslib import TPG
    return TPG(tpg.parent_target, tag, mode='listed')
