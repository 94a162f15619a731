"""The tokenizer keeps values byte for byte; secrets are masked; prefs are JSON."""
import json
import os
import stat

import pytest

from targetcli import tokens
from targetcli.prefs import JsonPrefs


@pytest.mark.parametrize('line, kparams', [
    ('set auth password=ab^cd', {'password': 'ab^cd'}),
    ('set auth password="a b"', {'password': 'a b'}),
    ("set auth password='x=y=z'", {'password': 'x=y=z'}),
    ('set auth password=a\\ b;c&d|e', {'password': 'a b;c&d|e'}),
    ('set auth userid=日本 password=%s#x', {'userid': '日本', 'password': '%s#x'}),
])
def test_values_are_kept_byte_for_byte(line, kparams):
    cmd = tokens.classify(tokens.split_line(line))
    assert (cmd.path, cmd.command, cmd.pparams, cmd.kparams) == ('', 'set', ['auth'], kparams)


@pytest.mark.parametrize('line, path, command, pparams', [
    ('/iscsi create', '/iscsi', 'create', []),
    ('iser/ info', 'iser/', 'info', []),
    ('.. ls', '..', 'ls', []),
    ('@last ls', '@last', 'ls', []),
    ('cd <', '', 'cd', ['<']),
    ('luns/ create /backstores/iblock/my_disk', 'luns/', 'create',
     ['/backstores/iblock/my_disk']),
    ('/backstores', '/backstores', '', []),
])
def test_paths_commands_and_positionals(line, path, command, pparams):
    cmd = tokens.classify(tokens.split_line(line))
    assert (cmd.path, cmd.command, cmd.pparams) == (path, command, pparams)


@pytest.mark.parametrize('line', ['set auth password="open', 'ls; rm -rf /', '`id`',
                                  'set auth a=1 a=2', 'password=x'])
def test_what_cannot_be_taken_is_an_error(line):
    with pytest.raises(tokens.ParseError):
        tokens.classify(tokens.split_line(line))


def test_masking_history_lines():
    line = 'set auth userid=bob password="my secret" mutual_password=zz9^x'
    masked = tokens.mask_line(line)
    assert 'my secret' not in masked and 'zz9^x' not in masked
    assert 'userid=bob' in masked and 'password=********' in masked
    assert tokens.mask_line('ls /iscsi') == 'ls /iscsi'


def test_scrub_removes_known_secrets_and_assignments():
    tokens.classify(tokens.split_line('set auth password=Zebra42x'))
    assert 'Zebra42x' not in tokens.scrub("Cannot write 'Zebra42x' to auth/password")
    assert tokens.scrub("chap_password: hunter2") == "chap_password: ********"


def test_prefs_are_json_0600_and_a_broken_file_gives_defaults(tmp_path, capsys):
    path = tmp_path / 'p' / 'prefs.json'
    prefs = JsonPrefs(str(path))
    prefs.load(defaults={'color_mode': True, 'tree_max_depth': 0})
    prefs['tree_max_depth'] = 3
    prefs.save()
    assert json.loads(path.read_text())['tree_max_depth'] == 3
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    path.write_bytes(b'\x80\x04garbage-pickle')
    prefs.load(defaults={'color_mode': True, 'tree_max_depth': 0})
    assert prefs['tree_max_depth'] == 0
    assert 'Could not load preferences file' in capsys.readouterr().err


def test_without_lio_it_says_why_and_points_to_simulate(monkeypatch, capsys):
    from targetcli import main
    monkeypatch.delenv('LIO_SIMULATE', raising=False)
    monkeypatch.setattr(main.os.path, 'isdir', lambda path: False)
    assert main.main(['ls']) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert 'configfs is not available' in err and '--simulate DIR' in err


def test_not_root_is_told_to_use_root_or_simulate(monkeypatch, capsys):
    from targetcli import main
    monkeypatch.delenv('LIO_SIMULATE', raising=False)
    monkeypatch.setattr(main.os.path, 'isdir', lambda path: True)
    monkeypatch.setattr(main.os, 'geteuid', lambda: 1000)
    assert main.main(['ls']) == 2
    err = capsys.readouterr().err
    assert 'must run as root' in err and '--simulate DIR' in err


def test_bad_invocation_exits_2_with_one_line(capsys):
    from targetcli import main
    assert main.main(['--frobnicate']) == 2
    assert capsys.readouterr().err == \
        "targetcli: unknown option --frobnicate (see targetcli --help)\n"
    assert main.main(['--simulate']) == 2
