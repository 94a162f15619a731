"""rtslib_fb.fabric: fabric modules (rtslib.fabric, one class driven by spec/*.json).

rtslib-fb has one class per fabric; here each is our FabricModule bound to
its fabric's name, so ISCSIFabricModule() == FabricModule('iscsi').
"""
from rtslib.fabric import NOT_TARGETS, FabricModule, fabric_modules  # noqa: F401
from rtslib.node import CFSNode  # noqa: F401
from rtslib.target import Target  # noqa: F401
from rtslib.utils import (RTSLibError, colonize, fread, fwrite, ignored, modprobe,  # noqa: F401
                          normalize_wwn)
from rtslib_fb._forward import forwarding as _forwarding

# entries of a fabric directory that are not targets
excludes_list = sorted(NOT_TARGETS)
target_names_excludes = set(NOT_TARGETS)


def _bound(class_name, fabric):
    def __init__(self, fs=None):
        FabricModule.__init__(self, fabric, fs=fs)
    return type(class_name, (FabricModule,), {
        '__init__': __init__, '__module__': __name__,
        '__doc__': f"rtslib-fb's {class_name}: FabricModule('{fabric}')."})


ISCSIFabricModule = _bound('ISCSIFabricModule', 'iscsi')
LoopbackFabricModule = _bound('LoopbackFabricModule', 'loopback')
SBPFabricModule = _bound('SBPFabricModule', 'sbp')
Qla2xxxFabricModule = _bound('Qla2xxxFabricModule', 'qla2xxx')
EfctFabricModule = _bound('EfctFabricModule', 'efct')
SRPTFabricModule = _bound('SRPTFabricModule', 'srpt')
FCoEFabricModule = _bound('FCoEFabricModule', 'tcm_fc')
USBGadgetFabricModule = _bound('USBGadgetFabricModule', 'usb_gadget')
VhostFabricModule = _bound('VhostFabricModule', 'vhost')
XenPvScsiFabricModule = _bound('XenPvScsiFabricModule', 'xen-pvscsi')

__getattr__ = _forwarding('fabric', 'rtslib.fabric')
