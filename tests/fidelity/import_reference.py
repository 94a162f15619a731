"""Convert the shared real-kernel recordings into fidelity op tables (run by hand).

    python3 tests/fidelity/import_reference.py /work/shared/reference

reads kernel-6.1/{seed-workflow-ops.sh,errors.tsv} and
kernel-6.1-probes/{seed-workflow-ops.sh,errors.tsv} and writes
tests/fidelity/data/*.tsv in the op syntax workloads.py loads (see there).
The shell forms understood are exactly the ones those files use (mkdir [-p],
rmdir, rm, ln -s, echo [-n], printf, cat, ls); anything else is an error so
nothing is silently dropped.  Host-specific values become {W} (scratch dir)
and {LOOP} (loop device); long names stay variables ({S255}, {Q224}...).
"""
import os
import re
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Shell variable -> our placeholder or root-relative path (longest names first
# is not needed: the regex takes the whole [A-Z0-9_]* name).
SHELL_VARS = {
    'C': '', 'CFS': '', 'W': '{W}', 'LOOP': '{LOOP}',
    'IQN': '{IQN}', 'IQN2': '{IQN2}', 'T': '{T}', 'T2': '{T2}', 'TPG': '{T}',
    'A': '{A}', 'ACL': '{A}', 'L': '{L}', 'LW': '{LW}',
    'S255': '{S255}', 'S256': '{S256}',
    'N200': '{N200}', 'N210': '{N210}', 'N300': '{N300}',
    'Q223': '{Q223}', 'Q224': '{Q224}', 'Q255': '{Q255}', 'Q256': '{Q256}', 'Q300': '{Q300}',
}


# Where the backend interface (rtslib/configfs.py) and the recording's shell
# make different syscalls, the row's expectation is the backend's answer on the
# real kernel (verified in the VM), not the shell's.  (pattern on the converted
# op text, shell result, backend result, why)
BACKEND_DIFFERENCES = [
    (r'^write\t.*/(userid_mut|password_mut|offload|no_such_attr|NoSuchParam)\t', 'EACCES', 'ENOENT',
     'the shell opens with O_CREAT (EACCES on a missing configfs file); the backend opens '
     'O_WRONLY without O_CREAT, so a missing file is ENOENT'),
    (r'^write\tcore/user_0/u1/attrib/block_size\t', 'EACCES', 'ENOENT',
     'user backstores have no attrib/block_size file: ENOENT through the backend'),
    (r'^write\t[^\t]*\t\t', 'OK', 'EFAULT',
     "printf '' opens the file and never calls write(2); the backend's write('') makes a "
     'zero-length write(2), which configfs answers with EFAULT'),
]


def backend_expectation(row_text, result):
    for pattern, shell, backend, _why in BACKEND_DIFFERENCES:
        if result == shell and re.search(pattern, row_text):
            return backend
    return result


def subst(text):
    text = re.sub(r'\$([A-Z][A-Z0-9]*)', lambda m: SHELL_VARS[m.group(1)], text)
    text = text.replace('/sys/kernel/config/target/', '/').replace('/mnt/w', '{W}')
    return text.replace('/dev/loop0', '{LOOP}')


def rel(path):
    return path.lstrip('/')


def esc(s):
    return s.replace('\\', '\\\\').replace('\n', '\\n').replace('\t', '\\t')


def parse_write(cmd):
    """'echo X > P' and friends -> (path, bytes written as text)."""
    left, path = cmd.rsplit(' > ', 1)
    words = shlex.split(left)
    if words[0] == 'echo':
        if len(words) > 1 and words[1] == '-n':
            return path, ' '.join(words[2:])
        return path, ' '.join(words[1:]) + '\n'
    if words[0] == 'printf':
        args = words[1:]
        if args and args[0] == '%s':
            args = args[1:]
        return path, ''.join(args)
    raise ValueError('cannot parse write: %r' % cmd)


def parse_op(cmd, made=None):
    """One shell operation -> list of op rows (verb, args...)."""
    cmd = subst(cmd)
    if ' > ' in cmd:
        path, value = parse_write(cmd)
        return [('write', rel(path), value)]
    words = shlex.split(cmd)
    verb, args = words[0], words[1:]
    if verb == 'mkdir' and args[0] == '-p':
        rows, parts = [], rel(args[1]).split('/')
        for i in range(1, len(parts) + 1):
            sub = '/'.join(parts[:i])
            if sub != 'core' and (made is None or sub not in made):
                rows.append(('mkdir', sub))
                if made is not None:
                    made.add(sub)
        return rows
    simple = {'mkdir': 'mkdir', 'rmdir': 'rmdir', 'rm': 'unlink', 'cat': 'read', 'ls': 'listdir'}
    if verb in simple and len(args) == 1:
        if made is not None and verb == 'mkdir':
            made.add(rel(args[0]))
        return [(simple[verb], rel(args[0]))]
    if verb == 'ln' and args[0] == '-s':
        return [('symlink', rel(args[1]), rel(args[2]))]
    raise ValueError('cannot parse op: %r' % cmd)


def seed_rows(path):
    """Rows of a seed-workflow-ops.sh (either recording's style)."""
    rows, made = [], set()
    skip = ('mount ', 'truncate ', 'LOOP=', 'sleep ', 'C=', 'W=', 'IQN=', 'T=', 'A=', 'L=')
    with open(path) as f:
        lines = f.read().splitlines()
    for line in lines:
        failed = re.match(r'FAILED:|# FAILED', line)
        if failed:   # both refusals in the recordings were writes to missing files
            rows[-1] = rows[-1][:-1] + (backend_expectation('\t'.join(rows[-1]), 'EACCES'),)
            continue
        line = line[2:] if line.startswith('+ ') else line
        if not line or line.startswith(('#', '!')) or line.startswith(skip):
            continue
        line = line.split('   #')[0].strip()
        for row in parse_op(line, made):
            rows.append(row + ('OK',))
    return rows


def error_rows(path):
    rows = []
    with open(path) as f:
        for line in f:
            if line.startswith(('#', 'operation\t')) or not line.strip():
                continue
            cols = line.rstrip('\n').split('\t')
            op, result, note = cols[0], cols[1], (cols[2] if len(cols) > 2 else '')
            parsed = parse_op(op)
            assert len(parsed) == 1, op
            expect = result if not result.startswith('OK:') else \
                'OK:' + result[3:].strip().replace('\\n', '\n')
            backend = backend_expectation('\t'.join(esc(c) for c in parsed[0]) + '\t', expect)
            note = note.split('; kernel log:')[0]
            if backend != expect:
                note += ' [the shell recording got %s; see BACKEND_DIFFERENCES]' % expect
            rows.append(parsed[0] + (backend, note))
    return rows


def write_table(name, rows, source):
    os.makedirs(os.path.join(HERE, 'data'), exist_ok=True)
    with open(os.path.join(HERE, 'data', name), 'w') as f:
        f.write('# Converted from %s by import_reference.py; columns: verb, args..., expect, note\n'
                % source)
        for row in rows:
            f.write('\t'.join(esc(c) for c in row) + '\n')


def main(ref):
    k, p = os.path.join(ref, 'kernel-6.1'), os.path.join(ref, 'kernel-6.1-probes')
    write_table('seed-6.1.tsv', seed_rows(os.path.join(k, 'seed-workflow-ops.sh')),
                'kernel-6.1/seed-workflow-ops.sh')
    write_table('errors-6.1.tsv', error_rows(os.path.join(k, 'errors.tsv')), 'kernel-6.1/errors.tsv')
    write_table('probes-seed.tsv', seed_rows(os.path.join(p, 'seed-workflow-ops.sh')),
                'kernel-6.1-probes/seed-workflow-ops.sh')
    write_table('probes-errors.tsv', error_rows(os.path.join(p, 'errors.tsv')),
                'kernel-6.1-probes/errors.tsv')


if __name__ == '__main__':
    main(sys.argv[1])
