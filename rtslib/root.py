"""RTSRoot: the whole LIO tree, its listings, and save/restore entry points.

Listings are generators that read only what they yield.  The bodies of
save/restore/clear live in rtslib/saveconfig; RTSRoot keeps rtslib-fb's
method names and hands over to it.
"""

from rtslib import locks
from rtslib.errors import RTSLibError
from rtslib.fabric import FabricModule
from rtslib.node import CFSNode, dump_children
from rtslib.hba import forget_all
from rtslib.storage import all_storage_objects

# rtslib-fb's root.default_save_file (rtslib_fb/root.py); ours is saveconfig.default_save_file()
DEFAULT_SAVE_FILE = '/etc/target/saveconfig.json'


def _every(parents, children):
    """A listing property: each of `children` of each of `parents`, read lazily."""
    def listing(self):
        for parent in getattr(self, parents):
            yield from getattr(parent, children)
    return property(listing, doc=f'Every {children[:-1]} of every {parents[:-1]} (generator).')


class RTSRoot(CFSNode):
    """The root of the target tree (/sys/kernel/config/target)."""

    _default_dbroot = '/var/target'
    _preferred_dbroot = '/etc/target'

    def __init__(self, fs=None):
        super().__init__(fs)
        if not self.fs.isdir(''):
            if not self.fs.simulated:
                import subprocess   # here, not at import: only an unloaded LIO needs it
                subprocess.run(['modprobe', 'target_core_mod'], capture_output=True,
                               check=False)
            if not self.fs.isdir(''):
                raise RTSLibError(f'{self.path} does not exist: load the LIO core module '
                                  f'(modprobe target_core_mod) and mount configfs '
                                  f'(mount -t configfs none /sys/kernel/config)')
        self._set_dbroot()

    def _set_dbroot(self):
        """Point the kernel's dbroot at /etc/target as rtslib-fb does.  The kernel
        refuses once devices are registered; the old value then stays, silently."""
        try:
            if self.fs.read('dbroot').strip() != self._preferred_dbroot:
                self.fs.write('dbroot', self._preferred_dbroot + '\n')
        except OSError:
            pass

    def __str__(self):
        return 'rtslib'

    def _label(self):
        return 'the target root'

    # -- listings (generators) ------------------------------------------------
    @property
    def fabric_modules(self):
        return FabricModule.all(fs=self.fs)

    targets = _every('fabric_modules', 'targets')

    @property
    def storage_objects(self):
        return all_storage_objects(self.fs)

    alua_tpgs = _every('storage_objects', 'alua_tpgs')
    tpgs = _every('targets', 'tpgs')
    node_acls = _every('tpgs', 'node_acls')
    node_acl_groups = _every('tpgs', 'node_acl_groups')
    mapped_lun_groups = _every('node_acl_groups', 'mapped_lun_groups')
    mapped_luns = _every('node_acls', 'mapped_luns')
    network_portals = _every('tpgs', 'network_portals')
    luns = _every('tpgs', 'luns')
    sessions = _every('tpgs', 'sessions')

    @property
    def dbroot(self):
        return self._read_optional('dbroot', self._default_dbroot).strip()

    # -- save / restore (bodies in rtslib.saveconfig) ---------------------------
    def dump(self, warn=None, storage_objects_seen=None):
        """The whole configuration as rtslib-fb's saveconfig.json document.

        warn: tolerant (saveconfig's): what cannot be read (a broken link, an
        unreadable attribute) is reported through warn(message) and left out.
        storage_objects_seen: a list the storage objects are added to (apply
        writes to them without looking each up again)."""
        from rtslib.storage import so_mapping
        # storage objects under their plugins' locks (none half made), then each
        # TPG under its own (TPG.dump): a dump beside one-shot commands restores
        with locks.all_backstores(self.fs, (cls.plugin for cls in so_mapping.values())):
            storage_objects = dump_children(self, 'storage_objects', warn,
                                            lambda so: f'storage object {so.plugin}/{so.name}',
                                            storage_objects_seen)
        return {
            'fabric_modules': dump_children(self, 'saved_fabric_modules', warn,
                                            lambda fm: f'fabric module {fm.name}'),
            'storage_objects': storage_objects,
            'targets': dump_children(self, 'targets', warn, lambda t: f'target {t.wwn}'),
        }

    @property
    def saved_fabric_modules(self):
        """The fabrics a save keeps: as rtslib-fb, only for their discovery auth, and
        only where it is enabled."""
        return (fm for fm in self.fabric_modules if fm.saved)

    def clear_existing(self, target=None, storage_object=None, confirm=False):
        if not confirm:
            raise RTSLibError('As a precaution, confirm=True needs to be set')
        from rtslib import saveconfig
        return saveconfig.clear_existing(self, target=target, storage_object=storage_object,
                                         confirm=True)

    def restore(self, config, target=None, storage_object=None, clear_existing=False,
                abort_on_error=False):
        from rtslib import saveconfig
        return saveconfig.restore(self, config, target=target, storage_object=storage_object,
                                  clear_existing=clear_existing, abort_on_error=abort_on_error)

    def save_to_file(self, save_file=None, so_path=None):
        from rtslib import saveconfig
        return saveconfig.save_to_file(self, save_file, so_path=so_path)

    def restore_from_file(self, restore_file=None, clear_existing=True, target=None,
                          storage_object=None, abort_on_error=False):
        from rtslib import saveconfig
        return saveconfig.restore_from_file(self, restore_file, clear_existing=clear_existing,
                                            target=target, storage_object=storage_object,
                                            abort_on_error=abort_on_error)

    def invalidate_caches(self):
        """Forget remembered HBA indexes (another process may have changed core/)."""
        forget_all()
