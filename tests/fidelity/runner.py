"""Run fidelity workloads on a configfs backend and record what each op got."""
import re

from rtslib.configfs import errno_name

from fidelity.clear import clear_tree
from fidelity.dump import dump_lines
from fidelity.workloads import ARITY, expand, workloads


def run_op(fs, verb, args):
    """'OK', 'OK:<value>' for read/listdir, or the errno name of the OSError."""
    try:
        if verb == 'read':
            return 'OK:' + fs.read(args[0])
        if verb == 'listdir':
            return 'OK:' + ' '.join(fs.listdir(args[0]))
        getattr(fs, verb)(*args)
        return 'OK'
    except OSError as e:
        return errno_name(e)


def run_workload(fs, rows, host, observe=None):
    """Run rows in order on fs. Returns {'ops': [...], 'dumps': {label: lines}}.

    Each op record: {'i', 'op', 'args', 'expect', 'got', 'note'} (+ 'log' when
    observe() returns something, e.g. the kernel log lines the op produced).
    """
    ops, dumps, host = [], {}, dict(host)
    for i, row in enumerate(rows):
        verb = row[0]
        n = ARITY[verb]
        args = [expand(a, host) for a in row[1:1 + n]]
        if verb == 'dump':
            dumps[args[0]] = dump_lines(fs)
            continue
        expect = expand(row[1 + n], host)
        if verb == 'let':
            got = let(fs, host, *args)
        else:
            got = run_op(fs, verb, args)
        rec = {'i': i, 'op': verb, 'args': args, 'expect': expect, 'got': got,
               'note': row[2 + n] if len(row) > 2 + n else ''}
        if observe:
            extra = observe()
            if extra:
                rec['log'] = extra
        ops.append(rec)
    return {'ops': ops, 'dumps': dumps}


def let(fs, host, name, path, regex):
    """Set host[name] from a value the kernel chose (e.g. a SCSI host number)."""
    got = run_op(fs, 'read', [path])
    m = re.search(regex, got[3:]) if got.startswith('OK:') else None
    if not m:
        return got if not got.startswith('OK:') else 'NOMATCH'
    host[name] = m.group(1)
    return 'OK'


def expectation_ok(expect, got):
    """A bare 'OK' expectation accepts any successful read; 'OK:<v>' needs that value."""
    return got == expect or (expect == 'OK' and got.startswith('OK:'))


def run_all(fs, host, observe=None, clock=None, load_fabrics=None):
    """Every workload in order on one backend, each after clear_tree().

    Both sides run exactly this sequence on one kernel (real or simulated), so
    state the kernel keeps across rmdir (iSCSI discovery auth, counters) is
    exercised alike.  load_fabrics() is called before the first fabric-*
    workload (the other fabrics' modules are loaded only then: the recordings
    the earlier workloads come from had them unloaded); what it returns is
    added to the placeholders.  Returns {name: run_workload result (+ 'seconds')}.
    """
    out, host = {}, dict(host)
    for name, rows in workloads():
        if name.startswith('fabric-') and load_fabrics is not None:
            host.update(load_fabrics() or {})
            load_fabrics = None
        t0 = clock() if clock else 0
        clear_tree(fs)
        if observe:
            observe()
        t1 = clock() if clock else 0
        out[name] = run_workload(fs, rows, host, observe=observe)
        if clock:
            out[name]['seconds'] = {'reset': round(t1 - t0, 2), 'run': round(clock() - t1, 2)}
    clear_tree(fs)
    return out
