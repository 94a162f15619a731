"""Host side of the real-kernel VM harness: boot Debian's kernel once, run checks.

run_in_vm(checks) boots the installed Debian kernel under QEMU (TCG, no
network device) with virtme-ng, loads LIO, and runs the named guest checks
(tests/vm/checks_*.py) in ONE guest Python process.  It returns
{check name: {'ok': bool, 'detail': str, 'data': ..., 'seconds': float}}.

Why the packing: under TCG every guest process costs about a second and
Python imports over the 9p root take tens of seconds, so the host's Python
standard library (minus big unused parts), the few site-packages the checks
need and a copy of this project are packed into tars here and unpacked onto a
tmpfs in the guest; Python runs from there with PYTHONHOME.

Each run writes into its own tests/vm/.work/run-*/ (the guest's only writable
host dir) and its artifacts are then copied up to tests/vm/.work/ (gitignored,
override with LIO_VM_WORKDIR): results.json, console.log (virtme-run's output:
guest script lines and boot console), dmesg.txt (kernel log at the end of the
guest run), timing.json, plus whatever checks save (fidelity-real.json).
"""
import ast
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_WORKDIR = os.path.join(HERE, '.work')

# Modules loaded before the checks run (order matters: configfs before target).
MODULES = ['loop', 'configfs', 'target_core_mod', 'target_core_iblock',
           'target_core_file', 'target_core_pscsi', 'target_core_user',
           'iscsi_target_mod', 'tcm_loop']

# Site-packages copied into the guest (top-level module/package names).
GUEST_PACKAGES = ['configshell_fb', 'configshell', 'pyparsing', 'pyudev', 'six']

# Parts of the stdlib no check needs; skipping them keeps the tar ~40 MB.
STDLIB_SKIP = {'test', 'idlelib', 'tkinter', 'turtledemo', 'ensurepip',
               'lib2to3', 'site-packages', 'pydoc_data', 'distutils'}
STDLIB_SKIP_PREFIX = ('config-',)

# Project trees the guest gets (relative to the repo root).
PROJECT_PARTS = ['rtslib', 'rtslib_fb', 'targetcli', 'spec', 'scripts', 'tests', 'setup.py']

GUEST_TMPFS = '/mnt'            # the guest's writable scratch (tmpfs)
GUEST_PYHOME = GUEST_TMPFS + '/py'
GUEST_SRC = GUEST_TMPFS + '/src'
GUEST_SCRATCH = GUEST_TMPFS + '/w'   # same as the reference recordings used


def check_module_settings(checks=('all',)):
    """Extra guest needs declared by check modules, read without importing them.

    A tests/vm/checks_*.py module may assign, as literals:
      GUEST_PACKAGES = ['pexpect', ...]   site-packages to copy into the guest
      GUEST_SETUP = ['mount -t tmpfs none /etc/iscsi', ...]   shell lines run as
                    root before the guest Python starts (after LIO is loaded)
      GUEST_TREES = ['/usr/lib/python3/dist-packages', ...]   host dirs copied to
                    the guest tmpfs and bind-mounted over the originals (fast and
                    writable; e.g. Debian's python3 + targetcli-fb for peer tests)
    Only modules the requested checks live in count ('all': every module).
    """
    found = {'GUEST_PACKAGES': [], 'GUEST_SETUP': [], 'GUEST_TREES': []}
    wanted = {'checks_%s.py' % c.split('.', 1)[0] for c in checks}
    for path in sorted(glob.glob(os.path.join(HERE, 'checks_*.py'))):
        if 'all' not in checks and os.path.basename(path) not in wanted:
            continue
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    isinstance(node.targets[0], ast.Name) and node.targets[0].id in found:
                target = found[node.targets[0].id]
                target += [v for v in ast.literal_eval(node.value) if v not in target]
    return found


class VMError(RuntimeError):
    """The VM could not be started or gave no results (message says why)."""


def find_kernel():
    """The Debian kernel image to boot: $LIO_VM_KERNEL or the newest /boot/vmlinuz-*-amd64."""
    env = os.environ.get('LIO_VM_KERNEL')
    if env:
        if not os.path.isfile(env):
            raise VMError('LIO_VM_KERNEL=%s: no such kernel image' % env)
        return env
    images = glob.glob('/boot/vmlinuz-*-amd64')
    if not images:
        raise VMError('no kernel image /boot/vmlinuz-*-amd64: install the Debian package '
                      'linux-image-amd64 (apt-get install linux-image-amd64)')

    def version_key(path):
        return [int(n) for n in re.findall(r'\d+', os.path.basename(path))]
    return max(images, key=version_key)


def check_tools():
    """Raise VMError naming what is missing for a VM boot (no silent skip)."""
    missing = []
    for tool, how in (('virtme-run', 'pip install virtme-ng'),
                      ('qemu-system-x86_64', 'apt-get install qemu-system-x86'),
                      ('busybox', 'apt-get install busybox-static')):
        if not shutil.which(tool):
            missing.append('%s (%s)' % (tool, how))
    if missing:
        raise VMError('cannot boot the test VM, missing: ' + ', '.join(missing))
    kimg = find_kernel()
    ver = os.path.basename(kimg)[len('vmlinuz-'):]
    if not os.path.isdir('/lib/modules/%s/kernel/drivers/target' % ver):
        raise VMError('kernel %s has no LIO modules under /lib/modules/%s' % (kimg, ver))
    if not os.access(kimg, os.R_OK):
        raise VMError('kernel image %s is not readable (run as root)' % kimg)
    return kimg


def _stdlib_filter(stdlib):
    def keep(info):
        rel = os.path.relpath(info.name, 'lib') if info.name.startswith('lib') else info.name
        parts = rel.split('/')
        if len(parts) > 1:
            top = parts[1]
            if top in STDLIB_SKIP or top.startswith(STDLIB_SKIP_PREFIX):
                return None
        if '.opt-' in parts[-1] and parts[-1].endswith('.pyc'):
            return None
        return info
    return keep


def _python_layout():
    """(python binary, stdlib dir, site-packages dir, libpython path or None)."""
    stdlib = sysconfig.get_paths()['stdlib']
    purelib = sysconfig.get_paths()['purelib']
    exe = os.path.realpath(sys.executable)
    lib = None
    if sysconfig.get_config_var('Py_ENABLE_SHARED'):
        cand = os.path.join(sysconfig.get_config_var('LIBDIR') or '',
                            sysconfig.get_config_var('INSTSONAME') or '')
        lib = cand if os.path.isfile(cand) else None
    return exe, stdlib, purelib, lib


def _package_paths(purelib, names):
    """Files/dirs in site-packages for the given top-level names (+ dist-info)."""
    out = []
    for name in names:
        for cand in (name, name + '.py'):
            if os.path.exists(os.path.join(purelib, cand)):
                out.append(cand)
        out += [os.path.basename(p) for p in
                glob.glob(os.path.join(purelib, name.replace('_', '[-_]') + '-*.dist-info'))]
    return out


def pack_python(workdir, packages=GUEST_PACKAGES):
    """python.tar: PYTHONHOME tree (bin/, lib/pythonX.Y/ with chosen site-packages).

    Cached in the work dir: rebuilt only when the interpreter or package list changes.
    """
    exe, stdlib, purelib, libpython = _python_layout()
    stamp = json.dumps([exe, stdlib, sorted(packages), os.path.getmtime(stdlib)])
    tar_path = os.path.join(workdir, 'python.tar')
    stamp_path = tar_path + '.stamp'
    if os.path.exists(tar_path) and os.path.exists(stamp_path):
        with open(stamp_path) as f:
            if f.read() == stamp:
                return tar_path
    libname = os.path.basename(stdlib)            # python3.11
    tmp = '%s.tmp.%d' % (tar_path, os.getpid())     # concurrent runs may pack too
    with tarfile.open(tmp, 'w') as tar:
        tar.add(exe, 'bin/python3')
        if libpython:
            tar.add(libpython, 'lib/' + os.path.basename(libpython))
        tar.add(stdlib, 'lib/' + libname, filter=_stdlib_filter(stdlib))
        for rel in _package_paths(purelib, packages):
            tar.add(os.path.join(purelib, rel), 'lib/%s/site-packages/%s' % (libname, rel),
                    filter=lambda i: None if '.opt-' in i.name else i)
    os.replace(tmp, tar_path)
    with open(stamp_path, 'w') as f:
        f.write(stamp)
    return tar_path


def _project_files():
    """Project files to copy: git's view (tracked + untracked, not ignored) or a walk."""
    try:
        out = subprocess.run(['git', '-C', REPO, 'ls-files', '-co', '--exclude-standard', '-z'],
                             capture_output=True, check=True, timeout=60).stdout
        files = [f for f in out.decode().split('\0') if f]
    except (OSError, subprocess.SubprocessError):
        files = []
        for part in PROJECT_PARTS:
            top = os.path.join(REPO, part)
            if os.path.isfile(top):
                files.append(part)
            for dp, dns, fns in os.walk(top):
                dns[:] = [d for d in dns if not d.startswith('.') and d != '__pycache__']
                files += [os.path.relpath(os.path.join(dp, f), REPO) for f in fns]
    tops = tuple(PROJECT_PARTS)
    return [f for f in files if f.split('/')[0] in tops and '/.work/' not in f
            and os.path.isfile(os.path.join(REPO, f))]


def trees_tar_name(trees):
    return 'trees-%s.tar' % hashlib.sha1('\0'.join(trees).encode()).hexdigest()[:12]


def pack_trees(workdir, trees):
    """trees-<hash>.tar: host directories for GUEST_TREES (cached like python.tar)."""
    trees = [t for t in trees if os.path.isdir(t)]
    if not trees:
        return []
    tar_path = os.path.join(workdir, trees_tar_name(trees))
    stamp = json.dumps([[t, os.path.getmtime(t)] for t in trees])
    if os.path.exists(tar_path) and os.path.exists(tar_path + '.stamp'):
        with open(tar_path + '.stamp') as f:
            if f.read() == stamp:
                return trees
    tmp = '%s.tmp.%d' % (tar_path, os.getpid())
    with tarfile.open(tmp, 'w') as tar:
        for t in trees:
            tar.add(t, t.lstrip('/'), filter=lambda i: None if '/test/' in i.name else i)
    os.replace(tmp, tar_path)
    with open(tar_path + '.stamp', 'w') as f:
        f.write(stamp)
    return trees


def _trees_script(trees):
    if not trees:
        return ''
    lines = ['mkdir -p %s/trees && tar -C %s/trees -xf $T/%s'
             % (GUEST_TMPFS, GUEST_TMPFS, trees_tar_name(trees))]
    lines += ['mount --bind %s/trees%s %s' % (GUEST_TMPFS, t, t) for t in trees]
    return '\n'.join(lines)


def pack_project(workdir):
    tar_path = os.path.join(workdir, 'project.tar')
    with tarfile.open(tar_path, 'w') as tar:
        for rel in _project_files():
            tar.add(os.path.join(REPO, rel), rel)
    return tar_path


GUEST_SCRIPT = r'''#!/bin/sh
# Generated by tests/vm/harness.py: guest setup, then ONE Python process.
W=%(work)s
T=%(tars)s
up() { echo "[vm] $1 at uptime $(cut -d' ' -f1 /proc/uptime)"; }
up "script start"
modprobe -a %(modules)s || echo "[vm] modprobe FAILED"
grep -q ' /sys/kernel/config configfs' /proc/mounts || mount -t configfs none /sys/kernel/config
mount -t tmpfs -o size=1536m lio %(tmpfs)s
mkdir -p %(pyhome)s %(src)s %(scratch)s
tar -C %(pyhome)s -xf $T/python.tar
tar -C %(src)s -xf $W/project.tar
%(trees)s
hostname liohost
%(setup)s
up "python start"
export PYTHONHOME=%(pyhome)s LD_LIBRARY_PATH=%(pyhome)s/lib PYTHONPATH= PYTHONUNBUFFERED=1 \
       LANG=C.UTF-8 HOME=%(tmpfs)s
%(pyhome)s/bin/python3 %(src)s/tests/vm/guest_main.py $W/config.json
echo "[vm] guest_main exit $?"
dmesg > $W/dmesg.txt 2>&1
'''


def _write_guest_files(workdir, checks, setup=(), trees=(), tars=None):
    config = {'checks': list(checks), 'work': workdir, 'src': GUEST_SRC,
              'scratch': GUEST_SCRATCH, 'results': os.path.join(workdir, 'results.json')}
    with open(os.path.join(workdir, 'config.json'), 'w') as f:
        json.dump(config, f, indent=1)
    script = GUEST_SCRIPT % {'work': workdir, 'tars': tars or workdir, 'modules': ' '.join(MODULES),
                             'tmpfs': GUEST_TMPFS, 'pyhome': GUEST_PYHOME,
                             'src': GUEST_SRC, 'scratch': GUEST_SCRATCH,
                             'setup': '\n'.join(setup), 'trees': _trees_script(trees)}
    path = os.path.join(workdir, 'guest.sh')
    with open(path, 'w') as f:
        f.write(script)
    return path


def virtme_command(kimg, workdir, script):
    return ['virtme-run', '--kimg', kimg, '--mods=auto', '--rwdir', workdir,
            '--disable-kvm', '--memory', os.environ.get('LIO_VM_MEMORY', '2048'),
            '--cpus', os.environ.get('LIO_VM_CPUS', '2'),
            '--show-boot-console', '--script-sh', 'sh ' + script,
            # under TCG on a busy host the boot-time timer check can fail and
            # panic ("IO-APIC + timer doesn't work!"): skip it
            '--kopt', 'no_timer_check']


def _copy(stream, log_path):
    with open(log_path, 'wb') as log:
        for chunk in iter(lambda: stream.read1(65536), b''):
            log.write(chunk)
            log.flush()


def _run(cmd, log_path, timeout):
    """Run virtme-run, its output into log_path through a pipe.

    A pipe, not the file itself: QEMU reopens /proc/self/fd/1 once per guest
    output channel, and on a regular file each reopen writes from offset 0
    over the others.
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    copier = threading.Thread(target=_copy, args=(proc.stdout, log_path), daemon=True)
    copier.start()
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)   # virtme-run and its qemu child
        proc.wait()
        raise VMError('VM run exceeded %d s (killed); see %s' % (timeout, log_path))
    finally:
        copier.join(timeout=30)


def _tail(path, n=40):
    try:
        with open(path, 'rb') as f:
            return b''.join(f.readlines()[-n:]).decode('utf-8', 'replace')
    except OSError:
        return '(no log)'


def prepare_workdir(workdir=None):
    workdir = os.path.abspath(workdir or os.environ.get('LIO_VM_WORKDIR') or DEFAULT_WORKDIR)
    os.makedirs(workdir, exist_ok=True)
    for name in ('results.json', 'dmesg.txt', 'console.log', 'timing.json'):
        if os.path.exists(os.path.join(workdir, name)):
            os.unlink(os.path.join(workdir, name))
    return workdir


KEEP_RUNS = 3
TIMEOUT_RESULT = 'harness.timeout'   # result added when the VM was killed for time


def _publish(run_dir, top):
    """Copy a finished run's artifacts up to the work dir (atomically per file)."""
    for name in os.listdir(run_dir):
        src = os.path.join(run_dir, name)
        if os.path.isfile(src) and not name.endswith('.tar') and not name.startswith('.'):
            tmp = os.path.join(top, '%s.tmp.%d' % (name, os.getpid()))
            shutil.copy2(src, tmp)
            os.replace(tmp, os.path.join(top, name))


def _prune(top):
    """Remove finished run dirs but the newest KEEP_RUNS (never one still running)."""
    done = [d for d in glob.glob(os.path.join(top, 'run-*'))
            if os.path.exists(os.path.join(d, '.done'))]
    for d in sorted(done, key=os.path.getmtime)[:-KEEP_RUNS]:
        shutil.rmtree(d, ignore_errors=True)


def run_in_vm(checks=('all',), timeout=None, workdir=None):
    """Boot the VM once, run `checks` (names 'module.function' or 'all'), return results.

    With workdir=None each run gets its own dir tests/vm/.work/run-*/ (several
    runs may go at once) and its artifacts are then copied up to
    tests/vm/.work/; an explicit workdir is used as is (callers put inputs there).
    Raises VMError (with the end of the console log) when the VM cannot run or
    produced no results; a failing check is a result with ok=False, not an error.
    """
    kimg = check_tools()
    timeout = timeout or int(os.environ.get('LIO_VM_TIMEOUT', '1800'))
    top = prepare_workdir(workdir) if workdir else os.path.abspath(
        os.environ.get('LIO_VM_WORKDIR') or DEFAULT_WORKDIR)
    os.makedirs(top, exist_ok=True)
    run_dir = top if workdir else tempfile.mkdtemp(prefix='run-', dir=top)
    try:
        return _run_in(kimg, checks, timeout, top, run_dir)
    finally:
        if run_dir != top:
            open(os.path.join(run_dir, '.done'), 'w').close()
            _publish(run_dir, top)
            _prune(top)


def _run_in(kimg, checks, timeout, top, workdir):
    t0 = time.time()
    extra = check_module_settings(checks)
    pack_python(top, GUEST_PACKAGES + [p for p in extra['GUEST_PACKAGES']
                                       if p not in GUEST_PACKAGES])
    pack_project(workdir)
    trees = pack_trees(top, extra['GUEST_TREES'])
    script = _write_guest_files(workdir, checks, extra['GUEST_SETUP'], trees, tars=top)
    t_pack = time.time()
    log_path = os.path.join(workdir, 'console.log')
    killed = None
    try:
        rc = _run(virtme_command(kimg, workdir, script), log_path, timeout)
    except VMError as e:           # timed out: keep what finished, say what did not
        rc, killed = 'killed', str(e)
    t_end = time.time()
    results_path = os.path.join(workdir, 'results.json')
    if not os.path.exists(results_path):
        raise VMError('%s; VM gave no results (virtme-run exit %s); console log %s ends:\n%s'
                      % (killed or 'no results.json', rc, log_path, _tail(log_path)))
    with open(results_path) as f:
        results = json.load(f)
    if killed:
        results[TIMEOUT_RESULT] = {'ok': False, 'detail': killed + '; checks not listed here '
                                   'did not finish', 'data': None}
        with open(results_path, 'w') as f:
            json.dump(results, f, indent=1, sort_keys=True)
    timing = {'pack_s': round(t_pack - t0, 1), 'vm_s': round(t_end - t_pack, 1),
              'kernel': kimg, 'virtme_exit': rc}
    timing.update(_uptimes(log_path))
    with open(os.path.join(workdir, 'timing.json'), 'w') as f:
        json.dump(timing, f, indent=1)
    return results


def _uptimes(log_path):
    """Guest uptimes printed by the guest script (boot cost vs. check cost)."""
    out = {}
    try:
        with open(log_path, errors='replace') as f:
            for line in f:
                m = re.match(r'\[vm\] (.*) at uptime ([\d.]+)', line)
                if m:
                    out['uptime_' + m.group(1).replace(' ', '_')] = float(m.group(2))
    except OSError:
        pass
    return out


def main(argv=None):
    """python3 tests/vm/harness.py [check ...]: one VM run, print a summary."""
    args = (argv if argv is not None else sys.argv[1:]) or ['all']
    try:
        results = run_in_vm(args)
    except VMError as e:
        print('VM error: %s' % e, file=sys.stderr)
        return 2
    bad = 0
    for name, res in sorted(results.items()):
        print('%-40s %s %6.1fs %s' % (name, 'ok  ' if res['ok'] else 'FAIL',
                                     res.get('seconds', 0), res['detail'].splitlines()[-1:]))
        bad += not res['ok']
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
