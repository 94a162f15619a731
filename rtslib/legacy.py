"""The older Datera rtslib API (the seed page's RTSlib script) over the same classes.

  backstore = IBlockBackstore(3, mode='create')      # core/iblock_3
  so = IBlockStorageObject(backstore, "sdb", "/dev/sdb", gen_wwn=True)
  FileIOStorageObject(backstore, name, dev, size)   # same class as rtslib-fb's:
  RDMCPStorageObject(backstore, name, size)          # a backstore first argument
                                                     # selects the old form
FabricModule('iSCSI'), Target(fabric, wwn), TPG(target, 1),
NetworkPortal(tpg, ip, "5060"), portal._set_iser_attr(1), tpg.lun(0, so, alias),
tpg.node_acl(wwn) and node_acl.mapped_lun(0, 0, False) are the library's own
classes and methods.  gen_wwn is accepted; a unit serial is always generated
(the kernel leaves it empty otherwise, and rtslib-fb always sets one).
"""
from rtslib.errors import RTSLibError
from rtslib.node import CFSNode
from rtslib.storage import BlockStorageObject, so_mapping


class Backstore(CFSNode):
    """An HBA directory core/<hba>_<index> that holds storage objects."""

    _legacy_backstore = True
    hba = None

    def __init__(self, index, mode='any', fs=None):
        super().__init__(fs)
        try:
            self.index = int(index)
        except ValueError:
            raise RTSLibError(f"Invalid backstore index '{index}': give a number") from None
        if self.index < 0:
            raise RTSLibError(f'Invalid backstore index {self.index}: it must be >= 0')
        self._cfs_path = f'core/{self.hba}_{self.index}'
        self._create_in_cfs(mode)

    plugin = property(lambda self: self.hba)
    name = property(lambda self: f'{self.hba}{self.index}')

    def _label(self):
        return f'backstore {self.hba}_{self.index}'

    @property
    def storage_objects(self):
        self._check_self()
        cls = so_mapping[self.hba]
        for name in self._listdir():
            if name not in ('hba_info', 'hba_mode') and self.fs.isdir(self._path_of(name)):
                yield cls._bind(self.fs, self.index, name)

    def delete(self):
        """Delete the backstore with its storage objects (nothing if it is gone)."""
        if not self.exists:
            return
        for so in list(self.storage_objects):
            so.delete()
        if self.exists:
            self._rmdir()


class IBlockBackstore(Backstore):
    hba = 'iblock'


class FileIOBackstore(Backstore):
    hba = 'fileio'


class PSCSIBackstore(Backstore):
    hba = 'pscsi'


class RDMCPBackstore(Backstore):
    hba = 'rd_mcp'


class IBlockStorageObject(BlockStorageObject):
    """IBlockStorageObject(backstore, name, dev=None, gen_wwn=True)."""

    def __init__(self, backstore, name, dev=None, gen_wwn=True):
        if not getattr(backstore, '_legacy_backstore', False):
            raise RTSLibError('IBlockStorageObject needs an IBlockBackstore as first argument')
        super().__init__(name, dev=dev, index=backstore.index, fs=backstore.fs)
