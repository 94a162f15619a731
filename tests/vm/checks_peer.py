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


@check
def peer_ls_shows_our_objects(ctx, log):
    """targetcli-fb's ls (rtslib-fb reading configfs) shows every object our ls shows."""
    tcli, peer = TargetCLI(ctx, log), PeerCLI(log)
    build_tree(ctx, tcli)
    ours = ls_paths(output(tcli('ls')))
    theirs = ls_paths(output(peer('ls')))
    only_ours = sorted(objects(ours) - objects(theirs))
    only_theirs = sorted(objects(theirs) - objects(ours))
    log('LS ours %d objects, targetcli-fb %d; only ours: %s; only theirs: %s'
        % (len(objects(ours)), len(objects(theirs)), only_ours, only_theirs))
    extra = sorted(set(theirs) - set(ours))
    if extra:
        log('NOTE listed only by targetcli-fb (not compared): %s' % extra[:12])
    expect(not only_ours and not only_theirs,
           'ls differs: only ours %s, only targetcli-fb %s' % (only_ours, only_theirs))
    return {'objects': len(objects(ours))}


def _round_trip(ctx, log, save_tool, save_name, restore_tool):
    """save with one tool, clear and restore with the other: the tree must be identical."""
    before = whole_tree(ctx.fs)
    save_file = os.path.join(ctx.scratch, save_name)
    if os.path.exists(save_file):
        os.unlink(save_file)
    save_tool('saveconfig %s' % save_file)
    expect(os.path.isfile(save_file), 'saveconfig wrote no %s' % save_file)
    restore_tool('clearconfig confirm=True')
    left = leftovers(ctx.fs)
    expect(not left, 'clearconfig left objects: %s' % left)
    restore_tool('restoreconfig %s' % save_file)
    diff = tree_diff(before, whole_tree(ctx.fs))
    log('TREE after restore %s tree before save (%d entries)%s'
        % ('==' if not diff else '!=', len(before), '' if not diff else ':'))
    for line in diff:
        log('    ' + line)
    expect(not diff, 'restored tree differs:\n' + '\n'.join(diff))
    return {'entries': len(before)}


@check
def peer_save_restored_by_ours(ctx, log):
    """targetcli-fb saves our tree; our clearconfig + restoreconfig give it back identical."""
    tcli, peer = TargetCLI(ctx, log), PeerCLI(log)
    build_tree(ctx, tcli)
    return _round_trip(ctx, log, peer, 'peer-saved.json', tcli)


@check
def our_save_restored_by_peer(ctx, log):
    """Our saveconfig; targetcli-fb's clearconfig + restoreconfig give the tree back identical."""
    tcli, peer = TargetCLI(ctx, log), PeerCLI(log)
    build_tree(ctx, tcli)
    return _round_trip(ctx, log, tcli, 'our-saved.json', peer)


# Late: the D-Bus daemon and the /etc overlay made here stay for the rest of
# the boot; other modules' checks expect the guest as the harness set it up.
ORDER = 90
CHECKS = [peer_ls_shows_our_objects, peer_save_restored_by_ours, our_save_restored_by_peer]
