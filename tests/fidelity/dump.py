"""Dump a target tree through the configfs backend interface.

Line format as ../shared/reference/kernel-6.1/dump.py: `PATH/` for a dir,
`PATH -> TARGET` for a link, `PATH MODE VALUE` for a file (octal mode, value's
newlines shown as \\n, first 400 characters, `<write-only>` without a read bit,
`<read error: ...>` when reading fails).  Differences, on purpose: PATH is
prefix + '/' + the root-relative path (prefix '' by default; pass
'/sys/kernel/config/target' to diff against the reference tree files), and a
link's TARGET is the root-relative object path the backend's readlink()
gives, not the kernel's ../../ form (that form is the kernel's business).
"""
import os
import stat


def file_mode(fs, path):
    """Permission bits of a file: the backend's mode() if it has one, else lstat."""
    if hasattr(fs, 'mode'):
        return fs.mode(path)
    return stat.S_IMODE(os.lstat(fs.abspath(path)).st_mode)


def _value(fs, path, mode):
    if not mode & 0o444:
        return '<write-only>'
    try:
        return fs.read(path)[:400].replace('\n', '\\n')
    except OSError as e:
        return '<read error: %s>' % os.strerror(e.errno)


def dump_lines(fs, path='', prefix=''):
    """Every path under `path` (dirs, files with mode and value, links with target)."""
    out = [prefix + '/' + path + ('/' if path else '')]
    subdirs = []
    for name in fs.listdir(path):
        child = '%s/%s' % (path, name) if path else name
        shown = prefix + '/' + child
        if fs.islink(child):
            out.append('%s -> %s' % (shown, fs.readlink(child)))
        elif fs.isdir(child):
            subdirs.append(child)
        else:
            mode = file_mode(fs, child)
            out.append('%s %o %s' % (shown, mode, _value(fs, child, mode)))
    for d in subdirs:
        out += dump_lines(fs, d, prefix)
    return out


def main(argv):
    """python3 tests/fidelity/dump.py [ROOT]: dump a real configfs tree (default the kernel's)."""
    from rtslib.configfs import RealConfigFS
    fs = RealConfigFS(argv[0]) if argv else RealConfigFS()
    print('\n'.join(dump_lines(fs, prefix=fs.root)))


if __name__ == '__main__':
    import sys
    main(sys.argv[1:])
