"""Save, restore and clear the LIO configuration (rtslib-fb's saveconfig.json).

RTSRoot.save_to_file / restore / restore_from_file / clear_existing call
these; scripts/targetctl and the shell use them directly.  Submodules:
paths (where files live), atomic (crash-safe writes, lock), backup
(rotation), schema (validation), save, restore, clear, objects (the object
library as seen from here).
"""
from rtslib.saveconfig.clear import clear_existing
from rtslib.saveconfig.errors import (ConfigInvalid, LockTimeout, RestoreFailed,
                                      SaveConfigError)
from rtslib.saveconfig.paths import default_save_file, target_dir
from rtslib.saveconfig.restore import (NoSaveFile, RestoreReport, load_file, restore,
                                       restore_from_file)
from rtslib.saveconfig.save import dump_config, save_to_file

__all__ = ['save_to_file', 'restore', 'restore_from_file', 'clear_existing', 'load_file',
           'dump_config', 'default_save_file', 'target_dir', 'SaveConfigError',
           'ConfigInvalid', 'RestoreFailed', 'LockTimeout', 'NoSaveFile', 'RestoreReport']
