"""300 generated bad commands: each fails with one line on stderr, a non-zero
exit status, no traceback, and no change to the configfs tree."""
import random

import pytest

from cli_helpers import batch, cli, created_iqn, dump_tree, ok

N_COMMANDS = 300


@pytest.fixture(scope='module')
def machine(tmp_path_factory):
    sim = tmp_path_factory.mktemp('bad') / 'sim'
    ok(sim, '/backstores/ramdisk', 'create', 'name=ram1', 'size=1M')
    ok(sim, '/backstores/fileio', 'create', 'name=file1', 'file_or_dev=/mnt/w/file1')
    iqn = created_iqn(ok(sim, '/iscsi', 'create'))
    tpg = f'/iscsi/{iqn}/tpg1'
    ok(sim, f'{tpg}/luns', 'create', '/backstores/ramdisk/ram1')
    ok(sim, f'{tpg}/acls', 'create', 'iqn.1994-05.com.redhat:client')
    return sim, iqn


def templates(iqn):
    """Bad command lines; {X} is replaced by a generated junk value."""
    tpg = f'/iscsi/{iqn}/tpg1'
    acl = f'{tpg}/acls/iqn.1994-05.com.redhat:client'
    return [
        # wrong paths
        '/nonexistent{X} ls', 'cd /nowhere{X}', 'ls /backstores/block/{X}',
        f'/iscsi/{iqn}/tpg9 ls', f'{tpg}/luns/lun99 info', f'{tpg}/acls/iqn.x:none{X} status',
        '/backstores/fileio/nope{X} info', '/iscsi/iqn.2003-01.com.example:{X} ls',
        f'{tpg}/portals/10.9.8.7:3260 info', 'ls @nobookmark{X}', '/backstores/user:{X}/x ls',
        # unknown commands
        '/iscsi frobnicate{X}', 'ls_all{X}', f'{tpg} rm -rf /', 'x{X}', '/ reboot now',
        # missing and extra arguments
        '/backstores/fileio create', '/backstores/fileio create name=a{X}',
        '/backstores/ramdisk create name=r{X}', f'{tpg}/luns create', f'{tpg}/acls create',
        f'{tpg}/portals delete 127.0.0.1', '/backstores/ramdisk delete',
        f'{tpg}/acls create iqn.2000-01.com.a:b extra{X} more', 'pwd {X}',
        'ls / 1 extra{X}', 'ls / depth={X}abc',
        # bad values and types
        '/backstores/ramdisk create name=r2 size={X}lots', '/backstores/ramdisk create name=r3 '
        'size=1M nullio={X}maybe', '/backstores/block create name=b dev=/dev/null{X}',
        '/backstores/block create name=b dev=/nonexistent/{X}', '/iscsi create not-an-iqn{X}',
        f'/iscsi create {iqn}', f'{tpg}/portals create 999.1.1.{X}',
        f'{tpg}/portals create 127.0.0.1 70000{X}', f'{tpg}/portals create 127.0.0.1 -1',
        f'{tpg}/portals create not_an_ip{X}', f'{tpg}/luns create /backstores/fileio/nope{X}',
        f'{tpg}/luns create /backstores/ramdisk/ram1 lun={X}abc',
        f'{tpg} set attribute authentication=maybe{X}',
        f'{tpg} set attribute no_such_attribute{X}=1', f'{tpg} set nogroup{X} x=1',
        f'{tpg} get attribute nope{X}', f'{tpg} set auth userid_bogus{X}=x',
        f'{tpg} set parameter MaxConnections={X}many', f'{acl} set auth password{X}x=1',
        f'{acl} create mapped_lun=abc{X} tpg_lun_or_backstore=0', f'{acl} delete 77',
        '/ set global no_such_pref{X}=1', '/ set global tree_max_depth={X}deep',
        '/ set global loglevel_file=loud{X}', '/ set global color_mode={X}purple',
        '/backstores/fileio delete nope{X}', f'/iscsi delete iqn.2003-01.com.example:{X}',
        f'/iscsi/{iqn} delete 42', f'/iscsi/{iqn} create tag={X}x', f'/iscsi/{iqn} delete tpg0',
        'clearconfig', 'clearconfig confirm={X}maybe', 'restoreconfig /nonexistent{X}.json',
        '/ sessions bogus{X}', '/ sessions list x{X}', 'bookmarks frob{X}',
        'bookmarks del nobookmark{X}', 'help nosuchtopic{X}', f'{tpg} enable_iser true',
        f'{tpg}/portals/0.0.0.0:3260 enable_iser maybe{X}',
        # shell metacharacters and quoting
        'ls; rm -rf /{X}', 'ls && echo pwned{X}', 'ls | cat{X}', 'ls > /tmp/out{X}',
        '$(reboot){X}', '`id`{X}', f'{acl} set auth password="unterminated{X}',
        "ls 'unterminated{X}", 'set auth password=x', '= ls', 'set global =x{X}',
    ]


JUNK = ['', 'ü', '日本語', '\u202e', 'a' * 300, 'b' * 5000, '%s%n', '../..', '..', '\\', '*',
        '{}', '[x]', ';', '&', '$HOME', '\t', '~']


def generate(iqn, count=N_COMMANDS, seed=4):
    rnd = random.Random(seed)
    base = templates(iqn)
    lines = [t.replace('{X}', '') for t in base]
    while len(lines) < count:
        lines.append(rnd.choice(base).replace('{X}', rnd.choice(JUNK)))
    return lines[:count]


def test_generator_gives_300_distinct_commands(machine):
    lines = generate(machine[1])
    assert len(lines) == N_COMMANDS
    assert len(set(lines)) > 250


@pytest.mark.parametrize('chunk', range(3))
def test_bad_commands_in_batch_each_fail_and_change_nothing(machine, chunk):
    sim, iqn = machine
    lines = generate(iqn)[chunk::3]
    before = dump_tree(sim)
    done = batch(sim, lines, keep_going=True)
    after = dump_tree(sim)
    assert done.returncode != 0
    assert 'Traceback' not in done.stderr + done.stdout
    assert 'Internal error' not in done.stderr
    errors = done.stderr.splitlines()
    failed = {int(e.split(':', 1)[0][5:]) for e in errors if e.startswith('line ')}
    missing = [lines[n - 1] for n in range(1, len(lines) + 1) if n not in failed]
    assert not missing, f"these did not fail: {missing[:5]}"
    assert len(errors) == len(lines), [e for e in errors if not e.startswith('line ')][:5]
    assert after == before, [k for k in set(after) | set(before)
                             if after.get(k) != before.get(k)][:10]


def test_a_sample_of_bad_commands_as_one_shots(machine):
    sim, iqn = machine
    import shlex
    lines = generate(iqn)[::15]
    before = dump_tree(sim)
    for line in lines:
        try:
            args = shlex.split(line)
        except ValueError:
            args = [line]
        done = cli(sim, *args)
        assert done.returncode != 0, line
        assert 'Traceback' not in done.stderr, line
        assert len(done.stderr.strip().splitlines()) == 1, (line, done.stderr)
    assert dump_tree(sim) == before


def test_batch_stops_at_the_first_failure_by_default(machine):
    sim, _ = machine
    done = batch(sim, ['/nonexistent ls', 'pwd'])
    assert done.returncode == 1
    assert done.stderr == "line 1: No such path /nonexistent\n"
    assert done.stdout == ''
