"""Preferences in JSON and a log that never holds a CHAP secret.

configshell-fb's Prefs pickles (loading a pickle runs code) and its Log
appends whatever it is given to a world-readable file; both are replaced
here, keeping their Borg state so configshell's Console and nodes still
see the same values.
"""
import json
import os
import sys
import time

from targetcli.cshell import Log, Prefs

from targetcli.tokens import scrub


def warn(msg):
    print(f"Warning: {msg}", file=sys.stderr)


def make_private_dir(path):
    """Create path (and parents) as 0700 if missing."""
    os.makedirs(path, mode=0o700, exist_ok=True)


def write_private(path, text):
    """Atomically replace path with text, mode 0600 (temp file, fsync, rename)."""
    directory = os.path.dirname(path) or '.'
    make_private_dir(directory)
    import tempfile   # here, not at import: only a save needs it
    fd, tmp = tempfile.mkstemp(prefix='.tmp-', dir=directory)
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class JsonPrefs(Prefs):
    """configshell Prefs (same shared state) stored as JSON, 0600."""

    _save_failed = False

    def save(self, filename=None):
        filename = filename or self.filename
        if not filename:
            return
        try:
            write_private(filename, json.dumps(self._prefs, indent=1, sort_keys=True,
                                               default=str) + '\n')
        except OSError as err:
            if not JsonPrefs._save_failed:
                warn(f"Could not save preferences to {filename}: {err.strerror}.")
            JsonPrefs._save_failed = True

    def load(self, filename=None, defaults=None):
        """Load the file; a missing file is silent, a bad one warns; defaults fill gaps."""
        filename = filename or self.filename
        loaded = {}
        if filename and os.path.exists(filename):
            try:
                with open(filename) as f:
                    loaded = json.load(f)
                if not isinstance(loaded, dict):
                    raise ValueError("not a JSON object")
            except (OSError, ValueError) as err:
                warn(f"Could not load preferences file {filename} ({err}); using defaults.")
                loaded = {}
        prefs = dict(defaults or {})
        for key, value in loaded.items():
            default = prefs.get(key)
            if default is not None and not _same_type(default, value):
                warn(f"Ignoring preference {key}={value!r} in {filename}: "
                     f"expected a {type(default).__name__}.")
                continue
            prefs[key] = value
        self._prefs = prefs


def _same_type(default, value):
    if isinstance(default, bool):
        return isinstance(value, bool)
    return isinstance(value, type(default))


class SafeLog(Log):
    """configshell Log whose file is 0600 and scrubbed of secrets."""

    def _append(self, msg, level):
        logfile = self.prefs['logfile']
        if not logfile:
            return
        stamp = time.strftime('%Y-%m-%d %H:%M:%S')
        line = f"[{level}] {stamp} {scrub(msg)}\n"
        try:
            os.write(self._log_fd(logfile), line.encode('utf-8', 'replace'))
        except OSError:
            pass  # a log that cannot be written must not fail the command

    def _log_fd(self, logfile):
        """One O_APPEND descriptor per log file for the whole process."""
        cached = self.__dict__.get('_fd')
        if cached and cached[0] == logfile:
            return cached[1]
        if cached:
            os.close(cached[1])
            self.__dict__['_fd'] = None
        make_private_dir(os.path.dirname(logfile) or '.')
        fd = os.open(logfile, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self.__dict__['_fd'] = (logfile, fd)
        return fd

    def debug(self, msg):
        # configshell's debug() walks inspect.stack() on every call: too slow
        if self.prefs['loglevel_file'] == 'debug' or self.prefs['loglevel_console'] == 'debug':
            self._log('debug', msg)
