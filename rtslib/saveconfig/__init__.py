"""Save, restore and clear the LIO configuration (rtslib-fb's saveconfig.json).

RTSRoot.save_to_file / restore / restore_from_file / clear_existing call
these; scripts/targetctl (cli.py) and the shell use them directly.
Submodules: paths (where files live), atomic (crash-safe writes, lock),
backup (rotation), schema (validation), save, restore, clear, objects (the
object library as seen from here), cli (targetctl).

Behaviour, where rtslib-fb/targetcli-fb left room:
- The file is rtslib-fb's, byte for byte in layout (sorted keys, indent 2);
  we add no keys.  Known differences after a round trip: list order (we list
  LUNs by index), and what rtslib-fb does not keep either (a loopback TPG's
  nexus WWN and SCSI host number are new after every restore).
- save: temp file + fsync + rename + fsync(dir), mode 0600, under an flock on
  a lock file in /run/lock/lio-py (DIR/run/lock/lio-py simulated; never beside
  the user's file) named by the file's real path (a live holder: wait up to
  30 s, then fail naming its pid).  The old content goes to backup/<stem>-DATE-json.gz when
  it changes (default save file only, as targetcli-fb; max_backup_files, 10).
  so_path= / target= save one object and keep the rest of the file; the
  empty_guard (autosave) refuses to replace a non-empty file with nothing
  unless cleared=True.  Unreadable parts of the tree are reported and left out.
- restore: the whole document is validated first (every problem, with its
  JSON path; nothing changed).  Then all or nothing: a kernel refusal undoes
  what this restore made (and, with clear_existing, puts back what it
  cleared).  abort_on_error is accepted and ignored: we always stop at the
  first refusal.  clear_existing=False merges: existing storage objects and
  targets (and enabled discovery auth) are left alone and reported as
  conflicts when the file differs.  target= restores that target and the
  storage objects its LUNs use; storage_object= (name or plugin/name) that
  object only.  skip_missing: a storage object that cannot be created is
  skipped with the LUNs and mapped LUNs that need it, each reported.
- clear: mapped LUNs, LUNs, ACLs, portals, TPGs, targets, discovery auth,
  storage objects, leftover HBAs; every failure is collected and reported.
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
