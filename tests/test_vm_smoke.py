"""The real-kernel VM boots Debian's kernel with LIO loaded and usable."""
import pytest

from vm_helpers import vm  # noqa: F401  (session fixture)

pytestmark = pytest.mark.vm
VM_CHECKS = ['smoke.*']


def test_guest_runs_debian_kernel_with_lio(vm):
    data = vm.check('smoke.kernel_and_modules')
    assert data['release'].endswith('-amd64')
    assert data['version'].startswith('Target Engine Core ConfigFS Infrastructure')
    assert data['hostname'] == 'liohost'


def test_guest_has_only_loopback_network(vm):
    assert vm.check('smoke.network_is_loopback_only') == ['lo']


def test_guest_can_make_loop_devices(vm):
    assert vm.check('smoke.loop_device_works').startswith('/dev/loop')
