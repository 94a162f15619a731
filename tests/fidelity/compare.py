"""Compare simulator and real-kernel workload results (after normalise.py)."""
import difflib
import gzip
import json
import os

from fidelity.normalise import normalise_dump, normalise_op
from fidelity.runner import expectation_ok


def short(text, n=70):
    text = text.replace('\n', '\\n')
    return text if len(text) <= n else text[:n] + '...'


def op_diffs(real, sim):
    """Lines 'op #i verb args: real X, sim Y' for ops whose results differ."""
    out = []
    sim_by_i = {rec['i']: rec for rec in sim['ops']}
    for rec in real['ops']:
        other = sim_by_i.get(rec['i'])
        r = normalise_op(rec)
        s = normalise_op(other) if other else '<not run>'
        if r != s:
            out.append('op #%d %s %s: real %s, sim %s' % (
                rec['i'], rec['op'], ' '.join(short(a, 90) for a in rec['args']), short(r), short(s)))
    return out


def dump_diffs(real, sim, context=0):
    """{label: unified diff lines (real -> sim)} for dumps that differ."""
    out = {}
    for label, lines in real['dumps'].items():
        a = normalise_dump(lines)
        b = normalise_dump(sim['dumps'].get(label, []))
        if a != b:
            out[label] = [d for d in difflib.unified_diff(a, b, 'real', 'sim', n=context, lineterm='')
                          if not d.startswith(('---', '+++', '@@'))]
    return out


def expectation_diffs(result):
    """Ops whose result is not the expectation written in the workload."""
    return ['op #%d %s %s: expected %s, got %s' % (
        rec['i'], rec['op'], ' '.join(short(a, 90) for a in rec['args']), short(rec['expect']),
        short(rec['got'])) for rec in result['ops'] if not expectation_ok(rec['expect'], rec['got'])]


def report(name, lines, limit=40):
    more = len(lines) - limit
    return '%s: %d difference(s)\n  %s%s' % (name, len(lines), '\n  '.join(lines[:limit]),
                                            '\n  ... %d more' % more if more > 0 else '')


RECORDING = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'real-kernel.json.gz')


def load_recording(path=RECORDING):
    """The committed real-kernel run ({'host', 'workloads'}), or None if absent."""
    if not os.path.exists(path):
        return None
    with gzip.open(path, 'rt') as f:
        return json.load(f)


def save_recording(real, path=RECORDING):
    """Commit-friendly copy of a real run: ops without kernel-log noise, dumps as is."""
    keep = {'host': real['host'], 'workloads': {}}
    for name, res in real['workloads'].items():
        keep['workloads'][name] = {
            'ops': [{k: v for k, v in rec.items() if k != 'log'} for rec in res['ops']],
            'dumps': res['dumps']}
    with gzip.GzipFile(path, 'wb', mtime=0) as raw:
        raw.write(json.dumps(keep, sort_keys=True, indent=0).encode())
    return path


def main(argv):
    """python3 tests/fidelity/compare.py [--record] [REAL.json [OUT.txt]]

    Runs the workloads on a fresh simulator described like the guest in
    REAL.json (default tests/vm/.work/fidelity-real.json, left by the last VM
    run) and writes every op/dump difference to OUT.txt (default
    tests/vm/.work/fidelity-diff.txt).  No VM needed.
    --record: instead, store REAL.json as the committed recording
    tests/fidelity/data/real-kernel.json.gz (after checking a VM run).
    """
    import tempfile

    from fidelity.hostfacts import make_sim, placeholders, sim_fabric_loader
    from fidelity.runner import run_all

    record = '--record' in argv
    argv = [a for a in argv if a != '--record']
    work = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'vm', '.work')
    real_path = argv[0] if argv else os.path.join(work, 'fidelity-real.json')
    out_path = argv[1] if len(argv) > 1 else os.path.join(work, 'fidelity-diff.txt')
    with open(real_path) as f:
        real = json.load(f)
    if record:
        print('recorded in %s' % save_recording(real))
        return 0
    with tempfile.TemporaryDirectory() as d:
        fs = make_sim(d, real['host'])
        sim = run_all(fs, placeholders(real['host']),
                      load_fabrics=sim_fabric_loader(fs, real['host']))
    out, total = [], 0
    for name, res in real['workloads'].items():
        ops = op_diffs(res, sim[name])
        dumps = dump_diffs(res, sim[name])
        lines = ops + ['[%s] %s' % (lab, l) for lab, ds in sorted(dumps.items()) for l in ds]
        total += len(lines)
        out.append(report(name, lines, limit=10 ** 6) if lines else '%s: same' % name)
    with open(out_path, 'w') as f:
        f.write('\n'.join(out) + '\n')
    print('%d difference line(s); written to %s' % (total, out_path))
    return 1 if total else 0


if __name__ == '__main__':
    import sys
    sys.exit(main(sys.argv[1:]))
