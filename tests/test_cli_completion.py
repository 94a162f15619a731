"""bash completion of one-shot commands (scripts/completion/targetcli), driven
through bash itself: the candidates are the interactive prompt's."""
import os
import subprocess

import pytest

from cli_helpers import ROOT, env_for, ok

SCRIPT = os.path.join(ROOT, 'scripts', 'completion', 'targetcli')
IQN = 'iqn.2003-01.org.example:t1'

DRIVE = r'''
source "$1"
complete -p targetcli
line=$2
COMP_LINE=$line
COMP_POINT=${#line}
read -r -a COMP_WORDS <<< "$line"
[[ $line == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
_targetcli
printf '%s|\n' "${COMPREPLY[@]}"
'''


@pytest.fixture
def tab(simdir, tmp_path):
    """tab(line) -> (the `complete -p` line, the candidates bash would offer)."""
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    wrapper = bindir / 'targetcli'
    wrapper.write_text('#!/bin/sh\nexec python3 -m targetcli "$@"\n')
    wrapper.chmod(0o755)
    env = env_for(tmp_path / 'home')
    env.update(PATH=f"{bindir}:{env['PATH']}", LIO_SIMULATE=str(simdir))
    ok(simdir, '/iscsi', 'create', IQN)
    ok(simdir, '/backstores/ramdisk', 'create', 'r1', '1M')

    def run(line):
        done = subprocess.run(['bash', '--norc', '-c', DRIVE, 'drive', SCRIPT, line],
                              capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        first, *rest = done.stdout.splitlines()
        return first, [c[:-1] for c in rest]
    return run


def test_it_is_registered_for_targetcli(tab):
    assert tab('targetcli ')[0] == 'complete -o nospace -F _targetcli targetcli'


def test_paths(tab):
    assert tab('targetcli /isc')[1] == ['/iscsi/']
    # bash replaces only what follows the IQN's colon
    assert tab(f'targetcli /iscsi/{IQN}/t')[1] == ['t1/tpg1/']
    assert sorted(tab('targetcli /backstores/')[1]) == [
        '/backstores/* ', '/backstores/block/', '/backstores/fileio/', '/backstores/pscsi/',
        '/backstores/ramdisk/']


def test_commands_and_parameters(tab):
    assert tab('targetcli /iscsi cr')[1] == ['create ']
    assert 'saveconfig' in tab('targetcli ')[1]
    assert tab('targetcli /iscsi create ')[1] == ['wwn=']
    assert tab('targetcli restoreconfig list_b')[1] == ['list_backups=']
    assert tab('targetcli restoreconfig list_backups=t')[1] == ['true ']
    assert tab('targetcli /backstores/ramdisk/r1 set attribute emulate_tp')[1] == \
        ['emulate_tpu=', 'emulate_tpws=']


def test_options_and_their_values(tab, simdir):
    assert tab('targetcli --sim')[1] == ['--simulate ']
    assert tab(f'targetcli --simulate {simdir}')[1] == [f'{simdir}/']
    assert tab(f'targetcli --simulate {simdir} /isc')[1] == ['/iscsi/']


def test_the_interactive_prompt_offers_the_same(simdir, tmp_path):
    ok(simdir, '/iscsi', 'create', IQN)
    from targetcli.shell import TargetShell
    from targetcli.ui_root import UIRoot
    sh = TargetShell(str(tmp_path / 'h'), simdir=str(simdir))
    UIRoot(sh)
    assert sh.completions('/iscsi ', 'cr') == ['create ']
    assert sh.completions('', '/isc') == ['/iscsi/']
