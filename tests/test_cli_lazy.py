"""A command walks only its own path: the shell never scans the whole tree
to resolve a path or to create something (checked by counting the configfs
calls the shell makes through the backend)."""
import io

import pytest

from cli_helpers import batch


class CountingFS:
    """A configfs backend that records every path it is asked about."""

    def __init__(self, inner):
        self.inner = inner
        self.simulated = inner.simulated
        self.paths = []

    def __getattr__(self, name):
        attr = getattr(self.inner, name)
        if name not in ('exists', 'isdir', 'islink', 'listdir', 'mkdir', 'rmdir', 'read',
                        'write', 'symlink', 'readlink', 'unlink'):
            return attr

        def counted(path='', *args):
            self.paths.append((name, path) + tuple(a for a in args if isinstance(a, str)))
            return attr(path, *args)
        return counted


@pytest.fixture(scope='module')
def machine(tmp_path_factory):
    sim = tmp_path_factory.mktemp('lazy') / 'sim'
    iqns = [f'iqn.2003-01.org.example:t{n}' for n in range(3)]
    lines = []
    for n, iqn in enumerate(iqns):
        lines += [f'/iscsi create {iqn}', f'/backstores/ramdisk create name=ram{n} size=1M',
                  f'/iscsi/{iqn}/tpg1/luns create /backstores/ramdisk/ram{n}']
    done = batch(sim, lines)
    assert done.returncode == 0, done.stderr
    return sim, iqns


class Unusable:
    """The library's default backend while a shell runs on the one it was given:
    any use of it is a place the backend was not passed down."""

    simulated = True

    def __getattr__(self, name):
        raise AssertionError(f'the default backend was used ({name})')


@pytest.fixture
def shell(machine, tmp_path, monkeypatch):
    from rtslib import configfs
    from rtslib.simkernel import SimConfigFS
    from targetcli.shell import TargetShell
    from targetcli.ui_root import UIRoot
    sim, _ = machine
    fs = CountingFS(SimConfigFS(str(sim)))
    monkeypatch.delenv('LIO_SIMULATE', raising=False)
    configfs.set_default_fs(Unusable())
    buf = io.StringIO()
    sh = TargetShell(str(tmp_path / 'home'), simdir=str(sim), stdout=buf, stderr=buf, fs=fs)
    UIRoot(sh)
    yield sh, fs
    configfs.set_default_fs(None)


def touched(fs):
    return ' '.join(str(p) for call in fs.paths for p in call[1:])


def test_resolving_a_path_reads_only_its_steps(machine, shell):
    sim, iqns = machine
    sh, fs = shell
    sh.run_tokens([f'/iscsi/{iqns[1]}/tpgt1/luns/lun0', 'status'])
    assert 'Status for' in sh.out.getvalue()
    seen = touched(fs)
    assert iqns[1] in seen
    assert iqns[0] not in seen and iqns[2] not in seen
    assert not any(call[0] == 'listdir' and call[1] == 'iscsi' for call in fs.paths)


def test_creating_a_lun_does_not_visit_other_targets(machine, shell):
    sim, iqns = machine
    sh, fs = shell
    sh.run_tokens(['/backstores/ramdisk', 'create', 'name=extra', 'size=1M'])
    fs.paths.clear()
    sh.run_tokens([f'/iscsi/{iqns[2]}/tpg1/luns', 'create', '/backstores/ramdisk/extra'])
    seen = touched(fs)
    assert iqns[0] not in seen and iqns[1] not in seen
    assert 'ram0' not in seen and 'ram1' not in seen


def test_ls_of_a_subtree_stays_in_it(machine, shell):
    sim, iqns = machine
    sh, fs = shell
    sh.run_tokens([f'/iscsi/{iqns[0]}/tpg1/acls', 'ls'])
    assert 'ACLs: 0' in sh.out.getvalue()
    seen = touched(fs)
    assert iqns[1] not in seen and iqns[2] not in seen and 'core' not in seen


def test_ls_of_the_whole_tree_reads_each_thing_once(machine, shell):
    """`ls /` lists each HBA dir and reads dbroot once: the backstore nodes share
    the shell's RTSRoot and list only their own plugin's HBAs."""
    sim, iqns = machine
    sh, fs = shell
    sh.run_tokens(['/', 'ls'])
    assert all(f'ram{n}' in sh.out.getvalue() for n in range(3))
    hba_listings = [p for op, p, *_ in fs.paths if op == 'listdir' and p.startswith('core/')
                    and p.count('/') == 1]
    assert len(hba_listings) == len(set(hba_listings)) >= 3  # other tests may add objects
    assert [p for op, p, *_ in fs.paths if p == 'dbroot' and op == 'read'] == ['dbroot']


def test_ls_reads_each_link_and_info_once(tmp_path):
    """An ls shows every mapped LUN's LUN and storage object: each link is read once
    (not again per ACL that maps it), each storage object's info once, and no
    existence check is made per LUN or mapped LUN."""
    from rtslib import configfs
    from rtslib.simkernel import SimConfigFS
    from targetcli.shell import TargetShell
    from targetcli.ui_root import UIRoot
    sim = tmp_path / 'sim'
    iqn = 'iqn.2003-01.org.example:maps'
    lines = [f'/iscsi create {iqn}'] + [
        f'/backstores/ramdisk create name=r{n} size=1M' for n in range(2)] + [
        f'/iscsi/{iqn}/tpg1/luns create /backstores/ramdisk/r{n}' for n in range(2)] + [
        f'/iscsi/{iqn}/tpg1/acls create iqn.1994-05.com.example:c{n}' for n in range(3)]
    done = batch(sim, lines)
    assert done.returncode == 0, done.stderr
    fs = CountingFS(SimConfigFS(str(sim)))
    configfs.set_default_fs(Unusable())
    try:
        buf = io.StringIO()
        sh = TargetShell(str(tmp_path / 'home'), simdir=str(sim), stdout=buf, stderr=buf,
                         fs=fs)
        UIRoot(sh)
        sh.run_tokens(['/', 'ls'])
    finally:
        configfs.set_default_fs(None)
    out = sh.out.getvalue()
    assert out.count('mapped_lun1 ') == 3 and 'lun1 ramdisk/r1 (rw)' in out
    links = [p for op, p, *_ in fs.paths if op == 'readlink']
    assert len(links) == len(set(links)) == 2 + 3 * 2      # 2 LUNs, 3 ACLs x 2 mapped LUNs
    infos = [p for op, p, *_ in fs.paths if op == 'read' and p.endswith('/info')]
    assert sorted(infos) == sorted(set(infos)) and len(infos) == 2
    checks = [p for op, p, *_ in fs.paths if op in ('isdir', 'islink', 'exists')
              and ('/lun/lun_' in p or '/acls/' in p and '/lun_' in p)]
    assert checks == []


def test_every_kind_of_command_uses_only_the_backend_it_is_given(machine, shell, tmp_path):
    """The entry point builds the backend and hands it down: creating, looking up,
    listing, completing, saving, exporting and restoring never fall back to the
    library's default backend (the fixture makes that one fail) nor read
    LIO_SIMULATE.  Each command in a fresh shell, as a one-shot runs it."""
    from targetcli.shell import TargetShell
    from targetcli.ui_root import UIRoot
    sim, iqns = machine
    _, fs = shell
    tpg = '/iscsi/iqn.2003-01.org.example:t9/tpg1'
    lines = ['/backstores/fileio create name=f9 file_or_dev=/mnt/w/f9.img size=1M',
             '/backstores/block create name=b9 dev=/dev/sdc',
             '/backstores/ramdisk create name=r9 size=1M',
             '/backstores/pscsi create name=p9 dev=/dev/sdb',
             '/backstores/user:file create name=u9 size=1M cfgstring=x',
             '/backstores/ramdisk/r9/alua create name=ao tag=7',
             '/backstores/ramdisk/r9/alua/ao info',
             '/iscsi create iqn.2003-01.org.example:t9',
             f'{tpg}/luns create /backstores/ramdisk/r9',
             f'{tpg}/luns create /mnt/w/file1',
             f'{tpg}/acls create iqn.1994-05.com.example:i9',
             f'{tpg}/acls/iqn.1994-05.com.example:i9/mapped_lun0 info',
             f'{tpg}/portals create 127.0.0.1 3262',
             f'{tpg}/portals/127.0.0.1:3262 info',
             '/loopback create', '/ ls', '/ sessions',
             f'/ saveconfig {tmp_path / "all.json"}', f'/ export {tmp_path / "x.json"}',
             f'/ plan {tmp_path / "x.json"}',
             '/ clearconfig confirm=true', f'/ restoreconfig {tmp_path / "all.json"}']
    for line in lines + ['/ ls']:
        sh = TargetShell(str(tmp_path / 'home'), simdir=str(sim), fs=fs,
                         stdout=io.StringIO(), stderr=io.StringIO())
        UIRoot(sh)
        sh.run_cmdline(line)
    assert 'mapped_lun0' in sh.out.getvalue() and 'r9' in sh.out.getvalue()
    assert sh.completions('/backstores/block create name=b8 ', 'dev=/dev/s') == \
        ['dev=/dev/sdb', 'dev=/dev/sdc']
