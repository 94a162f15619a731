"""Write the fabric workloads of a real-kernel VM run as reference files (run by hand).

    PYTHONPATH=tests:. python3 tests/fidelity/export_fabrics.py [tests/vm/.work/fidelity-real.json]

writes tests/data/reference/kernel-6.1-fabrics/: for each fabric workload a
`<fabric>-<stage>.txt` tree (dump.py's format, only the fabric's part: the
backstore it links is in kernel-6.1/), `ops.tsv` (every raw operation with
the kernel's answer and the kernel log line it produced) and `host.json`
(modules loaded or refused, the soft-RoCE device srpt used).  The simulator's
fabric templates are made from these trees (rtslib/simkernel/data/gen_templates.py).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), 'data', 'reference', 'kernel-6.1-fabrics')


def main(argv):
    path = argv[0] if argv else os.path.join(os.path.dirname(HERE), 'vm', '.work',
                                             'fidelity-real.json')
    with open(path) as f:
        real = json.load(f)
    os.makedirs(OUT, exist_ok=True)
    ops = ['# operation\targs\tresult\tnote\tkernel log (real kernel 6.1, VM; see README.md)']
    for name, res in sorted(real['workloads'].items()):
        if not name.startswith('fabric-'):
            continue
        fabric = name[len('fabric-'):]
        for label, lines in res['dumps'].items():
            keep = [ln for ln in lines if ln != '/' and not ln.startswith(('/core', '/version',
                                                                           '/dbroot'))]
            with open(os.path.join(OUT, '%s-%s.txt' % (fabric, label)), 'w') as f:
                f.write('\n'.join(keep) + '\n')
        for rec in res['ops']:
            if rec['args'][0].startswith('core/'):
                continue
            ops.append('\t'.join([rec['op'], ' '.join(a.replace('\n', '\\n') for a in rec['args']),
                                  rec['got'].replace('\n', '\\n'), rec.get('note', ''),
                                  ' | '.join(rec.get('log', []))]))
    with open(os.path.join(OUT, 'ops.tsv'), 'w') as f:
        f.write('\n'.join(ops) + '\n')
    host = real['host']
    keep = {'kernel_release': host['sim_host']['kernel_release'], 'modules': host.get('modules'),
            'fabric_modules': host['sim_host'].get('fabric_modules'),
            'rdma_devices': host['sim_host'].get('rdma_devices'),
            'srpt_names': {k: v for k, v in host.items() if k.startswith('SRPT')}}
    with open(os.path.join(OUT, 'host.json'), 'w') as f:
        json.dump(keep, f, indent=1, sort_keys=True)
        f.write('\n')
    print('written to %s' % OUT)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
