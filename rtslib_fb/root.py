"""rtslib_fb.root: RTSRoot, the whole tree and save/restore (rtslib.root)."""
from rtslib import (ALUATargetPortGroup, FabricModule, RTSRoot, StorageObject,  # noqa: F401
                    Target)
from rtslib.node import CFSNode  # noqa: F401
from rtslib.root import DEFAULT_SAVE_FILE as default_save_file  # noqa: F401
from rtslib.tcm import so_mapping  # noqa: F401
from rtslib.utils import (RTSLibALUANotSupported, RTSLibError, dict_remove, fread,  # noqa: F401
                          fwrite, modprobe, mount_configfs, set_attributes)
from rtslib_fb._forward import forwarding as _forwarding

__getattr__ = _forwarding('root', 'rtslib.root')
