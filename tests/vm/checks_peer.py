"""Peers agree (issue 6, point 6): Debian's targetcli-fb 2.1.53 / rtslib-fb 2.1.75 in
the same guest reads what our targetcli built, and save files move both ways.

Debian's targetcli runs with the distribution's /usr/bin/python3 (the host's
files, read-only over 9p), so it gets an environment without the harness's
PYTHONHOME.  It needs a system D-Bus and a writable $HOME and /etc; the
hostname is already liohost (with "(none)" its IQN parser fails).
"""
import os
import re

from e2e_guest import (INITIATOR, TargetCLI, check, expect, host_env, iscsi_target,
                       leftovers, mask, output, run, tree_diff, whole_tree, writable_etc)

# Debian's python3 and its packages on the guest tmpfs (bind-mounted over the
# 9p originals by the harness): over 9p each targetcli-fb start took ~55 s
# under a loaded TCG host, from tmpfs a few seconds.
GUEST_TREES = ['/usr/lib/python3/dist-packages', '/usr/lib/python3.11']

PEER = '/usr/sbin/targetcli' if os.path.exists('/usr/sbin/targetcli') else '/usr/bin/targetcli'
PEER_HOME = '/run/e2e-peer-home'
BASE = 'iqn.2003-01.org.example.peer'


class PeerCLI:
    """Debian's targetcli, one-shot, logged like ours as `$ targetcli-fb ...`."""

    def __init__(self, log):
        self.log = log
        writable_etc()
        os.makedirs(PEER_HOME, exist_ok=True)
        if not os.path.exists('/run/dbus/system_bus_socket'):
            os.makedirs('/run/dbus', exist_ok=True)
            res = run(['dbus-daemon', '--system', '--fork'])
            expect(res.returncode == 0, 'dbus-daemon: ' + output(res))
        self.env = host_env(PEER_HOME)
        expect(os.path.exists(PEER), 'Debian targetcli-fb is not installed on the host '
               '(apt-get install targetcli-fb)')

    def __call__(self, cmdline, ok=True):
        res = run([PEER] + cmdline.split(), env=self.env, timeout=300)
        # rtslib-fb warns on stderr that it cannot move dbroot: not an error
        text = '\n'.join(ln for ln in output(res).splitlines()
                         if 'dbroot' not in ln and not ln.startswith('  warn('))
        self.log('$ targetcli-fb %s  -> exit %d' % (cmdline, res.returncode))
        for line in text.splitlines()[:60]:
            self.log('    ' + line)
        expect(not ok or res.returncode == 0,
               'targetcli-fb %s: exit %d: %s' % (mask(cmdline), res.returncode, mask(text)))
        return res


def build_tree(ctx, tcli):
    """A tree with every kind of object both tools save: three backstores, two
    iSCSI targets (ACL with mutual CHAP and mapped LUNs; demo mode with an iSER
    portal), discovery auth, changed attributes and parameters, a loopback target."""
    loop = ctx.loop_device('peer_blk')
    path = os.path.join(ctx.scratch, 'peer_file')
    if os.path.exists(path):
        os.unlink(path)
    tpg1, cmds1 = iscsi_target(BASE + ':acl')
    tpg2, cmds2 = iscsi_target(BASE + ':demo', port=3262)
    acl = '%s/acls/%s' % (tpg1, INITIATOR)
    # the port-3262 target first: its default portal 0.0.0.0:3260 could not
    # listen next to another target's 127.0.0.1:3260
    tcli.batch([
        '/backstores/fileio create name=peer_file file_or_dev=%s size=64M' % path,
        '/backstores/block create name=peer_block dev=%s' % loop,
        '/backstores/ramdisk create name=peer_ram size=16M',
        '/backstores/fileio/peer_file set attribute emulate_tpu=1',
    ] + cmds2 + [
        '%s/luns create /backstores/ramdisk/peer_ram' % tpg2,
        '%s/portals/127.0.0.1:3262 iser_enable' % tpg2,
        '%s set attribute authentication=0 demo_mode_write_protect=0 generate_node_acls=1 '
        'cache_dynamic_acls=1' % tpg2,
    ] + cmds1 + [
        '%s/luns create /backstores/fileio/peer_file' % tpg1,
        '%s/luns create /backstores/block/peer_block' % tpg1,
        '%s/acls create %s' % (tpg1, INITIATOR),
        '%s set auth userid=peer-user password=Peer-Secret-1 mutual_userid=peer-target '
        'mutual_password=Peer-Secret-2' % acl,
        '%s set attribute authentication=1' % tpg1,
        '%s set parameter MaxRecvDataSegmentLength=65536' % tpg1,
        '/iscsi set discovery_auth enable=1 userid=peer-disc password=Peer-Secret-3',
        '/loopback create naa.5001405e2e0f5eed',
        '/loopback/naa.5001405e2e0f5eed/luns create /backstores/fileio/peer_file',
    ])


_NODE = re.compile(r'^(?P<indent>[ |]*)o- (?P<name>\S+)')


def ls_paths(text):
    """The object paths an `ls` tree shows ('/iscsi/IQN/tpg1/luns/lun0', ...)."""
    stack, paths = [], []
    for line in text.splitlines():
        m = _NODE.match(line)
        if not m:
            continue
        depth = len(m.group('indent')) // 2
        stack[depth:] = [m.group('name')]
        if depth:
            paths.append('/' + '/'.join(stack[1:depth + 1]))
    return paths


def objects(paths):
    """Paths of objects a user made, and what holds them: fabrics and backstore kinds
    that are empty are left out (which ones a tool lists depends on its spec files),
    and so is the kernel-made ALUA group under each storage object."""
    keep = set()
    for p in paths:
        parts = p.strip('/').split('/')
        if 'alua' in parts:
            continue
        if len(parts) == 1 or (parts[0] == 'backstores' and len(parts) == 2):
            if not any(q.startswith(p + '/') for q in paths):
                continue
        keep.add(p)
    return keep


def compare_ls(log, ours_text, theirs_text):
    """Our ls and targetcli-fb's ls of the same tree list the same objects."""
    ours, theirs = ls_paths(ours_text), ls_paths(theirs_text)
    only_ours = sorted(objects(ours) - objects(theirs))
    only_theirs = sorted(objects(theirs) - objects(ours))
    same = not only_ours and not only_theirs
    log('LS ours %d objects, targetcli-fb %d; only ours: %s; only theirs: %s'
        % (len(objects(ours)), len(objects(theirs)), only_ours, only_theirs))
    extra = sorted(set(theirs) - set(ours))
    if extra:
        log('NOTE listed only by targetcli-fb (not compared): %s' % extra[:12])
    return {'ok': same, 'objects': len(objects(ours)), 'only_ours': only_ours,
            'only_theirs': only_theirs}


# A loopback TPG's nexus is not in rtslib-fb's save format (see
# /work/shared/reference/peer-2.1.53/saveconfig.json; ours follows it): each
# restore, by either tool, gives the TPG a new random nexus.
PEER_UNSAVED = re.compile(r'^loopback/[^/]+/tpgt_\d+/nexus$')


def compare_trees(log, what, before, after):
    diff = tree_diff({k: v for k, v in before.items() if not PEER_UNSAVED.match(k)},
                     {k: v for k, v in after.items() if not PEER_UNSAVED.match(k)})
    ignored = [k for k in before if PEER_UNSAVED.match(k) and before[k] != after.get(k)]
    log('TREE %s: after restore %s tree before save (%d entries)%s'
        % (what, '!=' if diff else '==', len(before), ':' if diff else ''))
    for line in diff:
        log('    ' + line)
    if ignored:
        log('NOTE not compared (not in the save format, new on every restore): %s' % ', '.join(ignored))
    return {'ok': not diff, 'entries': len(before), 'diff': diff}


def _save_path(ctx, name):
    path = os.path.join(ctx.scratch, name)
    if os.path.exists(path):
        os.unlink(path)
    return path


@check
def peer_agrees(ctx, log):
    """On one tree built by our targetcli: (1) targetcli-fb's ls shows the objects ours
    shows; (2) targetcli-fb's saveconfig, restored by our clearconfig + restoreconfig,
    gives the same tree; (3) our saveconfig, restored by targetcli-fb's clearconfig +
    restoreconfig, gives the same tree again.  One build serves all three (under TCG a
    build costs tens of seconds); each part is judged on its own."""
    tcli, peer = TargetCLI(ctx, log), PeerCLI(log)
    build_tree(ctx, tcli)
    out = {'ls': compare_ls(log, output(tcli('ls')), output(peer('ls')))}

    tree0 = whole_tree(ctx.fs)
    theirs = _save_path(ctx, 'peer-saved.json')
    peer('saveconfig %s' % theirs)
    expect(os.path.isfile(theirs), 'targetcli-fb saveconfig wrote no %s' % theirs)
    tcli.batch(['clearconfig confirm=True', 'restoreconfig %s' % theirs])
    tree1 = whole_tree(ctx.fs)
    out['their_save_our_restore'] = compare_trees(log, 'targetcli-fb save -> our restore',
                                                  tree0, tree1)

    ours = _save_path(ctx, 'our-saved.json')
    tcli('saveconfig %s' % ours)
    expect(os.path.isfile(ours), 'our saveconfig wrote no %s' % ours)
    peer('clearconfig confirm=True')
    left = leftovers(ctx.fs)
    expect(not left, 'targetcli-fb clearconfig left objects: %s' % left)
    peer('restoreconfig %s' % ours)
    out['our_save_their_restore'] = compare_trees(log, 'our save -> targetcli-fb restore',
                                                  tree1, whole_tree(ctx.fs))
    failed = [part for part, res in out.items() if not res['ok']]
    if failed:
        err = AssertionError('peers disagree in: %s' % ', '.join(failed))
        err.data = out                  # the tests judge each part from it
        raise err
    return out


# Late: the D-Bus daemon and the /etc overlay made here stay for the rest of
# the boot; other modules' checks expect the guest as the harness set it up.
ORDER = 90
CHECKS = [peer_agrees]
