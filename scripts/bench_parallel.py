"""The parallel row of the benchmark (issue 19): N `luns create` and N `acls create`
one-shot commands into one TPG, all started at once, against the same commands
run one after another, for ours and the peer.

Each way starts from the same tree (N ramdisks, one target with TPG 1, made
with our library), and records the wall time from the first spawn to the last
exit, how many commands exited 0, and what the tree holds after: LUNs, ACLs and
the invariant problems (an ACL not mapping every LUN, a LUN mapped twice, a
mapped LUN without its LUN; tests/parallel_helpers.py).  Started as plain
processes, no barrier: the peer's start-up spreads its commands the way it
spreads them for its users.
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
IQN = 'iqn.2003-01.org.example:parallel'
ACL = 'iqn.1994-05.com.example:parallel{}'
TPG = f'/iscsi/{IQN}/tpg1'


def commands(n):
    """The 2N one-shots, LUN and ACL creates interleaved (targetcli's arguments)."""
    out = []
    for i in range(n):
        out.append([TPG + '/luns', 'create', f'/backstores/ramdisk/par{i}'])
        out.append([TPG + '/acls', 'create', ACL.format(i)])
    return out


def prepare(fs, n):
    """An empty tree, then N ramdisks and the target's TPG 1 (no portal, no LUN)."""
    from rtslib import TPG as RtsTPG, RDMCPStorageObject, RTSRoot, Target
    from rtslib.saveconfig import clear_existing
    clear_existing(RTSRoot(fs=fs), confirm=True)
    for i in range(n):
        RDMCPStorageObject(f'par{i}', 1 << 20, fs=fs)
    RtsTPG(Target('iscsi', IQN, fs=fs), 1)


def outcome(fs):
    sys.path.insert(0, os.path.join(REPO, 'tests'))
    from parallel_helpers import invariants
    from rtslib import RTSRoot
    root = RTSRoot(fs=fs)
    tpgs = [t for t in root.tpgs if t.parent_target.wwn == IQN]
    luns = sum(len(list(t.luns)) for t in tpgs)
    acls = sum(len(list(t.node_acls)) for t in tpgs)
    return luns, acls, invariants(root)


def run_way(argvs, env, cwd, parallel, timeout):
    """(wall seconds, exit codes, first error line) of running argvs one way."""
    start = time.monotonic()
    codes, errors = [], []
    if parallel:
        procs = [subprocess.Popen(a, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for a in argvs]
        for proc in procs:
            _, err = proc.communicate(timeout=timeout)
            codes.append(proc.returncode)
            errors.append(err)
    else:
        for a in argvs:
            done = subprocess.run(a, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                  timeout=timeout)
            codes.append(done.returncode)
            errors.append(done.stderr)
    seconds = time.monotonic() - start
    first = next((e.strip().splitlines()[-1] for c, e in zip(codes, errors) if c and e.strip()),
                 None)
    return seconds, codes, first


def measure(bench, fs, n, tools):
    """{tool: {way: {...}}} for tool in tools ('ours', 'peer'); bench gives argv/env."""
    out = {'n': n, 'commands': 2 * n, 'tools': {}}
    for tool in tools:
        rows = out['tools'][tool] = {}
        for way in ('serial', 'parallel'):
            prepare(fs, n)
            argvs = [bench.tool_argv(tool, args) for args in commands(n)]
            seconds, codes, error = run_way(argvs, bench.env(tool), bench.work,
                                            way == 'parallel', bench.peer_timeout)
            luns, acls, problems = outcome(fs)
            rows[way] = {'seconds': round(seconds, 2), 'ok': codes.count(0),
                         'luns': luns, 'acls': acls, 'problems': len(problems),
                         'problem_examples': problems[:3], 'first_error': error}
    prepare(fs, 0)
    return out


def render(data, mode):
    title = {'simulate': 'simulated kernel (host)', 'vm': 'real kernel in the VM (TCG)'}
    meta, par = data['meta'], data['parallel']
    lines = [f'## Parallel one-shots, {title.get(mode, mode)}', '',
             f"- date: {meta.get('date')}; code measured: commit {meta.get('commit')}",
             f"- {par['commands']} one-shot commands into one TPG: {par['n']} `luns "
             f"create` and {par['n']} `acls create` (auto_add_mapped_luns), started all at "
             f"once vs one after another; every command would succeed alone, and after them every "
             f"ACL should map every LUN once"]
    if meta.get('load'):
        lines.append(f"- {meta['load']}")
    lines += ['', '| tool | way | wall s | serial/parallel | exit 0 | LUNs | ACLs | '
              'invariant problems | first error |', '|---|---|---|---|---|---|---|---|---|']
    for tool, rows in par['tools'].items():
        serial = rows['serial']['seconds']
        for way in ('serial', 'parallel'):
            row = rows[way]
            ratio = f"{serial / row['seconds']:.2f}x" if way == 'parallel' and \
                row['seconds'] else ''
            lines.append(f"| {tool} | {way} | {row['seconds']:.1f} | {ratio} | "
                         f"{row['ok']}/{par['commands']} | {row['luns']} | "
                         f"{row['acls']} | {row['problems']} | "
                         f"{(row['first_error'] or '').replace('|', '/')} |")
    examples = [p for rows in par['tools'].values() for row in rows.values()
                for p in row['problem_examples']]
    if examples:
        lines += ['', 'Examples of invariant problems: ' + '; '.join(examples[:4])]
    return '\n'.join(lines) + '\n'
