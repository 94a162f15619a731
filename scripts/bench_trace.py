#!/usr/bin/env python3
"""Runs our targetcli once with every configfs call it makes recorded.

    bench_trace.py TRACE.json [--simulate DIR] TARGETCLI-ARGS...

The record (outermost backend calls only, in order, with the errno of those
that failed) is what the raw floor replays: exactly the same mkdir/write/
symlink/reads, with no library around them.  This run is never timed.
"""
import atexit
import json
import runpy
import sys

METHODS = ('exists', 'isdir', 'islink', 'listdir', 'mkdir', 'rmdir', 'read', 'write',
           'symlink', 'readlink', 'unlink')


def install(trace):
    from rtslib import configfs
    classes = [configfs.RealConfigFS]
    try:
        from rtslib.simkernel import SimConfigFS
        classes.append(SimConfigFS)
    except ImportError:
        pass
    depth = [0]

    def wrap(orig, name):
        def traced(self, *args):
            depth[0] += 1
            try:
                result = orig(self, *args)
            except OSError as e:
                if depth[0] == 1:
                    trace.append([name, list(args), e.errno])
                raise
            finally:
                depth[0] -= 1
            if depth[0] == 0:
                trace.append([name, list(args), 0])
            return result
        return traced

    def wrap_probes(orig):
        def traced(self, paths):        # one 'access' per path probed, as the syscalls go
            def probes():
                for path in paths:
                    if depth[0] == 1:
                        trace.append(['access', [path], 0])
                    yield path
            depth[0] += 1
            try:
                return orig(self, probes())
            finally:
                depth[0] -= 1
        return traced

    for cls in classes:
        for name in METHODS:
            if name in vars(cls):
                setattr(cls, name, wrap(vars(cls)[name], name))
        if 'first_dir' in vars(cls):
            cls.first_dir = wrap_probes(vars(cls)['first_dir'])


def main():
    out = sys.argv[1]
    trace = []
    install(trace)

    def dump():
        with open(out, 'w') as f:
            json.dump(trace, f)
    atexit.register(dump)
    sys.argv = ['targetcli'] + sys.argv[2:]
    runpy.run_module('targetcli', run_name='__main__', alter_sys=True)


if __name__ == '__main__':
    main()
