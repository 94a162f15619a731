"""Replaying the real-kernel recordings (shell lines, errors.tsv rows) on SimConfigFS."""
import errno
import os
import re
import shlex

import pytest

REF = os.environ.get('LIO_REFERENCE') or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), 'data', 'reference')
CFS = '/sys/kernel/config/target'
RECORDINGS = ('kernel-6.1', 'kernel-6.1-probes')
_VAR = re.compile(r'\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?')


def ref_path(*parts):
    return os.path.join(REF, *parts)


def have_reference():
    return os.path.isdir(ref_path('kernel-6.1')) and os.path.isdir(ref_path('kernel-6.1-probes'))


def base_variables():
    """Variables the errors.tsv headers define (both recordings)."""
    iqn = 'iqn.2003-01.org.linux-iscsi.test.x8664:sn.0123456789ab'
    v = {'C': CFS, 'CFS': CFS, 'W': '/mnt/w', 'IQN': iqn, 'LOOP': '/dev/loop0',
         'IQN2': 'iqn.2003-01.com.example:second'}
    v['T'] = v['TPG'] = '%s/iscsi/%s/tpgt_1' % (CFS, iqn)
    v['T2'] = '%s/iscsi/%s/tpgt_2' % (CFS, iqn)
    v['A'] = v['ACL'] = v['T'] + '/acls/iqn.1994-05.com.redhat:client'
    v['LW'] = CFS + '/loopback/naa.500140512345678'
    v['L'] = v['LW'] + '/tpgt_1'
    for n in (255, 256):
        v['S%d' % n] = 'a' * n
    for n in (200, 210, 300):
        v['N%d' % n] = 'a' * n
    prefix = 'iqn.2003-01.com.example:'
    for n in (223, 224, 255, 256, 300):
        v['Q%d' % n] = prefix + 'a' * (n - len(prefix))
    return v


def expand(text, variables):
    return _VAR.sub(lambda m: variables.get(m.group(1), m.group(0)), text)


def rel(path):
    """Target-root-relative path, or None for paths outside configfs."""
    if path == CFS:
        return ''
    if path.startswith(CFS + '/'):
        return path[len(CFS) + 1:]
    return None


def parse_command(line, variables):
    """A shell line -> (op, args) or None when it does not touch configfs."""
    words = shlex.split(expand(line, variables))
    if not words:
        return None
    cmd, args = words[0], words[1:]
    if '>' in args:
        i = args.index('>')
        target, args = args[i + 1], args[:i]
        if rel(target) is None:
            return None
        return ('write', rel(target), _shell_output(cmd, args))
    if cmd in ('mkdir', 'rmdir', 'rm', 'cat', 'ls'):
        p = [a for a in args if not a.startswith('-')]
        if rel(p[-1]) is None:
            return None
        return ({'mkdir': 'mkdir_p' if '-p' in args else 'mkdir'}.get(cmd, cmd), rel(p[-1]))
    if cmd == 'ln' and args[:1] == ['-s']:
        return ('symlink', rel(args[1]), rel(args[2]))
    return None


def _shell_output(cmd, args):
    if cmd == 'echo':
        if args[:1] == ['-n']:
            return ' '.join(args[1:])
        return ' '.join(args) + '\n'
    if cmd == 'printf':
        if not args:
            return ''
        if args[0] == '%s':
            return ''.join(args[1:])
        return args[0]
    raise ValueError('unknown writer %r' % cmd)


def run(fs, op):
    """Do one parsed op; return 'OK', 'OK: <value>' for cat/ls, or the errno name."""
    kind = op[0]
    try:
        if kind == 'write':
            fs.write(op[1], op[2], create=True)     # the shell's `>` opens with O_CREAT
        elif kind == 'mkdir':
            fs.mkdir(op[1])
        elif kind == 'mkdir_p':
            parts = op[1].split('/')
            for i in range(1, len(parts) + 1):
                sub = '/'.join(parts[:i])
                if not fs.exists(sub):
                    fs.mkdir(sub)
        elif kind == 'rmdir':
            fs.rmdir(op[1])
        elif kind == 'rm':
            fs.unlink(op[1])
        elif kind == 'symlink':
            fs.symlink(op[1], op[2])
        elif kind == 'cat':
            return 'OK: ' + escape(fs.read(op[1]))
        elif kind == 'ls':
            return 'OK: ' + ' '.join(fs.listdir(op[1]))
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    return 'OK'


def escape(text):
    return text.replace('\\', '\\\\').replace('\n', '\\n').replace('\t', '\\t') \
        .replace('\0', '\\0')


_SNAP = re.compile(r'^# \(snapshot of (\S+) taken here for attributes.tsv: (.*)\)$')


def seed_ops(recording):
    """The seed workflow's ops: [(line, op, expected_to_fail)]."""
    return [item[1:] for item in seed_script(recording) if item[0] == 'op']


def seed_script(recording):
    """[('op', line, op, expected_to_fail) | ('snapshot', object path, kind)]."""
    variables = base_variables()
    out = []
    with open(ref_path(recording, 'seed-workflow-ops.sh')) as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        snap = _SNAP.match(line)
        if snap:
            out.append(('snapshot', rel(snap.group(1)), snap.group(2)))
            continue
        if line.startswith('+ '):
            line = line[2:]
        elif line.startswith(('#', 'FAILED')) or not line.strip():
            continue
        m = re.match(r'^([A-Za-z_][A-Za-z0-9_]*)=(\S*)', line)
        if m:
            if not m.group(2).startswith('$('):
                variables[m.group(1)] = expand(m.group(2), variables)
            continue
        line = line.split('   #')[0]
        op = parse_command(line, variables)
        if op is None:
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ''
        failed = nxt.startswith('FAILED') or nxt.startswith('# FAILED')
        out.append(('op', line, op, failed))
    return out


def error_rows(recording):
    """errors.tsv rows: [(operation text, parsed op, expected result)]."""
    variables = base_variables()
    if recording == 'kernel-6.1':
        variables['L'] = CFS + '/loopback/naa.5001405123456789/tpgt_1'
    rows = []
    with open(ref_path(recording, 'errors.tsv')) as f:
        lines = [ln.rstrip('\n') for ln in f if not ln.startswith('#')]
    for ln in lines[1:]:
        operation, result = ln.split('\t')[:2]
        rows.append((operation, parse_command(operation, variables), result))
    return rows


# -- tree dumps in the recordings' two formats -----------------------------------------

def dump(fs, style='dump.py'):
    """The tree as kernel-6.1/dump.py prints it ('dump.py') or as the probes
    recording's walk did ('probes': tabs, 8192 bytes, escapes)."""
    out = []
    _walk(fs, '', out, style)
    return out


def _walk(fs, path, out, style):
    shown = CFS + ('/' + path if path else '')
    out.append(shown + '/')
    names = fs.listdir(path)
    dirs = [n for n in names if fs.isdir(_join(path, n))]
    files = [n for n in names if n not in dirs]
    for n in sorted(files):
        p = _join(path, n)
        if fs.islink(p):
            out.append('%s/%s -> %s' % (shown, n, os.readlink(fs.abspath(p))))
            continue
        mode = os.lstat(fs.abspath(p)).st_mode & 0o777
        out.append(_file_line('%s/%s' % (shown, n), mode, _value(fs, p, mode, style), style))
    for n in dirs:
        _walk(fs, _join(path, n), out, style)


def _join(path, name):
    return path + '/' + name if path else name


def _value(fs, path, mode, style):
    if not mode & 0o444:
        return '<write-only>'
    try:
        text = fs.read(path)
    except OSError as e:
        if style == 'probes':
            return '<read error: %s>' % errno.errorcode[e.errno]
        return '<read error: %s>' % os.strerror(e.errno)
    if style == 'probes':
        return escape(text[:8192])
    return text[:400].replace('\n', '\\n')


def _file_line(path, mode, value, style):
    if style == 'probes':
        return '%s\t%o\t%s' % (path, mode, value)
    return '%s %o %s' % (path, mode, value)


def recorded_tree(recording, name='seed-workflow-tree.txt'):
    with open(ref_path(recording, name), 'rb') as f:
        text = f.read().decode('utf-8', 'replace')
    return [ln for ln in text.split('\n') if ln.startswith('/')]


def kernel61_stages():
    """Where kernel-6.1's stage trees were taken, as counts of seed ops done:
    {'tree-1...': n} (before the first enable, after the enables, after the new tpg)."""
    ops = [op for _, op, _ in seed_ops('kernel-6.1')]
    first_enable = next(i for i, op in enumerate(ops)
                        if op[0] == 'write' and op[1].endswith('/enable'))
    first_iscsi = next(i for i, op in enumerate(ops) if op[1].startswith('iscsi/'))
    return {'tree-1-backstores-before-enable.txt': first_enable,
            'tree-2-backstores-enabled.txt': first_iscsi,
            'tree-3-new-tpg.txt': first_iscsi + 1}


def object_files(fs, obj, style):
    """{relative file: (mode, value)} of one object dir as attributes.tsv lists it
    (statistics and links left out for 'dump.py' style)."""
    from rtslib.simkernel.kinds import resolve
    out = {}
    prefix = CFS + '/' + (obj + '/' if obj else '')
    for line in dump_subtree(fs, obj, style):
        if line.endswith('/'):
            continue
        if ' -> ' in line:
            path, target = line.split(' -> ', 1)
            if style == 'probes' and os.path.dirname(path) + '/' == prefix:
                out[path[len(prefix):]] = ('link', '-> ' + target)
            continue
        path = rel(line.split('\t' if style == 'probes' else ' ', 1)[0])
        if resolve(path.split('/')).obj_path != obj:
            continue                    # a child object's file
        sep = '\t' if style == 'probes' else ' '
        path, mode, value = (line.split(sep, 2) + [''])[:3]
        relpath = path[len(prefix):]
        if style == 'dump.py' and 'statistics/' in relpath:
            continue
        out[relpath] = (mode, value)
    return out


def dump_subtree(fs, path, style):
    out = []
    _walk(fs, path, out, style)
    return out


def fast_tmpdir():
    """A scratch dir on tmpfs when there is one (the simulator makes ~100 files per
    backstore; on a journalled disk each costs a millisecond), else None."""
    import tempfile
    shm = '/dev/shm'
    if os.path.isdir(shm) and os.access(shm, os.W_OK):
        return tempfile.mkdtemp(prefix='simtest.', dir=shm)
    return None


@pytest.fixture
def tmp_path(tmp_path):
    """tmp_path, on tmpfs when the host has one (import it to override pytest's)."""
    import pathlib
    import shutil
    fast = fast_tmpdir()
    if fast is None:
        yield tmp_path
        return
    yield pathlib.Path(fast)
    shutil.rmtree(fast, ignore_errors=True)
