"""Guest-side helpers for the end-to-end checks (checks_e2e.py, checks_peer.py).

Runs inside the VM only.  The guest root is the host's, read-only over 9p;
what the checks need writable (/etc/iscsi for open-iscsi's node database,
/etc/target for saveconfig) comes from one overlay over /etc whose upper
layer is a tmpfs, made once per boot.

Every process costs about a second under TCG, so helpers keep the number of
external commands small and do file work in this process.
"""
import functools
import hashlib
import os
import re
import shlex
import subprocess
import sys
import time

# Initiator names must satisfy rtslib-fb's IQN check too (Debian's targetcli
# reads the same tree in checks_peer): a dot after the date part is needed.
INITIATOR = 'iqn.2003-01.org.example.e2e:initiator'
ETC_UPPER = '/run/e2e-etc'

# Values that must never reach a log line (CHAP secrets).
_SECRET_KEYS = ('password', 'mutual_password', 'password_mutual', 'password_in')


class E2EFailure(AssertionError):
    """A failed end-to-end expectation; .data carries the check's log so far."""


def mask(text):
    """The text with every CHAP secret (key=value or iscsiadm -v VALUE) replaced."""
    text = re.sub(r'\b(%s)=(\S+)' % '|'.join(_SECRET_KEYS), r'\1=***', text)
    return re.sub(r'(auth\.password(?:_in)?\s+-v\s+)(\S+)', r'\1***', text)


class Log:
    """Lines a check wants in the test log; also echoed to the guest console."""

    def __init__(self, name):
        self.name = name
        self.lines = []
        self.t0 = time.time()

    def __call__(self, line):
        line = mask(line)
        self.lines.append(line)
        print('[e2e %s %5.1fs] %s' % (self.name, time.time() - self.t0, line), flush=True)


def check(fn):
    """Decorator: the check gets (ctx, log); its log is its result (or the failure's data)."""
    @functools.wraps(fn)
    def wrapper(ctx):
        log = Log(fn.__name__)
        try:
            extra = fn(ctx, log)
        except Exception as e:
            log('FAILED: %s: %s' % (type(e).__name__, mask(str(e)).splitlines()[0] if str(e)
                                    else ''))
            data = getattr(e, 'data', None)
            e.data = dict(data if isinstance(data, dict) else {}, log=log.lines)
            raise
        out = {'log': log.lines}
        if extra:
            out.update(extra)
        return out
    return wrapper


def expect(cond, message):
    if not cond:
        raise E2EFailure(message)


# -- processes ----------------------------------------------------------------

def run(argv, timeout=120, env=None, stdin=None):
    """subprocess.run without raising on a non-zero exit; output as text."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                          input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL)


def output(res):
    return (res.stdout + res.stderr).strip()


def _mounted(path):
    with open('/proc/mounts') as f:
        return any(line.split()[1] == path for line in f)


def writable_etc():
    """Overlay a tmpfs over /etc once per boot so /etc/iscsi and /etc/target are writable."""
    if os.path.isdir('/etc/target') and os.access('/etc/target', os.W_OK):
        return
    if not _mounted(ETC_UPPER):
        os.makedirs(ETC_UPPER, exist_ok=True)
        res = run(['mount', '-t', 'tmpfs', 'e2e-etc', ETC_UPPER])
        expect(res.returncode == 0, 'tmpfs for /etc overlay: ' + output(res))
    os.makedirs(ETC_UPPER + '/upper', exist_ok=True)
    os.makedirs(ETC_UPPER + '/work', exist_ok=True)
    if not _mounted('/etc'):
        res = run(['mount', '-t', 'overlay', 'e2e-etc', '-o',
                   'lowerdir=/etc,upperdir=%s/upper,workdir=%s/work' % (ETC_UPPER, ETC_UPPER),
                   '/etc'])
        expect(res.returncode == 0, 'overlay over /etc: ' + output(res))
    os.makedirs('/etc/target', exist_ok=True)


def host_env(home):
    """Environment for programs of the guest's (host's) own distribution: no PYTHONHOME."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHONHOME', 'PYTHONPATH', 'LD_LIBRARY_PATH')}
    env['HOME'] = home
    return env


# -- our targetcli ------------------------------------------------------------

class TargetCLI:
    """Our targetcli, one-shot (`python3 -m targetcli PATH CMD ARGS`), as a user runs it.

    Each call is logged as `$ targetcli ...` with CHAP secrets masked; a
    failing call raises E2EFailure unless ok=False is given.
    """

    def __init__(self, ctx, log, home=None):
        self.ctx = ctx
        self.log = log
        self.home = home or os.path.join(ctx.scratch, 'e2e-home')
        os.makedirs(self.home, exist_ok=True)
        self.env = dict(os.environ, HOME=self.home, PYTHONPATH=ctx.src)

    def argv(self, args):
        return [sys.executable, '-m', 'targetcli'] + args

    def __call__(self, cmdline, ok=True):
        """One one-shot command line (split like a shell does)."""
        res = run(self.argv(shlex.split(cmdline)), env=self.env)
        self._report('$ targetcli %s' % cmdline, [], res, ok)
        return res

    def batch(self, cmdlines, ok=True):
        """Several commands in one process (batch mode: commands on stdin, stops at the
        first failure): under TCG a process start costs seconds, a command very little.
        A batch saves to /etc/target on exit (auto_save_on_exit), as a user's would."""
        writable_etc()
        res = run(self.argv([]), env=self.env, stdin=''.join(c + '\n' for c in cmdlines))
        self._report('$ targetcli <<EOF (batch of %d)' % len(cmdlines),
                     ['  > ' + c for c in cmdlines], res, ok)
        return res

    def _report(self, head, body, res, ok):
        self.log('%s  -> exit %d' % (head, res.returncode))
        for line in body + ['    ' + ln for ln in output(res).splitlines()[:40]]:
            self.log(line)
        what = mask(head + ' ' + '; '.join(body))
        if ok is True and res.returncode != 0:
            raise E2EFailure('%s: exit %d: %s' % (what, res.returncode, mask(output(res))))
        if ok is False and res.returncode == 0:
            raise E2EFailure('%s: expected a failure, got exit 0: %s'
                             % (what, mask(output(res))))


def iscsi_target(iqn, portal_ip='127.0.0.1', port=3260):
    """Commands for `/iscsi create IQN` with one portal on portal_ip:port.

    targetcli adds a default portal 0.0.0.0:3260 (auto_add_default_portal); it
    goes, because the kernel refuses a wildcard portal next to a specific one
    on the same port.  Returns (tpg path, commands).
    """
    tpg = '/iscsi/%s/tpg1' % iqn
    return tpg, ['/iscsi create %s' % iqn,
                 '%s/portals delete 0.0.0.0 3260' % tpg,
                 '%s/portals create %s %d' % (tpg, portal_ip, port)]


# -- networking for iSER --------------------------------------------------------

VETH_TARGET = ('veth-e2e0', '10.77.0.1')     # carries the soft-RoCE device
VETH_PEER = ('veth-e2e1', '10.77.0.2')       # no RDMA device on this one (on purpose)
RXE = 'rxe-e2e0'


def soft_roce():
    """A veth pair inside the guest with rdma_rxe on one end (once per boot).

    No traffic leaves the guest: both ends and all addresses are local.
    Returns the lines describing what was set up.
    """
    if os.path.exists('/sys/class/infiniband/' + RXE):
        return ['soft-RoCE %s on %s already set up' % (RXE, VETH_TARGET[0])]
    steps = [['ip', 'link', 'add', VETH_TARGET[0], 'type', 'veth', 'peer', 'name', VETH_PEER[0]],
             ['ip', 'addr', 'add', VETH_TARGET[1] + '/24', 'dev', VETH_TARGET[0]],
             ['ip', 'addr', 'add', VETH_PEER[1] + '/24', 'dev', VETH_PEER[0]],
             ['ip', 'link', 'set', VETH_TARGET[0], 'up'],
             ['ip', 'link', 'set', VETH_PEER[0], 'up'],
             ['modprobe', '-a', 'rdma_rxe', 'ib_iser'],
             ['rdma', 'link', 'add', RXE, 'type', 'rxe', 'netdev', VETH_TARGET[0]]]
    lines = []
    for argv in steps:
        res = run(argv)
        lines.append('# %s -> exit %d %s' % (' '.join(argv), res.returncode, output(res)))
        expect(res.returncode == 0, 'soft-RoCE setup failed: ' + lines[-1])
    res = run(['rdma', 'link', 'show'])
    lines.append('# rdma link show: ' + output(res))
    return lines


# -- data --------------------------------------------------------------------

# Parts of the tree that differ between two identical configurations: I/O
# and login counters, the HBA index (core/fileio_N: each tool picks the first
# free one, and saveconfig does not record it) and the run-time queue depth
# the kernel shows in a storage object's info; ALUA group members are sorted.
_SKIP_DIRS = ('statistics', 'fabric_statistics')
_HBA = re.compile(r'\b(fileio|iblock|rd_mcp|pscsi|user)_\d+\b')
_RUNTIME = [(re.compile(r'HBA Index: \d+'), 'HBA Index: N'),
            (re.compile(r'Max Queue Depth: \d+'), 'Max Queue Depth: N')]


def _normalise(value):
    value = _HBA.sub(r'\1_N', value)
    for pattern, repl in _RUNTIME:
        value = pattern.sub(repl, value)
    return value


def tree_of(fs, path=''):
    """A comparable dump of a configfs subtree: {path: value | '/' | '-> target'}.

    Symlink names become '@link' (rtslib-fb names them at random), HBA
    indexes become _N, CHAP secrets a hash, so that equal configurations
    give equal dumps and a diff never shows a secret.
    """
    out = {}
    for name in fs.listdir(path):
        child = '%s/%s' % (path, name) if path else name
        key = _HBA.sub(r'\1_N', child)
        if fs.islink(child):
            out[key.rsplit('/', 1)[0] + '/@link'] = '-> ' + _HBA.sub(r'\1_N', fs.readlink(child))
        elif fs.isdir(child):
            if name in _SKIP_DIRS:
                continue
            out[key + '/'] = '/'
            out.update(tree_of(fs, child))
        else:
            try:
                value = fs.read(child)
            except OSError as e:
                value = '<%s>' % os.strerror(e.errno)
            if name == 'members':          # listed in the order they joined, after NUL
                value = ''.join(sorted(value.replace('\x00', '').splitlines(True)))
            if 'password' in name:
                value = 'sha256:' + hashlib.sha256(value.encode()).hexdigest()[:12]
            out[key] = _normalise(value)
    return out


def whole_tree(fs):
    """tree_of every fabric and core (the iscsi discovery_auth group included)."""
    tree = tree_of(fs)
    tree.pop('version', None)
    tree.pop('dbroot', None)
    return tree


def tree_diff(before, after, limit=15):
    """Lines describing how two dumps differ (empty when equal)."""
    lines = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a != b:
            lines.append('%s: %r -> %r' % (key, a, b))
    return lines[:limit] + (['... %d more' % (len(lines) - limit)] if len(lines) > limit else [])


def leftovers(fs):
    """Objects still in configfs after a clear: storage objects (and their HBA dirs),
    targets; fabric dirs, discovery_auth and core/alua are not objects a user made."""
    left = ['core/' + d for d in fs.listdir('core') if d != 'alua']
    for top in fs.listdir(''):
        if top not in ('core', 'version', 'dbroot') and fs.isdir(top):
            left += ['%s/%s' % (top, d) for d in fs.listdir(top)
                     if fs.isdir('%s/%s' % (top, d)) and d != 'discovery_auth']
    return left
