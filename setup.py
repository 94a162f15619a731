"""The data files of lio-py (metadata, packages and entry points: pyproject.toml).

Installed relative to the install prefix (/usr/local for `pip install` on
Debian, /usr for a distribution package): the man pages where man finds them,
the bash completion where bash-completion loads it on demand, the systemd
unit in PREFIX/lib/systemd/system (systemd reads /usr/local/lib/systemd/system
too), the Pacemaker resource agent in PREFIX/lib/ocf/resource.d/lio-py, the fabric specs in PREFIX/share/lio-py/spec (rtslib/spec.py looks there).
The build's scratch (build/, *.egg-info) goes to a temporary directory, never
into the source tree.
"""
import atexit
import glob
import os
import shutil
import tempfile

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
# one per build step (pip runs each in its own process); gone when the step ends
SCRATCH = tempfile.mkdtemp(prefix='lio-py-build-')
atexit.register(shutil.rmtree, SCRATCH, True)


def files(pattern):
    return sorted(os.path.relpath(p, HERE) for p in glob.glob(os.path.join(HERE, pattern)))


setup(
    data_files=[
        ('share/lio-py/spec', files('spec/*.json')),
        ('share/man/man8', files('scripts/man/*.8')),
        ('share/bash-completion/completions', ['scripts/completion/targetcli']),
        ('lib/systemd/system', ['scripts/target.service']),
        # OCF_ROOT is /usr/lib/ocf: Pacemaker finds ocf:lio-py:lio-config when the
        # prefix is /usr (a distribution package)
        ('lib/ocf/resource.d/lio-py', ['scripts/ocf/lio-config']),
    ],
    options={'build': {'build_base': os.path.join(SCRATCH, 'build')},
             'egg_info': {'egg_base': SCRATCH}},
)
