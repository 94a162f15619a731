"""Shared fixtures: every test runs against a simulated kernel in its own dir."""
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A copy of ../shared/reference (real-kernel and targetcli-fb recordings), so
# the suite runs from any clone.
REFERENCE = os.path.join(ROOT, 'tests', 'data', 'reference')


@pytest.fixture
def simdir(tmp_path, monkeypatch):
    """A fresh simulated kernel selected through LIO_SIMULATE, as users do."""
    d = tmp_path / 'sim'
    d.mkdir()
    monkeypatch.setenv('LIO_SIMULATE', str(d))
    from rtslib import configfs
    configfs.set_default_fs(None)
    yield d
    configfs.set_default_fs(None)


@pytest.fixture(autouse=True)
def _no_real_configfs(monkeypatch, tmp_path):
    """Tests must never reach the host's configfs or /etc/target: HOME too is private."""
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
