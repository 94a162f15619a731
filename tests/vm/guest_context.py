"""What a guest check gets as `ctx` (see tests/vm/README.md)."""
import json
import os
import subprocess
import sys

from fidelity.clear import clear_tree
from rtslib.configfs import REAL_ROOT, RealConfigFS

# Only the tmpfs Python needs these; other programs the checks start (iscsiadm,
# Debian's python3 and targetcli...) get an environment without them.
OUR_PYTHON_VARS = ('PYTHONHOME', 'LD_LIBRARY_PATH', 'PYTHONPATH')


class Context:
    """Paths and helpers for checks running inside the VM guest.

    ctx.fs        RealConfigFS on /sys/kernel/config/target (the real kernel)
    ctx.root      that path;  ctx.src: the project copy (tmpfs)
    ctx.scratch   tmpfs dir for files/loop backing (/mnt/w, as in the references)
    ctx.work      the host-visible work dir (tests/vm/.work/ on the host)
    """

    def __init__(self, config):
        self.config = config
        self.root = REAL_ROOT
        self.fs = RealConfigFS(REAL_ROOT)
        self.src = config['src']
        self.scratch = config['scratch']
        self.work = config['work']
        self._loops = {}
        self._kmsg = None
        self.our_python_env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [self.src, os.path.join(self.src, 'tests')]))
        self.host_env = {k: v for k, v in os.environ.items() if k not in OUR_PYTHON_VARS}
        os.makedirs(self.scratch, exist_ok=True)
        self.kmsg_new()                      # start the kernel-log cursor here

    # -- processes -------------------------------------------------------
    def run(self, argv, check=True, timeout=300, ours=False, **kw):
        """subprocess.run with text output; each process costs ~1 s under TCG.

        Children get the guest's normal environment (the host's Debian python3
        works); ours=True gives them this interpreter's PYTHONHOME/libpython
        instead, for running the project's own Python (see python_cmd).
        A failure raises RuntimeError with the command's output.
        """
        env = self.our_python_env if ours else self.host_env
        proc = subprocess.run(argv, timeout=timeout, text=True, capture_output=True,
                              env=kw.pop('env', env), **kw)
        if check and proc.returncode != 0:
            raise RuntimeError('%s exited %d\nstdout: %s\nstderr: %s' % (
                ' '.join(argv), proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))
        return proc

    def python_cmd(self, *args):
        """argv for the fast tmpfs Python (use with run(..., ours=True))."""
        return [sys.executable] + list(args)

    # -- files and block devices --------------------------------------------
    def scratch_file(self, name, size=64 << 20):
        """A sparse file of `size` bytes in the scratch tmpfs; returns its path."""
        path = os.path.join(self.scratch, name)
        with open(path, 'ab') as f:
            f.truncate(size)
        return path

    def loop_device(self, name='blk', size=64 << 20):
        """A loop device backed by scratch/<name>, made once per boot and reused.

        The first one made in a boot is /dev/loop0 (nothing else uses loop).
        """
        if name not in self._loops:
            backing = self.scratch_file(name, size)
            out = self.run(['losetup', '-f', '--show', backing])
            self._loops[name] = out.stdout.strip()
        return self._loops[name]

    # -- configfs --------------------------------------------------------
    def reset(self):
        """Remove every LIO object (run before each check)."""
        clear_tree(self.fs)

    # -- kernel log ------------------------------------------------------
    def kmsg_new(self):
        """Kernel log lines logged since the previous call (text, without prefixes)."""
        lines = []
        try:
            if self._kmsg is None:
                self._kmsg = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK)
                os.lseek(self._kmsg, 0, os.SEEK_END)
                return []
            while True:
                try:
                    rec = os.read(self._kmsg, 8192).decode('utf-8', 'replace')
                except BlockingIOError:
                    break
                except BrokenPipeError:        # overwritten records: skip ahead
                    continue
                lines.append(rec.split(';', 1)[-1].rstrip('\n'))
        except OSError:
            pass
        return lines

    # -- artifacts -------------------------------------------------------
    def save(self, name, obj):
        """Write obj as JSON to the host-visible work dir (name like 'fidelity-real.json')."""
        path = os.path.join(self.work, name)
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(obj, f, indent=1, sort_keys=True)
        os.replace(tmp, path)
        return path
