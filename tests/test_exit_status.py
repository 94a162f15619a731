"""The exit statuses targetcli and targetctl share (README, man pages):
0 success, 1 failed, 2 bad invocation or LIO not usable, 4 partly done."""
import json
import os

from cli_helpers import cli, ok
from save_helpers import PEER_FILE, peer_doc

from rtslib import exit_status


def test_table():
    assert (exit_status.OK, exit_status.FAILED, exit_status.USAGE, exit_status.DIFFERS,
            exit_status.PARTIAL) == (0, 1, 2, 3, 4)


def _configfs(monkeypatch, present):
    monkeypatch.delenv('LIO_SIMULATE', raising=False)
    real_isdir = os.path.isdir
    monkeypatch.setattr(os.path, 'isdir', lambda p: present if p.startswith('/sys/kernel/config')
                        else real_isdir(p))


def test_both_tools_exit_2_without_configfs(monkeypatch, capsys):
    from rtslib.saveconfig import cli as targetctl
    from targetcli import main as targetcli
    _configfs(monkeypatch, False)
    assert targetctl.main(['save']) == 2
    assert targetcli.main(['ls']) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith('targetctl: configfs is not available') and '--simulate DIR' in err[0]
    assert err[1].startswith('configfs is not available') and '--simulate DIR' in err[1]


def test_both_tools_exit_2_as_non_root(monkeypatch, capsys):
    from rtslib.saveconfig import cli as targetctl
    from targetcli import main as targetcli
    _configfs(monkeypatch, True)
    monkeypatch.setattr(os, 'geteuid', lambda: 1000)
    assert targetctl.main(['restore']) == 2
    assert targetcli.main(['ls']) == 2
    err = capsys.readouterr().err
    assert 'targetctl: must run as root' in err and 'targetcli must run as root' in err


def test_usage_errors_exit_2(simdir, capsys):
    from rtslib.saveconfig import cli as targetctl
    assert targetctl.main(['frobnicate']) == 2
    assert cli(simdir, '--frobnicate').returncode == 2


def test_merge_restore_keeping_conflicting_objects_exits_4(simdir, tmp_path):
    doc = peer_doc()
    ok(simdir, 'restoreconfig', PEER_FILE)
    # the same target with another attribute: a conflict the merge keeps live
    doc['targets'][0]['tpgs'][0]['attributes']['login_timeout'] = 11
    changed = tmp_path / 'changed.json'
    changed.write_text(json.dumps(doc))
    done = cli(simdir, 'restoreconfig', str(changed))
    assert done.returncode == 4, (done.stdout, done.stderr)
    assert 'except the 1 part(s) listed above' in done.stdout
    assert cli(simdir, 'restoreconfig', str(changed), 'clear_existing=true').returncode == 0


def test_fake_daemon_switch_is_gone(simdir):
    done = cli(simdir, 'set', 'global', 'auto_use_daemon=true')
    assert done.returncode == 1 and 'auto_use_daemon' in done.stderr
    assert 'auto_use_daemon' not in ok(simdir, 'get', 'global')
