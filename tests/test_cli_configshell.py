"""configshell-fb: the private members targetcli relies on (targetcli/cshell.py)
exist in every version we test with, and a release without one is one line and
exit status 2, not a traceback at the prompt."""
import inspect
import os
import subprocess
import sys

import pytest

from cli_helpers import ROOT, env_for

from targetcli import cshell

DEBIAN_PYTHON = '/usr/bin/python3'

CONTRACT_CHECK = r'''
import inspect, sys
sys.path.insert(0, sys.argv[1])
from targetcli import cshell
import configshell_fb
bad = []
for cls, name, kind in cshell.CONTRACT:
    klass = getattr(configshell_fb, cls)
    if kind == 'method':
        ok = callable(getattr(klass, name, None))
    else:
        # state we set: configshell's own code must still read it by this name
        ok = ('self.%s' % name) in inspect.getsource(klass)
    if not ok:
        bad.append('%s.%s (%s)' % (cls, name, kind))
print(cshell.version())
print(';'.join(bad))
'''


def _contract(python):
    done = subprocess.run([python, '-c', CONTRACT_CHECK, ROOT], capture_output=True, text=True,
                          timeout=120, env=env_for())
    assert done.returncode == 0, done.stderr
    version, bad = done.stdout.splitlines()
    return version, bad


def test_installed_version_is_a_tested_one_and_has_every_member():
    version, bad = _contract(sys.executable)
    assert version in cshell.TESTED_VERSIONS, \
        f'configshell-fb {version} is not among the tested {cshell.TESTED_VERSIONS}'
    assert bad == '', f'configshell-fb {version} lost: {bad}'


def _debian_python():
    done = subprocess.run([DEBIAN_PYTHON, '-c', 'import configshell_fb'], capture_output=True)
    if done.returncode != 0:
        pytest.fail('Debian python3-configshell-fb is needed (tests/run installs targetcli-fb, '
                    'which brings it)')
    return DEBIAN_PYTHON


def test_debian_s_configshell_fb_has_every_member_and_runs_one_shots(tmp_path):
    python = _debian_python()
    version, bad = _contract(python)
    assert version in cshell.TESTED_VERSIONS and bad == '', (version, bad)
    env = env_for(tmp_path / 'home')
    sim = str(tmp_path / 'sim')
    for args in (['/backstores/ramdisk', 'create', 'r1', '1M'], ['ls', '/backstores']):
        done = subprocess.run([python, '-m', 'targetcli', '--simulate', sim, *args],
                              capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
        assert done.returncode == 0, done.stderr
    assert 'r1' in done.stdout


def test_a_missing_member_is_one_line_and_exit_2(simdir, monkeypatch, capsys):
    from targetcli import main
    monkeypatch.delattr(cshell.ConfigShell, '_get_prompt')
    assert main.main(['--simulate', str(simdir), 'ls']) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert f'configshell-fb {cshell.version()} lacks ConfigShell._get_prompt' in err
    assert 'install a tested version' in err


def test_pyparsing_is_not_swapped_out():
    code = ('import sys; import targetcli.cshell; import pyparsing; '
            'print(hasattr(pyparsing, "Word") and pyparsing.Word is not None)')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          env=env_for(), timeout=60)
    assert done.stdout.strip() == 'True', done.stderr
    assert 'sys.modules' not in inspect.getsource(cshell)


def test_the_pins_agree():
    """tests/run installs the newest tested version; setup accepts all of them."""
    with open(os.path.join(ROOT, 'tests', 'run')) as f:
        assert f'configshell-fb=={cshell.TESTED_VERSIONS[-1]}' in f.read()
    with open(os.path.join(ROOT, 'pyproject.toml')) as f:
        text = f.read()
    assert f'"configshell-fb>={cshell.TESTED_VERSIONS[0]},<2.1"' in text
