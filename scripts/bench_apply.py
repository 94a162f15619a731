"""The declarative commands in the benchmark (issue 17): plan and apply beside restoreconfig.

Three rows, measured after the clearconfig/restoreconfig cycle on the same tree,
from our saveconfig of it (the file a user would keep):
  plan         `plan FILE` on the identical configuration (nothing to do)
  apply_one    `apply FILE2`, FILE2 = FILE with one storage object attribute (behind
               one LUN) changed; put back with one raw write after each run
  apply_empty  `apply FILE` to an empty kernel (cleared with raw calls, untimed)
The floor replays each command's own configfs reads (plan) or changes (apply), as
for the other rows.  The peer has no plan/apply: its nearest command is restoreconfig
(clear_existing=true to converge), the row above.
"""
import json
import os

import bench_floor

OPS = ['plan', 'apply_one', 'apply_empty']
OP_TEXT = {'plan': 'plan FILE (identical configuration)',
           'apply_one': 'apply FILE (one LUN\'s attribute changed)',
           'apply_empty': 'apply FILE (to an empty kernel)'}
KIND = {'plan': 'read', 'apply_one': 'change', 'apply_empty': 'change'}
ATTRIBUTE = 'emulate_3pc'       # writable on every backstore, ramdisk included
CHANGE_CALLS = ('mkdir', 'write', 'symlink', 'rmdir', 'unlink')


def tool_args(op, save_file, changed_file):
    return {'plan': ['plan', save_file], 'apply_empty': ['apply', save_file],
            'apply_one': ['apply', changed_file]}[op]


def floor_args(op, save_file, scratch):
    """The independent minimal script, used only when our command left no trace."""
    return {'plan': ['save', scratch], 'apply_empty': ['restore', save_file]}.get(op)


def one_attribute_changed(fs, save_file, out):
    """Write `out`: save_file with ATTRIBUTE of its first LUN's storage object flipped.
    Returns (the configfs path of that attribute, its value in save_file)."""
    with open(save_file) as f:
        doc = json.load(f)
    exported = [lun['storage_object'] for t in doc['targets'] for tpg in t.get('tpgs', [])
                for lun in tpg.get('luns', [])]
    sos = doc['storage_objects']
    so = next((s for s in sos if exported and exported[0].endswith('/' + s['name'])), sos[0])
    old = so['attributes'][ATTRIBUTE]
    so['attributes'][ATTRIBUTE] = 1 - int(old)
    with open(out, 'w') as f:
        json.dump(doc, f, indent=2)
    hba = next(h for h, name in bench_floor.storage_dirs(fs) if name == so['name'])
    return f"core/{hba}/{so['name']}/attrib/{ATTRIBUTE}", str(int(old))


def stage(bench, rec, cfg, expect, ops):
    """Time `ops` (of OPS) for ours and the floor; the tree is `expect` before and after."""
    from bench_run import counts
    src = bench.saves['ours']
    if not os.path.exists(src):
        for op in ops:
            rec.setdefault(op, {})['ours'] = {'seconds': [], 'rss_kib': [], 'cpu': [],
                                              'errors': ['no saveconfig of ours to apply']}
        return
    if counts(bench.fs) != expect and not bench.reset(cfg, bench.notes):
        return
    changed = os.path.join(bench.work, f'changed-{cfg.name}.json')
    attr, old = one_attribute_changed(bench.fs, src, changed)
    bench.decl_files = (src, changed)
    if 'plan' in ops:
        bench.trace(rec, 'plan')
        for tool in ('ours', 'floor'):
            for _ in range(bench.runs):
                bench.measure(rec, tool, 'plan')
    if 'apply_one' in ops:
        if bench.trace(rec, 'apply_one'):
            record_writes(rec, bench.traces['apply_one'], attr)
        bench.fs.write(attr, old)
        for tool in ('ours', 'floor'):
            for _ in range(bench.runs):
                bench.measure(rec, tool, 'apply_one')
                bench.fs.write(attr, old)
    if 'apply_empty' in ops:
        bench_floor.do_clear(bench.fs)
        bench.trace(rec, 'apply_empty')
        for tool in ('floor', 'ours'):
            for _ in range(bench.cycle_runs):
                bench_floor.do_clear(bench.fs)
                bench.measure_building(rec, tool, 'apply_empty', expect, 'applied')
    if counts(bench.fs) != expect:
        bench.reset(cfg, bench.notes)


def record_writes(rec, trace_path, expected):
    """What apply_one changed, for its target: exactly one write to `expected`."""
    with open(trace_path) as f:
        calls = json.load(f)
    changes = [[name] + args[:1] for name, args, err in calls if name in CHANGE_CALLS and not err]
    rec['apply_one']['changes'] = {'expected': ['write', expected], 'count': len(changes),
                                   'first': changes[:5]}


# ---- targets ----------------------------------------------------------------------

APPLY_LIMIT, PLAN_LIMIT = 1.3, 1.2


def reads(calls):
    return sum(v for k, v in (calls or {}).items() if k not in CHANGE_CALLS and k != 'error')


def target_rows(configs, med, verdict):
    """[(name, (measured, verdict))] of the three issue-17 targets."""
    return [(f'apply of a whole file to an empty kernel <= {APPLY_LIMIT:.1f}x raw write floor',
             ratio_rows(configs, med, verdict, 'apply_empty', 'apply_empty', APPLY_LIMIT)),
            (f'plan on an identical configuration <= {PLAN_LIMIT:.1f}x saveconfig read floor',
             ratio_rows(configs, med, verdict, 'plan', 'saveconfig', PLAN_LIMIT)),
            ('apply changing one LUN attribute writes only that file, reads <= saveconfig',
             one_change(configs, verdict))]


def ratio_rows(configs, med, verdict, op, floor_op, limit):
    parts, ok, have = [], True, False
    for cfg in configs:
        if not cfg['luns']:
            continue
        o = med(cfg['ops'].get(op, {}).get('ours'))
        f = med(cfg['ops'].get(floor_op, {}).get('floor'))
        if o is None or f is None:
            failed = (cfg['ops'].get(op, {}).get('ours') or {}).get('errors')
            parts.append(f"{cfg['name']}: {'FAILED' if failed else 'not run'}")
            ok = ok and not failed
            continue
        have = True
        parts.append(f"{cfg['name']} {o / f:.2f}x")
        ok = ok and o / f <= limit
    return ', '.join(parts) or '-', verdict(ok, have)


def one_change(configs, verdict):
    parts, ok, have = [], True, False
    for cfg in configs:
        if not cfg['luns']:
            continue
        row = cfg['ops'].get('apply_one', {})
        changes = row.get('changes')
        if not changes or not (row.get('ours') or {}).get('seconds'):
            parts.append(f"{cfg['name']}: not measured")
            continue
        have = True
        only = changes['count'] == 1 and changes['first'][0] == changes['expected']
        ours, save = reads(row.get('calls')), reads(cfg['ops'].get('saveconfig', {}).get('calls'))
        first = '' if only else f" ({changes['first']})"
        parts.append(f"{cfg['name']}: {changes['count']} change(s){first}, {ours:,} reads vs "
                     f"saveconfig's {f'{save:,}' if save else '?'}")
        ok = ok and only and bool(save) and ours <= save
    return '; '.join(parts) or '-', verdict(ok, have)
