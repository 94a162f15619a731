"""The targetcli shell: configshell-fb's ConfigShell with our own parser,
JSON preferences, secret-free history and log, and completion that works
on any terminal.
"""
import contextlib
import gc
import os
import sys

from targetcli.cshell import ConfigShell, Console

from targetcli import tokens
from targetcli.prefs import JsonPrefs, SafeLog, make_private_dir, warn

DEFAULT_PREFS = {
    'color_path': 'magenta',
    'color_command': 'cyan',
    'color_parameter': 'magenta',
    'color_keyword': 'cyan',
    'color_default': None,
    'completions_in_columns': True,
    'logfile': None,
    'loglevel_console': 'info',
    'loglevel_file': 'debug',
    'color_mode': True,
    'prompt_length': 30,
    'tree_max_depth': 0,
    'tree_status_mode': True,
    'tree_round_nodes': True,
    'tree_show_root': True,
    'export_backstore_name_as_model': True,
    'auto_enable_tpgt': True,
    'auto_add_mapped_luns': True,
    'auto_cd_after_create': False,
    'auto_save_on_exit': True,
    'max_backup_files': '10',
    'auto_add_default_portal': True,
    'bookmarks': {},
    'path_history': None,
    'path_history_index': 0,
}

LOG_LEVELS = ('critical', 'error', 'warning', 'info', 'verbose', 'debug')


def _command_lock(fs):
    """The tree lock, shared, for one command (never across a prompt): a restore or
    clear (exclusive) then runs between commands, never in the middle of one."""
    from rtslib import locks
    return locks.shell_command(fs)


@contextlib.contextmanager
def _collector_paused():
    """Python's cycle collector off while one command runs, on again after it.

    A command's objects (the nodes it shows, their rtslib objects) live until it
    ends, so collecting them meanwhile frees nothing, and a large `ls` spent much of
    its time there (scripts/bench-results.md).  Reference counting still frees the rest."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class TargetShell(ConfigShell):
    """ConfigShell driven by tokens.classify() instead of pyparsing."""

    def __init__(self, home, simdir=None, debug=False, stdout=None, stderr=None, fs=None):
        # ConfigShell.__init__ is deliberately not called: it pickles its
        # preferences, writes ~/.targetcli and builds the lossy grammar.
        self._current_node = None
        self._root_node = None
        self._exit = False
        self.debug = debug
        self.home = home
        self.simdir = simdir
        # the kernel (real or simulated) every node works on, handed down from here
        if fs is None:
            from rtslib.configfs import backend
            fs = backend(simdir)
        self.fs = fs
        self.ls_memo = None     # a dict while `ls` draws (targetcli/tree.py)
        self.outcome = 0        # exit status of commands that succeeded (note_outcome)
        self.history_file = os.path.join(home, 'history.txt')
        self.save_history = True
        self.prefs = JsonPrefs(os.path.join(home, 'prefs.json'))
        self.prefs.autosave = False
        self.prefs.load(defaults=dict(DEFAULT_PREFS, bookmarks={}))
        self._sanitize_prefs()
        self.prefs.autosave = True
        self.log = SafeLog()
        # Console's default streams are the ones of configshell's import: pass today's
        self.out = stdout or sys.stdout
        self.con = Console(stdout=self.out, stderr=stderr or sys.stderr)

    def _sanitize_prefs(self):
        prefs = self.prefs
        for key in ('loglevel_file', 'loglevel_console'):
            if prefs[key] not in LOG_LEVELS:
                prefs[key] = DEFAULT_PREFS[key]
        if not prefs['logfile'] or (self.simdir and not _inside(prefs['logfile'], self.simdir)):
            prefs['logfile'] = os.path.join(self.home, 'log.txt')
        if not isinstance(prefs['bookmarks'], dict):
            prefs['bookmarks'] = {}

    def note_outcome(self, status):
        """A command that succeeded with a status other than 0 (rtslib.exit_status:
        DIFFERS from plan/diff, PARTIAL from a restore that left parts out); the
        highest noted is the exit status of a one-shot or batch without failures."""
        self.outcome = max(self.outcome, status)

    # -- running commands -------------------------------------------------

    def run_tokens(self, toks):
        """Run one command given as tokens (argv, or a split line)."""
        if not toks:
            return
        cmd = tokens.classify(toks)
        self.log.verbose(f"Running command line '{' '.join(tokens.mask_tokens(toks))}'.")
        if cmd.path and not cmd.command:
            self._split_path_command(cmd)
        with _collector_paused(), _command_lock(self.fs):
            self._execute_command(cmd.path, cmd.command, cmd.pparams, cmd.kparams)

    def _split_path_command(self, cmd):
        """`/saveconfig` (the seed's cheat sheet) means `/ saveconfig` when no
        node has that path but the parent has that command."""
        path = cmd.path.rstrip('/')
        try:
            self._current_node.get_node(cmd.path)
            return
        except ValueError:
            pass
        head, sep, tail = path.rpartition('/')
        if not sep or not tail:
            return
        try:
            parent = self._current_node.get_node(head + '/' if head == '' else head)
        except ValueError:
            return
        if tail in parent.list_commands():
            cmd.path, cmd.command = head or '/', tail

    def run_cmdline(self, cmdline):
        self.run_tokens(tokens.split_line(cmdline))

    def run_lines(self, lines, report, keep_going=False):
        """Batch: run lines in order from the root; returns the number of failures."""
        self._current_node = self._root_node
        failures = 0
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if not report(lambda: self.run_cmdline(line), f"line {number}: "):
                failures += 1
                if not keep_going:
                    break
            if self._exit:
                break
        return failures

    def run_interactive_loop(self, report):
        """The interactive prompt; errors are reported and the loop goes on."""
        import readline
        readline.set_completer_delims(' \t\n')
        readline.set_completion_display_matches_hook(self._display_completions)
        if os.path.isfile(self.history_file):
            try:
                readline.read_history_file(self.history_file)
            except OSError as err:
                warn(f"Cannot read command history file {self.history_file}: {err}")
        self._restore_path()
        while not self._exit:
            readline.parse_and_bind("tab: complete")
            readline.set_completer(self._complete)
            try:
                line = input(self._get_prompt())
            except EOFError:
                self.con.raw_write('exit\n')
                line = 'exit'
            except KeyboardInterrupt:
                self.con.raw_write('\n')
                continue
            self._mask_history(readline, line)
            report(lambda: self.run_cmdline(line), '')

    def _restore_path(self):
        history = self.prefs['path_history']
        index = self.prefs['path_history_index']
        if history and isinstance(index, int) and 0 <= index < len(history):
            try:
                self._current_node = self._root_node.get_node(history[index])
            except (ValueError, Exception):  # a vanished path: start at /
                self._current_node = self._root_node

    def _mask_history(self, readline, line):
        """Keep secrets out of the in-memory and on-disk history."""
        length = readline.get_current_history_length()
        masked = tokens.mask_line(line)
        if masked != line and length:
            readline.replace_history_item(length - 1, masked)
        if not self.save_history or not line.strip():
            return
        try:
            make_private_dir(self.home)
            # created 0600 before readline writes to it: never readable by others
            os.close(os.open(self.history_file, os.O_WRONLY | os.O_CREAT, 0o600))
            os.chmod(self.history_file, 0o600)
            readline.write_history_file(self.history_file)
        except OSError:
            warn(f"Cannot write to command history file {self.history_file}; "
                 "history saving is disabled.")
            self.save_history = False

    # -- completion ---------------------------------------------------------

    def _complete(self, text, state):
        if state == 0:
            try:
                self._matches = self._completions(text)
            except Exception:  # noqa: BLE001 - completion must never break the prompt
                self._matches = []
        if state < len(self._matches):
            return self._matches[state]
        return None

    def _completions(self, text):
        import readline
        return self.completions(readline.get_line_buffer()[:readline.get_begidx()], text)

    def completions(self, before, text):
        """What the token `text` can become after the command line `before`:
        the interactive prompt's completer, and bash's for one-shot commands."""
        self._completion_help_topic = ''
        self._current_parameter = ''
        try:
            done = tokens.split_line(before)
        except tokens.ParseError:
            return []
        path = ''
        if done and tokens.is_path(done[0]):
            path = done.pop(0)
        if not done:
            if path or not ('/' in text or text.startswith(('@', '.'))):
                kind = 'command'
            else:
                kind = 'path'
            return self._dispatch_completion(path, '', [], {}, text, kind)
        command = done.pop(0)
        pparams = [t for t in done if '=' not in t]
        kparams = dict(t.split('=', 1) for t in done if '=' in t)
        kind = 'kparam' if '=' in text else 'pparam'
        # configshell's completers expect the token being typed among the params
        if kind == 'kparam':
            key, _, value = text.partition('=')
            kparams[key] = value
        elif text:
            pparams.append(text)
        return self._dispatch_completion(path, command, pparams, kparams, text, kind)

    def _display_completions(self, substitution, matches, max_length):
        """List matches in columns, then redraw the prompt (no cursor queries,
        which hang on terminals that do not answer them)."""
        width = self.con.get_width()
        cell = max_length + 2
        shown = [m.rpartition('=')[2] if self._current_parameter and not m.endswith('=')
                 else m for m in matches]
        cols = max(1, width // cell)
        out = ['\n']
        for i in range(0, len(shown), cols):
            out.append(''.join(m.ljust(cell) for m in shown[i:i + cols]).rstrip() + '\n')
        import readline
        out.append(self._get_prompt() + readline.get_line_buffer())
        self.con.raw_write(''.join(out))


def _inside(path, directory):
    real = os.path.realpath(path)
    base = os.path.realpath(directory)
    return real == base or real.startswith(base + os.sep)
