"""Fidelity: every workload of tests/fidelity/workloads.py on the REAL kernel.

The data (host facts, per-op results with the kernel log lines each op
produced, tree dumps) is compared with the simulator on the host by
tests/test_vm_fidelity.py; it is also saved as tests/vm/.work/fidelity-real.json
for anyone to diff.
"""
import time

from fidelity import fabrics
from fidelity.hostfacts import collect, placeholders
from fidelity.runner import run_all

ORDER = 10   # first: discovery auth and counters are kernel-global, other checks change them


def real_kernel_workloads(ctx):
    loaded, refused = fabrics.setup_guest(ctx)   # other fabrics' modules, srpt's RDMA port
    facts = collect(ctx)
    facts['modules'] = {'loaded': loaded, 'refused': refused}
    out = {'host': facts,
           'workloads': run_all(ctx.fs, placeholders(facts), observe=ctx.kmsg_new, clock=time.time)}
    ctx.save('fidelity-real.json', out)
    return out


CHECKS = [real_kernel_workloads]
