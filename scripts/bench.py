#!/usr/bin/env python3
"""Benchmark at scale: ours vs targetcli-fb vs the raw configfs floor (issue 7).

    python3 scripts/bench.py --simulate        host, simulated kernel (peer cannot run there)
    python3 scripts/bench.py --vm              real kernel in the TCG VM, peer included
    python3 scripts/bench.py --simulate --smoke   tiny sizes, 1 run (what CI runs)

Configurations (built once each with raw configfs operations, reused for every
timing): 0, 1,000 LUNs, 10,000 LUNs, 1,000 LUNs x 100 ACLs mapping every LUN,
in the layout our restore leaves; 100x100-fb is the 10,000 LUNs again in the
layout targetcli-fb leaves (one-shots only unless --only says otherwise).
For each, every tool runs each command as its own process; the medians, peak
RSS, ratios and the issue's targets (met/missed) go to stdout and to
scripts/bench-results.md (one section per mode, the other kept).
"""
import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path[:0] = [p for p in (HERE, REPO) if p not in sys.path]

import bench_build   # noqa: E402  (scripts/ on the path first)
import bench_parallel  # noqa: E402
import bench_report  # noqa: E402
import bench_run     # noqa: E402

RESULTS = os.path.join(HERE, 'bench-results.md')
FULL_CONFIGS = '0,10x100,100x100,100x100-fb,10x100x100'
SMOKE_CONFIGS = '1x1x1'


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument('--simulate', nargs='?', const='', metavar='DIR',
                      help='simulated kernel (state under DIR, default a temp dir)')
    mode.add_argument('--vm', action='store_true', help='real kernel in the VM (tests/vm harness)')
    mode.add_argument('--guest', action='store_true', help=argparse.SUPPRESS)  # inside the VM
    mode.add_argument('--render', metavar='JSON', help='only re-render saved measurements (--json)')
    p.add_argument('--smoke', action='store_true', help='tiny sizes, 1 run, no results file')
    p.add_argument('--runs', type=int, help='runs per measurement (median; default 5, smoke 1)')
    p.add_argument('--cycle-runs', type=int,
                   help='clearconfig+restoreconfig cycles per tool (default: --runs)')
    p.add_argument('--configs', help=f'comma list of 0, TxL, TxLxA, each optionally -fb (storage '
                                     f'objects in rtslib-fb\'s layout) (default {FULL_CONFIGS})')
    p.add_argument('--peer-configs', help='configs on which the peer runs (default all)')
    p.add_argument('--no-peer', action='store_true', help='do not run targetcli-fb')
    p.add_argument('--only', action='append', default=[], metavar='CONFIG:OP,OP',
                   help='measure only these ops on CONFIG (empty: build only), e.g. '
                        '100x100:startup_ls,create,delete,set_attr; repeatable')
    p.add_argument('--out', help='results file (default scripts/bench-results.md; smoke: none)')
    p.add_argument('--json', help='also write the raw measurements here')
    p.add_argument('--workdir', help='scratch dir (default a temp dir)')
    p.add_argument('--timeout', type=float, default=1800, help='per command, seconds')
    p.add_argument('--oneshot-runs', type=int,
                   help='runs of the four one-shot commands (default --runs): they are short')
    p.add_argument('--repeat-limit', type=float,
                   help='a command that took longer than this (s) once is not repeated')
    p.add_argument('--peer-timeout', type=float, help="per peer command (default --timeout)")
    p.add_argument('--peer-only', action='append', default=[], metavar='CONFIG:OP,OP',
                   help='the peer runs only these ops on CONFIG (time budget); repeatable')
    p.add_argument('--parallel', type=int, default=0, metavar='N',
                   help='also measure N luns create + N acls create one-shots into one TPG '
                        'started at once vs one after another (issue 19); with --configs "" '
                        'only that')
    p.add_argument('--vm-timeout', type=float, default=3600, help='whole VM run, seconds')
    p.add_argument('--vm-cpus', type=int, default=2,
                   help='guest vCPUs (1 lets two benchmark VMs share a 2-CPU host)')
    p.add_argument('--vm-memory', type=int, default=8192,
                   help='guest MB: an ls of 100,000 mapped LUNs does not fit 2 GB with the kernel')
    args = p.parse_args(argv)
    args.runs = args.runs or (1 if args.smoke else 5)
    args.cycle_runs = args.cycle_runs or args.runs
    if args.configs is None:
        args.configs = SMOKE_CONFIGS if args.smoke else FULL_CONFIGS
    if args.out is None and not args.smoke:
        args.out = RESULTS
    return args


def config_list(text):
    return [bench_build.Config.parse(c.strip()) for c in text.split(',') if c.strip()]


def parse_only(items):
    """{config name: {op}} from CONFIG:OP,OP items."""
    only = {}
    for item in items:
        name, _, ops = item.partition(':')
        only[name] = set(o for o in ops.split(',') if o)
        unknown = only[name] - set(bench_run.OPS)
        if unknown:
            raise SystemExit(f"{item}: unknown ops {sorted(unknown)} (have: "
                             f"{', '.join(bench_run.OPS)})")
    return only


def compile_ours():
    """Byte-compile ours as an install (pip, dpkg) leaves it; under PYTHONDONTWRITEBYTECODE
    or on a read-only tree every timed start would compile from source instead."""
    import compileall
    for pkg in ('rtslib', 'targetcli'):
        compileall.compile_dir(os.path.join(REPO, pkg), quiet=2)


def measure_local(args, real):
    """Run the whole benchmark here (simulator on the host, or the real kernel in the guest)."""
    # tmpfs when there is one: the simulated kernel's state, like configfs, lives in memory
    scratch = '/dev/shm' if os.path.isdir('/dev/shm') and os.access('/dev/shm', os.W_OK) else None
    work = args.workdir or tempfile.mkdtemp(prefix='lio-bench-', dir=scratch)
    os.makedirs(work, exist_ok=True)
    peer_names = None if args.peer_configs is None else set(args.peer_configs.split(','))
    only = parse_only(args.only)
    for cfg in config_list(args.configs):     # the -fb layout differs in lookups only
        if cfg.layout == 'fb':
            only.setdefault(cfg.name, set(bench_run.ONE_SHOT))
    compile_ours()
    bench = bench_run.Bench(work=work, real=real, runs=args.runs, cycle_runs=args.cycle_runs,
                            timeout=args.timeout,
                            peer=real and not args.no_peer, simroot=args.simulate or None,
                            warm_up=not args.smoke, peer_timeout=args.peer_timeout,
                            peer_only=parse_only(args.peer_only), oneshot_runs=args.oneshot_runs,
                            repeat_limit=args.repeat_limit)
    data = {'meta': bench_run.machine_meta(real), 'runs': args.runs, 'cycle_runs': args.cycle_runs,
            'oneshot_runs': args.oneshot_runs or args.runs, 'configs': []}
    data['meta'].update(mode='vm' if real else 'simulate', smoke=args.smoke,
                        date=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'))
    data['meta'].setdefault('notes', []).append(
        'ours runs byte-compiled, as an install leaves it (compileall before timing); the '
        "peer's Debian package ships its .pyc")
    data['baselines'] = [] if args.smoke or not args.configs else bench.baselines()
    for cfg in config_list(args.configs):
        with_peer = peer_names is None or cfg.name in peer_names
        data['configs'].append(bench.config(cfg, with_peer, only.get(cfg.name)))
        if args.json:
            write_json(args.json, data)
    if args.parallel:
        data['parallel'] = measure_parallel(bench, args, real, work)
    bench.finish()
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return data


def measure_parallel(bench, args, real, work):
    """The parallel row, on its own tree (bench_parallel.py)."""
    from rtslib.configfs import open_configfs
    if real:
        fs = open_configfs()
    else:
        bench.simdir = os.path.join(work, 'parallel-sim')
        fs = open_configfs(simulate=bench.simdir)
    tools = ['ours'] + (['peer'] if bench.peer else [])
    return bench_parallel.measure(bench, fs, args.parallel, tools)


def measure_vm(args):
    """Boot the VM through tests/vm/harness.py and run the guest part there."""
    import bench_vm
    return bench_vm.run(args)


def load_note(guest_load=None):
    """The host's load average at the end: other work on the machine skews every number."""
    try:
        load = '/'.join(f'{x:.1f}' for x in os.getloadavg())
        host = f'host load average {load} on {os.cpu_count()} CPUs'
    except OSError:
        host = None
    return '; '.join(x for x in (host, guest_load) if x)


def write_json(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


def git_head():
    """The commit measured (with '+changes' if the tree differs from it), or None."""
    import subprocess
    try:
        head = subprocess.run(['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(['git', '-C', REPO, 'status', '--porcelain', '--untracked-files=no'],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + (' +uncommitted changes' if dirty else '')


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    commit = None if args.guest or args.render else git_head()
    if args.render:
        with open(args.render) as f:
            data = json.load(f)
        data['meta'].setdefault('mode', 'simulate')
        return write_sections(args, data)
    if args.vm:
        data = measure_vm(args)
    else:
        data = measure_local(args, real=args.guest)
    if args.guest:                       # the host renders; the guest only measures
        write_json(args.json, data)
        return 0
    data['meta']['date'] = started.strftime('%Y-%m-%d %H:%M UTC')
    data['meta']['commit'] = commit
    data['meta']['mode'] = 'vm' if args.vm else 'simulate'
    data['meta']['smoke'] = args.smoke
    data['meta']['load'] = load_note(data['meta'].get('load'))
    if args.json:
        write_json(args.json, data)
    return write_sections(args, data)


def write_sections(args, data):
    """Print the tables and put them in the results file: the configurations' section
    and the parallel row's, each only when measured."""
    mode = data['meta']['mode']
    sections = []
    if data['configs']:
        sections.append((mode, bench_report.render(data)))
    if data.get('parallel'):
        sections.append((mode + '-parallel', bench_parallel.render(data, mode)))
    for key, text in sections:
        print(text)
        if args.out:
            bench_report.update_file(args.out, key, text)
            print(f'written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
