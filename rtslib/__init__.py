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
from rtslib.target import LUN, TPG, MappedLUN, NetworkPortal, NodeACL, Target
from rtslib.tcm import (ALUATargetPortGroup, BlockStorageObject, FileIOStorageObject,
                        PSCSIStorageObject, RDMCPStorageObject, StorageObject,
                        StorageObjectFactory, UserBackedStorageObject)

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
