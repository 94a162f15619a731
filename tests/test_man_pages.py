"""Man pages targetcli(8) and targetctl(8): generated from the tools' own help
(scripts/gen_man.py), so a committed page that differs from what the help
says now fails here; and `man -l` renders them without a warning."""
import os
import re
import subprocess
import sys

from cli_helpers import ROOT, cli, env_for, ok

MAN = os.path.join(ROOT, 'scripts', 'man')
IQN = 'iqn.2003-01.org.example:target'


def _source(name):
    with open(os.path.join(MAN, name), encoding='utf-8') as f:
        return f.read()


def _unroff(text):
    return text.replace('\\-', '-').replace('\\e', '\\').replace('\\&', '')


def test_committed_pages_are_what_the_help_says_now():
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'gen_man.py'),
                           '--check'], capture_output=True, text=True, env=env_for(),
                          timeout=300)
    assert done.returncode == 0, done.stderr


def test_man_renders_them_without_warnings():
    for name in ('targetcli.8', 'targetctl.8'):
        done = subprocess.run(['man', '--warnings', '-l', os.path.join(MAN, name)],
                              capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, MANWIDTH='80', MAN_KEEP_FORMATTING=''))
        assert done.returncode == 0 and done.stderr == '', (name, done.stderr)
        text = done.stdout
        for section in ('NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'COMMANDS',
                        'EXIT STATUS', 'FILES', 'SEE ALSO'):
            assert re.search(r'^%s$' % section, text, re.M), (name, section)
        for status in range(5):
            assert re.search(r'^       %d\s' % status, text, re.M), (name, status)


def test_every_command_the_shell_lists_is_in_targetcli_8(simdir):
    ok(simdir, '/iscsi', 'create', IQN)
    ok(simdir, '/backstores/ramdisk', 'create', 'r1', '1M')
    page = _unroff(_source('targetcli.8'))
    syntaxes = set(re.findall(r'^\.B (.*)$', page, re.M))
    for path in ('/', '/backstores/ramdisk', '/backstores/ramdisk/r1', '/iscsi',
                 f'/iscsi/{IQN}', f'/iscsi/{IQN}/tpg1', f'/iscsi/{IQN}/tpg1/portals'):
        listed = re.findall(r'^  - (.*)$', ok(simdir, path, 'help'), re.M)
        assert listed, path
        assert [s for s in listed if s.strip() not in syntaxes] == [], path


def test_every_targetctl_option_and_command_is_in_targetctl_8(simdir):
    page = _unroff(_source('targetctl.8'))
    out = subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'targetctl'), '--help'],
                         capture_output=True, text=True, env=env_for(), timeout=60).stdout
    for option in set(re.findall(r'(--?[a-z][a-z-]*)', out)):
        assert option in page, option
    for command in re.search(r'\{(.*?)\}', out).group(1).split(','):
        assert '.B %s\n' % command in page, command


def test_every_targetcli_option_is_in_targetcli_8(simdir):
    page = _unroff(_source('targetcli.8'))
    options = set(re.findall(r'^  (-\S+)(?:, (--\S+))?', cli(simdir, '--help').stdout, re.M))
    assert len(options) >= 6
    for short, long in options:
        assert re.search(r'^\.B %s' % re.escape(short), page, re.M), short
        assert long in page
