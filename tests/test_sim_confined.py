"""The simulated kernel reads and writes nothing outside its DIR (besides its own
package data): a whole seed workflow and every errors.tsv row, with every file
system call checked."""
import builtins
import os
from unittest import mock

import pytest

import rtslib.simkernel
from rtslib.simkernel import SimConfigFS
from sim_helpers import (RECORDINGS, error_rows, run, seed_ops,
                         tmp_path)  # noqa: F401  (tmp_path: sim dirs on tmpfs)

PATH_CALLS = [(os, 'open'), (builtins, 'open'), (os, 'mkdir'), (os, 'makedirs'),
              (os, 'rmdir'), (os, 'unlink'), (os, 'rename'), (os, 'replace'),
              (os, 'symlink'), (os, 'link'), (os, 'listdir'), (os, 'scandir'),
              (os, 'chmod'), (os, 'stat'), (os, 'lstat'), (os, 'readlink')]


@pytest.mark.parametrize('recording', RECORDINGS)
def test_every_path_touched_is_inside_dir(tmp_path, recording):
    simdir = str(tmp_path / 'sim')
    allowed = (os.path.abspath(simdir) + os.sep,
               os.path.dirname(os.path.abspath(rtslib.simkernel.__file__)) + os.sep)
    outside = []

    # making DIR itself looks at its parents (os.makedirs): that is all
    ancestors = {os.path.abspath(simdir)}
    while os.path.dirname(min(ancestors, key=len)) not in ancestors:
        ancestors.add(os.path.dirname(min(ancestors, key=len)))

    def guard(name, real):
        def wrapper(*args, **kwargs):
            paths = args[1:2] if name == 'symlink' else args[:1]   # symlink: the link
            if kwargs.get('dir_fd') is None:
                for path in paths:
                    if not isinstance(path, (str, bytes, os.PathLike)):
                        continue
                    full = os.path.abspath(os.fsdecode(path))
                    if not (full + os.sep).startswith(allowed) and not (
                            name in ('stat', 'lstat', 'mkdir') and full in ancestors):
                        outside.append((name, full))
            return real(*args, **kwargs)
        return wrapper
    ops = [op for _, op, _ in seed_ops(recording)] + \
        [op for _, op, _ in error_rows(recording)]
    fs = SimConfigFS(simdir)
    patches = [mock.patch.object(mod, name, guard(name, getattr(mod, name)))
               for mod, name in PATH_CALLS]
    for p in patches:
        p.start()
    try:
        for op in ops:
            run(fs, op)
    finally:
        for p in patches:
            p.stop()
    assert not outside, sorted(set(outside))[:20]
