"""targetcli export/plan/apply and targetctl plan/apply/diff/export as a user runs
them: output, exit statuses (0 done or in sync, 1 failed, 2 bad invocation,
3 differs), secrets never shown unless asked."""
import json
import os

from cli_helpers import cli
from save_helpers import (PEER_FILE, ROOT, peer_doc, tree,
                          tmp_path)  # noqa: F401 (tmp_path on tmpfs)
from test_save_targetctl import run as targetctl

IQN = 'iqn.2003-01.org.linux-iscsi.liohost.x8664:sn.291008ada71d'
SECRETS = ('secret1', 'secret2', '"tp"', '"dp"', '"dmp"')


def clean(r, status):
    assert r.returncode == status, (r.returncode, r.stdout, r.stderr)
    assert 'Traceback' not in r.stdout + r.stderr
    return r


def test_targetctl_plan_apply_diff_statuses(simdir):
    r = clean(targetctl(simdir, 'plan', PEER_FILE), 3)
    assert r.stdout.splitlines()[-1] == '19 changes'
    assert clean(targetctl(simdir, 'diff', PEER_FILE), 3).stdout.splitlines()[-1] == \
        '19 differences'
    assert clean(targetctl(simdir, 'apply', PEER_FILE), 0).stdout.splitlines()[-1] == \
        '19 changes'
    assert clean(targetctl(simdir, 'plan', PEER_FILE), 0).stdout == '0 changes\n'
    assert clean(targetctl(simdir, 'diff', PEER_FILE), 0).stdout == 'in sync\n'
    assert clean(targetctl(simdir, 'apply', PEER_FILE), 0).stdout == '0 changes\n'
    r = clean(targetctl(simdir, 'plan', '--json', PEER_FILE), 0)
    assert json.loads(r.stdout) == {'changes': [], 'count': 0}


def test_targetctl_diff_reads_the_kernel_side(simdir, tmp_path):
    clean(targetctl(simdir, 'apply', PEER_FILE), 0)
    doc = peer_doc()
    doc['targets'][0]['tpgs'][0]['attributes']['authentication'] = 1
    doc['targets'][0]['tpgs'][0]['node_acls'][0]['chap_password'] = 'other-secret'
    f = tmp_path / 'edited.json'
    f.write_text(json.dumps(doc))
    r = clean(targetctl(simdir, 'diff', str(f)), 3)
    assert r.stdout.splitlines() == [
        '/iscsi/%s/tpg1: attribute authentication: kernel 0, file 1' % IQN,
        '/iscsi/%s/tpg1/acls/iqn.1994-05.com.redhat:client: auth password differs' % IQN,
        '2 differences']
    assert 'secret' not in r.stdout + r.stderr


def test_targetctl_errors(simdir, tmp_path):
    clean(targetctl(simdir, 'apply', PEER_FILE), 0)
    before = tree(simdir)
    r = clean(targetctl(simdir, 'plan'), 2)
    assert r.stderr.startswith('targetctl: plan needs a FILE')
    bad = tmp_path / 'bad.json'
    bad.write_text('{"targets": [{"wwn": 1}]}')
    for command in ('plan', 'apply', 'diff'):
        r = clean(targetctl(simdir, command, str(bad)), 1)
        assert r.stderr.startswith('targetctl: %s: 2 problems found, nothing changed' % bad)
        assert r.stdout == ''
    assert tree(simdir) == before


def test_targetctl_export_masks_on_stdout_keeps_in_file(simdir, tmp_path):
    clean(targetctl(simdir, 'apply', PEER_FILE), 0)
    out = clean(targetctl(simdir, 'export'), 0).stdout
    assert '"chap_password": "********"' in out
    assert not any(s in out for s in SECRETS)
    assert '"secret1"' in clean(targetctl(simdir, '--show-secrets', 'export', '-'), 0).stdout
    f = tmp_path / 'export.json'
    clean(targetctl(simdir, 'export', str(f)), 0)
    assert '"secret1"' in f.read_text() and (os.stat(f).st_mode & 0o777) == 0o600
    assert clean(targetctl(simdir, 'plan', str(f)), 0).stdout == '0 changes\n'
    masked = tmp_path / 'masked.json'
    masked.write_text(out)
    r = clean(targetctl(simdir, 'apply', str(masked)), 1)
    assert 'a masked secret' in r.stderr and not any(s in r.stderr for s in SECRETS)


def test_targetcli_plan_apply_export(simdir, tmp_path):
    r = clean(cli(simdir, 'plan', PEER_FILE), 3)
    assert r.stdout.splitlines()[-1] == '19 changes'
    clean(cli(simdir, 'apply', PEER_FILE), 0)
    assert clean(cli(simdir, 'plan', PEER_FILE), 0).stdout == '0 changes\n'
    r = clean(cli(simdir, 'plan', PEER_FILE, 'format=json'), 0)
    assert json.loads(r.stdout)['count'] == 0
    for args in (('export',), ('export', '-'), ('saveconfig', '-'),
                 ('saveconfig', '/dev/stdout')):
        out = clean(cli(simdir, *args), 0).stdout
        assert json.loads(out)['targets'][0]['wwn'] in (IQN, 'naa.5001405123456789'), args
        assert not any(s in out for s in SECRETS), args
    assert '"secret1"' in clean(cli(simdir, 'saveconfig', '-', 'show_secrets=true'), 0).stdout
    assert not os.path.exists(os.path.join(ROOT, '-'))     # cli() runs in ROOT
    out = clean(cli(simdir, '/iscsi/%s' % IQN, 'export'), 0).stdout
    doc = json.loads(out)
    assert [t['wwn'] for t in doc['targets']] == [IQN]
    assert sorted(so['name'] for so in doc['storage_objects']) == ['disk1', 'my_disk']
    f = tmp_path / 'ram1.json'
    clean(cli(simdir, '/backstores/ramdisk/ram1', 'export', str(f)), 0)
    assert [so['name'] for so in json.loads(f.read_text())['storage_objects']] == ['ram1']
    assert clean(cli(simdir, 'plan', str(f)), 0).stdout == '0 changes\n'


def test_targetcli_bad_invocations(simdir):
    r = clean(cli(simdir, 'plan'), 1)
    assert 'Give the configuration FILE' in r.stderr
    r = clean(cli(simdir, 'plan', PEER_FILE, 'format=yaml'), 1)
    assert "Invalid format 'yaml'" in r.stderr
    r = clean(cli(simdir, 'apply', '/nonexistent.json'), 1)
    assert 'no saved configuration at /nonexistent.json' in r.stderr


def test_applies_started_at_once_make_each_change_once(simdir):
    """Six processes apply the same file to an empty kernel at the same moment: the
    configuration lock makes them take turns, so one makes the 19 changes and
    the others, planning after it, find nothing to do."""
    import subprocess
    import sys
    from save_helpers import TARGETCTL
    clean(targetctl(simdir, 'export'), 0)       # the simulated kernel exists before the race
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop('LIO_SIMULATE', None)
    procs = [subprocess.Popen([sys.executable, TARGETCTL, '--simulate', str(simdir), 'apply',
                               PEER_FILE], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for _ in range(6)]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    assert [r[0] for r in results] == [0] * 6, results
    assert sorted(r[1].splitlines()[-1] for r in results) == ['0 changes'] * 5 + ['19 changes']
    assert clean(targetctl(simdir, 'plan', PEER_FILE), 0).stdout == '0 changes\n'


def test_saveconfig_dash_on_a_node_prints_that_node(simdir):
    clean(targetctl(simdir, 'apply', PEER_FILE), 0)
    out = clean(cli(simdir, '/backstores/ramdisk/ram1', 'saveconfig', '-'), 0).stdout
    assert [so['name'] for so in json.loads(out)['storage_objects']] == ['ram1']
    out = clean(cli(simdir, '/iscsi/%s' % IQN, 'saveconfig', '-'), 0).stdout
    assert [t['wwn'] for t in json.loads(out)['targets']] == [IQN]
    assert not any(s in out for s in SECRETS)
    assert not os.path.exists(os.path.join(ROOT, '-'))
