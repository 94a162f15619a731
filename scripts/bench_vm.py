"""Host side of `bench.py --vm`: one VM boot through tests/vm/harness.py.

Writes the sizes to bench-params.json and a tar of Debian's Python (stdlib +
the peer's packages) to bench-peerpy.tar in the harness work dir, boots the VM
once with the check bench.run (tests/vm/checks_bench.py) and returns the
measurements it left in bench-data.json.
"""
import json
import os
import platform
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_WORKDIR = '/tmp/lio-bench-vm'
DEBIAN_STDLIB = '/usr/lib/python3.11'
DEBIAN_SITE = '/usr/lib/python3/dist-packages'
# What targetcli-fb imports from dist-packages (found by tracing its imports).
PEER_PACKAGES = ['targetcli', 'rtslib_fb', 'configshell_fb', 'pyparsing', 'six.py', 'pyudev',
                 'gi', '_distutils_hack', 'distutils-precedence.pth']
STDLIB_SKIP = {'test', 'idlelib', 'tkinter', 'turtledemo', 'ensurepip', 'lib2to3',
               'pydoc_data', 'dist-packages', 'site-packages'}


def _skip_opt(info):
    return None if '.opt-' in info.name else info


def pack_peer(workdir):
    """bench-peerpy.tar: Debian's stdlib and the peer's packages, paths as in the root fs."""
    path = os.path.join(workdir, 'bench-peerpy.tar')
    if os.path.exists(path) and os.path.getmtime(path) > os.path.getmtime(DEBIAN_SITE + '/targetcli'):
        return path
    with tarfile.open(path + '.tmp', 'w') as tar:
        for name in sorted(os.listdir(DEBIAN_STDLIB)):
            if name not in STDLIB_SKIP and not name.startswith('config-'):
                tar.add(os.path.join(DEBIAN_STDLIB, name), DEBIAN_STDLIB[1:] + '/' + name,
                        filter=_skip_opt)
        for name in PEER_PACKAGES:
            src = os.path.join(DEBIAN_SITE, name)
            if os.path.exists(src):
                tar.add(src, DEBIAN_SITE[1:] + '/' + name, filter=_skip_opt)
    os.replace(path + '.tmp', path)
    return path


def run(args):
    sys.path.insert(0, os.path.join(REPO, 'tests', 'vm'))
    import harness
    workdir = os.path.abspath(args.workdir or os.environ.get('LIO_BENCH_VM_WORKDIR')
                              or DEFAULT_WORKDIR)
    harness.prepare_workdir(workdir)
    for stale in ('bench-data.json',):
        if os.path.exists(os.path.join(workdir, stale)):
            os.unlink(os.path.join(workdir, stale))
    if not args.no_peer and os.path.isdir(DEBIAN_SITE + '/targetcli'):
        pack_peer(workdir)
    params = {'configs': args.configs, 'runs': args.runs, 'cycle_runs': args.cycle_runs,
              'no_peer': args.no_peer,
              'peer_configs': args.peer_configs, 'timeout': args.timeout, 'only': args.only,
              'peer_timeout': args.peer_timeout, 'peer_only': args.peer_only,
              'oneshot_runs': args.oneshot_runs, 'repeat_limit': args.repeat_limit,
              'parallel': args.parallel}
    with open(os.path.join(workdir, 'bench-params.json'), 'w') as f:
        json.dump(params, f)
    os.environ['LIO_VM_MEMORY'] = str(args.vm_memory)
    os.environ['LIO_VM_CPUS'] = str(args.vm_cpus)
    t0 = time.time()
    data_path = os.path.join(workdir, 'bench-data.json')
    try:
        results = harness.run_in_vm(['bench.run'], timeout=args.vm_timeout, workdir=workdir)
    except harness.VMError as e:
        if not os.path.exists(data_path):     # the guest writes it after each configuration
            raise SystemExit(f'bench --vm: {e}')
        results = {'bench.run': {'ok': False, 'detail': f'VM run ended early ({e}); the '
                                 'configurations finished before it are kept'}}
    res = results.get('bench.run', {})
    if not os.path.exists(data_path):
        raise SystemExit("bench --vm: the guest left no measurements; check said:\n"
                         f"{res.get('detail', results)}")
    with open(data_path) as f:
        data = json.load(f)
    data['meta']['host_kernel'] = (f'{platform.release()} on {platform.node()} ({os.cpu_count()} '
                                   f'CPUs); guest: QEMU TCG (no KVM), {args.vm_cpus} vCPUs, '
                                   f'{args.vm_memory} MB, virtme-ng')
    data['meta'].setdefault('notes', []).append(
        f'whole VM run {time.time() - t0:.0f} s (boot + build + measurements)')
    if not res.get('ok'):
        first = res.get('detail', '').splitlines()[0:1]
        data['meta']['notes'].append(f'guest check failed: {first}')
    return data
