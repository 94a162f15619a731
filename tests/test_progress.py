"""Long restores, applies, clears and saves show how far they are on a terminal:
one line rewritten in place (objects done of total, elapsed seconds), nothing
when stderr is not a terminal or with quiet, never a secret."""
import io
import os
import pty
import subprocess
import sys

from save_helpers import PEER_FILE, ROOT, TARGETCTL, tmp_path  # noqa: F401 (tmpfs tmp_path)

from rtslib.saveconfig import progress

SECRETS = (b'secret1', b'secret2', b'dmp', b'"tp"')


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_line_is_rewritten_in_place_after_the_delay_then_erased():
    now = [0.0]
    out = Terminal()
    with progress.Progress('apply', out, delay=1.0, clock=lambda: now[0], total=10) as shown:
        shown.update(1, 10)             # before the delay: nothing
        now[0] = 1.5
        shown.update(4, 10)
        now[0] = 1.6
        shown.update(5, 10)             # within 0.2 s of the last draw: skipped
        now[0] = 2.5
        shown.update(10, 10)
    assert out.getvalue() == ('\r\x1b[Kapply: 4/10 objects, 1 s'
                              '\r\x1b[Kapply: 10/10 objects, 2 s'
                              '\r\x1b[K')


def test_nothing_when_not_a_terminal_or_quiet():
    for stream, quiet in ((io.StringIO(), False), (Terminal(), True)):
        with progress.Progress('restore', stream, quiet=quiet, delay=0, total=3) as shown:
            for _ in range(3):
                shown.tick()
        assert stream.getvalue() == ''


def _on_a_terminal(simdir, *args, quiet=False):
    """Run targetctl with stderr on a pseudo-terminal; (status, what the terminal got)."""
    master, slave = pty.openpty()
    env = dict(os.environ, PYTHONPATH=ROOT, LIO_PROGRESS_DELAY='0')
    env.pop('LIO_SIMULATE', None)
    p = subprocess.Popen([sys.executable, TARGETCTL, '--simulate', str(simdir)] +
                         (['-q'] if quiet else []) + list(args),
                         stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    seen = b''
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:     # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    p.stdout.read()
    return p.wait(timeout=120), seen


def test_targetctl_shows_progress_on_a_terminal_only(simdir):
    status, seen = _on_a_terminal(simdir, 'restore', PEER_FILE)
    # the file's 17 objects (a storage object is two directories: its HBA and itself)
    assert status == 0 and b'restore: 17/17 objects, ' in seen
    assert seen.endswith(b'\r\x1b[K') and not any(s in seen for s in SECRETS)
    status, seen = _on_a_terminal(simdir, 'save')
    assert status == 0 and b'save: ' in seen and b'directories read' in seen
    status, seen = _on_a_terminal(simdir, 'clear')
    assert status == 0 and b'clear: 14/14 objects' in seen and b'/11 ' not in seen
    status, seen = _on_a_terminal(simdir, 'apply', PEER_FILE)
    assert status == 0 and b'apply: 19/19 objects' in seen
    assert not any(s in seen for s in SECRETS)
    status, seen = _on_a_terminal(simdir, 'clear', quiet=True)
    assert status == 0 and seen == b''
    r = subprocess.run([sys.executable, TARGETCTL, '--simulate', str(simdir), 'restore',
                        PEER_FILE], capture_output=True, env=dict(
                            os.environ, PYTHONPATH=ROOT, LIO_PROGRESS_DELAY='0'))
    assert r.returncode == 0 and r.stderr == b''
