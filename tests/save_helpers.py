"""Helpers for the save agent's tests (test_save_*.py)."""
import copy
import json
import os
import shutil

import pytest

from sim_helpers import fast_tmpdir, tmp_path  # noqa: F401 (tests import tmp_path from here)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER_FILE = os.path.join(ROOT, 'tests', 'data', 'peer-2.1.53-saveconfig.json')
TARGETCTL = os.path.join(ROOT, 'scripts', 'targetctl')


def peer_doc():
    with open(PEER_FILE) as f:
        return json.load(f)


def tree(simdir):
    """Every path of the simulated configfs tree with its content or link target.

    Left out, because the kernel numbers or generates them anew whenever an
    object is re-created (on the real kernel too, with targetcli-fb as well):
    statistics dirs ('inst' counters), the HBA index in hba_info, and a
    loopback TPG's nexus WWN (neither rtslib-fb's schema nor ours keeps it)
    and SCSI host address (the kernel's next free host number).  A CHAP file
    reads "NULL" once cleared and "" before it was ever set: the same to the
    kernel, shown as "" here."""
    base = os.path.join(str(simdir), 'sys', 'kernel', 'config', 'target')
    out = {}
    for dirpath, dirnames, filenames in os.walk(base):
        rel = os.path.relpath(dirpath, base)
        dirnames[:] = [d for d in dirnames if 'statistics' not in d]
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            key = os.path.normpath(os.path.join(rel, name))
            if name in ('nexus', 'hba_info', 'address'):
                out[key] = ('volatile',)
            elif os.path.islink(p):
                out[key] = ('link', os.readlink(p))
            elif os.path.isdir(p):
                out[key] = ('dir',)
            else:
                with open(p, 'rb') as f:
                    value = f.read()
                if os.path.basename(dirpath) in ('auth', 'discovery_auth') and \
                        value == b'NULL\n':
                    value = b'\n'
                out[key] = ('file', value)
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
    return out


def normalized(doc):
    """A document with list order made irrelevant (rtslib-fb lists LUNs in
    the order its listdir gave them; we list them sorted)."""
    doc = copy.deepcopy(doc)

    def key(item):
        if isinstance(item, dict):
            return json.dumps([item.get(k) for k in ('plugin', 'name', 'fabric', 'wwn', 'tag',
                                                    'index', 'node_wwn', 'ip_address', 'port')])
        return json.dumps(item, sort_keys=True)

    def walk(x):
        if isinstance(x, dict):
            return {k: walk(v) for k, v in x.items()}
        if isinstance(x, list):
            return sorted((walk(v) for v in x), key=key)
        return x
    return walk(doc)


def saved(root, path):
    from rtslib.saveconfig import save_to_file
    problems = save_to_file(root, str(path))
    assert problems == []
    with open(path) as f:
        return json.load(f)


def mount_tmpfs(mnt, size, why):
    """Mount a tmpfs of size on mnt (made here), or skip saying why the test
    needs one.  Needs root and mount(2)."""
    import subprocess
    mnt.mkdir()
    r = subprocess.run(['mount', '-t', 'tmpfs', '-o', f'size={size}', 'tmpfs', str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f'cannot mount a tmpfs here ({r.stderr.strip()}); {why}')
    return mnt


@pytest.fixture(scope='session')
def peer_template(tmp_path_factory):
    """A simulated kernel holding targetcli-fb's configuration, restored once
    per session; tests copy it (the simulator keeps all its state in the
    directory, with relative links) instead of paying for a restore each."""
    import pathlib
    from rtslib import configfs
    from rtslib.root import RTSRoot
    from rtslib.saveconfig import restore
    fast = fast_tmpdir()
    d = pathlib.Path(fast) if fast else tmp_path_factory.mktemp('peer-template')
    root = RTSRoot(configfs.open_configfs(simulate=str(d)))
    assert restore(root, peer_doc(), clear_existing=True) == []
    yield d
    if fast:
        shutil.rmtree(fast, ignore_errors=True)


def copy_template(template, simdir):
    shutil.copytree(str(template), str(simdir), symlinks=True, dirs_exist_ok=True)
