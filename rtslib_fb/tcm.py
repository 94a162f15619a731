"""rtslib_fb.tcm: storage objects (backstores) (rtslib.tcm)."""
from rtslib import (ALUATargetPortGroup, BlockStorageObject, FileIOStorageObject,  # noqa: F401
                    PSCSIStorageObject, RDMCPStorageObject, StorageObject,
                    StorageObjectFactory, UserBackedStorageObject)
from rtslib.node import CFSNode  # noqa: F401
from rtslib.storage import _alua_attr
from rtslib.tcm import so_mapping  # noqa: F401
from rtslib.utils import (RTSLibError, RTSLibNotInCFS, convert_scsi_hctl_to_path,  # noqa: F401
                          convert_scsi_path_to_hctl, fread, fwrite, generate_wwn,
                          get_blockdev_type, get_size_for_blk_dev, get_size_for_disk_name,
                          is_dev_in_use)
from rtslib_fb._forward import forwarding as _forwarding

# rtslib-fb's backstore names per class: its 'ramdisk' and 'block' have the
# kernel's 'rd_mcp' and 'iblock' as directory prefixes
bs_params = {cls: dict(name=cls.plugin, **({'alt_dirprefix': cls.hba} if cls.hba != cls.plugin
                                            else {}))
             for cls in (PSCSIStorageObject, RDMCPStorageObject, FileIOStorageObject,
                         BlockStorageObject, UserBackedStorageObject)}

# whether a pscsi/user storage object's kernel says it supports ALUA
storage_object_get_alua_support_attr = _alua_attr


__getattr__ = _forwarding('tcm', 'rtslib.tcm')
