"""rtslib: an object library over the Linux SCSI target's configfs tree.

The public API is rtslib-fb 2.2's, plus the older Datera names of the
seed page's RTSlib script (rtslib/legacy.py).  Importing does no I/O: spec
files are read, and the configfs backend opened, on first use.
"""
from rtslib.errors import (RTSLibALUANotSupported, RTSLibALUANotSupportedError,
                           RTSLibBrokenLink, RTSLibError, RTSLibNotInCFS,
                           RTSLibNotInCFSError)
from rtslib.fabric import FabricModule
from rtslib.groups import MappedLUNGroup, NodeACLGroup
from rtslib.legacy import (FileIOBackstore, IBlockBackstore, IBlockStorageObject,
                           PSCSIBackstore, RDMCPBackstore)
from rtslib.root import RTSRoot
from rtslib import utils  # noqa: F401  (rtslib-fb's rtslib.utils, an attribute after `import rtslib`)
from rtslib.target import TPG, Target
from rtslib.alua import ALUATargetPortGroup
from rtslib.lun import LUN, MappedLUN
from rtslib.node_acl import NodeACL
from rtslib.portal import NetworkPortal
from rtslib.storage import (BlockStorageObject, FileIOStorageObject, PSCSIStorageObject,
                            RDMCPStorageObject, StorageObject, StorageObjectFactory,
                            UserBackedStorageObject)

__all__ = [
    'RTSRoot', 'FabricModule', 'Target', 'TPG', 'LUN', 'MappedLUN', 'NodeACL',
    'NetworkPortal', 'NodeACLGroup', 'MappedLUNGroup', 'StorageObject',
    'FileIOStorageObject', 'BlockStorageObject',
    'PSCSIStorageObject', 'RDMCPStorageObject', 'UserBackedStorageObject',
    'StorageObjectFactory', 'ALUATargetPortGroup', 'RTSLibError', 'RTSLibNotInCFS',
    'RTSLibNotInCFSError', 'RTSLibBrokenLink', 'RTSLibALUANotSupported',
    'RTSLibALUANotSupportedError', 'IBlockBackstore', 'IBlockStorageObject',
    'FileIOBackstore', 'PSCSIBackstore', 'RDMCPBackstore',
]
