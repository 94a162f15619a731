"""Bad input that used to get through (issue 19 items 5 and 6): each exact
command a user would type, its one line, its exit status, nothing changed."""
import json
import os
import subprocess
import sys

import pytest

from cli_helpers import ROOT, cfs, cli, dump_tree, env_for, ok
from rtslib.simkernel import SimConfigFS

IQN = 'iqn.2003-01.org.example:t'


def refused(simdir, *args):
    """Run a command that must fail: exit 1, one line on stderr, tree unchanged;
    returns that line."""
    before = dump_tree(simdir)
    done = cli(simdir, *args)
    assert done.returncode == 1, (args, done.stdout, done.stderr)
    assert len(done.stderr.splitlines()) == 1 and 'Traceback' not in done.stderr, done.stderr
    assert dump_tree(simdir) == before
    return done.stderr.strip()


def targetctl(simdir, *args):
    return subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'targetctl'),
                           '--simulate', str(simdir), *args], capture_output=True, text=True,
                          env=env_for(), timeout=120)


@pytest.fixture
def sim(tmp_path):
    simdir = tmp_path / 'sim'
    ok(simdir, '/backstores/ramdisk', 'create', 'r0', '1M')
    return simdir


# -- fileio paths the kernel's control string cannot carry ------------------------

@pytest.mark.parametrize('path, says', [
    ('/tmp/a,b.img', "would use '/tmp/a'"),
    ('/tmp/a\nb.img', "would use '/tmp/a'"),
    ('/tmp/' + 'x' * 300, 'is 305 bytes long: the kernel keeps at most 255'),
])
def test_fileio_path_the_kernel_would_cut_is_refused(sim, path, says):
    line = refused(sim, '/backstores/fileio', 'create', 'f1', path, '1M')
    assert line.startswith('Cannot create storage object fileio/f1: ') and says in line


def test_block_path_with_a_comma_is_refused(sim):
    line = refused(sim, '/backstores/block', 'create', 'b1', '/dev/sd,b')
    assert "would use '/dev/sd'" in line


def test_restore_of_a_fileio_path_with_a_comma_changes_nothing(sim, tmp_path):
    ok(sim, '/backstores/fileio', 'create', 'f1', '/srv/ab.img', '1M')
    ok(sim, 'saveconfig')
    saved = sim / 'etc' / 'target' / 'saveconfig.json'
    doc = json.loads(saved.read_text())
    doc['storage_objects'] = [dict(so, dev='/srv/a,b.img') if so['name'] == 'f1' else so
                              for so in doc['storage_objects']]
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(doc))
    before = dump_tree(sim)
    r = targetctl(sim, 'restore', str(bad))
    assert r.returncode == 1 and 'Traceback' not in r.stderr
    assert "storage_objects[" in r.stderr and ".dev: '/srv/a,b.img' contains a comma" in r.stderr
    assert dump_tree(sim) == before


def test_simulated_kernel_cuts_the_path_as_the_kernel_does(tmp_path):
    """What the refusal protects from: the kernel opens the part before the
    comma, and keeps 255 bytes of a longer name (match_strlcpy into
    FD_MAX_DEV_NAME)."""
    fs = SimConfigFS(str(tmp_path / 'sim'))
    for n, name in enumerate(('/mnt/w/a,b.img', '/mnt/w/' + 'y' * 300)):
        dev = 'core/fileio_%d/f' % n
        fs.mkdir('core/fileio_%d' % n)
        fs.mkdir(dev)
        fs.write(dev + '/control', 'fd_dev_name=%s,fd_dev_size=1048576' % name)
        fs.write(dev + '/enable', '1')
        shown = fs.read(dev + '/info').split('File: ')[1].split()[0]
        assert shown == ('/mnt/w/a' if n == 0 else name[:255])


def test_fileio_below_one_block_is_refused(sim):
    line = refused(sim, '/backstores/fileio', 'create', 'f2', '/srv/small.img', '100')
    assert 'size 100 is below one block (512 bytes)' in line
    assert 'Created fileio f2 with size 512' in ok(sim, '/backstores/fileio', 'create', 'f2',
                                                   '/srv/small.img', '512')


# -- ramdisk sizes -------------------------------------------------------------

def test_ramdisk_of_size_zero_is_refused(sim):
    line = refused(sim, '/backstores/ramdisk', 'create', 'name=r', 'size=0')
    assert line == ('Cannot create storage object ramdisk/r: size 0 holds no page; the kernel '
                    'needs at least one (4096 bytes)')


def test_ramdisk_size_rounds_up_and_reports_what_the_kernel_holds(sim):
    out = ok(sim, '/backstores/ramdisk', 'create', 'r1', '4097')
    assert out == 'Created ramdisk r1 with size 8192 (4097 rounded up to whole 4096-byte ' \
        'pages).\n'
    assert 'size: 8192' in ok(sim, '/backstores/ramdisk/r1', 'info')
    assert ok(sim, '/backstores/ramdisk', 'create', 'r2', '1M') == \
        'Created ramdisk r2 with size 1M.\n'


# -- names ---------------------------------------------------------------------

def test_iqn_with_month_13_is_refused(sim):
    line = refused(sim, '/iscsi', 'create', 'iqn.2003-13.com.example:t')
    assert line.startswith("Invalid WWN 'iqn.2003-13.com.example:t': month 13 of its date is "
                           "not 01 to 12")


def test_loopback_naa_is_created_as_given(sim):
    """rtslib-fb rewrites naa.6... to naa.5...: another SAS address than asked."""
    assert ok(sim, '/loopback', 'create', 'naa.6001405abcdef012') == \
        'Created target naa.6001405abcdef012.\n'
    assert os.listdir(cfs(sim, 'loopback')).count('naa.6001405abcdef012') == 1
    assert 'naa.5001405abcdef012' not in os.listdir(cfs(sim, 'loopback'))


# -- set and delete --------------------------------------------------------------

@pytest.mark.parametrize('value', ['abc', '-1', '0'])
def test_max_backup_files_takes_only_a_count(sim, value):
    line = refused(sim, 'set', 'global', f'max_backup_files={value}')
    assert line == (f"Not setting max_backup_files! Syntax error, '{value}' is not a number of "
                    f"backups to keep (1 or more).")
    assert ok(sim, 'get', 'global', 'max_backup_files').strip() == 'max_backup_files=10'


def test_empty_number_is_refused_not_written_as_none(sim):
    ok(sim, '/iscsi', 'create', IQN)
    line = refused(sim, f'/iscsi/{IQN}/tpg1', 'set', 'attribute', 'authentication=')
    assert line == ('Not setting authentication! An empty value is not NUMBER; give one '
                    '(authentication=VALUE).')


def test_write_protect_1_as_targetcli_fb_writes_it(sim):
    acl = f'/iscsi/{IQN}/tpg1/acls/iqn.1994-05.com.redhat:c'
    ok(sim, '/iscsi', 'create', IQN)
    ok(sim, f'/iscsi/{IQN}/tpg1/luns', 'create', '/backstores/ramdisk/r0')
    ok(sim, f'/iscsi/{IQN}/tpg1/acls', 'create', 'iqn.1994-05.com.redhat:c')
    assert ok(sim, acl, 'create', '5', '0', 'write_protect=1') == 'Created Mapped LUN 5.\n'
    assert '[lun0 ramdisk/r0 (ro)]' in ok(sim, acl + '/mapped_lun5', 'ls')


def test_alua_access_state_abc_names_the_valid_states(sim):
    line = refused(sim, '/backstores/ramdisk/r0/alua/default_tg_pt_gp', 'set', 'alua',
                   'alua_access_state=abc')
    assert line == ("Invalid alua_access_state 'abc': use one of 0 (Active/optimized), 1 "
                    "(Active/non-optimized), 2 (Standby), 3 (Unavailable), 4 (LBA Dependent), "
                    "14 (Offline), 15 (Transitioning)")


def test_delete_save_true_saves(sim):
    ok(sim, '/backstores/ramdisk', 'create', 'r1', '1M')
    ok(sim, 'saveconfig')
    out = ok(sim, '/backstores/ramdisk', 'delete', 'r1', 'save=true')
    assert out.splitlines()[0] == 'Deleted storage object r1.'
    assert out.splitlines()[1].startswith('Configuration saved to ')
    doc = json.loads((sim / 'etc' / 'target' / 'saveconfig.json').read_text())
    assert [so['name'] for so in doc['storage_objects']] == ['r0']


def test_chap_value_with_surrounding_spaces_is_refused_not_stripped(sim):
    acl = f'/iscsi/{IQN}/tpg1/acls/iqn.1994-05.com.redhat:c'
    ok(sim, '/iscsi', 'create', IQN)
    ok(sim, f'/iscsi/{IQN}/tpg1/acls', 'create', 'iqn.1994-05.com.redhat:c')
    line = refused(sim, acl, 'set', 'auth', 'password= ab ')
    assert line.startswith('password of ACL iqn.1994-05.com.redhat:c') and \
        line.endswith('starts or ends with a space or holds a newline; these are not kept: '
                      'remove them')
    assert ' ab ' not in line
    ok(sim, acl, 'set', 'auth', 'password=a b')
    assert ok(sim, acl, 'get', 'auth', 'password', 'show_secrets=true').strip() == 'password=a b'
