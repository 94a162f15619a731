"""Fidelity: every workload of tests/fidelity/workloads.py on the REAL kernel.

The data (per-op results, kernel log lines, tree dumps) is compared with the
simulator on the host by tests/test_vm_fidelity.py; it is also saved as
tests/vm/.work/fidelity-real.json for anyone to diff.
"""
import time

from fidelity.runner import run_workload
from fidelity.workloads import workloads


def host_facts(ctx):
    """Values of the host placeholders in this guest (the simulator is given the same)."""
    ctx.scratch_file('file1')
    return {'W': ctx.scratch, 'LOOP': ctx.loop_device('blk')}


def real_kernel_workloads(ctx):
    host = host_facts(ctx)
    out = {'host': host, 'workloads': {}}
    for name, rows in workloads():
        t0 = time.time()
        ctx.reset()
        ctx.kmsg_new()
        t1 = time.time()
        out['workloads'][name] = run_workload(ctx.fs, rows, host, observe=ctx.kmsg_new)
        out['workloads'][name]['seconds'] = {'reset': round(t1 - t0, 2),
                                             'run': round(time.time() - t1, 2)}
    ctx.reset()
    ctx.save('fidelity-real.json', out)
    return out


CHECKS = [real_kernel_workloads]
