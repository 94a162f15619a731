"""targetctl: save, restore or clear the LIO configuration (boot and shutdown),
and converge it to a file (export, plan, apply, diff).

    targetctl [--simulate DIR] [--skip-missing] save|restore|clear [FILE]
    targetctl [--simulate DIR] [--target WWN] [--storage-object NAME]
              [--clear-existing] [--json] [--quiet] plan|apply|diff FILE
    targetctl [--simulate DIR] [--show-secrets] export [FILE|-]

Exit status (rtslib/exit_status.py, the same as targetcli's): 0 success (plan,
diff: in sync); 1 a command failed (nothing changed, or only what is reported);
2 bad invocation or LIO not usable; 3 plan/diff: the kernel differs from the
file; 4 --skip-missing left objects out.  A failure is one line on stderr
(validation lists each problem on its own indented line after it), never a
traceback (--debug shows one).
"""
import argparse
import gc
import os
import sys

from rtslib import configfs, exit_status

USAGE_ERROR = exit_status.USAGE


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # one line, not argparse's usage block
        self.exit(USAGE_ERROR, f'{self.prog}: {message} (see {self.prog} --help)\n')


# each command and what it does: argparse's --help and the man page (scripts/gen_man.py)
COMMANDS = {
    'save': 'Save the running configuration to FILE (atomically, mode 0600, with a '
            'rotated backup of the default file).',
    'restore': 'Replace the running configuration with the one in FILE (a gzipped backup '
               'too), validated first, undone on a kernel refusal; no saved file at boot '
               'is not an error.',
    'clear': 'Remove every target and storage object.',
    'export': 'Write the running configuration to FILE (mode 0600), or to standard output '
              'without one or with -, CHAP passwords masked unless --show-secrets.',
    'plan': 'List the changes that would make the running configuration match FILE, in '
            'the order apply makes them; change nothing. Exit 3 when there are some.',
    'apply': 'Make exactly the changes plan lists, each journalled: a refusal undoes them '
             'all; objects that match are not touched.',
    'diff': 'Say whether the running configuration matches FILE: exit 0 in sync, 3 when '
            'it differs.',
}


def parser():
    p = _Parser(
        prog='targetctl', description='Save, restore or clear the LIO target configuration, '
        'or converge it to a file.',
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_epilog())
    p.add_argument('command', choices=tuple(COMMANDS))
    p.add_argument('file', nargs='?', help='save file (default: /etc/target/saveconfig.json, '
                   'DIR/etc/target/saveconfig.json when simulated); plan, apply and diff '
                   'need one; export writes to stdout without one (or with -)')
    p.add_argument('--simulate', metavar='DIR', help='use the simulated kernel in DIR '
                   '(as LIO_SIMULATE=DIR)')
    p.add_argument('--skip-missing', '--partial', dest='skip_missing', action='store_true',
                   help='restore: restore what can be restored when a device is missing; '
                   'report each skipped object and exit 4')
    p.add_argument('--target', metavar='WWN', help='plan/apply/diff: only this target '
                   '(and the storage objects its LUNs use)')
    p.add_argument('--storage-object', metavar='NAME', help='plan/apply/diff: only this '
                   'storage object')
    p.add_argument('--clear-existing', action='store_true', help='plan/apply/diff: also '
                   'delete what the file does not have')
    p.add_argument('--json', action='store_true', help='plan/diff: print JSON')
    p.add_argument('--show-secrets', action='store_true', help='export to stdout: print '
                   'CHAP passwords instead of ********')
    p.add_argument('-q', '--quiet', action='store_true', help='save/restore/clear/apply: no '
                   'progress line on a terminal')
    p.add_argument('--debug', action='store_true', help='show tracebacks')
    return p


def _epilog():
    import textwrap
    lines = ['commands:']
    for name, text in COMMANDS.items():
        lines += textwrap.wrap(text, 78, initial_indent=f'  {name:9}',
                               subsequent_indent=' ' * 11)
    lines.append('exit status:')
    for status, text in exit_status.MEANINGS:
        lines += textwrap.wrap(text, 78, initial_indent=f'  {status:-3}',
                               subsequent_indent=' ' * 5)
    return '\n'.join(lines)


def parse(argv):
    p = parser()
    args = p.parse_intermixed_args(argv)
    if args.command in ('plan', 'apply', 'diff') and not args.file:
        p.error(f'{args.command} needs a FILE')
    return args


def _root(args):
    from rtslib import RTSRoot  # lazy: --help and usage errors need no library
    return RTSRoot(fs=args.fs)


def save(args, out, err):
    from rtslib.saveconfig import progress, save_to_file
    with progress.Progress('save', err, quiet=args.quiet, unit='directories read') as shown:
        problems = save_to_file(progress.watch(_root(args), shown, ('listdir',)), args.file)
    for text in problems:
        print(f'targetctl: {text}', file=err)
    where = args.file or _default(args)
    if problems:
        print(f'targetctl: saved to {where} without {len(problems)} object(s) listed above',
              file=err)
        return exit_status.FAILED
    print(f'Configuration saved to {where}', file=out)
    return 0


def restore(args, out, err):
    from rtslib.saveconfig import NoSaveFile, progress, restore_from_file
    try:
        with progress.Progress('restore', err, quiet=args.quiet) as shown:
            root = progress.for_restore(_root(args), shown, args.file or _default(args))
            report = restore_from_file(root, args.file, clear_existing=True,
                                       skip_missing=args.skip_missing)
    except NoSaveFile:
        if args.file:
            raise
        # at boot, never having saved is not an error (as rtslib-fb's targetctl)
        print(f'No saved config file at {_default(args)}, ok, exiting', file=out)
        return 0
    for text in report:
        print(f'targetctl: {text}', file=err)
    if report:
        print(f'targetctl: restored from {args.file or _default(args)} except '
              f'{len(report.skipped) or len(report)} object(s) listed above', file=err)
        return exit_status.PARTIAL
    print(f'Configuration restored from {args.file or _default(args)}', file=out)
    return 0


def clear(args, out, err):
    from rtslib.saveconfig import clear_existing, progress
    with progress.Progress('clear', err, quiet=args.quiet) as shown:
        clear_existing(_root(args), confirm=True, progress=shown)
    print('All configuration cleared', file=out)
    return 0


def export(args, out, err):
    from rtslib.saveconfig import export as exp
    doc = exp.document(_root(args), warn=lambda text: print(f'targetctl: {text}', file=err))
    if exp.is_stdout(args.file):
        out.write(exp.to_text(doc, args.show_secrets))
        return 0
    print(f'Configuration exported to {exp.write(doc, args.file, fs=args.fs)}', file=out)
    return 0


def _scope(args):
    return dict(target=args.target, storage_object=args.storage_object,
                clear_existing=args.clear_existing)


def plan(args, out, err):
    from rtslib.saveconfig import apply as ap, plan as pl
    changes = ap.plan_file(_root(args), args.file, **_scope(args))
    out.write(pl.to_json(changes) if args.json else pl.to_text(changes))
    return exit_status.DIFFERS if changes else 0


def diff(args, out, err):
    from rtslib.saveconfig import apply as ap, plan as pl
    changes = ap.plan_file(_root(args), args.file, **_scope(args))
    out.write(pl.diff_json(changes) if args.json else pl.diff_text(changes))
    return exit_status.DIFFERS if changes else 0


def apply(args, out, err):
    from rtslib.saveconfig import apply as ap, plan as pl, progress
    with progress.Progress('apply', err, quiet=args.quiet) as shown:
        changes = ap.apply_file(_root(args), args.file, progress=shown.update, **_scope(args))
    out.write(pl.to_text(changes))
    return 0


def _default(args):
    from rtslib.saveconfig import default_save_file
    return default_save_file(args.fs)


def main(argv=None, out=None, err=None):
    out, err = out or sys.stdout, err or sys.stderr   # the streams of now, not of import
    try:
        args = parse(sys.argv[1:] if argv is None else argv)
    except SystemExit as e:
        return USAGE_ERROR if e.code else 0
    # the one reading of the environment: the backend is built here and passed down
    simdir = args.simulate or configfs.sim_dir()
    args.fs = configfs.backend(os.path.abspath(simdir) if simdir else None)
    problem = None if simdir else configfs.real_lio_problem()
    if problem:
        print(f'targetctl: {problem} Or use a simulated kernel: targetctl --simulate DIR.',
              file=err)
        return USAGE_ERROR
    from rtslib import spec
    spec.configure(spec.user_dirs_from(os.environ.get(spec.USER_DIRS_ENV), configfs.sim_dir()),
                   warn=lambda message: print('targetctl: ' + message, file=err))
    command = {'save': save, 'restore': restore, 'clear': clear, 'export': export,
               'plan': plan, 'apply': apply, 'diff': diff}[args.command]
    collecting = gc.isenabled()
    gc.disable()    # the command's objects live until it ends: see targetcli/shell.py
    try:
        return command(args, out, err)
    except KeyboardInterrupt:
        print('targetctl: interrupted', file=err)
        return 130
    except Exception as e:  # the one boundary: a user sees one line, never a traceback
        if args.debug:
            raise
        print(f'targetctl: {_message(e)}', file=err)
        return exit_status.FAILED
    finally:
        if collecting:
            gc.enable()


def _message(e):
    """The error for the user: each problem of an invalid file on its own line."""
    from rtslib.errors import user_message
    text = user_message(e)
    if text is None:
        return f'internal error ({type(e).__name__}: {e}); run with --debug for details'
    return text
