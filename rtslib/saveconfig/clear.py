"""clearconfig: remove the configuration, children before parents.

The order is the kernel's: a mapped LUN links to a TPG LUN, a LUN links to a
storage object, so links go first, then the objects they point at.  A
failure is recorded and the rest is still attempted; the caller gets one
error listing what is left.
"""
import re

from rtslib import locks
from rtslib.saveconfig import objects
from rtslib.saveconfig.errors import RTSLibError, SaveConfigError

HBA_DIR = re.compile(r'^[a-z_]+_\d+$')  # fileio_0, iblock_1, rd_mcp_2, user_3 ...


def _children(objs, attr):
    out = []
    for obj in objs:
        out.extend(getattr(obj, attr))
    return out


class Clearer:
    def __init__(self, root, progress=None):
        self.root = root
        self.failures = []
        self.progress = progress    # a progress.Progress, or None

    def delete(self, obj, what, method='delete'):
        try:
            getattr(obj, method)()
        except (RTSLibError, OSError) as err:
            self.failures.append(f'{what}: {err}')
        if self.progress:
            self.progress.tick()

    def targets(self, targets):
        tpgs = _children(targets, 'tpgs')
        acls = _children(tpgs, 'node_acls')
        steps = [(_children(acls, 'mapped_luns'), 'mapped lun', 'delete'),
                 # the mapped LUNs are gone: no LUN needs to look for its own again
                 (_children(tpgs, 'luns'), 'lun', '_delete_unmapped'),
                 (acls, 'node acl', 'delete'),
                 (_children(tpgs, 'network_portals'), 'portal', 'delete'),
                 (tpgs, 'tpg', 'delete'),
                 (targets, 'target', 'delete')]
        if self.progress:
            self.progress.expect(sum(len(objs) for objs, _, _ in steps))
        for objs, what, method in steps:
            for obj in objs:
                self.delete(obj, f"{what} {getattr(obj, 'path', obj)}", method)

    def discovery_auth(self):
        for fm in self.root.fabric_modules:
            try:
                if fm.exists and fm.has_feature('discovery_auth'):
                    fm.clear_discovery_auth_settings()
            except (RTSLibError, OSError) as err:
                self.failures.append(f'discovery auth of {fm.name}: {err}')

    def storage_objects(self, sos):
        for so in sos:
            self.delete(so, f'storage object {objects.so_key(so)}')

    def hbas(self):
        fs = self.root.fs
        try:
            names = [n for n in fs.listdir('core') if HBA_DIR.match(n)]
        except OSError:
            return  # no core dir: nothing was ever created
        for name in names:
            try:
                fs.rmdir('core/' + name)
            except OSError as err:
                self.failures.append(f'hba core/{name}: {err.strerror}')


def clear_existing(root, target=None, storage_object=None, confirm=False, progress=None):
    """Remove the whole configuration, or only target=WWN / storage_object=NAME, under
    the whole tree's lock (exclusive): never beside a one-shot command's change.
    progress: a progress.Progress told of each object deleted."""
    if not confirm:
        raise SaveConfigError('As a precaution, confirm=True needs to be set: clearing '
                              'removes every target and storage object')
    with locks.tree(root.fs, exclusive=True):
        _clear(root, target, storage_object, progress)


def _clear(root, target, storage_object, progress):
    c = Clearer(root, progress)
    everything = not (target or storage_object)
    sos = [so for so in root.storage_objects
           if everything or storage_object in (so.name, objects.so_key(so))] \
        if everything or storage_object else []
    if progress:
        progress.expect(len(sos))   # listed first, so the total is known before targets go
    if everything or target:
        c.targets([t for t in root.targets if everything or t.wwn == target])
    if everything:
        c.discovery_auth()
    c.storage_objects(sos)
    if everything:
        c.hbas()
    if c.failures:
        raise SaveConfigError(f"clear incomplete, {len(c.failures)} object(s) left: "
                              f"{'; '.join(c.failures)}")
