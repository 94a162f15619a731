"""rtslib_fb: the import name of rtslib-fb, answering with lio-py's rtslib.

Code written for rtslib-fb (`import rtslib_fb`, `from rtslib_fb.utils import
RTSLibError`, `rtslib_fb.root.RTSRoot()`) runs unchanged: every module of
rtslib-fb 2.1.75's layout is here and gives our objects (rtslib_fb.Target is
rtslib.Target).  README, "rtslib-fb compatibility", says how this name
installs beside a distribution's python3-rtslib-fb and what differs.
"""
from rtslib import *  # noqa: F401,F403  (the names of rtslib-fb's __init__)
from rtslib import __all__  # noqa: F401
# rtslib-fb's __init__ imports its modules, so clients reach them as attributes
# after a bare `import rtslib_fb` (cinder: rtslib_fb.root.RTSRoot()).
from rtslib_fb import alua, fabric, node, root, target, tcm, utils  # noqa: F401,E402

# The rtslib-fb API level this name answers for (tests/data/rtslib_fb-2.1.75-api.json).
__version__ = '2.1.75'
