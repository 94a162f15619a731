"""The benchmark's guest part runs on the real kernel in the VM (smoke size).

The full VM benchmark is `python3 scripts/bench.py --vm` (results in
scripts/bench-results.md); here only a tiny configuration without the peer
runs inside the session's one boot, to keep that path working.  No timing is
asserted.
"""
import pytest

from bench_helpers import incomplete_cells, table_problems
from vm_helpers import vm  # noqa: F401  (session fixture)

pytestmark = pytest.mark.vm
VM_CHECKS = ['bench.run']


def test_bench_guest_part_measures_every_command_on_the_real_kernel(vm):
    data = vm.check('bench.run')['data']
    assert data['meta']['real_kernel'] is True
    assert incomplete_cells(data) == []
    assert table_problems(data, 'vm') == []
