"""Save/restore on the real kernel (issue 5): what the simulator tests show,
proved against LIO itself.

- save -> clear -> restore of targetcli-fb's own saveconfig.json gives the
  identical kernel tree;
- a restore that the kernel refuses half-way (a portal on an address the
  guest does not have) leaves the tree exactly as it was, on an empty kernel
  and over an existing configuration (clear_existing=True).

Uses rtslib.saveconfig directly on ctx.fs; trees are compared with
e2e_guest.whole_tree (HBA indexes and link names normalised).
"""
import copy
import json
import os

from e2e_guest import check, expect, leftovers, tree_diff, whole_tree

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data',
                    'peer-2.1.53-saveconfig.json')
# the kernel numbers or generates these anew for every re-created object
VOLATILE = ('/nexus', '/address', '/hba_info')


def _tree(ctx):
    return {k: v for k, v in whole_tree(ctx.fs).items() if not k.endswith(VOLATILE)}


def _peer_doc(ctx):
    """targetcli-fb's file, pointed at this guest's loop device and scratch file."""
    with open(DATA) as f:
        doc = json.load(f)
    for so in doc['storage_objects']:
        if so['plugin'] == 'block':
            so['dev'] = ctx.loop_device()
        if so['plugin'] == 'fileio':
            so['dev'] = os.path.join(ctx.scratch, 'save_file1')
    if not os.path.isdir('/sys/module/ib_isert'):
        for t in doc['targets']:
            for tpg in t['tpgs']:
                for portal in tpg['portals']:
                    portal['iser'] = False
    return doc


def _root(ctx):
    from rtslib import RTSRoot
    return RTSRoot(fs=ctx.fs)


def _refused_half_way(doc):
    doc = copy.deepcopy(doc)
    doc['targets'].reverse()
    # the kernel refuses a TPG attribute out of range (EINVAL, as recorded in
    # kernel-6.1/errors.tsv); validation leaves values to the kernel
    doc['targets'][1]['tpgs'][0]['attributes']['authentication'] = 2
    return doc


@check
def save_clear_restore_is_identical(ctx, log):
    from rtslib.saveconfig import clear_existing, restore, restore_from_file, save_to_file
    root = _root(ctx)
    expect(restore(root, _peer_doc(ctx), clear_existing=True) == [], 'restore reported problems')
    before = _tree(ctx)
    path = os.path.join(ctx.scratch, 'save-test.json')
    expect(save_to_file(root, path) == [], 'save reported problems')
    clear_existing(root, confirm=True)
    left = leftovers(ctx.fs)
    expect(not left, 'clear left: %s' % left)
    expect(restore_from_file(root, path) == [], 'restore reported problems')
    diff = tree_diff(before, _tree(ctx))
    log('TREE after save/clear/restore %s before (%d entries)' % ('!=' if diff else '==',
                                                                  len(before)))
    for line in diff:
        log('    ' + line)
    expect(not diff, 'restored tree differs:\n' + '\n'.join(diff))
    return {'entries': len(before)}


@check
def refused_restore_leaves_tree_as_before(ctx, log):
    from rtslib.saveconfig import RestoreFailed, restore
    root = _root(ctx)
    bad = _refused_half_way(_peer_doc(ctx))
    results = {}
    for label, setup in (('empty kernel', None), ('existing configuration', _peer_doc(ctx))):
        if setup is not None:
            expect(restore(root, setup, clear_existing=True) == [], 'setup restore failed')
        before = _tree(ctx)
        try:
            restore(root, bad, clear_existing=True)
        except RestoreFailed as e:
            log('%s: refused as expected: %s' % (label, str(e)[:300]))
        else:
            expect(False, '%s: the bad restore was not refused' % label)
        diff = tree_diff(before, _tree(ctx))
        log('TREE after refused restore (%s) %s before (%d entries)'
            % (label, '!=' if diff else '==', len(before)))
        for line in diff:
            log('    ' + line)
        expect(not diff, '%s: tree changed:\n%s' % (label, '\n'.join(diff)))
        results[label] = len(before)
    return {'entries': results}


CHECKS = [save_clear_restore_is_identical, refused_restore_leaves_tree_as_before]
