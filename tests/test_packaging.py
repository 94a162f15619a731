"""Packaging as a user installs it: a wheel built by `python3 -m build` (PEP 517)
from the source tree, installed into a fresh venv of Debian's own python3;
targetcli and targetctl run from it on the simulator, the man pages, bash
completion, unit and fabric specs land where man, bash, systemd and the
library look; the source tree is left as it was."""
import os
import subprocess
import sys

import pytest

from cli_helpers import ROOT

DEBIAN_PYTHON = '/usr/bin/python3'


def _run(argv, **kw):
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, **kw)
    assert done.returncode == 0, (argv, done.stdout[-2000:], done.stderr[-2000:])
    return done


def _tree_state():
    """Untracked and ignored files of the source tree (build/, *.egg-info would show)."""
    return _run(['git', '-C', ROOT, 'status', '--porcelain', '--ignored',
                 '--untracked-files=all']).stdout.splitlines()


@pytest.fixture(scope='module')
def venv(tmp_path_factory):
    if subprocess.run([DEBIAN_PYTHON, '-c', 'import venv, ensurepip'],
                      capture_output=True).returncode != 0:
        pytest.fail('Debian python3-venv is needed (tests/run installs it)')
    work = tmp_path_factory.mktemp('pkg')
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    before = _tree_state()
    _run([sys.executable, '-m', 'build', '--outdir', str(work / 'dist'), ROOT], env=env)
    after = _tree_state()
    wheels = [n for n in os.listdir(work / 'dist') if n.endswith('.whl')]
    assert len(wheels) == 1, os.listdir(work / 'dist')
    venv = work / 'venv'
    _run([DEBIAN_PYTHON, '-m', 'venv', str(venv)], env=env)
    _run([str(venv / 'bin' / 'python'), '-m', 'pip', 'install', '-q',
          '--disable-pip-version-check', str(work / 'dist' / wheels[0])], env=env, cwd=str(work))
    return {'dir': venv, 'work': work, 'before': before, 'after': after, 'env': env}


def test_the_build_leaves_the_source_tree_as_it_was(venv):
    new = sorted(set(venv['after']) - set(venv['before']))
    assert new == [], f'the build left files in the source tree: {new}'


def test_both_commands_run_from_the_venv_on_the_simulator(venv):
    bindir = venv['dir'] / 'bin'
    python = str(bindir / 'python')
    for tool in ('targetcli', 'targetctl'):
        with open(bindir / tool) as f:
            assert f.readline() == f'#!{python}\n', f'{tool} has a shebang the unit cannot run'
    sim = str(venv['work'] / 'sim')
    env = dict(venv['env'], HOME=str(venv['work'] / 'home'))
    cwd = str(venv['work'])    # not the source tree: nothing may come from it
    out = _run([str(bindir / 'targetcli'), '--simulate', sim, '/backstores/ramdisk', 'create',
                'r1', '1M'], env=env, cwd=cwd).stdout
    assert out == 'Created ramdisk r1 with size 1M.\n'
    out = _run([str(bindir / 'targetcli'), '--simulate', sim, '/iscsi', 'create',
                'iqn.2003-01.org.example:t1'], env=env, cwd=cwd).stdout
    assert 'Created target iqn.2003-01.org.example:t1.' in out   # the iscsi spec was found
    out = _run([str(bindir / 'targetctl'), '--simulate', sim, 'save'], env=env, cwd=cwd).stdout
    assert out == f'Configuration saved to {sim}/etc/target/saveconfig.json\n'
    _run([str(bindir / 'targetctl'), '--simulate', sim, 'clear'], env=env, cwd=cwd)
    _run([str(bindir / 'targetctl'), '--simulate', sim, 'restore'], env=env, cwd=cwd)
    out = _run([str(bindir / 'targetcli'), '--simulate', sim, 'ls', '/backstores/ramdisk'],
               env=env, cwd=cwd).stdout
    assert 'r1' in out
    # every package of the tree is in the wheel (pyproject finds rtslib* and targetcli*)
    packages = sorted(d for d in os.listdir(ROOT) if d.startswith(('rtslib', 'targetcli'))
                      and os.path.isfile(os.path.join(ROOT, d, '__init__.py')))
    where = _run([python, '-c', 'import importlib\nfor name in %r: '
                  'print(importlib.import_module(name).__file__)' % packages],
                 env=env, cwd=cwd).stdout
    assert len(where.splitlines()) == len(packages) >= 2, where
    assert all(line.startswith(str(venv['dir'])) for line in where.splitlines()), where


def test_data_files_land_where_they_are_looked_for(venv):
    share = venv['dir'] / 'share'
    assert (share / 'man' / 'man8' / 'targetcli.8').is_file()
    assert (share / 'man' / 'man8' / 'targetctl.8').is_file()
    assert (share / 'bash-completion' / 'completions' / 'targetcli').is_file()
    assert (venv['dir'] / 'lib' / 'systemd' / 'system' / 'target.service').is_file()
    agent = venv['dir'] / 'lib' / 'ocf' / 'resource.d' / 'lio-py' / 'lio-config'
    assert agent.is_file() and os.access(agent, os.X_OK)
    spec = _run([str(venv['dir'] / 'bin' / 'python'), '-c',
                 'from rtslib.spec import spec_dir; print(spec_dir())'],
                env=venv['env'], cwd=str(venv['work'])).stdout.strip()
    assert spec == str(share / 'lio-py' / 'spec') and os.path.isfile(f'{spec}/iscsi.json')
    # man finds the page through the venv's bin on PATH (manpath's rule)
    env = dict(venv['env'], PATH=f"{venv['dir']}/bin:/usr/bin:/bin", MANPATH='')
    env.pop('MANPATH')
    out = _run(['man', '-w', 'targetctl'], env=env).stdout.strip()
    assert out == str(share / 'man' / 'man8' / 'targetctl.8')
