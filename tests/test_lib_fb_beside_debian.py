"""lio-py installed in a venv beside Debian's python3-rtslib-fb (README,
"rtslib-fb compatibility"): the venv's python imports our rtslib_fb, even with
the system's site-packages visible; Debian's python3, its rtslib_fb and its
targetcli-fb keep theirs.  Ours goes into the venv as an editable install
does (a .pth naming the source tree), so nothing is built here
(tests/test_packaging.py installs a built wheel)."""
import os
import subprocess

import pytest

from conftest import ROOT

DEBIAN_PYTHON = '/usr/bin/python3'
DIST_PACKAGES = '/usr/lib/python3/dist-packages'
WHERE = ('import rtslib_fb, rtslib, targetcli; '
         'print(rtslib_fb.__file__, rtslib.__file__, targetcli.__file__, '
         'rtslib_fb.RTSRoot is rtslib.RTSRoot)')


def _run(argv, env, cwd):
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env, cwd=cwd,
                          check=False)
    assert done.returncode == 0, (argv, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def test_a_venv_of_ours_beside_debians_rtslib_fb_and_targetcli_fb(tmp_path):
    if not os.path.isfile(os.path.join(DIST_PACKAGES, 'rtslib_fb', '__init__.py')):
        pytest.fail("Debian's python3-rtslib-fb is not installed: apt-get install targetcli-fb "
                    '(tests/run installs it)')
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'PYTHONHOME')}
    env['HOME'] = str(tmp_path)
    cwd = str(tmp_path)                   # not the source tree: nothing found by accident
    venv = tmp_path / 'venv'
    _run([DEBIAN_PYTHON, '-m', 'venv', '--system-site-packages', '--without-pip', str(venv)],
         env, cwd)
    python = str(venv / 'bin' / 'python')
    purelib = _run([python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                   env, cwd).strip()
    with open(os.path.join(purelib, 'lio-py.pth'), 'w', encoding='utf-8') as f:
        f.write(ROOT + '\n')

    ours = _run([python, '-c', WHERE], env, cwd).split()
    assert all(p.startswith(ROOT + '/') for p in ours[:3]) and ours[3] == 'True', ours
    debians = _run([DEBIAN_PYTHON, '-c', WHERE], env, cwd).split()
    assert all(p.startswith(DIST_PACKAGES + '/') for p in debians[:3]), debians
    assert debians[3] == 'False'          # Debian's rtslib_fb and rtslib are two packages
    # Debian's targetcli-fb imports its targetcli and rtslib_fb before it answers
    done = subprocess.run(['/usr/bin/targetcli', '--version'], capture_output=True, text=True,
                          timeout=300, env=env, cwd=cwd, check=False)
    assert done.returncode == 0 and 'version 2.1' in done.stdout + done.stderr, done
