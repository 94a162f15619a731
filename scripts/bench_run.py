"""Runs the benchmark's commands as separate processes and records time and peak RSS.

Three tools, each started fresh per command exactly as a user would:
  ours   python3 -m targetcli [--simulate DIR] ARGS
  peer   Debian's /usr/bin/targetcli (targetcli-fb; real kernel only)
  floor  python3 scripts/bench_floor.py MODE ... (the raw configfs operations)
Time is wall clock from spawn to reap; peak memory is the child's own
ru_maxrss from wait4(2), so every number belongs to exactly one process.
"""
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys

import bench_apply
import bench_build
import bench_floor
from bench_build import PROBE_IQN, PROBE_SO, PROBE_TPG

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FLOOR = os.path.join(HERE, 'bench_floor.py')
QUOTES = '\'"'                 # around the versions in the packages' sources
TRACER = os.path.join(HERE, 'bench_trace.py')
SPAWNER = os.path.join(HERE, 'bench_spawn.py')
PEER_BIN = '/usr/bin/targetcli'
PROBE_PATH = f'/iscsi/{PROBE_IQN}/tpg1'

ONE_SHOT = ['startup_ls', 'create', 'delete', 'set_attr']
READS = ['ls', 'saveconfig']
CYCLE = ['clearconfig', 'restoreconfig']
WARM_RUNS = 3       # untimed start-ups of ours and of the floor before their first timing
OPS = ONE_SHOT + READS + CYCLE + bench_apply.OPS
TOOLS = ['ours', 'peer', 'floor']
OP_TEXT = {
    'startup_ls': f"start-up + ls {PROBE_PATH.replace(PROBE_IQN, 'PROBE')}",
    'create': f'luns create /backstores/ramdisk/{PROBE_SO}',
    'delete': 'luns delete 0',
    'set_attr': 'tpg1 set attribute authentication=0',
    'ls': 'ls (whole tree)',
    'saveconfig': 'saveconfig FILE',
    'clearconfig': 'clearconfig confirm=True',
    'restoreconfig': 'restoreconfig FILE (after clear)',
}
OP_TEXT.update(bench_apply.OP_TEXT)


def tool_args(op, save_file):
    """targetcli arguments of `op` (ours and the peer take the same one-shot syntax)."""
    return {
        'startup_ls': [PROBE_PATH, 'ls'],
        'create': [PROBE_PATH + '/luns', 'create', '/backstores/ramdisk/' + PROBE_SO],
        'delete': [PROBE_PATH + '/luns', 'delete', '0'],
        'set_attr': [PROBE_PATH, 'set', 'attribute', 'authentication=0'],
        'ls': ['ls'],
        'saveconfig': ['saveconfig', save_file],
        'clearconfig': ['clearconfig', 'confirm=True'],
        'restoreconfig': ['restoreconfig', save_file],
    }[op]


def floor_args(op, save_file, probe_so_dir):
    return {
        'startup_ls': ['node', PROBE_TPG],
        'create': ['create', PROBE_TPG, probe_so_dir],
        'delete': ['delete', PROBE_TPG],
        'set_attr': ['set', PROBE_TPG],
        'ls': ['ls'],
        'saveconfig': ['save', save_file],
        'clearconfig': ['clear'],
        'restoreconfig': ['restore', save_file],
    }[op]


def counts(fs):
    """What a configuration consists of, for checking that a restore/clear really happened."""
    out = {'storage_objects': len(bench_floor.storage_dirs(fs)), 'luns': 0, 'mapped_luns': 0,
           'tpgs': 0}
    for fab, wwn, tpg in bench_floor.tpgs(fs):
        path = f'{fab}/{wwn}/{tpg}'
        out['tpgs'] += 1
        out['luns'] += len(fs.listdir(path + '/lun'))
        for acl in fs.listdir(path + '/acls'):
            out['mapped_luns'] += sum(1 for m in fs.listdir(f'{path}/acls/{acl}')
                                      if m.startswith('lun_'))
    return out


class Bench:
    """Measures every (op, tool) on each configuration; see config()."""

    def __init__(self, work, real, runs, timeout, peer, simroot=None, cycle_runs=None,
                 warm_up=True, peer_timeout=None, peer_only=None, oneshot_runs=None,
                 repeat_limit=None):
        self.work, self.real, self.runs, self.timeout = work, real, runs, timeout
        self.oneshot_runs = oneshot_runs or runs
        self.repeat_limit = repeat_limit     # a command slower than this once is not repeated
        self.peer_timeout = peer_timeout or timeout
        self.peer_only = peer_only or {}     # config name -> the only ops the peer runs there
        self.peer_ops = None
        self.warm_up = warm_up
        self.spawner = None
        self.spawn(['true'], dict(os.environ))     # start the spawner while we are small
        self.drop_sim = simroot is None
        self.warmed = set()
        self.cycle_runs = cycle_runs or runs
        self.peer = peer and os.path.exists(PEER_BIN)
        self.simroot = simroot or work
        self.home = os.path.join(work, 'home')
        os.makedirs(self.home, exist_ok=True)
        self.fs = None
        self.simdir = None
        self.decl_files = (None, None)       # bench_apply.stage: (save file, changed copy)

    # -- processes --------------------------------------------------------------
    def env(self, tool):
        env = dict(os.environ, HOME=self.home, TARGETCLI_HOME=os.path.join(self.home, '.targetcli'))
        env.pop('LIO_SIMULATE', None)
        if tool == 'peer':          # Debian's own Python: none of the guest's overrides
            for key in ('PYTHONHOME', 'PYTHONPATH', 'LD_LIBRARY_PATH'):
                env.pop(key, None)
        else:
            env['PYTHONPATH'] = REPO + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
        return env

    def our_args(self, op, save_file):
        if op in bench_apply.OPS:
            return bench_apply.tool_args(op, *self.decl_files)
        return tool_args(op, save_file)

    def tool_argv(self, tool, args):
        """argv of one targetcli command `args` for ours or the peer."""
        if tool == 'peer':
            return [PEER_BIN] + list(args)
        sim = [] if self.real else ['--simulate', self.simdir]
        return [sys.executable, '-m', 'targetcli'] + sim + list(args)

    def argv(self, tool, op):
        sim = [] if self.real else ['--simulate', self.simdir]
        save_file = self.saves[tool]
        if tool == 'ours':
            return [sys.executable, '-m', 'targetcli'] + sim + self.our_args(op, save_file)
        if tool == 'peer':
            return [PEER_BIN] + tool_args(op, save_file)
        if self.traces.get(op):               # the same calls ours made, nothing else
            out = [save_file] if op == 'saveconfig' else []
            kind = bench_apply.KIND.get(op) or (
                'read' if op in ('startup_ls', 'ls', 'saveconfig') else 'change')
            return [sys.executable, FLOOR] + sim + ['replay', kind, self.traces[op]] + out
        if op in bench_apply.OPS:
            args = bench_apply.floor_args(op, self.decl_files[0],
                                          os.path.join(self.work, 'floor-plan.json'))
            return args and [sys.executable, FLOOR] + sim + args
        probe_dir = f'core/{self.probe_hba}/{PROBE_SO}'
        src = self.restore_src if op == 'restoreconfig' else save_file
        return [sys.executable, FLOOR] + sim + floor_args(op, src, probe_dir)

    def spawn(self, argv, env, timeout=None):
        """(seconds, peak RSS KiB, exit code, stderr tail, stdout bytes) of one process."""
        timeout = timeout or self.timeout
        out_path, err_path = os.path.join(self.work, 'out.txt'), os.path.join(self.work, 'err.txt')
        if self.spawner is None:        # small and started early: see bench_spawn.py
            self.spawner = subprocess.Popen([sys.executable, '-I', '-S', SPAWNER], text=True,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        req = {'argv': argv, 'env': env, 'cwd': self.work, 'stdout': out_path,
               'stderr': err_path, 'timeout': timeout}
        self.spawner.stdin.write(json.dumps(req) + '\n')
        self.spawner.stdin.flush()
        ans = json.loads(self.spawner.stdout.readline())
        with open(err_path, 'rb') as f:
            tail = f.read()[-400:].decode('utf-8', 'replace').strip()
        if ans.get('error'):
            return 0.0, 0, 127, ans['error'], 0
        rc = os.waitstatus_to_exitcode(ans['status'])
        if rc < 0:
            tail = f'killed by signal {-rc} (timeout {timeout:.0f}s?) {tail}'
        self.last_cpu = ans.get('cpu')
        return ans['seconds'], ans['maxrss_kib'], rc, tail, os.path.getsize(out_path)

    def measure_building(self, rec, tool, op, expect, verb):
        """measure() of an op that builds the whole tree; a tree other than expect is
        recorded as the run's error ('<verb> <counts>, expected <counts>')."""
        ok = self.measure(rec, tool, op)
        got = counts(self.fs)
        if ok and got != expect:
            rec[op][tool]['errors'].append(f'{verb} {got}, expected {expect}')

    def measure(self, rec, tool, op):
        if tool == 'peer' and self.peer_ops is not None and op not in self.peer_ops:
            return False
        timeout = self.peer_timeout if tool == 'peer' else self.timeout
        cell = rec.setdefault(op, {}).setdefault(tool, {'seconds': [], 'rss_kib': [], 'errors': [],
                                                        'cpu': []})
        if len(cell['errors']) >= 2 or cell.get('timeout'):   # broken or too slow: do not repeat
            return False
        if self.repeat_limit and cell['seconds'] and cell['seconds'][0] > self.repeat_limit:
            cell['once'] = self.repeat_limit
            return False
        if tool == 'floor':
            cell['kind'] = 'replay' if self.traces.get(op) else 'minimal'
        argv = self.argv(tool, op)
        if argv is None:                         # no minimal script for this op
            return False
        sec, rss, rc, tail, nout = self.spawn(argv, self.env(tool), timeout)
        progress(f'{self.name} {op} {tool}: {sec:.2f} s, exit {rc}')
        if rc == -signal.SIGKILL and sec >= timeout:
            cell['timeout'] = timeout            # a lower bound, shown as >N
            return False
        if rc != 0:
            cell['errors'].append(f"exit {rc}: {tail.splitlines()[-1] if tail else ''}")
            return False
        if op in ('ls', 'startup_ls') and tool != 'floor' and nout == 0:
            cell['errors'].append('printed nothing')
            return False
        cell['seconds'].append(round(sec, 4))
        cell['rss_kib'].append(rss)
        cell['cpu'].append(round(self.last_cpu, 4))
        return True

    # -- one configuration ---------------------------------------------------------
    def open_tree(self, cfg):
        from rtslib.configfs import RealConfigFS, open_configfs
        if self.real:
            self.fs = RealConfigFS()
            return
        self.simdir = os.path.join(self.simroot, 'sim-' + cfg.name)
        shutil.rmtree(self.simdir, ignore_errors=True)
        os.makedirs(self.simdir)
        self.fs = open_configfs(simulate=self.simdir)

    def config(self, cfg, with_peer=True, only=None):
        """Build `cfg` once, then time every op (or those in `only`) for every tool on it."""
        ops = [op for op in ONE_SHOT + READS if only is None or op in only]
        cycle = only is None or 'restoreconfig' in only or 'clearconfig' in only
        self.open_tree(cfg)
        self.name = cfg.name
        mem_before = meminfo()
        build_s = bench_build.build(self.fs, cfg)
        progress(f'{cfg.name} built in {build_s:.1f} s')
        kernel_mb = {k: round((meminfo().get(k, 0) - v) / 1024.0, 1) for k, v in mem_before.items()}
        self.probe_hba = cfg.probe_hba()
        self.traces = {}
        expect = counts(self.fs)
        tools = ['ours'] + (['peer'] if self.peer and with_peer else []) + ['floor']
        rec, notes = {}, []
        self.notes = notes
        self.peer_ops = self.peer_only.get(cfg.name)
        if 'peer' in tools and self.peer_ops is not None:
            ops = ', '.join(sorted(self.peer_ops)) or 'nothing'
            notes.append(f'peer run here on {ops} only (time budget: each of its commands '
                         'rebuilds the whole tree)')
        self.saves = {t: os.path.join(self.work, f'save-{t}-{cfg.name}.json') for t in TOOLS}
        for op in ops:                          # what ours does, for the floor to replay
            self.trace(rec, op)
        # One tool's runs together, after untimed runs of it: under TCG the first command
        # after another interpreter ran paid ~1 s (code cache), whichever tool it was.
        for tool in tools:
            self.warm(tool)
            for i in range(max(self.runs, self.oneshot_runs)):
                for op in ops:
                    if i < (self.oneshot_runs if op in ONE_SHOT else self.runs):
                        self.measure(rec, tool, op)
        if counts(self.fs) != expect:
            notes.append(f'the create/delete round trips changed the tree: {counts(self.fs)}')
            self.reset(cfg, notes)
        self.restore_src = self.saves['ours'] if rec.get('saveconfig', {}).get('ours', {}).get(
            'seconds') else (self.saves['peer'] if 'peer' in tools else None)
        if cycle:
            self.trace_cycle(rec, cfg, expect)
            for tool in ['floor'] + [t for t in ('peer', 'ours') if t in tools]:
                self.cycle(rec, tool, cfg, expect)
        declarative = [op for op in bench_apply.OPS if only is None or op in only]
        if declarative:
            bench_apply.stage(self, rec, cfg, expect, declarative)
        if not self.real and self.drop_sim:
            shutil.rmtree(self.simdir, ignore_errors=True)   # a 10k-LUN simulated tree is GBs
        if only is not None:
            notes.append(f"measured here: {', '.join(sorted(only)) or 'nothing, built'} only "
                         '(time budget)')
        return {'name': cfg.name, 'describe': cfg.describe(), 'targets': cfg.targets,
                'luns': cfg.total_luns, 'acls': cfg.acls, 'mapped_luns': cfg.mapped_luns,
                'build_s': round(build_s, 2), 'counts': expect, 'tools': tools,
                'memory_mb': kernel_mb if self.real else None,
                'load': [round(x, 1) for x in os.getloadavg()],
                'ops': rec, 'notes': notes}

    def warm(self, tool):
        """Untimed start-ups of `tool`: more the first time; the peer's only then (on a big
        tree one costs minutes, and the median of its runs drops a cold first one)."""
        first = tool not in self.warmed
        self.warmed.add(tool)
        if not self.warm_up or (tool == 'peer' and not first):
            return
        for _ in range(WARM_RUNS if first and tool != 'peer' else 1):
            self.spawn(self.argv(tool, 'startup_ls'), self.env(tool),
                       self.peer_timeout if tool == 'peer' else None)

    def trace(self, rec, op):
        """Run ours once under bench_trace.py; keep the record if the command succeeded."""
        path = os.path.join(self.work, f'trace-{op}.json')
        sim = [] if self.real else ['--simulate', self.simdir]
        argv = [sys.executable, TRACER, path] + sim + self.our_args(op, self.saves['ours'])
        _, _, rc, tail, _ = self.spawn(argv, self.env('ours'))
        info = rec.setdefault(op, {}).setdefault('calls', {})
        if rc != 0 or not os.path.exists(path):
            self.traces[op] = None
            info['error'] = f"exit {rc}: {tail.splitlines()[-1] if tail else ''}"
            return False
        with open(path) as f:
            calls = json.load(f)
        self.traces[op] = path
        for name, _, _ in calls:
            info[name] = info.get(name, 0) + 1
        return True

    def reset(self, cfg, notes):
        """Put `cfg` back after a tool left a broken tree; False if that is impossible."""
        try:
            bench_build.build(self.fs, cfg)
            return True
        except OSError as e:
            notes.append(f'raw clear/build failed on the tree a tool left ({e})')
        if self.real:
            return False
        self.open_tree(cfg)              # simulator: start over in a fresh directory
        bench_build.build(self.fs, cfg)
        notes.append('rebuilt the configuration in a fresh simulated kernel')
        return True

    def trace_cycle(self, rec, cfg, expect):
        """One untimed clearconfig+restoreconfig of ours, recorded for the floor."""
        if not self.restore_src or self.restore_src != self.saves['ours']:
            self.traces['clearconfig'] = self.traces['restoreconfig'] = None
            return
        self.trace(rec, 'clearconfig')
        if any(counts(self.fs).values()):
            self.traces['clearconfig'] = None
            try:
                bench_floor.do_clear(self.fs)
            except OSError:
                self.reset(cfg, self.notes)
                bench_floor.do_clear(self.fs)
        self.trace(rec, 'restoreconfig')
        if counts(self.fs) != expect:
            self.traces['restoreconfig'] = None
            self.reset(cfg, self.notes)

    def cycle(self, rec, tool, cfg, expect):
        """clearconfig then restoreconfig, `cycle_runs` times; each must leave the expected tree."""
        if tool == 'peer' and self.peer_ops is not None and not set(CYCLE) <= self.peer_ops:
            return
        if tool != 'floor' and not os.path.exists(self.saves[tool]) or \
                tool == 'floor' and not (self.traces.get('restoreconfig') or self.restore_src):
            for op in CYCLE:
                rec.setdefault(op, {})[tool] = {'seconds': [], 'rss_kib': [],
                                                'errors': ['no save file to restore from']}
            return
        for _ in range(self.cycle_runs):
            # the recorded clear names the built tree's paths; a restore may lay it out anew
            replaying = tool == 'floor' and self.traces.get('clearconfig')
            if (replaying or counts(self.fs) != expect) and not self.reset(cfg, self.notes):
                return
            ok = self.measure(rec, tool, 'clearconfig')
            left = counts(self.fs)
            if ok and any(left.values()):
                rec['clearconfig'][tool]['errors'].append(f'left {left}')
            if any(left.values()):
                try:
                    bench_floor.do_clear(self.fs)
                except OSError:
                    if not self.reset(cfg, self.notes):
                        return
                    bench_floor.do_clear(self.fs)
            self.measure_building(rec, tool, 'restoreconfig', expect, 'restored')
        if counts(self.fs) != expect:
            self.reset(cfg, self.notes)

    def baselines(self):
        """Medians of bare interpreter starts: the part of every number no tool can remove."""
        self.traces, self.name = {}, 'baseline'
        cases = [('python3 -c pass (our interpreter)', [sys.executable, '-c', 'pass'], 'ours'),
                 ('python3 -c "import targetcli.main" (ours, imports only)',
                  [sys.executable, '-c', 'import targetcli.main'], 'ours')]
        if self.peer:
            cases.append(('/usr/bin/python3 -c pass (the peer\'s interpreter)',
                          ['/usr/bin/python3', '-c', 'pass'], 'peer'))
        out = []
        for text, argv, tool in cases:
            times, cpus = [], []
            for _ in range(self.runs + 1):
                sec, rss, rc, _, _ = self.spawn(argv, self.env(tool))
                if rc == 0:
                    times.append(sec)
                    cpus.append(self.last_cpu or 0.0)
            out.append([text, round(median(times[1:] or times), 4) if times else None, rss,
                        round(median(cpus[1:] or cpus), 4) if cpus else None])
        return out

    def finish(self):
        if self.real and self.fs is not None:
            bench_floor.do_clear(self.fs)
        if self.spawner is not None:
            self.spawner.stdin.close()
            self.spawner.wait()


def progress(text):
    print(f'[bench] {text}', file=sys.stderr, flush=True)


def meminfo():
    """KiB of kernel memory kinds that a configuration's objects occupy (real kernel)."""
    out = {}
    try:
        with open('/proc/meminfo') as f:
            for line in f:
                key, val = line.split(':', 1)
                if key in ('Slab', 'MemAvailable', 'Shmem'):
                    out[key] = int(val.split()[0])
    except OSError:
        pass
    return out


def median(values):
    return statistics.median(values) if values else None


def _first_line(path, prefix=''):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(prefix):
                    return line[len(prefix):].strip()
    except OSError:
        pass
    return None


def peer_version():
    ver = _first_line('/usr/lib/python3/dist-packages/targetcli/version.py', '__version__ = ')
    rts = _first_line('/usr/lib/python3/dist-packages/rtslib_fb/__init__.py', '__version__ = ')
    if not ver:
        return None
    return f"targetcli-fb {ver.strip(QUOTES)} / rtslib-fb {(rts or '?').strip(QUOTES)} (Debian)"


def machine_meta(real):
    mem = _first_line('/proc/meminfo', 'MemTotal:')
    cpu = _first_line('/proc/cpuinfo', 'model name\t: ')
    return {'host': platform.node(), 'kernel': platform.release(), 'cpu': cpu,
            'cpus': os.cpu_count(), 'mem': mem, 'python': platform.python_version(),
            'real_kernel': real, 'peer': peer_version()}
