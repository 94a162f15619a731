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
    """total: what `done` counts up to (None: unknown, only the count shows)."""

    def __init__(self, what, stream, quiet=False, delay=None, clock=time.monotonic,
                 total=None, unit='objects'):
        self.what = what
        self.stream = stream
        self.total = total
        self.done = 0
        self.unit = unit
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

    def tick(self):
        """One more done (a backend call watch() counts, one object cleared)."""
        self.done += 1
        if self.on:
            self.update(self.done, self.total)

    def expect(self, more):
        """More work found (clear lists what it deletes as it goes)."""
        self.total = (self.total or 0) + more

    def update(self, done, total):
        """Called as the work goes (cheap when nothing is shown)."""
        if not self.on:
            return
        now = self.clock()
        if now < self.shown_at or (self.last is not None and now - self.last < INTERVAL
                                   and done != total):
            return
        self.last = now
        if total is None:
            line = f'{self.what}: {done} {self.unit}, {int(now - self.start)} s'
        else:
            line = f'{self.what}: {min(done, total)}/{total} {self.unit}, {int(now - self.start)} s'
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


class _Watched:
    """A backend whose calls of some operations tick a Progress."""

    def __init__(self, fs, ops, tick):
        self._fs = fs
        self._ops = ops
        self._tick = tick

    def __getattr__(self, name):
        attr = getattr(self._fs, name)
        if name not in self._ops:
            return attr

        def counted(*args, **kwargs):
            result = attr(*args, **kwargs)
            self._tick()
            return result
        return counted


def watch(root, shown, ops):
    """root itself, or (when the progress line is on) an RTSRoot whose backend ticks
    `shown` on each call of `ops` (restore: each mkdir; save: each listdir)."""
    if not shown.on:
        return root
    from rtslib import RTSRoot
    return RTSRoot(fs=_Watched(root.fs, frozenset(ops), shown.tick))


def restore_total(doc):
    """The directories a restore of `doc` makes: one per object, two per storage
    object (its HBA); for the progress line only."""
    if not isinstance(doc, dict):
        return None
    n = 0
    for so in doc.get('storage_objects') or []:
        n += 2 + len([g for g in so.get('alua_tpgs') or [] if g.get('name') !=
                      'default_tg_pt_gp'])
    for t in doc.get('targets') or []:
        n += 1
        for tpg in t.get('tpgs') or []:
            n += 1 + len(tpg.get('luns') or []) + len(tpg.get('portals') or [])
            for acl in tpg.get('node_acls') or []:
                n += 1 + len(acl.get('mapped_luns') or [])
    return n


def for_restore(root, shown, path):
    """root watched for a restore of the file at `path`: each directory made, of
    those the file holds (read again only when the line shows, on a terminal)."""
    if not shown.on:
        return root
    from rtslib.saveconfig.errors import SaveConfigError
    from rtslib.saveconfig.restore import load_file
    try:
        shown.total = restore_total(load_file(path))
    except SaveConfigError:
        pass    # the restore itself says what is wrong with the file
    return watch(root, shown, ('mkdir',))
