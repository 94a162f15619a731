"""Save/restore on the real kernel in the VM (tests/vm/checks_save.py)."""
import pytest

from vm_helpers import vm  # noqa: F401  (session fixture: one boot for all modules)

pytestmark = pytest.mark.vm
VM_CHECKS = ['save.*']


def test_save_clear_restore_gives_identical_tree(vm):
    data = vm.check('save.save_clear_restore_is_identical')
    assert data['entries'] > 100


def test_refused_restore_leaves_kernel_exactly_as_before(vm):
    data = vm.check('save.refused_restore_leaves_tree_as_before')
    assert data['entries']['empty kernel'] > 0
    assert data['entries']['existing configuration'] > data['entries']['empty kernel']


def test_every_backstore_kind_with_chap_and_discovery_auth(vm):
    data = vm.check('save.every_backstore_kind_survives')
    assert data['storage_objects'] == 4
