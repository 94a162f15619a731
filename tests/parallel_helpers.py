"""Many real targetcli processes started at the same moment, and the invariants
(issue 19) their tree must keep.  Used on the simulator (tests/test_concurrency.py)
and inside the real-kernel VM (tests/vm/checks_concurrency.py).

Each process imports targetcli first, says it is ready on one pipe, then
blocks reading another; closing that pipe releases them all at once, so
their commands really overlap (start-up would otherwise spread them out).
"""
import collections
import os
import subprocess
import sys

CHILD = r'''
import os, sys
from targetcli.main import main
os.write(int(sys.argv[1]), b'.')
os.read(int(sys.argv[2]), 1)
sys.exit(main(sys.argv[3:]))
'''


class Result:
    def __init__(self, args, returncode, stdout, stderr):
        self.args, self.returncode, self.stdout, self.stderr = args, returncode, stdout, stderr

    def __repr__(self):
        return f'<{" ".join(self.args)}: {self.returncode} {self.stderr.strip()!r}>'


def run_together(commands, env=None, cwd=None, options=(), timeout=300):
    """Run each argv of `commands` (targetcli's arguments) in its own process, all
    released at once; returns a Result per command, in order."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    procs = []
    try:
        for args in commands:
            procs.append(subprocess.Popen(
                [sys.executable, '-c', CHILD, str(ready_w), str(go_r), *options, *args],
                pass_fds=(ready_w, go_r), env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    finally:
        os.close(ready_w)
        os.close(go_r)
    ready = 0
    while ready < len(procs):
        chunk = os.read(ready_r, 64)
        if not chunk:
            break           # a child died before the barrier: its result says why
        ready += len(chunk)
    os.close(ready_r)
    os.close(go_w)          # EOF for every child at the same moment
    results = []
    for args, proc in zip(commands, procs):
        out, err = proc.communicate(timeout=timeout)
        results.append(Result(list(args), proc.returncode, out, err))
    return results


def tpg_with(wwn, tag, sos=(), acls=(), fs=None):
    """An iSCSI TPG holding a LUN per storage object and ACLs mapping each as
    targetcli maps them (mapped LUN n -> LUN n), made with the library."""
    from rtslib import LUN, TPG, MappedLUN, NodeACL, Target
    tpg = TPG(Target('iscsi', wwn, fs=fs), tag)
    luns = [LUN(tpg, n, so) for n, so in enumerate(sos)]
    for name in acls:
        acl = NodeACL(tpg, name)
        for lun in luns:
            MappedLUN(acl, lun.lun, lun.lun)
    return tpg


def failures(results):
    return [r for r in results if r.returncode != 0]


def invariants(root, auto_mapped=True):
    """What must hold after any mix of one-shot commands, as a list of problems:
    every ACL maps every LUN of its TPG (auto_add_mapped_luns), no mapped LUN
    points at a missing LUN, no TPG LUN is mapped twice into one ACL, no storage
    object name is used twice in one plugin."""
    problems = []
    names = collections.Counter((so.plugin, so.name) for so in root.storage_objects)
    problems += [f'storage object {p}/{n} exists {c} times' for (p, n), c in names.items()
                 if c > 1]
    for tpg in root.tpgs:
        where = f'{tpg.parent_target.wwn} tpg {tpg.tag}'
        luns = {lun.lun for lun in tpg.luns}
        for acl in tpg.node_acls:
            seen = {}
            for mlun in acl.mapped_luns:
                try:
                    lun = mlun.tpg_lun.lun
                except Exception as err:   # noqa: BLE001 - a broken link is a finding
                    problems.append(f'{where} {acl.node_wwn} mapped lun {mlun.mapped_lun}: '
                                    f'{err}')
                    continue
                if lun not in luns:
                    problems.append(f'{where} {acl.node_wwn} mapped lun {mlun.mapped_lun} '
                                    f'points at missing LUN {lun}')
                if lun in seen:
                    problems.append(f'{where} {acl.node_wwn} maps LUN {lun} twice '
                                    f'(mapped luns {seen[lun]} and {mlun.mapped_lun})')
                seen[lun] = mlun.mapped_lun
            if auto_mapped and luns - set(seen):
                problems.append(f'{where} {acl.node_wwn} does not map LUNs '
                                f'{sorted(luns - set(seen))}')
    return problems
