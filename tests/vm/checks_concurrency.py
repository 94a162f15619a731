"""Issue 19 on the real kernel: one-shot targetcli processes released at the same
moment (tests/parallel_helpers.py: each imports targetcli, then waits on a pipe)
end as some serial order of their commands would, each succeeding where it
would alone; the tree keeps the invariants (every ACL maps every LUN of its TPG
once, no mapped LUN without its LUN); saves taken during a stream restore.
N is smaller than on the simulator (tests/test_concurrency.py): each process
costs about a second of the guest's CPU under TCG.
"""
import json
import os
import re

ORDER = 87

T = 'iqn.2003-01.org.example:par{}'
ACL = 'iqn.1994-05.com.example:host{}'


def _together(ctx, commands):
    from parallel_helpers import run_together
    # a holder's few syscalls can take seconds under TCG on a busy host: the check is
    # about the outcome, so waiters get longer than the default before they give up
    env = dict(ctx.our_python_env, LIO_LOCK_TIMEOUT='120')
    results = run_together(commands, env=env, cwd=ctx.src)
    return [{'cmd': ' '.join(r.args), 'rc': r.returncode, 'out': r.stdout, 'err': r.stderr}
            for r in results]


def _failed(results):
    return [r for r in results if r['rc']]


def _tpg(ctx, wwn, tag, sos=(), acls=()):
    from parallel_helpers import tpg_with
    return tpg_with(wwn, tag, sos, acls, fs=ctx.fs)


def _ramdisks(ctx, names):
    from rtslib import RDMCPStorageObject
    return [RDMCPStorageObject(name, 1 << 20, fs=ctx.fs) for name in names]


def _invariants(ctx):
    from parallel_helpers import invariants
    from rtslib import RTSRoot
    return invariants(RTSRoot(fs=ctx.fs))


def _path(wwn, tag=1):
    return '/iscsi/%s/tpg%d' % (wwn, tag)


def objects_of_each_kind(ctx):
    """Storage objects (distinct and one name raced), generated targets, TPG tags,
    then LUNs and ACLs created together in one TPG."""
    _tpg(ctx, T.format(0), 1)
    first = [['/backstores/ramdisk', 'create', 'r%d' % i, '1M'] for i in range(4)]
    first += [['/backstores/ramdisk', 'create', 'same', '1M'] for _ in range(2)]
    first += [['/iscsi', 'create'], ['/iscsi/%s' % T.format(0), 'create'],
              ['/iscsi/%s' % T.format(0), 'create']]
    one = _together(ctx, first)
    assert not _failed(one[:4] + one[6:]), _failed(one)
    assert len(_failed(one[4:6])) == 1, one[4:6]
    tags = sorted(int(re.search(r'Created TPG (\d+)\.', r['out']).group(1)) for r in one[7:])
    assert tags == [2, 3], one[7:]
    path = _path(T.format(0))
    second = [[path + '/luns', 'create', '/backstores/ramdisk/r%d' % i] for i in range(4)]
    second += [[path + '/acls', 'create', ACL.format(i)] for i in range(4)]
    two = _together(ctx, second)
    assert not _failed(two), _failed(two)
    problems = _invariants(ctx)
    assert problems == [], problems
    from rtslib import TPG, Target
    tpg = TPG(Target('iscsi', T.format(0), fs=ctx.fs, mode='lookup'), 1, mode='lookup')
    luns = sorted(lun.lun for lun in tpg.luns)
    assert luns == [0, 1, 2, 3], luns
    return {'processes': len(first) + len(second), 'failed_as_expected': _failed(one[4:6])}


def mixed_stream_and_saves(ctx):
    """Two TPGs: LUN creates and deletes and ACL creates and deletes interleaved, with
    two saves taken meanwhile; each save then restores into a consistent tree."""
    commands = []
    for t in range(2):
        wwn = T.format(t)
        old = _ramdisks(ctx, ['old%d_%d' % (t, i) for i in range(2)])
        _ramdisks(ctx, ['new%d' % t])
        _tpg(ctx, wwn, 1, old, [ACL.format('%d-%d' % (t, i)) for i in range(2)])
        path = _path(wwn)
        commands += [[path + '/luns', 'create', '/backstores/ramdisk/new%d' % t],
                     [path + '/luns', 'delete', 'lun0'],
                     [path + '/acls', 'create', ACL.format('%d-new' % t)],
                     [path + '/acls', 'delete', ACL.format('%d-0' % t)]]
    saves = [os.path.join(ctx.scratch, 'par-save%d.json' % i) for i in range(2)]
    commands += [['saveconfig', f] for f in saves]
    results = _together(ctx, commands)
    assert not _failed(results), _failed(results)
    problems = _invariants(ctx)
    assert problems == [], problems
    restored = []
    for f in saves:
        with open(f) as fh:
            doc = json.load(fh)
        proc = ctx.run(ctx.python_cmd('-m', 'targetcli', 'restoreconfig', f,
                                      'clear_existing=true'), check=False, ours=True)
        assert proc.returncode == 0, (doc, proc.stdout, proc.stderr)
        problems = _invariants(ctx)
        assert problems == [], problems
        restored.append(sum(len(tpg['luns']) for t in doc['targets'] for tpg in t['tpgs']))
    return {'processes': len(commands), 'luns_in_saves': restored}


CHECKS = [objects_of_each_kind, mixed_stream_and_saves]
