"""export, plan and apply in the shell: thin glue over rtslib.saveconfig.

    export [FILE|-] [show_secrets=true]         (/, a storage object, target or TPG)
    plan FILE [target=WWN] [storage_object=NAME] [clear_existing=true] [format=json]
    apply FILE [target=WWN] [storage_object=NAME] [clear_existing=true] [quiet=true]

plan sets the exit status 3 when there is something to do (one-shot mode).
"""
import os
import sys

from targetcli.cshell import ExecutionError

from rtslib.exit_status import DIFFERS


def _write(node, text):
    out = node.shell.con._stdout or sys.stdout
    out.write(text)
    out.flush()


def export_to(node, rtsobj, file, show_secrets):
    """Export `rtsobj` (None: everything) to stdout (masked) or to FILE (0600, secrets kept)."""
    from rtslib.saveconfig import export
    reveal = node.ui_eval(show_secrets, 'bool', False, 'show_secrets')
    root = node.get_root()
    doc = export.document(root.rtsroot, rtsobj, warn=node.shell.log.warning)
    if export.is_stdout(file):
        _write(node, export.to_text(doc, reveal))
        return
    path = export.write(doc, os.path.expanduser(file), fs=node.shell.fs)
    node.info(f"Configuration exported to {path}")


def selected(rtsroot, so_path=None, target=None):
    """The object a node's saveconfig names (so_path=/backstores/P/N or target=WWN)."""
    from rtslib.storage import so_mapping
    if so_path:
        _, _, plugin, name = so_path.split('/', 3)
        return so_mapping[plugin](name, fs=rtsroot.fs)
    return next(t for t in rtsroot.targets if t.wwn == target)


def _scope(node, target, storage_object, clear_existing):
    return dict(target=target, storage_object=storage_object,
                clear_existing=node.ui_eval(clear_existing, 'bool', False, 'clear_existing'))


def _file(file):
    if not file:
        raise ExecutionError("Give the configuration FILE (e.g. one written by export FILE)")
    return os.path.abspath(os.path.expanduser(file))


class DeclareCommands:
    """The root's export, plan and apply."""

    def ui_command_export(self, file=None, show_secrets=None):
        '''
        Prints the configuration as saveconfig JSON (or writes it to FILE).
        On stdout (no FILE, or -) CHAP passwords are masked unless
        show_secrets=true; a FILE keeps them and is written with mode 0600.
        The output is a file that restoreconfig, plan and apply take.
        '''
        export_to(self, None, file, show_secrets)

    def ui_command_plan(self, file=None, target=None, storage_object=None,
                        clear_existing=None, format=None):
        '''
        Shows, one per line in the order apply would make them, the changes
        that bring the running configuration to FILE, then their count;
        changes nothing.  target=WWN or storage_object=NAME limit it to that
        object; clear_existing=true also deletes what FILE does not have.
        format=json prints the same list as JSON.  Secrets never show
        (`password changed`).  Exit status 3 when there is something to do.
        '''
        from rtslib.saveconfig import apply, plan
        if format not in (None, 'text', 'json'):
            raise ExecutionError(f"Invalid format '{format}': use text or json")
        changes = apply.plan_file(self.rtsroot, _file(file),
                                  **_scope(self, target, storage_object, clear_existing))
        _write(self, plan.to_json(changes) if format == 'json' else plan.to_text(changes))
        if changes:
            self.shell.note_outcome(DIFFERS)

    def ui_command_apply(self, file=None, target=None, storage_object=None,
                         clear_existing=None, quiet=None):
        '''
        Makes the changes `plan FILE` shows, and only those: objects that
        already match are not touched, so initiators logged in to them keep
        their sessions.  FILE is validated first; a refused change undoes
        every change this apply made.  Objects FILE does not have are left
        alone unless clear_existing=true.  Prints the changes made.
        '''
        from rtslib.saveconfig import apply, plan, progress
        quiet = self.ui_eval(quiet, 'bool', False, 'quiet')
        with progress.Progress('apply', sys.stderr, quiet=quiet) as shown:
            changes = apply.apply_file(self.rtsroot, _file(file), progress=shown.update,
                                       **_scope(self, target, storage_object, clear_existing))
        self.refresh()
        _write(self, plan.to_text(changes))

    def ui_complete_export(self, parameters, text, current_param):
        if current_param != 'file':
            return []
        from targetcli.ui_backstore import complete_path
        return complete_path(self.shell.fs, text, files=True)

    ui_complete_plan = ui_complete_apply = ui_complete_export


class ExportsItself:
    """export on a storage object, target or TPG node: that object (a target or
    TPG with the storage objects its LUNs use)."""

    def ui_command_export(self, file=None, show_secrets=None):
        '''
        Prints this object as saveconfig JSON (or writes it to FILE); a
        target or TPG comes with the storage objects its LUNs use.  On stdout
        CHAP passwords are masked unless show_secrets=true; a FILE keeps them
        (mode 0600).
        '''
        export_to(self, self.rtsnode, file, show_secrets)

    def ui_complete_export(self, parameters, text, current_param):
        return self.get_root().ui_complete_export(parameters, text, current_param)
