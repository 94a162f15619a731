"""Entry point: one-shot, batch (stdin or -f FILE) and interactive targetcli.

Every error of the library (RTSLibError) and of the shell (ExecutionError,
ParseError) is caught here, once, and printed as one line on stderr; the
exit status is 0 only when every command succeeded.
"""
import os
import sys

USAGE = """\
Usage: targetcli [OPTIONS]                      interactive shell (or batch from stdin)
       targetcli [OPTIONS] [PATH] COMMAND [ARGS...]   run one command and exit
       targetcli [OPTIONS] -f FILE              run the commands in FILE, one per line

Options:
  --simulate DIR    work on the simulated kernel under DIR instead of the real
                    LIO configfs (same as LIO_SIMULATE=DIR); the save file,
                    backups, preferences, history and log then live under DIR
  -f, --file FILE   batch: run the commands in FILE from /, then exit
  -k, --keep-going  batch: go on after a failed command (the exit status is
                    still 1); by default a batch stops at the first failure
  --debug           show a Python traceback for internal errors
  -v, --version     print the version and exit
  -h, --help        print this help and exit

CHAP secrets are never printed (shown as ********) nor written to the history
or the log; `get auth password show_secrets=true` shows one on purpose.
Batch lines are split like a shell does (quotes, backslashes); empty lines and
lines starting with # are skipped.  Values are passed byte for byte.
An interactive session or a batch saves the configuration when it ends
(preference auto_save_on_exit); a one-shot command does not.
Exit status: 0 when every command succeeded, 1 when a command failed,
2 for a bad invocation or when LIO is not usable here, 3 when plan/diff
found differences, 4 when a restore left named parts unapplied on purpose.
"""

from rtslib.exit_status import FAILED as EXIT_FAILED
from rtslib.exit_status import OK as EXIT_OK
from rtslib.exit_status import USAGE as EXIT_USAGE
from rtslib import configfs


class Options:
    simulate = None
    file = None
    keep_going = False
    debug = False
    complete_line = None    # --complete-line LINE: bash completion (scripts/completion)


OPTIONS = ('--simulate', '--file', '--keep-going', '--debug', '--version', '--help')
VALUE_OPTIONS = ('--simulate', '-f', '--file', '--complete-line')
# bash's default COMP_WORDBREAKS: it replaces only what follows the last of these
WORDBREAKS = ' \t\n"\'><=;|&(:'


class UsageError(Exception):
    pass


def parse_args(argv):
    """(Options, command tokens); options come before the command."""
    opts, args = Options(), list(argv)
    while args and args[0].startswith('-') and args[0] != '-':
        arg = args.pop(0)
        name, eq, value = arg.partition('=')
        if arg == '--':
            break
        if name in VALUE_OPTIONS:
            if not eq:
                if not args:
                    raise UsageError(f"{name} needs a value")
                value = args.pop(0)
            setattr(opts, {'--simulate': 'simulate', '--complete-line': 'complete_line'}
                    .get(name, 'file'), value)
        elif arg in ('-k', '--keep-going'):
            opts.keep_going = True
        elif arg == '--debug':
            opts.debug = True
        elif arg in ('-h', '--help'):
            raise SystemExit(_print(USAGE, EXIT_OK))
        elif arg in ('-v', '--version'):
            raise SystemExit(_print(f"targetcli version {_version()}", EXIT_OK))
        else:
            raise UsageError(f"unknown option {arg} (see targetcli --help)")
    return opts, args


def _print(text, status):
    print(text.rstrip('\n'))
    return status


def _version():
    from targetcli import __version__
    return __version__


def lio_problem():
    """Why the real LIO cannot be used here, or None."""
    from rtslib.configfs import real_lio_problem
    problem = real_lio_problem()
    if problem and problem.startswith('must run as root'):
        problem = 'targetcli ' + problem
    return problem and problem + " Or run on a simulated kernel: targetcli --simulate DIR."


def _home(simdir):
    if simdir:
        return os.path.join(simdir, 'root', '.targetcli')
    return os.path.expanduser(os.environ.get('TARGETCLI_HOME') or '~/.targetcli')


def _is_user_error(err):
    from targetcli.cshell import ExecutionError

    from rtslib.errors import RTSLibError
    from targetcli.tokens import ParseError
    return isinstance(err, (ExecutionError, RTSLibError, ParseError))


def one_line(err):
    """An error as one line, secrets masked."""
    from rtslib.errors import user_message
    from targetcli.tokens import scrub
    text = user_message(err) or str(err) or err.__class__.__name__
    return scrub('; '.join(part.strip() for part in text.splitlines() if part.strip()))


class Reporter:
    """Runs one command; reports its error as one line (and in the log)."""

    def __init__(self, shell, debug):
        self.shell = shell
        self.debug = debug

    def __call__(self, action, prefix=''):
        try:
            action()
            return True
        except KeyboardInterrupt:
            raise
        except BrokenPipeError:
            raise           # the reader went away: main() exits quietly
        except Exception as err:  # noqa: BLE001 - the one boundary where all errors end
            if _is_user_error(err) or isinstance(err, OSError):
                message = one_line(err)
            else:
                message = (f"Internal error ({err.__class__.__name__}): {one_line(err)}; "
                           "run with --debug for a traceback")
                if self.debug:
                    import traceback
                    traceback.print_exc()
            print(prefix + message, file=sys.stderr)
            self.shell.log._append(prefix + message, 'ERROR')
            return False


def _batch_lines(opts):
    if opts.file:
        try:
            with open(opts.file, encoding='utf-8', errors='surrogateescape') as f:
                return f.readlines()
        except OSError as err:
            raise UsageError(f"Cannot read batch file {opts.file}: {err.strerror}") from None
    return sys.stdin.readlines()


def _interactive(shell, root, report):
    from targetcli import __version__
    shell.con.display(f"targetcli shell version {__version__}\n"
                      "Copyright 2011-2013 by Datera, Inc and others.\n"
                      "For help on commands, type 'help'.\n")
    if shell.simdir:
        shell.con.display(f"Using the simulated kernel in {shell.simdir}.\n")
    shell.run_interactive_loop(report)
    return EXIT_OK if _save_on_exit(shell, root, report) else EXIT_FAILED


def _save_on_exit(shell, root, report):
    """Interactive and batch sessions save on exit (targetcli-fb does; a provisioning
    script piped into targetcli would otherwise lose its work at the next boot);
    one-shot commands do not."""
    if not shell.prefs['auto_save_on_exit']:
        return True
    shell.log.info("Global pref auto_save_on_exit=true")
    return report(root.autosave)


def _load_shell():
    """The shell's classes, once configshell-fb is known to have what they use."""
    try:
        from targetcli import cshell
    except ImportError as err:
        raise UsageError(f"configshell-fb cannot be imported ({err}); install it: "
                         "python3 -m pip install configshell-fb") from None
    try:
        cshell.check()
    except cshell.Incompatible as err:
        raise UsageError(str(err)) from None
    from targetcli.shell import TargetShell
    from targetcli.ui_root import UIRoot
    return TargetShell, UIRoot


def complete_line(line):
    """Print what the last word of a one-shot command line can become, one per
    line, as bash replaces it (after its last word break).  The same completer
    as the interactive prompt; nothing when the line cannot be completed."""
    from targetcli import tokens
    text = '' if not line or line[-1].isspace() else line.split()[-1]
    try:
        words = tokens.split_line(line[:len(line) - len(text)])[1:]
        value_of = words[-1] if words and words[-1] in VALUE_OPTIONS else None
        opts, args = parse_args(words[:-1] if value_of else words)
    except (tokens.ParseError, UsageError, SystemExit):
        return EXIT_OK
    if value_of and not args:
        matches = _complete_file(text)
    elif text.startswith('-') and not args:
        matches = [o + ' ' for o in OPTIONS if o.startswith(text)]
    else:
        matches = _complete_command(opts, args, text)
    if len(matches) == 1 and not matches[0].endswith(('/', '=', ' ')):
        matches = [matches[0] + ' ']    # what readline appends to a sole match
    wordbreaks = os.environ.get('COMP_WORDBREAKS', WORDBREAKS)
    cut = max(text.rfind(c) for c in wordbreaks) + 1
    for match in matches:
        print(match[cut:] if match.startswith(text[:cut]) else match)
    return EXIT_OK


def _complete_file(text):
    import glob
    return [p + ('/' if os.path.isdir(p) else ' ') for p in sorted(glob.glob(text + '*'))]


def _complete_command(opts, args, text):
    simdir = opts.simulate or configfs.sim_dir()
    if simdir:
        if not os.path.isdir(simdir):
            return []   # a Tab never creates a simulation directory
        simdir = os.path.abspath(simdir)
    elif lio_problem():
        return []
    TargetShell, UIRoot = _load_shell()
    shell = TargetShell(_home(simdir), simdir=simdir)
    UIRoot(shell)
    import shlex
    return shell.completions(''.join(shlex.quote(a) + ' ' for a in args), text)


def run(argv):
    opts, args = parse_args(argv)
    if opts.complete_line is not None:
        return complete_line(opts.complete_line)
    simdir = opts.simulate or configfs.sim_dir()
    if simdir:
        simdir = os.path.abspath(simdir)
        try:
            os.makedirs(simdir, mode=0o700, exist_ok=True)
        except OSError as err:
            raise UsageError(f"Cannot use {simdir} as the simulation directory: "
                             f"{err.strerror}") from None
    elif not (args and args[0] in ('version', 'help')):
        problem = lio_problem()
        if problem:
            print(problem, file=sys.stderr)
            return EXIT_USAGE
    from rtslib import spec
    spec.configure(spec.user_dirs_from(os.environ.get(spec.USER_DIRS_ENV), simdir),
                   warn=lambda message: print(message, file=sys.stderr))
    TargetShell, UIRoot = _load_shell()
    shell = TargetShell(_home(simdir), simdir=simdir, debug=opts.debug)
    root = UIRoot(shell)
    report = Reporter(shell, opts.debug)
    if args:
        if len(args) == 1 and any(c.isspace() for c in args[0]):
            ok = report(lambda: shell.run_cmdline(args[0]))
        else:
            ok = report(lambda: shell.run_tokens(args))
        return shell.outcome if ok else EXIT_FAILED
    if opts.file or not sys.stdin.isatty():
        failures = shell.run_lines(_batch_lines(opts), report, opts.keep_going)
        saved = _save_on_exit(shell, root, report)
        return shell.outcome if not failures and saved else EXIT_FAILED
    return _interactive(shell, root, report)


def main(argv=None):
    """console_scripts entry point: targetcli=targetcli.main:main."""
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except UsageError as err:
        print(f"targetcli: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `targetcli ls | head -1`: the reader stopped reading, as it meant to; exit
        # quietly with what was done, and let no flush at exit complain again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
