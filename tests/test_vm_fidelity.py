"""Fidelity (issue 3 point 7): the simulator answers every workload like the real kernel.

The guest check fidelity.real_kernel_workloads runs tests/fidelity/workloads.py
on Debian's kernel in the VM; here the same workloads run in the same order on
a SimConfigFS told the guest's host facts, and per-op results and full tree
dumps are compared after the normalisations listed in tests/fidelity/normalise.py.
"""
import pytest

from fidelity.compare import (RECORDING, dump_diffs, expectation_diffs, load_recording, op_diffs,
                              report)
from fidelity.hostfacts import make_sim, placeholders, sim_fabric_loader
from fidelity.runner import run_all
from fidelity.workloads import workloads
from vm_helpers import vm  # noqa: F401  (session fixture)

pytestmark = pytest.mark.vm
VM_CHECKS = ['fidelity.real_kernel_workloads']
NAMES = [name for name, _rows in workloads()]


@pytest.fixture(scope='module')
def real(vm):
    return vm.check('fidelity.real_kernel_workloads')


@pytest.fixture(scope='module')
def sim(real, tmp_path_factory):
    fs = make_sim(tmp_path_factory.mktemp('fidelity-sim'), real['host'])
    return run_all(fs, placeholders(real['host']),
                   load_fabrics=sim_fabric_loader(fs, real['host']))


@pytest.mark.parametrize('name', NAMES)
def test_real_kernel_answers_as_the_workload_expects(real, name):
    """The expectations in the workloads (from the recordings) hold on the live kernel."""
    diffs = expectation_diffs(real['workloads'][name])
    assert not diffs, report(name, diffs)


@pytest.mark.parametrize('name', NAMES)
def test_sim_op_results_match_real_kernel(real, sim, name):
    diffs = op_diffs(real['workloads'][name], sim[name])
    assert not diffs, report(name, diffs)


@pytest.mark.parametrize('name', NAMES)
def test_sim_tree_dumps_match_real_kernel(real, sim, name):
    diffs = dump_diffs(real['workloads'][name], sim[name])
    lines = ['[%s] %s' % (label, line) for label, ds in sorted(diffs.items()) for line in ds]
    assert not lines, report(name + ' dumps (- real, + sim)', lines)


@pytest.mark.parametrize('name', NAMES)
def test_committed_recording_is_what_the_kernel_answers_now(real, name):
    """tests/fidelity/data/real-kernel.json.gz (used by the fast tests) is still current."""
    rec = load_recording()
    assert rec is not None, 'no recording %s: run tests/fidelity/compare.py --record' % RECORDING
    assert name in rec['workloads'], 'workload %s not recorded: re-record' % name
    lines = op_diffs(real['workloads'][name], rec['workloads'][name])
    lines += ['[%s] %s' % (label, line) for label, ds in
              sorted(dump_diffs(real['workloads'][name], rec['workloads'][name]).items())
              for line in ds]
    assert not lines, report(name + ' (- live kernel, + recording; re-record with '
                             'tests/fidelity/compare.py --record)', lines)
