"""Every attribute file of every recorded object kind: same mode and value as the
kernel's attributes.tsv (both recordings), after the same creation steps."""

from rtslib.simkernel import SimConfigFS
from sim_helpers import tmp_path  # noqa: F401  (sim dirs on tmpfs: much faster)
from sim_helpers import (kernel61_stages, object_files,
                         parse_command, ref_path, run, seed_ops, seed_script,
                         base_variables)



# (kind, path inside the object) -> why the value is the host's, not the kernel's
HOST_SPECIFIC = {
    ('backstore fileio (right after mkdir, no control)', 'statistics/scsi_lu/creation_time'):
        'uninitialised jiffies value before enable',
    ('backstore fileio (enabled)', 'statistics/scsi_lu/creation_time'): 'jiffies at enable',
    ('backstore iblock (enabled)', 'statistics/scsi_lu/creation_time'): 'jiffies at enable',
    ('backstore rd_mcp (enabled)', 'statistics/scsi_lu/creation_time'): 'jiffies at enable',
    ('backstore user/TCMU (enabled)', 'statistics/scsi_lu/creation_time'): 'jiffies at enable',
    ('iscsi mapped lun (linked)', 'statistics/scsi_auth_intr/creation_time'):
        'jiffies at mapping',
    ('loopback lun (linked to rd_mcp)', 'statistics/scsi_tgt_port/in_cmds'):
        'commands the guest SCSI layer sent to the tcm_loop disk',
}
CREATION_TIME_BEFORE_ENABLE = 'statistics/scsi_lu/creation_time'

# kinds the probes recording took outside its seed script: the ops that lead there,
# run after the seed script's first N ops (N = ops before the named snapshot)
USER_OPS = ['mkdir $C/core/user_0', 'mkdir $C/core/user_0/u1',
            'echo dev_config=file//mnt/w/u1,dev_size=1048576 > $C/core/user_0/u1/control']
EXTRA = {'backstore user/TCMU (control written, before enable)': USER_OPS,
         'backstore user/TCMU (enabled)': USER_OPS + ['echo 1 > $C/core/user_0/u1/enable']}


def load_tsv(recording):
    rows = {}
    with open(ref_path(recording, 'attributes.tsv')) as f:
        lines = [ln.rstrip('\n') for ln in f if not ln.startswith('#')]
    for ln in lines[1:]:
        cols = ln.split('\t')
        if recording == 'kernel-6.1-probes':
            kind, group, name, mode, value = cols
            relpath = name if group == '.' else group + '/' + name
        else:
            kind, relpath, mode, value = (cols + [''])[:4]
        rows.setdefault(kind, {})[relpath] = (mode, value)
    return rows


def compare(kind, want, got):
    problems = []
    for relpath in sorted(set(want) | set(got)):
        w, g = want.get(relpath), got.get(relpath)
        if w and g and (kind, relpath) in HOST_SPECIFIC:
            g, w = g[0], w[0]
        if w != g:
            problems.append('%s: kernel %r, sim %r' % (relpath, w, g))
    return problems


def probes_snapshots(tmp_path):
    fs = SimConfigFS(str(tmp_path / 'sim'))
    seen, done = {}, 0
    for item in seed_script('kernel-6.1-probes'):
        if item[0] == 'op':
            run(fs, item[2])
            done += 1
        else:
            seen[item[2]] = object_files(fs, item[1], 'probes')
            seen[item[2] + ' @ops'] = done
    root = object_files(SimConfigFS(str(tmp_path / 'empty')), '', 'probes')
    seen['core (modules loaded, nothing created)'] = {
        k[len('core/'):]: v for k, v in root.items() if k.startswith('core/')}
    variables = base_variables()
    before = seen['backstore rd_mcp (enabled) @ops']
    for kind, extra in EXTRA.items():
        fs = SimConfigFS(str(tmp_path / kind.replace('/', '_').replace(' ', '_')))
        for _, op, _ in seed_ops('kernel-6.1-probes')[:before]:
            run(fs, op)
        for text in extra:
            assert run(fs, parse_command(text, variables)) == 'OK', text
        seen[kind] = object_files(fs, 'core/user_0/u1', 'probes')
    return seen


def test_probes_attributes(tmp_path):
    want = load_tsv('kernel-6.1-probes')
    seen = probes_snapshots(tmp_path)
    problems = []
    for kind, rows in sorted(want.items()):
        assert kind in seen, 'no snapshot for %s' % kind
        problems += ['[%s] %s' % (kind, p) for p in compare(kind, rows, seen[kind])]
    assert not problems, '\n'.join(problems)


# kernel-6.1: kind -> (object path, when: a stage tree name or 'end' of the seed)
IQN = 'iscsi/iqn.2003-01.org.linux-iscsi.test.x8664:sn.0123456789ab'
K61 = {
    'backstore fileio before enable': ('core/fileio_0/disk1', 'tree-1-backstores-before-enable.txt'),
    'backstore iblock before enable': ('core/iblock_0/disk2', 'tree-1-backstores-before-enable.txt'),
    'backstore rd_mcp before enable': ('core/rd_mcp_0/ram1', 'tree-1-backstores-before-enable.txt'),
    'backstore user before enable': ('core/user_0/u1', 'tree-1-backstores-before-enable.txt'),
    'backstore fileio enabled': ('core/fileio_0/disk1', 'tree-2-backstores-enabled.txt'),
    'backstore iblock enabled': ('core/iblock_0/disk2', 'tree-2-backstores-enabled.txt'),
    'backstore rd_mcp enabled': ('core/rd_mcp_0/ram1', 'tree-2-backstores-enabled.txt'),
    'backstore user enabled': ('core/user_0/u1', 'tree-2-backstores-enabled.txt'),
    'iscsi tpg (new)': (IQN + '/tpgt_1', 'tree-3-new-tpg.txt'),
    'iscsi target (new)': (IQN, 'tree-3-new-tpg.txt'),
    'iscsi fabric': ('iscsi', 'tree-3-new-tpg.txt'),
    'iscsi node acl': (IQN + '/tpgt_1/acls/iqn.1994-05.com.redhat:client', 'end'),
    'iscsi mapped lun': (IQN + '/tpgt_1/acls/iqn.1994-05.com.redhat:client/lun_0', 'end'),
    'iscsi tpg lun': (IQN + '/tpgt_1/lun/lun_0', 'end'),
    'iscsi portal (iser on)': (IQN + '/tpgt_1/np/127.0.0.1:3260', 'end'),
    'loopback tpg': ('loopback/naa.5001405123456789/tpgt_1', 'end'),
}


def test_kernel61_attributes(tmp_path):
    want = load_tsv('kernel-6.1')
    stages = dict(kernel61_stages(), end=None)
    problems = []
    for stage, count in sorted(stages.items(), key=lambda kv: kv[1] or 10 ** 6):
        fs = SimConfigFS(str(tmp_path / stage))
        for _, op, _ in seed_ops('kernel-6.1')[:count]:
            run(fs, op)
        for kind, (obj, when) in K61.items():
            if when == stage:
                got = object_files(fs, obj, 'dump.py')
                problems += ['[%s] %s' % (kind, p) for p in compare(kind, want[kind], got)]
    assert set(K61) == set(want), 'kinds not covered: %s' % (set(want) - set(K61))
    assert not problems, '\n'.join(problems)
