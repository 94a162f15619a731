"""Real rtslib-fb clients that no one here wrote run unchanged on the simulator
(the same workloads run on the real kernel: test_vm_clients.py).

Their code comes from tests/client_sources.py: cinder's rtstool from its
PyPI sdist at test time; targetd, which no package registry carries, from its
files committed unchanged under tests/third_party/targetd (or LIO_TARGETD_SRC).
A client that cannot be had fails the test, saying why.
"""
import json
import os
import subprocess
import sys

import pytest

import client_sources
from conftest import ROOT
from vm import client_workloads as cw


def obtain(get):
    try:
        return get()
    except client_sources.ClientUnavailable as e:
        pytest.fail(str(e))


def add_disks(paths):
    """Simulated block devices at paths (like the default host's /dev/sdb)."""
    from rtslib import configfs
    fs = configfs.default_fs()
    disks = dict(fs.host()['block_devices'])
    for minor, path in enumerate(paths, 48):
        disks[path] = dict(disks['/dev/sdb'], minor=minor, name=f'dm-{minor}')
    fs.configure_host(block_devices=disks)


def read_tree():
    import rtslib
    return cw.tree_summary(rtslib.RTSRoot())


def test_targetd_block_export_functions(simdir):
    src = obtain(client_sources.targetd)
    add_disks([cw.volume_path(v) for v in cw.VOLUMES])
    steps = cw.targetd_block(src, read_tree)
    cw.expect_targetd(steps)
    # targetd saves after every change, to rtslib's default file (the simulator's)
    with open(simdir / 'etc' / 'target' / 'saveconfig.json', encoding='utf-8') as f:
        assert json.load(f)['targets'] == []


def test_cinder_rtstool_commands(simdir, tmp_path):
    src = obtain(client_sources.cinder)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, src]))

    def run(args):
        res = subprocess.run(cw.rtstool_argv(sys.executable) + args, env=env,
                             capture_output=True, text=True, timeout=300, check=False)
        return res.returncode, res.stdout + res.stderr

    steps = cw.cinder_rtstool(run, '/dev/sdb', str(tmp_path / 'cinder-save.json'), read_tree)
    cw.expect_cinder_rtstool(steps, '/dev/sdb')
    # rtstool prints no traceback for anything it did
    assert not [s for s in steps.values() if 'Traceback' in s.get('output', '')]
