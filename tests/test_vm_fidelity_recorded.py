"""Fidelity without the VM: the simulator against a committed real-kernel run.

tests/fidelity/data/real-kernel.json.gz is a run of every fidelity workload on
Debian's kernel in the VM (made with `tests/fidelity/compare.py --record` after
a VM run; test_vm_fidelity.py checks it still matches the live kernel).  Here
the same workloads run on the simulator, told the recorded guest's host facts,
and op results and full tree dumps must match after tests/fidelity/normalise.py.
Fast, so it runs on every `pytest -m "not vm"` too.
"""
import pytest

from fidelity.compare import RECORDING, dump_diffs, expectation_diffs, load_recording, op_diffs, \
    report
from fidelity.hostfacts import make_sim, placeholders, sim_fabric_loader
from fidelity.runner import run_all
from fidelity.workloads import workloads

NAMES = [name for name, _rows in workloads()]


@pytest.fixture(scope='module')
def recorded():
    rec = load_recording()
    if rec is None:
        pytest.fail('no real-kernel recording %s: run the VM tests, then '
                    'tests/fidelity/compare.py --record' % RECORDING, pytrace=False)
    return rec


@pytest.fixture(scope='module')
def sim(recorded, tmp_path_factory):
    fs = make_sim(tmp_path_factory.mktemp('fidelity-sim'), recorded['host'])
    return run_all(fs, placeholders(recorded['host']),
                   load_fabrics=sim_fabric_loader(fs, recorded['host']))


def _known(recorded, name):
    if name not in recorded['workloads']:
        pytest.fail('workload %s is newer than the recording: re-record it' % name, pytrace=False)
    return recorded['workloads'][name]


@pytest.mark.parametrize('name', NAMES)
def test_sim_answers_every_op_as_the_workload_expects(sim, name):
    diffs = expectation_diffs(sim[name])
    assert not diffs, report(name, diffs)


@pytest.mark.parametrize('name', NAMES)
def test_sim_op_results_match_recorded_kernel(recorded, sim, name):
    diffs = op_diffs(_known(recorded, name), sim[name])
    assert not diffs, report(name, diffs)


@pytest.mark.parametrize('name', NAMES)
def test_sim_tree_dumps_match_recorded_kernel(recorded, sim, name):
    diffs = dump_diffs(_known(recorded, name), sim[name])
    lines = ['[%s] %s' % (label, line) for label, ds in sorted(diffs.items()) for line in ds]
    assert not lines, report(name + ' dumps (- real, + sim)', lines)
