"""rtslib_fb.target: targets, TPGs and what hangs below them (rtslib.target)."""
from rtslib import (LUN, TPG, MappedLUN, MappedLUNGroup, NetworkPortal,  # noqa: F401
                    NodeACL, NodeACLGroup, Target)
from rtslib.groups import _Group as Group  # noqa: F401  (rtslib-fb's base of the groups)
from rtslib.node import CFSNode  # noqa: F401
from rtslib.target import AUTH_PARAMS as auth_params  # noqa: F401
from rtslib.utils import (RTSLibBrokenLink, RTSLibError, dict_remove, fread,  # noqa: F401
                          fwrite, generate_wwn, ignored, normalize_wwn, set_attributes,
                          set_parameters)
from rtslib_fb._forward import forwarding as _forwarding

__getattr__ = _forwarding('target', 'rtslib.target')
