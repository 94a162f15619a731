"""Issue 19 on the real kernel (guest side in tests/vm/checks_concurrency.py):
one-shot targetcli processes released at once create storage objects, targets,
TPGs, LUNs and ACLs, and delete LUNs and ACLs beside creates in two TPGs, each
succeeding where it would alone, the tree keeping the invariants; saves taken
meanwhile restore."""
import pytest

from vm_helpers import vm  # noqa: F401  (session fixture: one boot for all VM modules)

pytestmark = pytest.mark.vm
VM_CHECKS = ['concurrency.*']


def test_objects_of_each_kind_created_together(vm):
    data = vm.check('concurrency.objects_of_each_kind')
    assert data['processes'] >= 16
    assert len(data['failed_as_expected']) == 1
    assert 'already exists' in data['failed_as_expected'][0]['err']


def test_mixed_stream_with_saves_restores(vm):
    data = vm.check('concurrency.mixed_stream_and_saves')
    assert data['processes'] == 10
    assert len(data['luns_in_saves']) == 2
