"""Every node of a populated tree: `help` for each of its commands, `get` of
each of its configuration groups, `status` and `info` work; secrets stay
masked everywhere."""
import io

import pytest

from cli_helpers import batch

IQN = 'iqn.2003-01.org.example:nodes'
ACL = 'iqn.1994-05.com.redhat:n1'
SECRET = 'N0desSecret9'


@pytest.fixture(scope='module')
def tree(tmp_path_factory):
    sim = tmp_path_factory.mktemp('nodes') / 'sim'
    done = batch(sim, [
        '/backstores/ramdisk create name=r1 size=1M',
        '/backstores/block create name=b1 dev=/dev/sdb',
        '/backstores/fileio create name=f1 file_or_dev=/mnt/w/file1',
        '/backstores/pscsi create name=p1 dev=/dev/sdc',
        '/backstores/user:qcow create name=u1 size=1M cfgstring=/x.qcow2',
        f'/iscsi create {IQN}',
        f'/iscsi/{IQN}/tpg1/luns create /backstores/ramdisk/r1',
        f'/iscsi/{IQN}/tpg1/acls create {ACL}',
        f'/iscsi/{IQN}/tpg1/acls/{ACL} set auth userid=u password={SECRET}',
        f'/iscsi/{IQN}/tpg1 set auth userid=t password={SECRET}',
        f'/iscsi set discovery_auth enable=1 userid=d password={SECRET}',
        '/loopback create naa.5001405123456789',
        '/loopback/naa.5001405123456789/luns create /backstores/block/b1',
    ])
    assert done.returncode == 0, done.stderr
    return sim


@pytest.fixture
def shell(tree, tmp_path):
    from rtslib import configfs
    from targetcli.shell import TargetShell
    from targetcli.ui_root import UIRoot
    configfs.set_default_fs(None)
    buf = io.StringIO()
    sh = TargetShell(str(tmp_path / 'home'), simdir=str(tree), stdout=buf, stderr=buf)
    root = UIRoot(sh)
    yield sh, root
    configfs.set_default_fs(None)


def walk(node):
    yield node
    for child in node.children:
        yield from walk(child)


def test_every_node_helps_gets_and_reports(tree, shell, monkeypatch):
    monkeypatch.setenv('LIO_SIMULATE', str(tree))
    sh, root = shell
    nodes = list(walk(root))
    paths = {n.path for n in nodes}
    for wanted in ('/backstores/user:qcow/u1', f'/iscsi/{IQN}/tpg1/acls/{ACL}/mapped_lun0',
                   f'/iscsi/{IQN}/tpg1/portals/0.0.0.0:3260',
                   '/loopback/naa.5001405123456789/luns/lun0',
                   '/backstores/ramdisk/r1/alua/default_tg_pt_gp'):
        assert wanted in paths
    for node in nodes:
        for command in node.list_commands():
            node.execute_command('help', [command])
        for group in node.list_config_groups():
            node.execute_command('get', [group])
        node.execute_command('status')
        if 'info' in node.list_commands():
            node.execute_command('info')
    out = sh.out.getvalue()
    assert out.count('SYNTAX') > 100
    assert 'AUTH CONFIG GROUP' in out and 'DISCOVERY_AUTH CONFIG GROUP' in out
    assert 'ERROR' not in out
    assert SECRET not in out
    assert 'password=********' in out and 'chap_password: ********' in out
