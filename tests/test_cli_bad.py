"""300 generated bad commands: each fails with one line on stderr, a non-zero
exit status, no traceback, and no change to the configfs tree."""
import random

import pytest

from cli_helpers import batch, cli, created_iqn, dump_tree

N_COMMANDS = 300


@pytest.fixture(scope='module')
def machine(tmp_path_factory):
    sim = tmp_path_factory.mktemp('bad') / 'sim'
    done = batch(sim, ['/backstores/ramdisk create name=ram1 size=1M',
                       '/backstores/fileio create name=file1 file_or_dev=/mnt/w/file1',
                       '/iscsi create'])
    assert done.returncode == 0, done.stderr
    iqn = created_iqn(done.stdout)
    tpg = f'/iscsi/{iqn}/tpg1'
    done = batch(sim, [f'{tpg}/luns create /backstores/ramdisk/ram1',
                       f'{tpg}/acls create iqn.1994-05.com.redhat:client'])
    assert done.returncode == 0, done.stderr
    return sim, iqn


def templates(iqn):
    """Bad command lines; § is replaced by a generated junk value."""
    tpg = f'/iscsi/{iqn}/tpg1'
    acl = f'{tpg}/acls/iqn.1994-05.com.redhat:client'
    return [
        # wrong paths
        '/nonexistent§ ls', 'cd /nowhere§', 'cd', 'ls /backstores/block/nope§',
        f'/iscsi/{iqn}/tpg9 ls', f'{tpg}/luns/lun99 info', f'{tpg}/acls/iqn.x:none§ status',
        '/backstores/fileio/nope§ info', '/iscsi/iqn.2003-01.com.example:§ ls',
        f'{tpg}/portals/10.9.8.7:3260 info', 'ls @nobookmark§', '/backstores/user:§/x ls',
        # unknown commands
        '/iscsi frobnicate§', 'ls_all§', f'{tpg} rm -rf /', 'x§', '/ reboot now',
        # missing and extra arguments
        '/backstores/fileio create', '/backstores/fileio create name=a§',
        '/backstores/ramdisk create name=r§', f'{tpg}/luns create', f'{tpg}/acls create',
        f'{tpg}/portals delete 127.0.0.1', '/backstores/ramdisk delete',
        f'{tpg}/acls create iqn.2000-01.com.a:b extra§ more', 'pwd extra§',
        'ls / 1 extra§', 'ls / depth=§abc',
        # bad values and types
        '/backstores/ramdisk create name=r2 size=§lots', '/backstores/ramdisk create name=r3 '
        'size=1M nullio=§maybe', '/backstores/block create name=b dev=/dev/null§',
        '/backstores/block create name=b dev=/nonexistent/§', '/iscsi create not-an-iqn§',
        f'/iscsi create {iqn}', f'{tpg}/portals create 999.1.1.§',
        f'{tpg}/portals create 127.0.0.1 70000§', f'{tpg}/portals create 127.0.0.1 -1',
        f'{tpg}/portals create not_an_ip§', f'{tpg}/luns create /backstores/fileio/nope§',
        f'{tpg}/luns create /backstores/ramdisk/ram1 lun=§abc',
        f'{tpg} set attribute authentication=maybe§',
        f'{tpg} set attribute no_such_attribute§=1', f'{tpg} set nogroup§ x=1',
        f'{tpg} get attribute nope§', f'{tpg} set auth userid_bogus§=x',
        f'{tpg} set parameter MaxConnections=§many', f'{acl} set auth password§x=1',
        f'{acl} create mapped_lun=abc§ tpg_lun_or_backstore=0', f'{acl} delete 77',
        '/ set global no_such_pref§=1', '/ set global tree_max_depth=§deep',
        '/ set global loglevel_file=loud§', '/ set global color_mode=§purple',
        '/backstores/fileio delete nope§', f'/iscsi delete iqn.2003-01.com.example:§',
        f'/iscsi/{iqn} delete 42', f'/iscsi/{iqn} create tag=§x', f'/iscsi/{iqn} delete tpg0',
        'clearconfig', 'clearconfig confirm=§maybe', 'restoreconfig /nonexistent§.json',
        '/ sessions bogus§', '/ sessions list x§', 'bookmarks frob§',
        'bookmarks del nobookmark§', 'help nosuchtopic§', f'{tpg} enable_iser true',
        f'{tpg}/portals/0.0.0.0:3260 enable_iser maybe§',
        # shell metacharacters and quoting
        'ls; rm -rf /§', 'ls && echo pwned§', 'ls | cat§', 'ls > /tmp/out§',
        '$(reboot)§', '`id`§', f'{acl} set auth password="unterminated§',
        "ls 'unterminated§", 'set auth password=x', '= ls', 'set global =x§',
    ]


JUNK = ['', 'ü', '日本語', '\u202e', 'a' * 300, 'b' * 5000, '%s%n', '../..', '..', '\\', '*',
        '{}', '[x]', ';', '&', '$HOME', '\t', '~']


def generate(iqn, count=N_COMMANDS, seed=4):
    rnd = random.Random(seed)
    base = templates(iqn)
    lines = list(dict.fromkeys(t.replace('§', '') for t in base))
    seen = set(lines)
    while len(lines) < count:
        junk = rnd.choice(JUNK) + rnd.choice(['', str(rnd.randint(0, 99999))])
        line = rnd.choice([t for t in base if '§' in t]).replace('§', junk)
        if line not in seen:
            seen.add(line)
            lines.append(line)
    return lines[:count]


def test_generator_gives_300_distinct_commands(machine):
    lines = generate(machine[1])
    assert len(lines) == N_COMMANDS
    assert len(set(lines)) == N_COMMANDS


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
    lines = generate(iqn)[::50]
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
    assert done.stderr.startswith("line 1: No such path /nonexistent (in /: backstores, ")
    assert len(done.stderr.splitlines()) == 1
    # pwd did not run; the session's save on exit is all it printed
    assert done.stdout.splitlines() == ['Global pref auto_save_on_exit=true',
                                        f"Configuration saved to {sim}/etc/target/saveconfig.json"]
