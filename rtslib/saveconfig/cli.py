"""targetctl: save, restore or clear the LIO configuration (boot and shutdown).

    targetctl [--simulate DIR] [--skip-missing] save|restore|clear [FILE]

Exit status (rtslib/exit_status.py, the same as targetcli's): 0 success, 1 a
command failed, 2 bad invocation or LIO not usable, 4 --skip-missing left
objects out.  A failure is one line on stderr (restore validation lists each
problem on its own indented line after it), never a traceback (--debug shows one).
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
        self.exit(USAGE_ERROR, '%s: %s (see %s --help)\n' % (self.prog, message, self.prog))


def parse(argv):
    p = _Parser(
        prog='targetctl', description='Save, restore or clear the LIO target configuration.')
    p.add_argument('command', choices=('save', 'restore', 'clear'))
    p.add_argument('file', nargs='?', help='save file (default: /etc/target/saveconfig.json, '
                   'DIR/etc/target/saveconfig.json when simulated)')
    p.add_argument('--simulate', metavar='DIR', help='use the simulated kernel in DIR '
                   '(as LIO_SIMULATE=DIR)')
    p.add_argument('--skip-missing', '--partial', dest='skip_missing', action='store_true',
                   help='restore: restore what can be restored when a device is missing; '
                   'report each skipped object and exit 4')
    p.add_argument('--debug', action='store_true', help='show tracebacks')
    return p.parse_args(argv)


def _root():
    from rtslib import RTSRoot  # lazy: --help and usage errors need no library
    return RTSRoot()


def save(args, out, err):
    from rtslib.saveconfig import save_to_file
    problems = save_to_file(_root(), args.file)
    for text in problems:
        print('targetctl: %s' % text, file=err)
    where = args.file or _default()
    if problems:
        print('targetctl: saved to %s without %d object(s) listed above'
              % (where, len(problems)), file=err)
        return exit_status.FAILED
    print('Configuration saved to %s' % where, file=out)
    return 0


def restore(args, out, err):
    from rtslib.saveconfig import NoSaveFile, restore_from_file
    try:
        report = restore_from_file(_root(), args.file, clear_existing=True,
                                   skip_missing=args.skip_missing)
    except NoSaveFile:
        if args.file:
            raise
        # at boot, never having saved is not an error (as rtslib-fb's targetctl)
        print('No saved config file at %s, ok, exiting' % _default(), file=out)
        return 0
    for text in report:
        print('targetctl: %s' % text, file=err)
    if report:
        print('targetctl: restored from %s except %d object(s) listed above'
              % (args.file or _default(), len(report.skipped) or len(report)), file=err)
        return exit_status.PARTIAL
    print('Configuration restored from %s' % (args.file or _default()), file=out)
    return 0


def clear(args, out, err):
    from rtslib.saveconfig import clear_existing
    clear_existing(_root(), confirm=True)
    print('All configuration cleared', file=out)
    return 0


def _default():
    from rtslib.saveconfig import default_save_file
    return default_save_file()


def main(argv=None, out=None, err=None):
    out, err = out or sys.stdout, err or sys.stderr   # the streams of now, not of import
    try:
        args = parse(sys.argv[1:] if argv is None else argv)
    except SystemExit as e:
        return USAGE_ERROR if e.code else 0
    if args.simulate:
        os.environ[configfs.SIM_ENV] = os.path.abspath(args.simulate)
    problem = None if configfs.sim_dir() else configfs.real_lio_problem()
    if problem:
        print('targetctl: %s Or use a simulated kernel: targetctl --simulate DIR.' % problem,
              file=err)
        return USAGE_ERROR
    command = {'save': save, 'restore': restore, 'clear': clear}[args.command]
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
        print('targetctl: %s' % _one_line(e), file=err)
        return exit_status.FAILED
    finally:
        if collecting:
            gc.enable()


def _one_line(e):
    from rtslib.saveconfig.errors import RTSLibError
    if isinstance(e, RTSLibError):
        return str(e)
    if isinstance(e, OSError):
        return '%s%s' % (e.strerror or e, ': %s' % e.filename if e.filename else '')
    return 'internal error (%s: %s); run with --debug for details' % (type(e).__name__, e)
