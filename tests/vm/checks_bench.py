"""Guest side of the benchmark (scripts/bench.py --vm) on the real kernel.

The host writes bench-params.json into the work dir (sizes, runs) and a tar of
Debian's Python for the peer (bench-peerpy.tar); without a params file this
runs a tiny smoke size, so a plain `all` VM run stays short.  Measurements go
to bench-data.json in the work dir (and are returned); the host renders the table.
"""
import importlib.util
import json
import os
import subprocess

# Without bench-params.json (the shared test boot): one tiny configuration, no peer.
SMOKE_PARAMS = {'configs': '1x1x1', 'runs': 1, 'no_peer': True, 'peer_configs': None,
                'timeout': 600}
PEER_TAR = 'bench-peerpy.tar'
PEER_PY = '/mnt/bench-peerpy'
# Debian's Python over the guest's 9p root takes tens of seconds per start; the
# host tars it, and it is served from tmpfs at the same paths (as a real disk would).
PEER_MOUNTS = ['/usr/lib/python3.11', '/usr/lib/python3/dist-packages']


def _sh(argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=300)


def setup_peer(ctx):
    """What Debian's targetcli-fb needs in this VM: D-Bus, a writable /etc dir, fast Python."""
    notes = []
    os.makedirs('/run/dbus', exist_ok=True)
    if _sh(['dbus-daemon', '--system', '--fork']).returncode != 0:
        notes.append('dbus-daemon did not start')
    if os.path.isdir('/etc/rtslib-fb-target'):
        _sh(['mount', '-t', 'tmpfs', 'none', '/etc/rtslib-fb-target'])
    tar = os.path.join(ctx.work, PEER_TAR)
    if os.path.exists(tar):
        os.makedirs(PEER_PY, exist_ok=True)
        _sh(['tar', '-C', PEER_PY, '-xf', tar])
        for path in PEER_MOUNTS:
            if os.path.isdir(PEER_PY + path):
                res = _sh(['mount', '--bind', PEER_PY + path, path])
                if res.returncode:
                    notes.append('bind %s failed: %s' % (path, res.stderr.strip()))
    else:
        notes.append("no %s: the peer's Python is read over 9p (slow)" % PEER_TAR)
    return notes


def load_bench(ctx):
    path = os.path.join(ctx.src, 'scripts', 'bench.py')
    spec = importlib.util.spec_from_file_location('bench', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run(ctx):
    """The benchmark on the real kernel (sizes from bench-params.json, else smoke)."""
    params_path = os.path.join(ctx.work, 'bench-params.json')
    params = dict(SMOKE_PARAMS)
    if os.path.exists(params_path):
        with open(params_path) as f:
            params.update(json.load(f))
    notes = setup_peer(ctx) if not params['no_peer'] else []
    out = os.path.join(ctx.work, 'bench-data.json')
    argv = ['--guest', '--configs', params['configs'], '--runs', str(params['runs']),
            '--cycle-runs', str(params.get('cycle_runs') or params['runs']),
            '--json', out, '--workdir', '/mnt/bench', '--timeout', str(params['timeout'])]
    if params['no_peer']:
        argv.append('--no-peer')
    if params.get('peer_configs'):
        argv += ['--peer-configs', params['peer_configs']]
    for item in params.get('only') or []:
        argv += ['--only', item]
    for item in params.get('peer_only') or []:
        argv += ['--peer-only', item]
    for key in ('oneshot_runs', 'repeat_limit', 'parallel'):
        if params.get(key):
            argv += ['--' + key.replace('_', '-'), str(params[key])]
    if params.get('peer_timeout'):
        argv += ['--peer-timeout', str(params['peer_timeout'])]
    bench = load_bench(ctx)
    bench.main(argv)
    with open(out) as f:
        data = json.load(f)
    data['meta'].setdefault('notes', []).extend(notes)
    with open(out, 'w') as f:
        json.dump(data, f, indent=1)
    ctx.reset()                      # leave an empty tree behind, as found
    return {'configs': [c['name'] for c in data['configs']], 'notes': notes, 'data': data}


CHECKS = [run]
