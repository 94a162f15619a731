"""Tear a target tree down to its empty state through the backend interface.

Works on RealConfigFS and SimConfigFS alike: symlinks first, then directories
depth-first, repeated until a pass changes nothing (the kernel refuses a LUN
while mapped LUNs use it, a backstore while a LUN links it, so order needs
passes).  Kernel-made groups (attrib, auth, ...) refuse rmdir with EPERM and
vanish with their parent; those errors are expected and ignored.
"""


def _links_and_dirs(fs, path):
    links, dirs = [], []
    for name in fs.listdir(path):
        child = '%s/%s' % (path, name) if path else name
        if fs.islink(child):
            links.append(child)
        elif fs.isdir(child):
            dirs.append(child)
    return links, dirs


def _remove_pass(fs, path):
    """One depth-first pass under `path`; returns how many entries went away."""
    removed = 0
    links, dirs = _links_and_dirs(fs, path)
    for link in links:
        try:
            fs.unlink(link)
            removed += 1
        except OSError:
            pass
    for d in dirs:
        removed += _remove_pass(fs, d)
        try:
            fs.rmdir(d)
            removed += 1
        except OSError:
            pass
    return removed


# iSCSI discovery auth lives in iscsi_target_mod, not in the fabric dir: it
# survives rmdir/mkdir of iscsi/, so it is put back to its defaults by hand.
DISCOVERY_DEFAULTS = [('userid', 'NULL'), ('password', 'NULL'), ('userid_mutual', 'NULL'),
                      ('password_mutual', 'NULL'), ('enforce_discovery_auth', '0')]


def reset_discovery_auth(fs):
    if not fs.isdir('iscsi/discovery_auth'):
        return
    for name, value in DISCOVERY_DEFAULTS:
        try:
            fs.write('iscsi/discovery_auth/' + name, value)
        except OSError:
            pass


def clear_tree(fs, max_passes=6):
    """Remove every user-made object (fabrics first, then core). Returns entries removed."""
    total = 0
    reset_discovery_auth(fs)
    for _ in range(max_passes):
        n = 0
        for top in [t for t in fs.listdir('') if t != 'core'] + ['core']:
            if fs.isdir(top):
                n += _remove_pass(fs, top)
                if top != 'core':
                    try:
                        fs.rmdir(top)
                        n += 1
                    except OSError:
                        pass
        total += n
        if n == 0:
            break
    return total
