"""rtslib_fb.node: CFSNode, the base of every configfs object (rtslib.node)."""
from rtslib.node import CFSNode  # noqa: F401
from rtslib.utils import RTSLibError, RTSLibNotInCFS, fread, fwrite  # noqa: F401
from rtslib_fb._forward import forwarding

__getattr__ = forwarding('node', 'rtslib.node')
