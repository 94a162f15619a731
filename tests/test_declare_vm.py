"""export / plan / apply on the real kernel in the VM (tests/vm/checks_declare.py)."""
import pytest

from vm_helpers import vm  # noqa: F401  (session fixture: one boot for all modules)

pytestmark = pytest.mark.vm
VM_CHECKS = ['declare.*']


def test_exported_file_applies_to_an_empty_kernel_and_each_edit_converges(vm):
    data = vm.check('declare.exported_file_applies_and_converges')
    assert data['fabrics'][:2] == ['iscsi', 'loopback']
    assert data['planned']['TPG attribute and parameter'] == 2
    assert data['planned']['LUN and ACL added'] == 3


def test_refused_apply_leaves_the_kernel_as_it_was(vm):
    data = vm.check('declare.refused_apply_leaves_tree_as_before')
    assert data['planned'] >= 6
