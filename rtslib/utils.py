"""rtslib-fb's `utils` module: its exceptions and helpers, over ours.

Clients written for rtslib-fb import RTSLibError and these helpers from
rtslib_fb.utils (cinder's rtstool, targetd, ceph-iscsi).  Nothing here is
used by the library itself.  The device and configfs helpers answer for the
default backend, so under LIO_SIMULATE they read the simulated host and
configfs tree like every other object and never the machine's.
"""
import contextlib
import os
import subprocess

from rtslib import configfs, devices
from rtslib import wwn as wwns
from rtslib.errors import RTSLibALUANotSupported, RTSLibBrokenLink, RTSLibError, RTSLibNotInCFS
from rtslib.node import set_attributes, set_parameters

__all__ = [
    'RTSLibError', 'RTSLibALUANotSupported', 'RTSLibBrokenLink', 'RTSLibNotInCFS',
    'fwrite', 'fread', 'is_dev_in_use', 'get_size_for_blk_dev', 'get_block_size',
    'get_size_for_disk_name', 'get_blockdev_type', 'get_block_type',
    'convert_scsi_path_to_hctl', 'convert_scsi_hctl_to_path', 'generate_wwn', 'colonize',
    'normalize_wwn', 'list_loaded_kernel_modules', 'modprobe', 'mount_configfs',
    'dict_remove', 'ignored', 'set_attributes', 'set_parameters',
]


def _configfs_rel(path):
    """A configfs path relative to the target root, or None for another file."""
    path = os.path.normpath(str(path))
    if path == configfs.REAL_ROOT:
        return ''
    if path.startswith(configfs.REAL_ROOT + '/'):
        return path[len(configfs.REAL_ROOT) + 1:]
    return None


def fwrite(path, string):
    """Write str(string) to path; a configfs path goes through the backend."""
    rel = _configfs_rel(path)
    if rel is not None:
        configfs.default_fs().write(rel, str(string))
        return
    with open(path, 'w', encoding='utf-8') as f:
        f.write(str(string))


def fread(path):
    """The file's text, stripped; a configfs path goes through the backend."""
    rel = _configfs_rel(path)
    if rel is not None:
        return configfs.default_fs().read(rel).strip()
    with open(path, encoding='utf-8') as f:
        return f.read().strip()


def is_dev_in_use(path):
    """True if the device or file cannot be opened exclusively (mounted, held)."""
    return devices.in_use(configfs.default_fs(), str(path))


def _logical_block_size(fs, path):
    host = devices.sim_host(fs)
    if host is not None:
        entry = (host.get('block_devices') or {}).get(path) or {}
        return int(entry.get('hw_block_size', 512))
    try:
        rdev = os.stat(path).st_rdev
    except OSError:
        return 512
    sys_dir = os.path.realpath(f'/sys/dev/block/{os.major(rdev)}:{os.minor(rdev)}')
    for queue in (sys_dir, os.path.dirname(sys_dir)):   # a partition: its disk's queue
        try:
            with open(f'{queue}/queue/logical_block_size', encoding='ascii') as f:
                return int(f.read())
        except (OSError, ValueError):
            continue
    return 512


def get_size_for_blk_dev(path):
    """Size of a block device in logical blocks (0 when unknown)."""
    fs, path = configfs.default_fs(), os.path.realpath(str(path))
    if devices.kind(fs, path) != 'block':
        raise RTSLibError(f'{path} is not a block device')
    return devices.size(fs, path) // _logical_block_size(fs, path)


get_block_size = get_size_for_blk_dev


def get_size_for_disk_name(name):
    """Size in logical blocks of a disk named as in /proc/partitions ('sdb', 'cciss!c0d0')."""
    return get_size_for_blk_dev('/dev/' + str(name).replace('!', '/'))


def get_blockdev_type(path):
    """SCSI peripheral type of a block device (0 = disk), None if not a block device."""
    fs = configfs.default_fs()
    if devices.kind(fs, str(path)) != 'block':
        return None
    return devices.scsi_type(fs, str(path))


get_block_type = get_blockdev_type


def convert_scsi_path_to_hctl(path):
    """[host, controller, target, lun] of a SCSI device node, or RTSLibError."""
    fs = configfs.default_fs()
    real = path if devices.sim_host(fs) is not None else os.path.realpath(path)
    return list(devices.hctl_of(fs, real))


def convert_scsi_hctl_to_path(host, controller, target, lun):
    """The /dev node of SCSI device host:controller:target:lun, or RTSLibError."""
    try:
        hctl = [int(host), int(controller), int(target), int(lun)]
    except ValueError:
        raise RTSLibError('The host, controller, target and lun parameters must be '
                          'integers') from None
    return devices.path_of_hctl(configfs.default_fs(), hctl)


def generate_wwn(wwn_type):
    """A new random WWN of wwn_type ('iqn', 'naa', 'eui', 'unit_serial', 'free')."""
    wwn_type = str(wwn_type).lower()
    if wwn_type not in ('free', 'unit_serial', 'iqn', 'naa', 'eui'):
        raise ValueError(f'Unknown WWN type: {wwn_type}')   # as rtslib-fb raises
    return wwns.generate(wwn_type)


def colonize(str):     # noqa: A002 (rtslib-fb's parameter name, kept for keyword calls)
    """'500140512' -> '50:01:40:51:2'."""
    return wwns.colonize(str)


def normalize_wwn(wwn_types, wwn):
    """(normalized wwn, its type) for the first of wwn_types that fits, or RTSLibError."""
    return wwns.normalize(wwn_types, wwn)


def list_loaded_kernel_modules():
    """Names of the loaded kernel modules (the simulated host's fabric modules
    when simulated)."""
    host = devices.sim_host(configfs.default_fs())
    if host is not None:
        return sorted(set((host.get('fabric_modules') or {}).values()))
    with open('/proc/modules', encoding='ascii') as f:
        return [line.split(' ', 1)[0] for line in f if line.strip()]


def modprobe(module):
    """Load a kernel module unless loaded; RTSLibError with modprobe's message if
    it fails.  Simulated: nothing to load (the host model says what exists)."""
    if devices.sim_host(configfs.default_fs()) is not None:
        return
    if module in list_loaded_kernel_modules():
        return
    try:
        res = subprocess.run(['modprobe', module], capture_output=True, text=True,
                             check=False)
    except OSError as e:
        raise RTSLibError(f'Could not load module {module}: {e.strerror}') from None
    if res.returncode != 0:
        raise RTSLibError(res.stderr.strip() or f'Could not load module {module}')


def mount_configfs():
    """Mount configfs on /sys/kernel/config unless mounted (nothing when simulated)."""
    if devices.sim_host(configfs.default_fs()) is not None:
        return
    if os.path.ismount('/sys/kernel/config'):
        return
    res = subprocess.run(['mount', '-t', 'configfs', 'none', '/sys/kernel/config'],
                         capture_output=True, text=True, check=False)
    if res.returncode != 0 and not os.path.ismount('/sys/kernel/config'):
        raise RTSLibError('Cannot mount configfs on /sys/kernel/config: '
                          + (res.stderr.strip() or 'mount failed'))


def dict_remove(d, items):
    """Remove the keys items from d, ignoring missing ones."""
    for item in items:
        d.pop(item, None)


@contextlib.contextmanager
def ignored(*exceptions):
    """`with ignored(RTSLibError): ...` runs the block and drops those exceptions."""
    try:
        yield
    except exceptions:
        pass
