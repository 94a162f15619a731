"""Fidelity workloads: raw configfs operations, each with the result it gets.

A workload is a list of op rows, run in order on a tree that starts empty
(modules loaded, no fabric dir, no backstore):

    ('mkdir', path, expect)            ('rmdir', path, expect)
    ('write', path, value, expect)     one write(2) of value (echo adds '\\n' itself)
    ('read', path, expect)             expect 'OK:<value>' checks the value too
    ('listdir', path, expect)          expect 'OK:<names joined by spaces>'
    ('symlink', target, link, expect)  ('unlink', path, expect)
    ('dump', label)                    snapshot of the whole tree (dump.py)
    ('let', NAME, path, regex, expect) read path, set {NAME} to the regex's group 1

expect is 'OK' or the errno name; an optional last column is a note.  Paths
are relative to the target root (the backend interface of rtslib/configfs.py).
Placeholders: {W} scratch dir and {LOOP} loop device (host facts, filled in by
the runner), and the names in VARS below.

Sources: the rows in data/*.tsv are converted by import_reference.py from the
real-kernel recordings in ../shared/reference (kernel-6.1 and its probes);
the workloads written below cover each backstore type before/after enable,
portals with iSER on/off, ACL CHAP, discovery auth, loopback nexus and more
invalid operations.  Where the VM disagrees with an expectation, the kernel
is right and the expectation is fixed (tests/test_vm_fidelity.py reports it).
"""
import os
import re

from fidelity import fabrics

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, 'data')

IQN = 'iqn.2003-01.org.linux-iscsi.test.x8664:sn.0123456789ab'
IQN_PREFIX = 'iqn.2003-01.com.example:'
VARS = {
    'IQN': IQN,
    'IQN2': IQN_PREFIX + 'second',
    'T': 'iscsi/%s/tpgt_1' % IQN,
    'T2': 'iscsi/%s/tpgt_2' % IQN,
    'A': 'iscsi/%s/tpgt_1/acls/iqn.1994-05.com.redhat:client' % IQN,
    'LW': 'loopback/naa.500140512345678',
    'L': 'loopback/naa.500140512345678/tpgt_1',
    'S255': 'a' * 255, 'S256': 'a' * 256,
}
VARS.update(('N%d' % n, 'a' * n) for n in (200, 210, 300))
VARS.update(('Q%d' % n, IQN_PREFIX + 'a' * (n - len(IQN_PREFIX))) for n in (223, 224, 255, 256, 300))

HOST_VARS = ('W', 'LOOP')          # filled in per host by the runner
ARITY = {'mkdir': 1, 'rmdir': 1, 'read': 1, 'listdir': 1, 'unlink': 1,
         'write': 2, 'symlink': 2, 'dump': 1, 'let': 3}


def unesc(s):
    return re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t'}.get(m.group(1), m.group(1)), s)


def load_table(name):
    """Op rows from data/<name> (TSV: verb, args..., expect, note)."""
    rows = []
    with open(os.path.join(DATA, name)) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            cols = [unesc(c) for c in line.rstrip('\n').split('\t')]
            n = ARITY[cols[0]]
            rows.append(tuple(cols[:n + 2]) + (cols[n + 2] if len(cols) > n + 2 else '',))
    return rows


def expand(text, host):
    """Fill {NAME} placeholders from VARS and the host facts."""
    def sub(m):
        name = m.group(1)
        if name in host:
            return host[name]
        if name in VARS:
            return VARS[name]
        raise KeyError('workload placeholder {%s} has no value' % name)
    return re.sub(r'\{([A-Z][A-Z0-9]*)\}', sub, text)


# -- helpers that keep the hand-written workloads short ----------------------
def mkdir(p, e='OK', note=''):
    return ('mkdir', p, e, note)


def rmdir(p, e='OK', note=''):
    return ('rmdir', p, e, note)


def echo(p, v, e='OK', note=''):
    """Like `echo v > p`: the kernel sees v plus a newline."""
    return ('write', p, v + '\n', e, note)


def printf(p, v, e='OK', note=''):
    """Like `printf %s v > p`: exactly v (how rtslib writes)."""
    return ('write', p, v, e, note)


def read(p, e='OK', note=''):
    return ('read', p, e, note)


def ls(p, e='OK', note=''):
    return ('listdir', p, e, note)


def ln(target, link, e='OK', note=''):
    return ('symlink', target, link, e, note)


def rm(p, e='OK', note=''):
    return ('unlink', p, e, note)


def dump(label):
    return ('dump', label, '', '')


FILEIO = 'core/fileio_0/disk1'
IBLOCK = 'core/iblock_0/disk2'
RAMDISK = 'core/rd_mcp_0/ram1'
USER = 'core/user_0/u1'


def backstore(hba, so, control, extra=(), early='EINVAL'):
    """One backstore: created, configured (control), enabled, with a dump at each stage.

    early: what enable before any control write gets (a user backstore enables
    at once, so its later enable is then the second one).
    """
    obj = 'core/%s/%s' % (hba, so)
    later = 'EEXIST' if early == 'OK' else 'OK'
    return ([mkdir('core/' + hba), mkdir(obj), dump('created'), read(obj + '/info'),
             echo(obj + '/enable', '1', early, 'enable before control')]
            + [echo(obj + '/control', c) for c in control] + list(extra)
            + [dump('configured'), echo(obj + '/enable', '1', later), dump('enabled'),
               echo(obj + '/enable', '1', 'EEXIST', 'second enable'),
               read(obj + '/enable'), read(obj + '/info')])


ISCSI_BASE = [mkdir('iscsi'), mkdir('iscsi/{IQN}'), mkdir('{T}')]
RAM_ENABLED = [mkdir('core/rd_mcp_0'), mkdir(RAMDISK), echo(RAMDISK + '/control', 'rd_pages=2048'),
               echo(RAMDISK + '/enable', '1')]

PORTALS = ISCSI_BASE + [
    dump('tpg'),
    mkdir('{T}/np/127.0.0.1:3260'), dump('portal'),
    read('{T}/np/127.0.0.1:3260/iser'),
    echo('{T}/np/127.0.0.1:3260/iser', '1'), read('{T}/np/127.0.0.1:3260/iser'), dump('iser-on'),
    echo('{T}/np/127.0.0.1:3260/iser', '0'), read('{T}/np/127.0.0.1:3260/iser'), dump('iser-off'),
    printf('{T}/np/127.0.0.1:3260/iser', '1'),
    mkdir('{T}/np/[::1]:3261'), mkdir('{T}/np/0.0.0.0:3262'),
    echo('{T}/np/0.0.0.0:3262/iser', '1'),
    mkdir('{T}/np/192.0.2.10:3260'),
    echo('{T}/np/192.0.2.10:3260/iser', '1', 'EADDRNOTAVAIL'),
    echo('{T}/np/127.0.0.1:3260/iser', '2', 'EINVAL'),
    ls('{T}/np'),
    echo('{T}/enable', '1'), dump('end'),
    rmdir('{T}/np/0.0.0.0:3262'), rmdir('{T}/np/127.0.0.1:3260'), dump('removed'),
]

ACL_CHAP = ISCSI_BASE + RAM_ENABLED + [
    mkdir('{T}/lun/lun_0'), ln(RAMDISK, '{T}/lun/lun_0/ram1_link'),
    mkdir('{A}'), dump('acl'),
    mkdir('{A}/lun_0'), ln('{T}/lun/lun_0', '{A}/lun_0/map'), echo('{A}/lun_0/write_protect', '1'),
    printf('{A}/auth/userid', 'alice'), printf('{A}/auth/password', 'secret1'),
    read('{A}/auth/authenticate_target'),
    printf('{A}/auth/userid_mutual', 'bob'), read('{A}/auth/authenticate_target'),
    printf('{A}/auth/password_mutual', 'secret2'), read('{A}/auth/authenticate_target'),
    read('{A}/auth/userid'), read('{A}/auth/password_mutual'), dump('mutual'),
    printf('{T}/auth/userid', 'tu'), printf('{T}/auth/password', 'tp'),
    printf('{T}/auth/userid_mutual', 'tmu'), printf('{T}/auth/password_mutual', 'tmp'),
    read('{T}/auth/authenticate_target'), echo('{T}/attrib/authentication', '1'),
    echo('{A}/cmdsn_depth', '64'), printf('{A}/tag', 'mytag'), dump('tpg-auth'),
    printf('{A}/auth/userid_mutual', 'NULL'), read('{A}/auth/userid_mutual'),
    read('{A}/auth/authenticate_target'), printf('{A}/auth/userid', '{S256}', 'EINVAL'),
    dump('cleared'),
    rmdir('{A}', 'ENOTEMPTY'), rm('{A}/lun_0/map'), rmdir('{A}/lun_0'), rmdir('{A}'), dump('removed'),
]

DISCOVERY = [
    mkdir('iscsi'), dump('fresh'),
    read('iscsi/discovery_auth/userid'), read('iscsi/discovery_auth/authenticate_target'),
    printf('iscsi/discovery_auth/userid', 'du'), printf('iscsi/discovery_auth/password', 'dp'),
    printf('iscsi/discovery_auth/userid_mutual', 'dmu'),
    printf('iscsi/discovery_auth/password_mutual', 'dmp'),
    echo('iscsi/discovery_auth/enforce_discovery_auth', '1'),
    read('iscsi/discovery_auth/authenticate_target'), dump('set'),
    printf('iscsi/discovery_auth/userid_mutual', 'NULL'),
    read('iscsi/discovery_auth/userid_mutual'), read('iscsi/discovery_auth/authenticate_target'),
    echo('iscsi/discovery_auth/enforce_discovery_auth', '2', 'EINVAL'),
    echo('iscsi/discovery_auth/enforce_discovery_auth', '0'), dump('cleared'),
]

LOOPBACK = RAM_ENABLED + [
    mkdir('loopback'), dump('fabric'), mkdir('{LW}'), mkdir('{L}'), dump('tpg'),
    read('{L}/nexus', 'ENODEV', 'no nexus yet'), echo('{L}/nexus', 'naa.5001405abcdef012'),
    read('{L}/nexus'),
    mkdir('{L}/lun/lun_0'), ln(RAMDISK, '{L}/lun/lun_0/ram1_link'), dump('lun'),
    echo('{L}/nexus', 'NULL', 'EPERM'), rm('{L}/lun/lun_0/ram1_link'), rmdir('{L}/lun/lun_0'),
    echo('{L}/nexus', 'NULL'), read('{L}/nexus', 'ENODEV'), dump('nexus-dropped'),
]

# pscsi needs a SCSI device: a loopback LUN over a ramdisk gives the guest /dev/sda,
# on a SCSI host whose number depends on history, so it is read from the tpg's
# `address` ("H:C:T") into {SCSIHOST}.
PSCSI = LOOPBACK[:len(RAM_ENABLED)] + [
    mkdir('loopback'), mkdir('{LW}'), mkdir('{L}'), echo('{L}/nexus', 'naa.5001405abcdef012'),
    mkdir('{L}/lun/lun_0'), ln(RAMDISK, '{L}/lun/lun_0/ram1_link'),
    ('let', 'SCSIHOST', '{L}/address', r'^(\d+):', 'OK', 'SCSI host of the loopback LUN'),
    mkdir('core/pscsi_0'), mkdir('core/pscsi_0/pt'), dump('created'),
    echo('core/pscsi_0/pt/control',
         'scsi_host_id={SCSIHOST},scsi_channel_id=0,scsi_target_id=1,scsi_lun_id=0'),
    echo('core/pscsi_0/pt/enable', '1', 'EINVAL', 'udev_path not set yet'),
    printf('core/pscsi_0/pt/udev_path', '/dev/sda'), dump('configured'),
    echo('core/pscsi_0/pt/enable', '1'), dump('enabled'),
    # pass-through object first: then the loopback LUN under it can go
    rmdir('core/pscsi_0/pt'), rmdir('core/pscsi_0'),
]

EXTRA_INVALID = [
    rmdir('core', 'EPERM', 'kernel-made top group'),
    rmdir('core/alua/lu_gps/default_lu_gp', 'EPERM'),
    mkdir('core/alua/lu_gps/lug1', 'OK', 'user LU group'),
    echo('core/alua/lu_gps/lug1/lu_gp_id', '7'), read('core/alua/lu_gps/lug1/lu_gp_id'),
    echo('version', 'x', 'EACCES', 'read-only file'),
    echo('core/nonexistent_file', '1', 'ENOENT', 'backend write does not create files'),
    rmdir('core/fileio_9', 'ENOENT'), rm('core/fileio_9', 'ENOENT'),
    read('core/fileio_9/info', 'ENOENT'), ls('iscsi', 'ENOENT', 'no fabric dir yet'),
    mkdir('core/fileio_0'), mkdir(FILEIO), read(FILEIO + '/control', 'EACCES', 'write-only file'),
    echo(FILEIO + '/control', 'fd_dev_name={W}/file1,fd_dev_size=1048576'),
    echo(FILEIO + '/attrib/block_size', '1000', 'EINVAL', 'not a power of two'),
    echo(FILEIO + '/attrib/block_size', '4096'),
    echo(FILEIO + '/enable', '1'), read(FILEIO + '/attrib/block_size'),
    echo(FILEIO + '/attrib/emulate_tpu', '2', 'EINVAL'),
    echo(FILEIO + '/attrib/emulate_write_cache', 'x', 'EINVAL'),
    echo(FILEIO + '/attrib/max_unmap_lba_count', '-5', 'EINVAL'),
    echo(FILEIO + '/wwn/vpd_unit_serial', '{S256}', 'EOVERFLOW'),
    echo(FILEIO + '/alua_lu_gp', 'nosuchgroup', 'ENODEV'),
    echo(FILEIO + '/alua_lu_gp', 'lug1'), read(FILEIO + '/alua_lu_gp'),
    mkdir(FILEIO + '/alua/tpg_x'), echo(FILEIO + '/alua/tpg_x/tg_pt_gp_id', '0', 'OK'),
    echo(FILEIO + '/alua/tpg_x/tg_pt_gp_id', '65536', 'EINVAL'),
    echo(FILEIO + '/alua/tpg_x/alua_access_state', '9', 'EINVAL'),
    echo(FILEIO + '/alua/tpg_x/alua_access_type', '5', 'EINVAL'),
    rmdir(FILEIO + '/alua/default_tg_pt_gp', 'EPERM'),
    mkdir('iscsi'), mkdir('iscsi/{IQN}'), mkdir('{T}'),
    mkdir('{T}/lun/lun_0'), ln('core/fileio_0', '{T}/lun/lun_0/x', 'EFAULT', 'link to an HBA dir'),
    ln(FILEIO, '{T}/lun/lun_0/a'), ln(FILEIO, '{T}/lun/lun_0/b', 'EEXIST'),
    echo('{T}/lun/lun_0/alua_tg_pt_gp', 'nosuchgroup', 'ENODEV'),
    echo('{T}/lun/lun_0/alua_tg_pt_gp', 'tpg_x'), read('{T}/lun/lun_0/alua_tg_pt_gp'),
    mkdir('{T}/acls/iqn.1994-05.com.redhat:client'), mkdir('{A}/lun_3'),
    ln(FILEIO, '{A}/lun_3/m', 'EFAULT', 'mapped lun to a backstore'),
    ln('{T}/lun/lun_7', '{A}/lun_3/m', 'ENOENT'),
    ln('{T}/lun/lun_0', '{A}/lun_3/m'), echo('{A}/lun_3/write_protect', 'x', 'EINVAL'),
    rmdir('{T}/lun/lun_0', 'EBUSY'), rmdir('core/fileio_0', 'ENOTEMPTY'),
    rmdir(FILEIO, 'EBUSY'),
    echo('{T}/param/MaxBurstLength', '511', 'EINVAL'), echo('{T}/param/HeaderDigest', 'CRC32C'),
    echo('{T}/param/HeaderDigest', 'MD5', 'EINVAL'), echo('{T}/param/InitialR2T', 'maybe', 'EINVAL'),
    echo('{T}/attrib/login_timeout', '0', 'EINVAL'), echo('{T}/attrib/tpg_enabled_sendtargets', '3', 'EINVAL'),
    echo('{T}/enable', 'yes', 'OK', 'kstrtobool: y/yes/on enable'), read('{T}/enable', 'OK:1\n'),
    echo('{T}/enable', 'maybe', 'EINVAL'),
    dump('end'),
]


def tables(*names):
    rows = []
    for n in names:
        rows += load_table(n)
    return rows


def seed_with_snapshots():
    """The seed workflow (kernel-6.1 recording) with dumps where its tree files were taken."""
    rows = load_table('seed-6.1.tsv')
    out = []
    for row in rows:
        if row[0] == 'write' and row[1] == 'core/fileio_0/disk1/enable':
            out.append(dump('backstores-before-enable'))
        if row[0] == 'mkdir' and row[1] == 'iscsi':
            out.append(dump('backstores-enabled'))
        out.append(row)
        if row[0] == 'mkdir' and row[1].endswith('/tpgt_1') and row[1].startswith('iscsi/'):
            out.append(dump('new-tpg'))
    return out + [dump('end')]


# The fabric-* workloads (tests/fidelity/fabrics.py) join once their real-kernel run is in
# data/real-kernel.json.gz; their reference files are in tests/data/reference/kernel-6.1-fabrics.
WITH_FABRICS = True


def workloads(with_fabrics=None):
    """[(name, rows)] in the order they run (each on an emptied tree)."""
    with_fabrics = WITH_FABRICS if with_fabrics is None else with_fabrics
    return [
        ('discovery-auth', DISCOVERY),      # first: discovery auth is module-global state
        ('seed', seed_with_snapshots()),
        ('backstore-fileio', backstore('fileio_0', 'disk1',
                                       ['fd_dev_name={W}/file1,fd_dev_size=67108864'])),
        ('backstore-iblock', backstore('iblock_0', 'disk2', ['udev_path={LOOP}'],
                                       [printf(IBLOCK + '/udev_path', '{LOOP}')])),
        ('backstore-rd_mcp', backstore('rd_mcp_0', 'ram1', ['rd_pages=2048'])),
        ('backstore-user', backstore('user_0', 'u1', ['dev_config=file/{W}/u1,dev_size=1048576'],
                                     early='OK')),
        ('iscsi-portals', PORTALS),
        ('acl-chap', ACL_CHAP),
        ('loopback-nexus', LOOPBACK),
        ('invalid-extra', EXTRA_INVALID),
        ('errors-6.1', tables('seed-6.1.tsv', 'errors-6.1.tsv') + [dump('end')]),
        ('probes', tables('probes-seed.tsv') + [dump('seeded')] + tables('probes-errors.tsv')
         + [dump('end')]),
        ('backstore-pscsi', PSCSI),
    ] + (fabrics.workloads() if with_fabrics else [])
