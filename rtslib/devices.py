"""Checks on the host's devices before a backstore uses them.

Two host objects answer the questions, mirroring the two configfs backends:
RealHost reads /dev and /sys (not configfs); SimulatedHost answers from the
simulated kernel's description of its machine, `fs.host()`, so that nothing
outside the simulation directory is read (DIR/sim-host.json:
'block_devices' {path: {'size', ...}}, 'files' {path: size},
'claimed_devices' [path], 'scsi_devices' {'H:C:T:L': {'dev', 'type'}},
'fabric_wwns' {fabric: [wwn]}, 'hostname').
"""
import os
import stat

from rtslib.errors import RTSLibError

SIM_HOSTNAME = 'liohost'  # a simulated host's name when sim-host.json names none


def sim_host(fs):
    """The simulated host's description, or None on a real host (for code that
    reads a fact the host objects below do not answer)."""
    host = getattr(fs, 'host', None)
    return host() if callable(host) and getattr(fs, 'simulated', False) else None


def host_of(fs):
    """The machine behind a backend: a SimulatedHost for the simulated kernel, the
    RealHost otherwise (the two mirror the two configfs backends)."""
    facts = sim_host(fs)
    return RealHost() if facts is None else SimulatedHost(facts)


class RealHost:
    """This machine: /dev, /sys, /proc and the kernel's module lists."""

    def kind(self, path):
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return None
        if stat.S_ISBLK(mode):
            return 'block'
        return 'file' if stat.S_ISREG(mode) else 'other'

    def scsi_type(self, path):
        value = read_sys(_sysfs_block(path) + '/device/type', '0')
        return int(value) if value.isdigit() else 0

    def size(self, path):
        if self.kind(path) == 'block':
            return int(read_sys(_sysfs_block(path) + '/size', '0')) * 512
        try:
            return os.stat(path).st_size
        except OSError:
            return 0

    def user(self, path):
        from rtslib import holders
        return holders.real_user(path)

    def hctl(self, path):
        try:
            return os.path.basename(os.path.realpath(_sysfs_block(path) + '/device'))
        except OSError:
            return None

    def path_of_hctl(self, hctl):
        try:
            names = os.listdir(f'/sys/class/scsi_device/{hctl}/device/block')
            return f'/dev/{names[0]}'
        except (OSError, IndexError):
            return None

    def fabric_wwns(self, source, fabric):
        return WWN_SOURCES[source]()

    def module_present(self, fabric_dir, module):
        name = module.replace('-', '_')
        return os.path.isdir(f'/sys/module/{name}') or name in _installed_modules()

    def registered_drivers(self):
        try:
            return os.listdir('/sys/module/target_core_mod/holders')
        except OSError:
            return []

    def hostname(self):
        return None     # wwn.generate() asks the system


class SimulatedHost:
    """The simulated machine, from its description (DIR/sim-host.json): nothing
    outside the simulation directory is read."""

    def __init__(self, facts):
        self.facts = facts

    def _get(self, key):
        return self.facts.get(key) or {}

    def kind(self, path):
        if path in self._get('block_devices'):
            return 'block'
        return 'file' if path in self._get('files') else None

    def _scsi(self, path=None, hctl=None):
        """(hctl, entry) of a SCSI device by node path or by H:C:T:L."""
        for key, entry in self._get('scsi_devices').items():
            if key == hctl or (path is not None and entry.get('dev') == path):
                return key, entry
        return None, None

    def scsi_type(self, path):
        return int((self._scsi(path=path)[1] or {}).get('type', 0))

    def size(self, path):
        dev = self._get('block_devices').get(path)
        return int(dev.get('size', 0)) if dev else int(self._get('files').get(path, 0))

    def user(self, path):
        from rtslib import holders
        return holders.sim_user(self.facts, path)

    def hctl(self, path):
        return self._scsi(path=path)[0]

    def path_of_hctl(self, hctl):
        entry = self._scsi(hctl=hctl)[1]
        return entry.get('dev') if entry else None

    def fabric_wwns(self, source, fabric):
        if source == 'infiniband' and self.facts.get('rdma_devices'):
            return sim_ib_wwns(self.facts)
        return list(self._get('fabric_wwns').get(fabric, []))

    def module_present(self, fabric_dir, module):
        return fabric_dir in self._get('fabric_modules')

    def paths(self, files, blocks):
        """The files and block devices the description names (for completion)."""
        return list(self._get('files') if files else ()) + \
            list(self._get('block_devices') if blocks else ())

    def registered_drivers(self):
        return sorted(set(self._get('fabric_modules').values()))

    def hostname(self):
        # a simulated host never leaks the real host's name into its tree
        return self.facts.get('hostname') or SIM_HOSTNAME, self.facts.get('machine')


def _sysfs_block(path):
    """/sys/dev/block/MAJ:MIN of a block device node."""
    st = os.stat(path)
    return f'/sys/dev/block/{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}'


def read_sys(path, default=None):
    """A sysfs (or procfs) file's text, stripped; default when it cannot be read."""
    try:
        with open(path, encoding='utf-8') as f:
            return f.read().strip()
    except OSError:
        return default


# -- the checks, the same on both hosts ---------------------------------------------

def kind(fs, path):
    """'block', 'file', 'other' or None (missing) for a device path."""
    return host_of(fs).kind(path)


def scsi_type(fs, path):
    """SCSI peripheral type of a block device (0 = disk), as rtslib-fb checks."""
    return host_of(fs).scsi_type(path)


def size(fs, path):
    """Size in bytes of a block device or file (0 when unknown)."""
    return host_of(fs).size(path)


def user(fs, path):
    """What holds the block device (rtslib/holders.py): 'it is mounted on /srv', 'it
    is used by device-mapper device dm-0 (vg0-lv1)', ...; None when it is free."""
    return host_of(fs).user(path)


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
    value = host_of(fs).hctl(path)
    try:
        return tuple(int(x) for x in value.split(':'))
    except (AttributeError, ValueError):
        raise RTSLibError(f'{path} is not a SCSI device (no H:C:T:L address found)') from None


def path_of_hctl(fs, hctl):
    """The /dev node of SCSI device H:C:T:L, or raise."""
    want = ':'.join(str(int(x)) for x in hctl)
    path = host_of(fs).path_of_hctl(want)
    if path:
        return path
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
    """WWNs of local ports for fabrics whose targets must match hardware (source:
    the spec's wwn_list, a name in WWN_SOURCES)."""
    return host_of(fs).fabric_wwns(source, fabric)


def module_present(fs, fabric_dir, module):
    """Whether a fabric's kernel module is loaded or installed (never loads it).
    A simulated host answers from its 'fabric_modules' (fabric dir -> module)."""
    return host_of(fs).module_present(fabric_dir, module)


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


def sim_ib_wwns(host):
    """The simulated host's RDMA ports as srpt WWNs (from sim-host.json rdma_devices)."""
    return ['ib.' + port['gid'].replace(':', '')
            for _dev, info in sorted(host['rdma_devices'].items())
            for _n, port in sorted(info.get('ports', {}).items()) if port.get('gid')]


def _infiniband_wwns():
    out, base = [], '/sys/class/infiniband'
    for dev in _ls(base):
        for port in _ls(f'{base}/{dev}/ports'):
            gid = read_sys(f'{base}/{dev}/ports/{port}/gids/0')
            if gid:
                out.append('ib.' + gid.replace(':', ''))
    return out


def _fc_host_wwns(matches):
    """naa. WWNs of the FC hosts whose device `matches` (a predicate)."""
    out, base = [], '/sys/class/fc_host'
    for hostdir in _ls(base):
        name = read_sys(f'{base}/{hostdir}/port_name')
        device = os.path.realpath(f'{base}/{hostdir}/device/../..')
        if name and matches(device):
            out.append('naa.' + name[2:])
    return out


def _fcoe_wwns():
    return _fc_host_wwns(
        lambda device: os.path.basename(os.path.realpath(device + '/subsystem')) == 'fcoe')


def _fc_driver_wwns(driver):
    return lambda: _fc_host_wwns(
        lambda device: os.path.basename(os.path.realpath(device + '/driver')) == driver)


def _firewire_wwns():
    base = '/sys/bus/firewire/devices'
    for dev in _ls(base):
        if read_sys(f'{base}/{dev}/is_local') == '1':
            return ['eui.' + read_sys(f'{base}/{dev}/guid', '0x')[2:]]
    return []


def _ls(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


# Where a fabric bound to hardware finds its local ports' WWNs: the spec's
# wwn_list names one of these (rtslib/spec.py checks that it does).
WWN_SOURCES = {
    'infiniband': _infiniband_wwns,
    'fcoe': _fcoe_wwns,
    'firewire': _firewire_wwns,
    'fc_host:qla2xxx': _fc_driver_wwns('qla2xxx'),
    'fc_host:efct': _fc_driver_wwns('efct'),
}
