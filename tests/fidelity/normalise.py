"""Normalisations applied before comparing the simulator with the real kernel.

Kept as data: each entry names the paths it applies to, what in the value is
replaced, and why the value cannot be expected to match.  Only values that
depend on the boot's history (counters, clocks, numbers the kernel hands out
globally) or on the machine are here; anything the simulator can know must
match exactly.
"""
import re

# Statistics files whose integer values are global indices or live counters.
STAT_INDEX_FILES = ('indx', 'inst', 'dev', 'port', 'port_auth_indx', 'creation_time')
STAT_COUNTER_FILES = ('num_cmds', 'hs_num_cmds', 'in_cmds', 'hs_in_cmds', 'read_mbytes',
                      'write_mbytes', 'att_count')

# (name, path regex, value regex, replacement, why)
NORMALISATIONS = [
    ('kernel-release', r'^/version$', r'on Linux/\S+ on [^\s\\]+', 'on Linux/<arch> on <release>',
     'names the running kernel build'),
    ('hba-index', r'/hba_info$', r'HBA Index: \d+', 'HBA Index: <n>',
     'global count of HBAs made since the modules loaded (other checks in the boot make some)'),
    ('statistics-index', r'statistics/[^/]+/(%s)$' % '|'.join(STAT_INDEX_FILES), r'^\d+', '<n>',
     'device/port/target indices handed out globally (statistics/ and fabric_statistics/), '
     'and creation time in jiffies'),
    ('statistics-counter', r'statistics/[^/]+/(%s)$' % '|'.join(STAT_COUNTER_FILES), r'^\d+',
     '<n>', 'command counters: the guest SCSI layer probes loopback LUNs on its own schedule'),
    ('scsi-host', r'^/loopback/[^/]+/tpgt_\d+/address$', r'^\d+:', '<host>:',
     'SCSI host numbers count every SCSI host made in this boot'),
    ('pscsi-host', r'^/core/pscsi_\d+/[^/]+/info$', r'Host ID: \d+', 'Host ID: <host>',
     'the SCSI host of the passed-through device (see scsi-host)'),
]

_COMPILED = [(name, re.compile(p), re.compile(v), r) for name, p, v, r, _ in NORMALISATIONS]


def normalise_value(path, value):
    """value with every normalisation whose path pattern matches applied."""
    for _name, pat, val, repl in _COMPILED:
        if pat.search(path):
            value = val.sub(repl, value)
    return value


def normalise_line(line):
    """A dump line (`PATH MODE VALUE`, `PATH -> T` or `PATH/`) normalised."""
    if line.endswith('/') or ' -> ' in line:
        return line
    parts = line.split(' ', 2)
    if len(parts) < 3:
        return line
    # paths may hold spaces: the mode is the first all-octal field after the path
    m = re.match(r'^(.*?) ([0-7]{3,4}) (.*)$', line, re.S)
    if not m:
        return line
    path, mode, value = m.groups()
    return '%s %s %s' % (path, mode, normalise_value(path, value))


def normalise_dump(lines):
    return [normalise_line(line) for line in lines]


def normalise_op(rec):
    """An op record's result normalised (reads of normalised files)."""
    got = rec['got']
    if rec['op'] == 'read' and got.startswith('OK:'):
        return 'OK:' + normalise_value('/' + rec['args'][0], got[3:])
    return got
