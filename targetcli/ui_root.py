"""The root node: backstores, one node per fabric, and whole-config commands."""
import os

from targetcli.cshell import ExecutionError

from targetcli import __version__
from targetcli.ui_declare import DeclareCommands
from targetcli.ui_node import UINode


class UIRoot(DeclareCommands, UINode):
    """/ : children are 'backstores' and the fabrics whose module is present."""

    def __init__(self, shell):
        super().__init__('/', shell=shell)
        self._rtsroot = None

    @property
    def rtsroot(self):
        if self._rtsroot is None:
            from rtslib import RTSRoot
            self._rtsroot = RTSRoot(fs=self.shell.fs)
        return self._rtsroot

    def load_children(self):
        from targetcli.ui_backstore import UIBackstores
        from targetcli.ui_target import UIFabricModule, listed_fabrics
        UIBackstores(self)
        for fabric in listed_fabrics(self.rtsroot):
            UIFabricModule(fabric, self)

    def lookup_child(self, name):
        if name == 'backstores':
            from targetcli.ui_backstore import UIBackstores
            return UIBackstores(self)
        from targetcli.ui_target import UIFabricModule, find_fabric
        fabric = find_fabric(name, self.shell.fs)
        return UIFabricModule(fabric, self) if fabric is not None else None

    def get_child(self, name):
        try:
            return super().get_child(name)
        except ValueError as err:
            from targetcli.ui_target import missing_fabric
            why = missing_fabric(name, self.shell.fs, self.shell.simdir)
            if why:
                raise ValueError(f"No such path /{name}: {why}") from None
            raise err

    # -- whole-configuration commands ------------------------------------------

    def default_save_file(self):
        from rtslib.saveconfig import default_save_file
        return default_save_file(self.shell.fs)

    def _max_backups(self):
        try:
            return max(1, int(self.prefs['max_backup_files']))
        except (TypeError, ValueError):
            return 10

    def ui_command_saveconfig(self, savefile=None, show_secrets=None, quiet=None):
        '''
        Saves the current configuration to a file so that it can be restored
        on next boot (default: /etc/target/saveconfig.json, or
        DIR/etc/target/saveconfig.json in simulated mode).  The file is
        written atomically with mode 0600; the previous default file is kept
        in backup/.  `saveconfig -` (or /dev/stdout) prints it instead, with
        CHAP passwords masked unless show_secrets=true.  On a terminal a long
        save shows how far it is on one line (quiet=true: not).
        '''
        from rtslib.saveconfig.export import is_stdout
        if savefile and is_stdout(savefile):
            return self.ui_command_export(savefile, show_secrets)
        if show_secrets is not None:
            raise ExecutionError("show_secrets is for saveconfig - (stdout): a file keeps "
                                 "the secrets")
        self.save_selection(savefile, quiet=self.ui_eval(quiet, 'bool', False, 'quiet'))

    def save_selection(self, savefile, quiet=False, **selection):
        """Save everything, or (so_path= or target=, from a storage object or target
        node) only that object, keeping everything else in the file."""
        import sys

        from rtslib.saveconfig import export, progress, save_to_file
        if savefile and export.is_stdout(savefile):
            # `saveconfig -` on a storage object or target node: its export
            from targetcli.ui_declare import export_to, selected
            return export_to(self, selected(self.rtsroot, **selection), savefile, None)
        savefile = os.path.abspath(os.path.expanduser(savefile or self.default_save_file()))
        with progress.Progress('save', sys.stderr, quiet=quiet,
                               unit='directories read') as shown:
            save_to_file(progress.watch(self.rtsroot, shown, ('listdir',)), savefile,
                         max_backup_files=self._max_backups(), warn=self.shell.log.warning,
                         **selection)
        self.info(f"Configuration saved to {savefile}")

    def autosave(self):
        """auto_save_on_exit: never replaces a saved configuration with an empty
        one unless clearconfig emptied it on purpose."""
        from rtslib.saveconfig import save_to_file
        savefile = self.default_save_file()
        save_to_file(self.rtsroot, savefile, empty_guard=True,
                     cleared=getattr(self.shell, 'cleared', False),
                     max_backup_files=self._max_backups(), warn=self.shell.log.warning)
        self.info(f"Configuration saved to {savefile}")

    def ui_command_restoreconfig(self, savefile=None, clear_existing=None, target=None,
                                 storage_object=None, list_backups=None, quiet=None):
        '''
        Restores the configuration from a file (default: the default save
        file).  clear_existing=true removes the current configuration first;
        otherwise the file is merged.  target=WWN or storage_object=NAME
        restore only that object.  Nothing changes if the file is invalid,
        and a kernel refusal undoes the restore.  Gzipped files (the
        backups in backup/) are read as they are.
        list_backups=true lists the backups of the save file, newest first,
        with what each holds, and restores nothing.  On a terminal a long
        restore shows how far it is on one line (quiet=true: not).
        '''
        import sys

        from rtslib.saveconfig import progress, restore_from_file
        savefile = os.path.abspath(os.path.expanduser(savefile or self.default_save_file()))
        if self.ui_eval(list_backups, 'bool', False, 'list_backups'):
            return self._list_backups(savefile)
        clear = self.ui_eval(clear_existing, 'bool', False, 'clear_existing')
        if not os.path.isfile(savefile):
            raise ExecutionError(f"Restore file {savefile} not found")
        quiet = self.ui_eval(quiet, 'bool', False, 'quiet')
        with progress.Progress('restore', sys.stderr, quiet=quiet) as shown:
            errors = restore_from_file(progress.for_restore(self.rtsroot, shown, savefile),
                                       savefile, clear_existing=clear, target=target,
                                       storage_object=storage_object)
        self.refresh()
        for error in errors or ():
            self.shell.log.warning(str(error))
        if errors:
            from rtslib.exit_status import PARTIAL
            self.shell.note_outcome(PARTIAL)
            self.info(f"Configuration restored from {savefile} except the "
                      f"{len(errors)} part(s) listed above")
            return
        self.info(f"Configuration restored from {savefile}")

    def _list_backups(self, savefile):
        from rtslib.saveconfig.backup import newest_first
        backups = newest_first(savefile)
        if not backups:
            self.info(f"No backups of {savefile}")
            return
        lines = [f"Backups of {savefile}, newest first:"]
        lines += [f"  {path}  ({holds})" for path, holds in backups]
        lines.append("Restore one with: restoreconfig FILE [clear_existing=true]")
        self.shell.con.display('\n'.join(lines))

    def ui_complete_saveconfig(self, parameters, text, current_param):
        if current_param != 'savefile':
            return []
        from targetcli.ui_backstore import complete_path
        return complete_path(self.shell.fs, text, files=True)

    def ui_complete_restoreconfig(self, parameters, text, current_param):
        if current_param in ('clear_existing', 'list_backups'):
            return [v for v in ('true', 'false') if v.startswith(text)]
        return self.ui_complete_saveconfig(parameters, text, current_param)

    def ui_command_clearconfig(self, confirm=None, quiet=None):
        '''
        Removes the entire configuration of backstores and targets.  Give
        confirm=true to really do it.  On a terminal a long clear shows how
        far it is on one line (quiet=true: not).
        '''
        import sys

        from rtslib.saveconfig import clear_existing, progress
        confirm = self.ui_eval(confirm, 'bool', False, 'confirm')
        quiet = self.ui_eval(quiet, 'bool', False, 'quiet')
        if not confirm:
            raise ExecutionError("As a precaution, confirm=True needs to be set")
        with progress.Progress('clear', sys.stderr, quiet=quiet) as shown:
            clear_existing(self.rtsroot, confirm=True, progress=shown)
        self.shell.cleared = True
        self.refresh()
        self.info("All configuration cleared")

    def ui_command_version(self):
        '''
        Displays the targetcli version.
        '''
        self.info(f"targetcli version {__version__}")

    def ui_command_sessions(self, action='list', sid=None):
        '''
        Displays the open sessions: action is `list` (default) or `detail`;
        sid shows only that session.
        '''
        from targetcli.ui_sessions import show_sessions
        show_sessions(self, action, sid)

    def ui_complete_sessions(self, parameters, text, current_param):
        if current_param == 'action':
            return [a for a in ('list', 'detail') if a.startswith(text)]
        return []
