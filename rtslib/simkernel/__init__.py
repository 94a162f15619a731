"""Simulated LIO kernel: configfs rules applied to a plain directory tree.

`SimConfigFS(simdir)` has the backend interface of rtslib.configfs.RealConfigFS;
its state is DIR/sys/kernel/config/target (what `ls -R` shows), its bookkeeping
DIR/.simstate/ and the simulated machine DIR/sim-host.json.  Nothing happens at
import: the tree is made on first use.
"""
from rtslib.simkernel.fs import SimConfigFS

__all__ = ['SimConfigFS']
