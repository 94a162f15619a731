"""Who holds a block device: mounted, swap, device-mapper, md, or one of its
partitions, so that a backstore refuses it naming the holder.

A real host is read where the kernel publishes it (what pyudev would read
too): /sys/dev/block/MAJ:MIN/holders and its partitions' subdirectories,
/sys/block/dm-N/dm/name, /proc/self/mountinfo and /proc/swaps.  A simulated
host describes the same facts per device in DIR/sim-host.json's
'block_devices' entries: 'mountpoint', 'swap' (true), 'holders' (kernel names
such as 'dm-0' or 'md0'; a dm entry may give 'dm_name'), 'partitions' (paths
of other entries); 'claimed_devices' lists devices held by something unnamed.
Both give the same facts to describe(), so the messages are the same.
"""
import os

from rtslib.devices import read_sys

EXCLUSIVE = 'it is held open exclusively by another program or backstore'


def describe(facts):
    """What holds the device, as a clause: 'it is mounted on /srv', 'it is used by
    md array md0', 'its partition sdb1 is in use as swap', ...; None when free."""
    if facts.get('mountpoint'):
        return f"it is mounted on {facts['mountpoint']}"
    if facts.get('swap'):
        return 'it is in use as swap'
    for kind, name, label in facts.get('holders', ()):
        if kind == 'dm':
            return f"it is used by device-mapper device {name}{f' ({label})' if label else ''}"
        if kind == 'md':
            return f'it is used by md array {name}'
        return f'it is used by {name}'
    for part in facts.get('partitions', ()):
        use = describe(part)
        if use:
            return f"its partition {part['name']} {use.split(' ', 1)[1]}"
    return None


def _holder(name, dm_name=None):
    if name.startswith('dm-'):
        return ('dm', name, dm_name)
    if name.startswith('md'):
        return ('md', name, None)
    return ('other', name, None)


# -- simulated host ----------------------------------------------------------

def sim_facts(host, path, seen=()):
    """The facts of a simulated block device (sim-host.json), or None if unknown."""
    devs = host.get('block_devices') or {}
    entry = devs.get(path)
    if entry is None or path in seen:
        return None
    by_name = {d.get('name'): (p, d) for p, d in devs.items()}
    holders = []
    for name in entry.get('holders') or ():
        dm_path, dm = by_name.get(name, (None, {}))
        holders.append(_holder(name, dm.get('dm_name') or
                               (os.path.basename(dm_path) if dm_path else None)))
    parts = [sim_facts(host, p, seen + (path,)) for p in entry.get('partitions') or ()]
    return {'name': entry.get('name') or os.path.basename(path),
            'mountpoint': entry.get('mountpoint'), 'swap': bool(entry.get('swap')),
            'holders': holders, 'partitions': [p for p in parts if p]}


def sim_user(host, path):
    facts = sim_facts(host, path)
    use = describe(facts) if facts else None
    if use is None and path in (host.get('claimed_devices') or []):
        return EXCLUSIVE
    return use


# -- real host ---------------------------------------------------------------

def _ls(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def _unescape(field):
    """mountinfo escapes space, tab, newline and backslash as \\ooo."""
    for code in ('\\040', '\\011', '\\012', '\\134'):
        field = field.replace(code, chr(int(code[1:], 8)))
    return field


def mounts(mountinfo='/proc/self/mountinfo'):
    """{'MAJ:MIN': mount point} of mounted block devices."""
    out = {}
    try:
        with open(mountinfo, encoding='utf-8', errors='replace') as f:
            for line in f:
                fields = line.split()
                if len(fields) > 4:
                    out.setdefault(fields[2], _unescape(fields[4]))
    except OSError:
        pass
    return out


def swaps(proc_swaps='/proc/swaps'):
    """{'MAJ:MIN'} of block devices in use as swap (swap files are not devices)."""
    out = set()
    try:
        with open(proc_swaps, encoding='utf-8', errors='replace') as f:
            lines = f.read().splitlines()[1:]
    except OSError:
        return out
    for line in lines:
        try:
            st = os.stat(_unescape(line.split()[0]))
        except (OSError, IndexError):
            continue
        if st.st_rdev:
            out.add(f'{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}')
    return out


def real_facts(sysdir, mounted, swapped):
    """The facts of the block device whose sysfs directory is sysdir."""
    majmin = read_sys(os.path.join(sysdir, 'dev'))
    holders = [_holder(h, read_sys(f'/sys/block/{h}/dm/name'))
               for h in _ls(os.path.join(sysdir, 'holders'))]
    parts = [real_facts(os.path.join(sysdir, p), mounted, swapped) for p in _ls(sysdir)
             if os.path.isfile(os.path.join(sysdir, p, 'partition'))]
    return {'name': os.path.basename(sysdir), 'mountpoint': mounted.get(majmin),
            'swap': majmin in swapped, 'holders': holders, 'partitions': parts}


def real_user(path):
    """What holds the block device node `path` on this host, or None."""
    try:
        rdev = os.stat(path).st_rdev
    except OSError:
        return None
    sysdir = os.path.realpath(f'/sys/dev/block/{os.major(rdev)}:{os.minor(rdev)}')
    use = describe(real_facts(sysdir, mounts(), swaps()))
    if use is None and not _can_claim(path):
        return EXCLUSIVE
    return use


def _can_claim(path):
    try:
        fd = os.open(os.path.realpath(path), os.O_RDONLY | os.O_EXCL | os.O_NDELAY)
    except OSError:
        return False
    os.close(fd)
    return True
