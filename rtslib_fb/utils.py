"""rtslib_fb.utils: rtslib.utils (RTSLibError and rtslib-fb's helpers)."""
from rtslib.utils import *  # noqa: F401,F403
from rtslib_fb._forward import forwarding as _forwarding

__getattr__ = _forwarding('utils', 'rtslib.utils')
