"""A device in use on the real kernel (guest side: tests/vm/checks_devices.py):
each one-shot `/backstores/block create` on a held loop device exits 1 with one
line naming the holder; a free one is taken.  The same messages as the
simulator's (tests/test_lib_holders.py)."""
import pytest

from vm_helpers import vm  # noqa: F401  (session fixture: one boot for all VM modules)

pytestmark = pytest.mark.vm
VM_CHECKS = ['devices.*']


@pytest.fixture(scope='module')
def cases(vm):
    return vm.check('devices.holders_named')


def _refused(case, holder):
    assert case['rc'] == 1, case
    assert case['err'] == 'Cannot use %s for a block backstore: %s\n' % (case['dev'], holder), \
        case


def test_a_free_device_is_taken(cases):
    assert cases['free']['rc'] == 0, cases['free']
    assert 'Created block storage object free using %s.' % cases['free']['dev'] \
        in cases['free']['out']


def test_mounted(cases):
    _refused(cases['mounted'], 'it is mounted on %s' % cases['mounted']['where'])


def test_swap(cases):
    _refused(cases['swap'], 'it is in use as swap')


def test_device_mapper(cases):
    _refused(cases['device_mapper'],
             'it is used by device-mapper device %s (liotest)' % cases['device_mapper']['dm'])


def test_a_partition_in_use_keeps_the_whole_disk_out(cases):
    _refused(cases['partition'],
             'its partition %s is in use as swap' % cases['partition']['part'])
