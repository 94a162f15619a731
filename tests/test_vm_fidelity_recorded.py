"""Fidelity without the VM: the simulator gives every workload op the answer the
real kernel gave (expectations recorded in tests/fidelity/, verified in the VM by
test_vm_fidelity.py).  Fast, so it runs on every `pytest -m "not vm"` too."""
import pytest

from fidelity.compare import expectation_diffs, report
from fidelity.hostfacts import make_sim
from fidelity.runner import run_all
from fidelity.workloads import workloads

NAMES = [name for name, _rows in workloads()]
# The guest the expectations were recorded on (see checks_fidelity / hostfacts).
RECORDED_HOST = {'W': '/mnt/w', 'LOOP': '/dev/loop0'}


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    fs = make_sim(tmp_path_factory.mktemp('fidelity-sim'), RECORDED_HOST)
    return run_all(fs, RECORDED_HOST)


@pytest.mark.parametrize('name', NAMES)
def test_sim_answers_every_op_as_the_real_kernel_did(sim, name):
    diffs = expectation_diffs(sim[name])
    assert not diffs, report(name, diffs)
