"""Checks on the host's devices before a backstore uses them.

On a real host these read /dev and /sys (not configfs).  In simulated mode
nothing outside the simulation directory may be read: the simulated
kernel's `fs.host()` describes the machine instead (DIR/sim-host.json:
'block_devices' {path: {'size', ...}}, 'files' {path: size},
'claimed_devices' [path], 'scsi_devices' {'H:C:T:L': {'dev', 'type'}},
'fabric_wwns' {fabric: [wwn]}, 'hostname').
"""
import os
import stat

from rtslib.errors import RTSLibError

SIM_HOSTNAME = 'liohost'  # a simulated host's name when sim-host.json names none


def sim_host(fs):
    """The simulated host's description, or None on a real host."""
    host = getattr(fs, 'host', None)
    return host() if callable(host) and getattr(fs, 'simulated', False) else None


def _sim_kind(host, path):
    if path in (host.get('block_devices') or {}):
        return 'block'
    if path in (host.get('files') or {}):
        return 'file'
    return None


def _sim_scsi(host, path=None, hctl=None):
    """(hctl, entry) of a simulated SCSI device by node path or by H:C:T:L."""
    for key, entry in (host.get('scsi_devices') or {}).items():
        if key == hctl or (path is not None and entry.get('dev') == path):
            return key, entry
    return None, None


def _sysfs_block(path):
    """/sys/dev/block/MAJ:MIN of a block device node."""
    st = os.stat(path)
    return f'/sys/dev/block/{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}'


def _read_sys(path, default=None):
    try:
        with open(path, encoding='ascii') as f:
            return f.read().strip()
    except OSError:
        return default


def kind(fs, path):
    """'block', 'file', 'other' or None (missing) for a device path."""
    host = sim_host(fs)
    if host is not None:
        return _sim_kind(host, path)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISBLK(mode):
        return 'block'
    return 'file' if stat.S_ISREG(mode) else 'other'


def scsi_type(fs, path):
    """SCSI peripheral type of a block device (0 = disk), as rtslib-fb checks."""
    host = sim_host(fs)
    if host is not None:
        return int((_sim_scsi(host, path=path)[1] or {}).get('type', 0))
    value = _read_sys(_sysfs_block(path) + '/device/type', '0')
    return int(value) if value.isdigit() else 0


def size(fs, path):
    """Size in bytes of a block device or file (0 when unknown)."""
    host = sim_host(fs)
    if host is not None:
        dev = (host.get('block_devices') or {}).get(path)
        return int(dev.get('size', 0)) if dev else int((host.get('files') or {}).get(path, 0))
    if kind(fs, path) == 'block':
        return int(_read_sys(_sysfs_block(path) + '/size', '0')) * 512
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def user(fs, path):
    """What holds the block device (rtslib/holders.py): 'it is mounted on /srv', 'it
    is used by device-mapper device dm-0 (vg0-lv1)', ...; None when it is free."""
    from rtslib import holders
    host = sim_host(fs)
    if host is not None:
        return holders.sim_user(host, path)
    return holders.real_user(path)


def in_use(fs, path):
    """True if someone holds the device (mounted, swap, dm, md, a backstore...)."""
    return user(fs, path) is not None


def refuse_if_used(fs, path, what):
    """Raise naming what holds the device: 'Cannot use /dev/sdb for a block
    backstore: it is mounted on /srv'."""
    use = user(fs, path)
    if use:
        raise RTSLibError(f'Cannot use {path} for {what}: {use}')


def hctl_of(fs, path):
    """(host, channel, target, lun) of a SCSI device node, or raise."""
    host = sim_host(fs)
    if host is not None:
        value = _sim_scsi(host, path=path)[0]
    else:
        try:
            value = os.path.basename(os.path.realpath(_sysfs_block(path) + '/device'))
        except OSError:
            value = None
    try:
        return tuple(int(x) for x in value.split(':'))
    except (AttributeError, ValueError):
        raise RTSLibError(f'{path} is not a SCSI device (no H:C:T:L address found)') from None


def path_of_hctl(fs, hctl):
    """The /dev node of SCSI device H:C:T:L, or raise."""
    want = ':'.join(str(int(x)) for x in hctl)
    host = sim_host(fs)
    if host is not None:
        entry = _sim_scsi(host, hctl=want)[1]
        if entry and entry.get('dev'):
            return entry['dev']
    else:
        try:
            names = os.listdir(f'/sys/class/scsi_device/{want}/device/block')
            return f'/dev/{names[0]}'
        except (OSError, IndexError):
            pass
    raise RTSLibError(f'No SCSI device at {want}; give a device path or an existing H:C:T:L')


def check_disk(fs, path, backstore):
    """Raise unless path is a free block device of SCSI type disk."""
    k = kind(fs, path)
    if k is None:
        raise RTSLibError(f'Cannot use {path} for a {backstore} backstore: no such device')
    if k != 'block':
        raise RTSLibError(f'Cannot use {path} for a {backstore} backstore: not a block device'
                          + (' (use fileio for files)' if k == 'file' else ''))
    if scsi_type(fs, path) != 0:
        raise RTSLibError(f'Cannot use {path} for a {backstore} backstore: not a disk '
                          f'(TYPE_DISK); use pscsi for other SCSI devices')
    refuse_if_used(fs, path, f'a {backstore} backstore')


def fabric_wwns(fs, source, fabric):
    """WWNs of local ports for fabrics whose targets must match hardware."""
    host = sim_host(fs)
    if host is not None:
        return list((host.get('fabric_wwns') or {}).get(fabric, []))
    if source == 'infiniband':
        return _ib_wwns()
    if source and source.startswith('fc_host') or source == 'fcoe':
        return _fc_wwns(source)
    if source == 'firewire':
        return _fw_wwns()
    return []


def module_present(fs, fabric_dir, module):
    """Whether a fabric's kernel module is loaded or installed (never loads it).
    A simulated host answers from its 'fabric_modules' (fabric dir -> module)."""
    host = sim_host(fs)
    if host is not None:
        return fabric_dir in (host.get('fabric_modules') or {})
    name = module.replace('-', '_')
    return os.path.isdir(f'/sys/module/{name}') or name in _installed_modules()


_installed = {}


def _installed_modules():
    """Module names of the running kernel's modules.dep and modules.builtin,
    read once per process (on first use, never at import)."""
    if 'names' not in _installed:
        names, base = set(), f'/lib/modules/{os.uname().release}'
        for index in ('modules.dep', 'modules.builtin'):
            try:
                with open(os.path.join(base, index), encoding='utf-8') as f:
                    for line in f:
                        stem = os.path.basename(line.split(':', 1)[0].strip())
                        names.add(stem.split('.ko', 1)[0].replace('-', '_'))
            except OSError:
                continue
        _installed['names'] = names
    return _installed['names']


def _ib_wwns():
    out, base = [], '/sys/class/infiniband'
    for dev in _ls(base):
        for port in _ls(f'{base}/{dev}/ports'):
            gid = _read_sys(f'{base}/{dev}/ports/{port}/gids/0')
            if gid:
                out.append('ib.' + gid.replace(':', ''))
    return out


def _fc_wwns(source):
    out, base = [], '/sys/class/fc_host'
    for hostdir in _ls(base):
        name = _read_sys(f'{base}/{hostdir}/port_name')
        device = os.path.realpath(f'{base}/{hostdir}/device/../..')
        if source == 'fcoe':
            ok = os.path.basename(os.path.realpath(device + '/subsystem')) == 'fcoe'
        else:
            driver = source.split(':', 1)[1]
            ok = os.path.basename(os.path.realpath(device + '/driver')) == driver
        if name and ok:
            out.append('naa.' + name[2:])
    return out


def _fw_wwns():
    base = '/sys/bus/firewire/devices'
    for dev in _ls(base):
        if _read_sys(f'{base}/{dev}/is_local') == '1':
            return ['eui.' + _read_sys(f'{base}/{dev}/guid', '0x')[2:]]
    return []


def _ls(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []
