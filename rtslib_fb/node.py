"""rtslib_fb.node: CFSNode, the base of every configfs object (rtslib.node)."""
from rtslib.node import CFSNode  # noqa: F401
from rtslib.utils import RTSLibError, RTSLibNotInCFS, fread, fwrite  # noqa: F401
from rtslib_fb._forward import forwarding as _forwarding

__getattr__ = _forwarding('node', 'rtslib.node')
