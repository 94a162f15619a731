"""Helpers for the targetcli tests: run the CLI on a simulated kernel, read
the resulting configfs tree."""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CFS = os.path.join('sys', 'kernel', 'config', 'target')
SEED_IP = '192.168.1.139'


def env_for(home=None):
    env = dict(os.environ)
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    env.pop('LIO_SIMULATE', None)
    # bytecode cached outside the repo: each CLI run would otherwise recompile
    env.pop('PYTHONDONTWRITEBYTECODE', None)
    env['PYTHONPYCACHEPREFIX'] = os.path.join(tempfile.gettempdir(), 'lio-py-test-pycache')
    if home:
        env['HOME'] = str(home)
    return env


def cli(simdir, *args, stdin=None, options=()):
    """Run `python3 -m targetcli --simulate simdir [options] args...`."""
    cmd = [sys.executable, '-m', 'targetcli', '--simulate', str(simdir), *options, *args]
    return subprocess.run(cmd, input=stdin if stdin is not None else '', capture_output=True,
                          text=True, env=env_for(os.path.join(str(simdir), '..', 'home')),
                          timeout=120, cwd=ROOT)


def ok(simdir, *args):
    """Run one command that must succeed; return its stdout."""
    done = cli(simdir, *args)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert 'Traceback' not in done.stderr
    return done.stdout


def batch(simdir, lines, keep_going=False):
    options = ('--keep-going',) if keep_going else ()
    return cli(simdir, stdin='\n'.join(lines) + '\n', options=options)


def cfs(simdir, *parts):
    return os.path.join(str(simdir), CFS, *parts)


def read(simdir, *parts):
    with open(cfs(simdir, *parts), encoding='utf-8', errors='replace') as f:
        return f.read().strip()


def dump_tree(simdir):
    """{relative path: 'dir' | '-> link target' | file content} of the whole tree."""
    base = cfs(simdir)
    out = {}
    for dirpath, dirnames, filenames in os.walk(base):
        rel = os.path.relpath(dirpath, base)
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            key = os.path.normpath(os.path.join(rel, name))
            if os.path.islink(path):
                out[key] = '-> ' + os.readlink(path)
            elif os.path.isdir(path):
                out[key] = 'dir'
            else:
                try:
                    with open(path, 'rb') as f:
                        out[key] = f.read()
                except OSError as err:
                    out[key] = f'unreadable {err.errno}'
    return out


def configure_host(simdir, **overrides):
    """Describe the simulated machine (merged over the simulator's defaults)."""
    os.makedirs(str(simdir), exist_ok=True)
    path = os.path.join(str(simdir), 'sim-host.json')
    data = {}
    if os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
    data.update(overrides)
    with open(path, 'w') as f:
        json.dump(data, f)


def seed_host(simdir):
    """The seed page's machine: an RDMA interface with 192.168.1.139."""
    configure_host(simdir, ip_addresses=['127.0.0.1', '::1', SEED_IP],
                   rdma_addresses=[SEED_IP])


def created_iqn(stdout):
    match = re.search(r'Created target (iqn\.\S+)\.\n', stdout)
    assert match, stdout
    return match.group(1)
