"""How far a long restore, apply, clear or save is, on a terminal.

One line, rewritten in place ("apply: 1200/10000 objects, 4 s"), shown only
when the stream is a terminal, the work has lasted `delay` seconds, and the
user did not ask for quiet; erased when the work ends.  It carries counts
and time only: nothing from the configuration, so never a secret.
"""
import os
import time

DELAY_ENV = 'LIO_PROGRESS_DELAY'   # seconds before the line shows (tests set 0)
DEFAULT_DELAY = 1.0
INTERVAL = 0.2                     # at most five redraws a second


def _is_terminal(stream):
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class Progress:
    def __init__(self, what, stream, quiet=False, delay=None, clock=time.monotonic):
        self.what = what
        self.stream = stream
        self.on = not quiet and _is_terminal(stream)
        if delay is None:
            try:
                delay = float(os.environ.get(DELAY_ENV, DEFAULT_DELAY))
            except ValueError:
                delay = DEFAULT_DELAY
        self.clock = clock
        self.start = clock()
        self.shown_at = self.start + delay
        self.last = None
        self.drawn = False

    def __enter__(self):
        return self

    def update(self, done, total):
        """Called as the work goes (cheap when nothing is shown)."""
        if not self.on:
            return
        now = self.clock()
        if now < self.shown_at or (self.last is not None and now - self.last < INTERVAL
                                   and done != total):
            return
        self.last = now
        line = '%s: %d/%d objects, %d s' % (self.what, done, total, now - self.start)
        try:
            self.stream.write('\r\033[K' + line)
            self.stream.flush()
        except OSError:
            self.on = False
            return
        self.drawn = True

    def __exit__(self, *exc):
        if self.drawn:
            try:
                self.stream.write('\r\033[K')
                self.stream.flush()
            except OSError:
                pass
        return False
