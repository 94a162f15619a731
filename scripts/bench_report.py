"""Turns bench measurements into the results table and the issue-7 verdicts.

Every cell is a median over the runs; a command that failed shows FAIL with
its reason in the notes instead of a number, so a broken tool can never look
fast.  Targets are computed from the same medians, never from chosen runs.
"""
import os
import re
import statistics

import bench_apply
from bench_run import ONE_SHOT, OP_TEXT, OPS, READS

FLAT_LIMIT, READ_LIMIT, RESTORE_LIMIT, PEER_FACTOR, STARTUP_LIMIT = 1.2, 2.0, 1.5, 20.0, 0.1
HEADER = """# Benchmark results (issue 7)

Made by `scripts/bench.py` (`--simulate` on the host, `--vm` on Debian's 6.1 kernel in the
TCG VM; `--help` for sizes and runs).  Each section below is replaced by the next run of its
mode.

How to read it:
- Every number is one whole process (start-up included), started fresh as a user would, median
  over the runs; memory is that process's own peak RSS (wait4 ru_maxrss).
- Configurations are built once each with raw configfs operations (scripts/bench_build.py):
  one HBA per storage object (ramdisk of one 4 KiB page) at the index our restore gives it, as
  every boot with target.service leaves the tree; a `-fb` configuration puts them at the lowest
  free index instead, as targetcli-fb leaves it (our lookup by name then scans the HBAs).  Each
  holds a probe target and ramdisk that the one-shot commands work on; the create/delete pair
  and the clearconfig/restoreconfig pairs put the tree back, so every tool sees the same tree.
- "floor" is `scripts/bench_floor.py replay`: the same configfs reads (ls, saveconfig, the
  small ls: read/listdir/readlink) or the same changes (create, delete, set, clear, restore:
  mkdir/write/symlink/rmdir/unlink) that our command made, recorded by scripts/bench_trace.py in
  an untimed run and made again in the same order by a minimal script with no library and no
  existence checks: bare syscalls on the real kernel; on the simulator the simulated kernel's own
  backend (there it is the kernel).  "(min)" marks an independent minimal script instead, used only where
  ours failed and left nothing to replay.  The last column lists our configfs calls.
- "peer" is Debian's targetcli-fb 2.1.53 (rtslib-fb 2.1.75); it needs a real configfs, so it
  runs only in the VM.  `>N` = killed after N s.
- plan and apply (issue 17, scripts/bench_apply.py) run on our saveconfig of the tree after the
  clearconfig/restoreconfig cycle: plan on the identical configuration, apply of a copy with one
  attribute of the storage object behind one LUN changed (put back by one raw write after each
  run), apply to an empty kernel (cleared with raw calls, untimed).  The peer has neither: its
  nearest command is restoreconfig, the row above them (with clear_existing=true to converge a
  live configuration, which drops every session).
- Targets are computed from the same medians; a miss is shown, never tuned away.
"""


_KEY = ['seconds']     # what targets are judged on: wall 'seconds', or 'cpu' (user+system)


def med(cell, key=None):
    vals = (cell or {}).get(key or _KEY[0]) or []
    return statistics.median(vals) if vals else None


def fmt_s(v):
    if v is None:
        return '-'
    return f'{v:.3f}' if v < 10 else f'{v:.1f}'


def fmt_ratio(a, b):
    return f'{a / b:.2f}x' if a is not None and b else '-'


def fmt_mb(v):
    return f'{v / 1024.0:.0f}' if v is not None else '-'


def cell_time(cfg, op, tool):
    cell = cfg['ops'].get(op, {}).get(tool)
    if tool not in cfg['tools'] or tool == 'peer' and op in bench_apply.OPS:
        return 'n/a'
    if cell is None:
        return '-'
    if cell.get('timeout') and not cell['seconds']:
        return f">{cell['timeout']}"
    if cell['errors'] and not cell['seconds']:
        return 'FAIL'
    mark = ' (min)' if cell.get('kind') == 'minimal' else ''
    return fmt_s(med(cell)) + ('*' if cell['errors'] else '') + mark


def config_table(cfg):
    rows = ['| command | ours s | peer s | floor s | ours/peer | ours/floor | CPU s ours/floor '
            '| ours MB | peer MB | floor MB | configfs calls (ours) |',
            '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|']
    for op in OPS:
        cells = {t: cfg['ops'].get(op, {}).get(t) for t in ('ours', 'peer', 'floor')}
        o, p, f = (med(cells[t]) for t in ('ours', 'peer', 'floor'))
        peer_ratio = fmt_ratio(o, p)
        if p is None and o is not None and (cells['peer'] or {}).get('timeout'):
            peer_ratio = f"<{o / cells['peer']['timeout']:.3f}x"
        oc, fc = med(cells['ours'], 'cpu'), med(cells['floor'], 'cpu')
        cpu = f'{fmt_s(oc)}/{fmt_s(fc)} = {fmt_ratio(oc, fc)}' if oc is not None else '-'
        rows.append('| ' + ' | '.join((
            OP_TEXT[op], cell_time(cfg, op, 'ours'), cell_time(cfg, op, 'peer'),
            cell_time(cfg, op, 'floor'), peer_ratio, fmt_ratio(o, f), cpu,
            fmt_mb(med(cells['ours'], 'rss_kib')), fmt_mb(med(cells['peer'], 'rss_kib')),
            fmt_mb(med(cells['floor'], 'rss_kib')),
            fmt_calls(cfg['ops'].get(op, {}).get('calls')))) + ' |')
    return '\n'.join(rows)


def fmt_calls(calls):
    """'12,345: read 10,000, listdir 2,000, ...' from a bench_trace.py record."""
    counts = {k: v for k, v in (calls or {}).items() if k != 'error'}
    if not counts:
        return '-'
    top = sorted(counts.items(), key=lambda kv: -kv[1])
    return f'{sum(counts.values()):,}: ' + ', '.join(f'{k} {v:,}' for k, v in top)


def errors_of(cfg):
    out = []
    for op in OPS:
        for tool, cell in sorted(cfg['ops'].get(op, {}).items()):
            if tool == 'changes':           # bench_apply's record of what apply_one changed
                continue
            if tool == 'calls':
                if cell.get('error'):
                    out.append(f"- ours / {op} under bench_trace.py: {cell['error']} "
                               "(floor = independent minimal)")
                continue
            if cell.get('once'):
                out.append(f"- {tool} / {op}: run once (it took over {cell['once']} s; "
                           "time budget)")
            if cell.get('timeout'):
                out.append(f"- {tool} / {op}: killed after {cell['timeout']} s, not finished "
                           "(the time is a lower bound)")
            for err in sorted(set(cell['errors'])):
                out.append(f'- {tool} / {op}: {err}')
    return out


# ---- targets ----------------------------------------------------------------------

def ours(cfg, op):
    return med(cfg['ops'].get(op, {}).get('ours'))


def verdict(ok, measured):
    if not measured:
        return 'not measured'
    return 'met' if ok else '**MISSED**'


def target_flat(configs):
    """Every layout of the largest configuration without ACLs against the empty one."""
    empty = next((c for c in configs if c['luns'] == 0), None)
    plain = [c for c in configs if c['luns'] and not c['acls']]
    most = max((c['luns'] for c in plain), default=0)
    if not empty or not plain:
        return 'not measured (needs config 0 and a large one without ACLs)', 'not measured'
    texts, ok, have = [], True, True
    for big in (c for c in plain if c['luns'] == most):
        parts = []
        for op in ONE_SHOT:
            a, b = ours(big, op), ours(empty, op)
            if a is None or b is None:
                parts.append(f'{op}: -')
                have = False
                continue
            parts.append(f'{op} {a / b:.2f}x')
            ok = ok and a / b <= FLAT_LIMIT
        texts.append(f"{big['name']} vs {empty['name']}: {', '.join(parts)}")
    return '; '.join(texts), verdict(ok, have)


def target_floor(configs, ops, limit):
    parts, ok, have = [], True, False
    for cfg in configs:
        if not cfg['luns']:
            continue
        for op in ops:
            o, f = ours(cfg, op), med(cfg['ops'].get(op, {}).get('floor'))
            if o is None or f is None:
                measured = op in cfg['ops'] and (cfg['ops'][op].get('ours') or {}).get('errors')
                parts.append(f"{cfg['name']} {op}: {'FAILED' if measured else 'not run'}")
                ok = ok and not measured      # a failed command misses; one not run says nothing
                continue
            have = True
            parts.append(f"{cfg['name']} {op} {o / f:.2f}x")
            ok = ok and o / f <= limit
    return ', '.join(parts) or '-', verdict(ok, have)


def target_peer(configs):
    acl = max((c for c in configs if c['acls']), key=lambda c: c['mapped_luns'], default=None)
    if acl is None:
        return 'not measured (no ACL configuration)', 'not measured'
    if 'peer' not in acl['tools']:
        return ('targetcli-fb cannot run here (it needs a real configfs; pointing rtslib-fb at a '
                'plain directory would measure nothing real)'), 'n/a on the simulator'
    parts, ok, have = [], True, True
    for op in ONE_SHOT:
        cell = acl['ops'].get(op, {}).get('peer') or {}
        o, p = ours(acl, op), med(cell)
        if o is not None and p is None and cell.get('timeout'):
            parts.append(f"{op} >={cell['timeout'] / o:.0f}x (peer killed at {cell['timeout']} s)")
            ok = ok and cell['timeout'] / o >= PEER_FACTOR
            continue
        if o is None or p is None:
            parts.append(f'{op}: -')
            have = False
            continue
        parts.append(f'{op} {p / o:.1f}x')
        ok = ok and p / o >= PEER_FACTOR
    return f"{acl['name']}, peer time / ours: {', '.join(parts)}", verdict(ok, have)


def target_startup(configs, mode):
    vals = [(c['name'], ours(c, 'startup_ls')) for c in configs]
    text = ', '.join(f'{n} {fmt_s(v)} s' for n, v in vals)
    if mode != 'simulate':
        return text + ' (target is for the simulator; under TCG every process costs ~1 s)', 'n/a in the VM'
    have = all(v is not None for _, v in vals)
    return text, verdict(have and all(v < STARTUP_LIMIT for _, v in vals), have)


def targets_table(data):
    wall = target_rows(data)
    _KEY[0] = 'cpu'
    try:
        cpu = target_rows(data)
    finally:
        _KEY[0] = 'seconds'
    out = ['| target | wall time: measured | verdict | CPU time (user+system): measured | verdict |',
           '|---|---|---|---|---|']
    out += [f'| {name} | {m} | {v} | {cm} | {cv} |'
            for (name, (m, v)), (_, (cm, cv)) in zip(wall, cpu)]
    return '\n'.join(out)


def target_rows(data):
    configs, mode = data['configs'], data['meta'].get('mode')
    return [(f'one-shot at 10,000 LUNs <= {FLAT_LIMIT:.1f}x empty (ours)', target_flat(configs)),
            (f'full ls and saveconfig <= {READ_LIMIT:.0f}x raw read floor',
             target_floor(configs, READS, READ_LIMIT)),
            (f'restoreconfig <= {RESTORE_LIMIT:.1f}x raw write floor',
             target_floor(configs, ['restoreconfig'], RESTORE_LIMIT)),
            (f'one-shot >= {PEER_FACTOR:.0f}x faster than targetcli-fb at 1,000 LUNs x 100 ACLs',
             target_peer(configs)),
            (f'start-up + small ls < {STARTUP_LIMIT:.1f} s on the simulator',
             target_startup(configs, mode))] + bench_apply.target_rows(configs, med, verdict)


# ---- the whole section ------------------------------------------------------------

def render(data):
    meta = data['meta']
    mode = meta.get('mode', '?')
    title = {'simulate': 'Simulated kernel (host)', 'vm': 'Real kernel in the VM (TCG)'}.get(mode, mode)
    lines = [f"## {title}{' - SMOKE SIZES, NOT A MEASUREMENT' if meta.get('smoke') else ''}", '',
             f"- date: {meta.get('date')}; runs per cell: {data['runs']} (median), "
             f"of the one-shot commands: {data.get('oneshot_runs') or data['runs']}; "
             f"clearconfig/restoreconfig cycles: {data.get('cycle_runs', data['runs'])}",
             f"- machine: {meta.get('host')}, {meta.get('cpus')} x {meta.get('cpu')}, "
             f"{meta.get('mem')}; python {meta.get('python')}",
             f"- kernel: {meta.get('kernel')}"]
    if meta.get('commit'):
        lines.append(f"- code measured: commit {meta['commit']}")
    if meta.get('host_kernel'):
        lines.append(f"- host: {meta['host_kernel']}")
    ran_peer = any('peer' in c['tools'] for c in data['configs'])
    lines.append(f"- peer: {meta.get('peer') if ran_peer else 'not run (targetcli-fb needs a real configfs)'}")
    if meta.get('load'):
        lines.append(f"- {meta['load']}")
    for note in meta.get('notes', []):
        lines.append(f'- {note}')
    for base in data.get('baselines', []):
        cpu = f', CPU {fmt_s(base[3])} s' if len(base) > 3 and base[3] is not None else ''
        lines.append(f'- baseline: {base[0]}: {fmt_s(base[1])} s{cpu}, {fmt_mb(base[2])} MB')
    lines += ['', '### Targets', '', targets_table(data), '']
    for cfg in data['configs']:
        lines += [f"### {cfg['name']}: {cfg['describe']}", '',
                  f"Built with raw configfs operations in {cfg['build_s']:.1f} s; tree: "
                  + ', '.join(f'{v} {k}' for k, v in cfg['counts'].items()) + '.'
                  + memory_note(cfg) + load_note(cfg),
                  '', config_table(cfg), '']
        extra = cfg.get('notes', []) + errors_of(cfg)
        if extra:
            lines += ['Failures and notes (`*` = some runs failed):', ''] + extra + ['']
    return '\n'.join(lines).rstrip() + '\n'


def memory_note(cfg):
    mem = cfg.get('memory_mb')
    if not mem:
        return ''
    return (f" Kernel memory for it: Slab {mem.get('Slab', 0):+.0f} MB, "
            f"MemAvailable {mem.get('MemAvailable', 0):+.0f} MB.")


def load_note(cfg):
    if not cfg.get('load'):
        return ''
    return f" Load average after it: {'/'.join(str(x) for x in cfg['load'])}."


def update_file(path, mode, text):
    """Replace this mode's section of the results file, keep the other mode's."""
    begin, end = f'<!-- bench:{mode} -->', f'<!-- /bench:{mode} -->'
    block = f'{begin}\n{text}{end}'
    old = ''
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
    if begin in old and end in old:
        new = re.sub(re.escape(begin) + '.*?' + re.escape(end), lambda m: block, old, flags=re.S)
    else:
        new = (old.rstrip('\n') + '\n\n' if old else HEADER + '\n') + block + '\n'
    first = new.find('<!-- bench:')      # the explanation follows the code that made the numbers
    new = HEADER + '\n' + new[first:]
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(new)
    os.replace(tmp, path)
