"""A device in use is refused with the name of what holds it (rtslib/holders.py):
mounted, swap, device-mapper, md, or one of its partitions; on the simulator
(sim-host.json's facts) here, on the real kernel in tests/vm/checks_devices.py."""
import copy
import os

import pytest

from cli_helpers import cli, configure_host, ok

from rtslib import holders
from rtslib.errors import RTSLibError
from rtslib.simkernel.host import DEFAULT_HOST


def _host(simdir, **per_device):
    """The default host with facts added to its block devices; extra entries too."""
    devs = copy.deepcopy(DEFAULT_HOST['block_devices'])
    for path, facts in per_device.items():
        devs.setdefault(path, {'size': 1 << 30, 'major': 9, 'minor': len(devs),
                               'name': os.path.basename(path)}).update(facts)
    configure_host(simdir, block_devices=devs)


CASES = [
    ({'/dev/sdb': {'mountpoint': '/srv/data'}}, 'it is mounted on /srv/data'),
    ({'/dev/sdb': {'swap': True}}, 'it is in use as swap'),
    ({'/dev/sdb': {'holders': ['dm-0']}, '/dev/vg0/lv1': {'dm_name': 'vg0-lv1'}},
     'it is used by device-mapper device dm-0 (vg0-lv1)'),
    ({'/dev/md0': {'name': 'md0'}, '/dev/sdb': {'holders': ['md0']}},
     'it is used by md array md0'),
    ({'/dev/sdb1': {'name': 'sdb1', 'mountpoint': '/boot'},
      '/dev/sdb': {'partitions': ['/dev/sdb1']}}, 'its partition sdb1 is mounted on /boot'),
    ({'/dev/sdb1': {'name': 'sdb1', 'holders': ['md0']}, '/dev/md0': {'name': 'md0'},
      '/dev/sdb': {'partitions': ['/dev/sdb1']}}, 'its partition sdb1 is used by md array md0'),
]


@pytest.mark.parametrize('facts, holder', CASES)
def test_block_backstore_refuses_naming_the_holder(simdir, facts, holder):
    _host(simdir, **facts)
    done = cli(simdir, '/backstores/block', 'create', 'b1', '/dev/sdb')
    assert done.returncode == 1
    assert done.stderr == f'Cannot use /dev/sdb for a block backstore: {holder}\n'
    assert 'b1' not in ok(simdir, 'ls', '/backstores/block')


def test_library_fileio_and_a_free_device(simdir):
    _host(simdir, **{'/dev/sdb': {'mountpoint': '/srv/data'}})
    from rtslib import BlockStorageObject, FileIOStorageObject
    with pytest.raises(RTSLibError, match='^Cannot use /dev/sdb for fileio: it is mounted on '
                                          '/srv/data$'):
        FileIOStorageObject('f1', '/dev/sdb')
    BlockStorageObject('b2', dev='/dev/sdc').delete()     # sdc has no holder


def test_the_simulated_kernel_refuses_a_held_device_too(simdir):
    """exclusive=false skips our check; the kernel's exclusive open still says EBUSY."""
    _host(simdir, **{'/dev/sdb': {'swap': True}})
    done = cli(simdir, '/backstores/block', 'create', 'b1', '/dev/sdb', 'exclusive=false')
    assert done.returncode == 1 and 'it is in use (EBUSY)' in done.stderr, done.stderr


def test_real_host_tables_are_parsed(tmp_path):
    info = tmp_path / 'mountinfo'
    info.write_text('22 1 8:17 / /mnt/my\\040disk rw,relatime shared:1 - ext4 /dev/sdb1 rw\n'
                    '23 1 0:21 / /proc rw - proc proc rw\n')
    assert holders.mounts(str(info)) == {'8:17': '/mnt/my disk', '0:21': '/proc'}
    swaps = tmp_path / 'swaps'
    swaps.write_text('Filename\tType\tSize\tUsed\tPriority\n/dev/null\tpartition\t4\t0\t-2\n'
                     f'{tmp_path}/swapfile\tfile\t4\t0\t-3\n')
    (tmp_path / 'swapfile').write_text('')
    null = os.stat('/dev/null').st_rdev
    assert holders.swaps(str(swaps)) == {f'{os.major(null)}:{os.minor(null)}'}
