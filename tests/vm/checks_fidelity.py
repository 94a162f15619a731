"""Fidelity: every workload of tests/fidelity/workloads.py on the REAL kernel.

The data (host facts, per-op results with the kernel log lines each op
produced, tree dumps) is compared with the simulator on the host by
tests/test_vm_fidelity.py; it is also saved as tests/vm/.work/fidelity-real.json
for anyone to diff.
"""
import time

from fidelity.hostfacts import collect, fabric_facts, placeholders
from fidelity.runner import run_all

ORDER = 10   # first: discovery auth and counters are kernel-global, other checks change them


def real_kernel_workloads(ctx):
    facts = collect(ctx)
    out = {'host': facts,
           'workloads': run_all(ctx.fs, placeholders(facts), observe=ctx.kmsg_new,
                                clock=time.time, load_fabrics=lambda: fabric_facts(ctx, facts))}
    ctx.save('fidelity-real.json', out)
    return out


CHECKS = [real_kernel_workloads]
