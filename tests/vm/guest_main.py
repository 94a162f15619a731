"""Guest side of the VM harness: run every requested check in this one process.

Started by the guest script that tests/vm/harness.py writes:
    python3 guest_main.py CONFIG.json
Check modules are tests/vm/checks_*.py; each lists its check functions in a
module-level CHECKS list.  A check is `def name(ctx): ... return data`:
returning means ok (data must be JSON-able), raising means failed (the
traceback is the detail).  Results go to config['results'] after every check,
so a hang or kernel crash still leaves what finished.
"""
import glob
import importlib
import json
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
for p in (SRC, os.path.join(SRC, 'tests'), HERE):
    if p not in sys.path:
        sys.path.insert(0, p)

from guest_context import Context  # noqa: E402  (needs the paths above)


def check_modules():
    """Names of the check modules present (checks_*.py), sorted."""
    return sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(HERE, 'checks_*.py')))


def needed_modules(wanted):
    """Check modules the requested names need (all of them for 'all')."""
    present = check_modules()
    if 'all' in wanted:
        return present
    mods = {'checks_' + w.split('.', 1)[0] for w in wanted}
    return [m for m in present if m in mods]


def registered(modules=None, broken=None):
    """{check name: function} in run order; name = '<module without checks_>.<function>'.

    Modules run by their ORDER (default 50), then name; checks in CHECKS order.
    A module that fails to import is left out and its traceback put in
    broken[module short name] (its checks then fail with it; the others run).
    """
    out, mods = {}, []
    for name in modules or check_modules():
        try:
            mods.append(importlib.import_module(name))
        except Exception:  # noqa: BLE001 - one broken module must not stop the others
            if broken is None:
                raise
            broken[name[len('checks_'):]] = traceback.format_exc()
    for mod in sorted(mods, key=lambda m: (getattr(m, 'ORDER', 50), m.__name__)):
        modname = mod.__name__
        for fn in getattr(mod, 'CHECKS', []):
            out['%s.%s' % (modname[len('checks_'):], fn.__name__)] = fn
    return out


def select(wanted, available):
    """Expand 'all' and 'module.*'; unknown names become failed results."""
    names = []
    for w in wanted:
        if w == 'all':
            names += list(available)
        elif w.endswith('.*'):
            names += [n for n in available if n.startswith(w[:-1])]
        else:
            names.append(w)
    seen = set()
    names = [n for n in names if not (n in seen or seen.add(n))]
    order = {n: i for i, n in enumerate(available)}      # registered (ORDER) order wins
    return sorted(names, key=lambda n: order.get(n, len(order)))


def run_check(ctx, name, fn):
    t0 = time.time()
    try:
        ctx.reset()
        data = fn(ctx)
        res = {'ok': True, 'detail': '', 'data': data}
    except Exception as e:  # noqa: BLE001 - every failure is a result, the run goes on
        res = {'ok': False, 'detail': '%s: %s\n%s' % (type(e).__name__, e, traceback.format_exc()),
               'data': getattr(e, 'data', None)}
    res['seconds'] = round(time.time() - t0, 2)
    res['kernel_log'] = ctx.kmsg_new()
    return res


def write_json(path, obj):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def main(config_path):
    with open(config_path) as f:
        config = json.load(f)
    ctx = Context(config)
    results, broken = {}, {}
    available = registered(needed_modules(config['checks']), broken)
    for short, tb in broken.items():
        results[short + '.import'] = {'ok': False, 'detail': 'checks_%s.py does not import:\n%s'
                                      % (short, tb), 'data': None}
    for name in select(config['checks'], available):
        print('[vm] check %s' % name, flush=True)
        if name not in available:
            short = name.split('.', 1)[0]
            why = ('checks_%s.py does not import:\n%s' % (short, broken[short]) if short in broken
                   else 'no such check (have: %s)' % ', '.join(sorted(available)))
            results[name] = {'ok': False, 'detail': why, 'data': None}
        else:
            results[name] = run_check(ctx, name, available[name])
        print('[vm] check %s: %s in %ss' % (name, 'ok' if results[name]['ok'] else 'FAILED',
                                             results[name].get('seconds')), flush=True)
        write_json(config['results'], results)
    write_json(config['results'], results)
    return 0 if all(r['ok'] for r in results.values()) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
