"""vhost-scsi on the real kernel (issue 16 item 3): a target made with our targetcli
(create, LUNs, nexus), saved, cleared and restored by us, listed by Debian's
targetcli-fb 2.1.53 and restored by it from our save file.

rtslib-fb's save format has no nexus (see checks_peer.py): each restore gives
the TPG a new random one, so nexus values are compared as present, not equal.
"""
import os
import re

from checks_peer import PeerCLI, compare_ls
from e2e_guest import TargetCLI, check, expect, leftovers, tree_diff, whole_tree

# Debian's python3 for targetcli-fb, on the guest tmpfs (as checks_peer.py)
GUEST_TREES = ['/usr/lib/python3/dist-packages', '/usr/lib/python3.11']
ORDER = 90
WWN = 'naa.5001405e2e0f0a01'
TPG = '/vhost/%s/tpg1' % WWN


def _tree(fs):
    tree = whole_tree(fs)
    for key in list(tree):
        if key.endswith('/nexus'):
            tree[key] = 'naa.<nexus>' if tree[key].startswith('naa.') else tree[key]
    return tree


@check
def vhost_round_trip_and_peer(ctx, log):
    tcli = TargetCLI(ctx, log)
    path = os.path.join(ctx.scratch, 'vhost_file')
    if os.path.exists(path):
        os.unlink(path)
    tcli.batch(['/backstores/fileio create name=vh_file file_or_dev=%s size=32M' % path,
                '/backstores/ramdisk create name=vh_ram size=16M',
                '/vhost create %s' % WWN,
                '%s/luns create /backstores/fileio/vh_file' % TPG,
                '%s/luns create /backstores/ramdisk/vh_ram' % TPG])
    ours = tcli('ls /vhost').stdout
    expect(re.search(r'o- tpg1 \.+ \[naa\.[0-9a-f]{16}, no-gen-acls\]', ours),
           'TPG summary is not [nexus, no-gen-acls]: %s' % ours)
    expect('ERROR' not in ours, 'ls shows an ERROR row: %s' % ours)
    nexus = ctx.fs.read('vhost/%s/tpgt_1/nexus' % WWN).strip()
    log('NEXUS %s' % nexus)
    before = _tree(ctx.fs)
    save = os.path.join(ctx.scratch, 'vhost-save.json')
    tcli('saveconfig %s' % save)
    tcli('clearconfig confirm=true')
    expect(not leftovers(ctx.fs), 'clearconfig left %s' % leftovers(ctx.fs))
    tcli('restoreconfig %s' % save)
    diff = tree_diff(before, _tree(ctx.fs))
    expect(not diff, 'our restore differs: %s' % diff)
    log('ROUND TRIP save/clear/restore: same tree')
    peer = PeerCLI(log)
    theirs = peer('ls /vhost').stdout
    cmp = compare_ls(log, ours, theirs)
    expect(cmp['ok'], 'targetcli-fb lists other objects: %s' % cmp)
    tcli('clearconfig confirm=true')
    peer('restoreconfig %s' % save)
    diff = tree_diff(before, _tree(ctx.fs))
    expect(not diff, 'targetcli-fb restoring our save gives another tree: %s' % diff)
    log('PEER targetcli-fb restored our save: same tree')
    return {'ours': ours, 'theirs': theirs, 'compare': cmp}


CHECKS = [vhost_round_trip_and_peer]
