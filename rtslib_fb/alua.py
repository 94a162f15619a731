"""rtslib_fb.alua: ALUA target port groups of a storage object."""
from rtslib import ALUATargetPortGroup  # noqa: F401
from rtslib.node import CFSNode  # noqa: F401
from rtslib.alua import ALUA_RO, ALUA_RW, ALUA_STATUSES, ALUA_TYPES
from rtslib.utils import RTSLibALUANotSupported, RTSLibError, fread, fwrite  # noqa: F401
from rtslib_fb._forward import forwarding as _forwarding

# rtslib-fb's lists of a group's parameter names and of the kernel's words
alua_rw_params = list(ALUA_RW)
alua_ro_params = [*ALUA_RO, 'members']
alua_types = list(ALUA_TYPES)
alua_statuses = list(ALUA_STATUSES)

__getattr__ = _forwarding('alua', 'rtslib.alua')
