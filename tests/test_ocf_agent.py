"""The OCF resource agent scripts/ocf/lio-config on the simulated kernel (issue 17, item 5).

Pacemaker's own ocf-tester (Debian's resource-agents) judges the agent; the other
tests check what an administrator relies on: monitor tells running / not running /
failed apart, stop deletes only what the file declares, validate-all refuses a bad file.
"""
import json
import os

import pytest

from cli_helpers import batch, cfs, ok
from ocf_helpers import (OCF_ERR_CONFIGURED, OCF_ERR_GENERIC, OCF_ERR_INSTALLED,
                         OCF_NOT_RUNNING, OCF_SUCCESS, missing_tools, ocf_tester, run_agent,
                         write_tools)

IQN = 'iqn.2003-01.org.example.ocf:disks'
OTHER = 'iqn.2003-01.org.example.ocf:other'
INITIATOR = 'iqn.2003-01.org.example.ocf:node1'
TPG = '/iscsi/%s/tpg1' % IQN


def _file_config(simdir, path):
    """The managed file: two ramdisks behind one iSCSI target with a portal, an ACL
    with CHAP mapping both LUNs, and a loopback target; made with targetcli, saved,
    then cleared again."""
    res = batch(simdir, [
        '/backstores/ramdisk create name=ocf_r0 size=1M',
        '/backstores/ramdisk create name=ocf_r1 size=2M',
        '/iscsi create %s' % IQN,
        '%s/luns create /backstores/ramdisk/ocf_r0' % TPG,
        '%s/luns create /backstores/ramdisk/ocf_r1' % TPG,
        '%s/acls create %s' % (TPG, INITIATOR),
        '%s/acls/%s set auth userid=ocf-user password=Ocf-Secret-1' % (TPG, INITIATOR),
        '/loopback create naa.5001405000000abc',
        'saveconfig %s' % path,
        'clearconfig confirm=True'])
    assert res.returncode == 0, res.stdout + res.stderr
    return path


def _unrelated(simdir):
    """Objects the file does not declare: the agent must never touch them."""
    res = batch(simdir, ['/backstores/ramdisk create name=keep_r size=1M',
                         '/iscsi create %s' % OTHER,
                         '/iscsi/%s/tpg1/luns create /backstores/ramdisk/keep_r' % OTHER])
    assert res.returncode == 0, res.stdout + res.stderr


def _exists(simdir, *parts):
    return os.path.isdir(cfs(simdir, *parts))


def _has_ramdisk(simdir, name):
    core = cfs(simdir, 'core')
    return any(os.path.isdir(os.path.join(core, hba, name)) for hba in os.listdir(core))


@pytest.fixture
def agent(tmp_path, simdir):
    """Agent parameters for a managed file on the simulator (nothing applied yet)."""
    problem = missing_tools()
    if problem:
        pytest.fail(problem)
    params = write_tools(str(tmp_path / 'bin'))
    params.update(config=_file_config(simdir, str(tmp_path / 'managed.json')),
                  simulate=str(simdir))
    return params


def test_ocf_tester_passes_and_stop_leaves_other_objects(agent, simdir):
    _unrelated(simdir)
    rc, out = ocf_tester(agent)
    print(out)
    assert rc == 0, out
    assert 'passed all tests' in out
    # ocf-tester ends stopped: the file's objects are gone, the others are not
    assert not _exists(simdir, 'iscsi', IQN) and not _has_ramdisk(simdir, 'ocf_r0')
    assert _exists(simdir, 'iscsi', OTHER, 'tpgt_1', 'lun', 'lun_0')
    assert _has_ramdisk(simdir, 'keep_r')


def test_monitor_tells_running_not_running_and_failed(agent, simdir):
    assert run_agent('monitor', agent, interval=0)[0] == OCF_NOT_RUNNING     # probe
    assert run_agent('monitor', agent)[0] == OCF_NOT_RUNNING
    rc, out = run_agent('start', agent)
    assert rc == OCF_SUCCESS, out
    assert _exists(simdir, 'iscsi', IQN, 'tpgt_1', 'acls', INITIATOR, 'lun_1')
    assert run_agent('monitor', agent)[0] == OCF_SUCCESS

    ok(simdir, TPG, 'set', 'attribute', 'default_cmdsn_depth=99')      # drift
    rc, out = run_agent('monitor', agent)
    assert rc == OCF_ERR_GENERIC, out
    assert 'differs' in out and 'default_cmdsn_depth' in out
    assert run_agent('start', agent)[0] == OCF_SUCCESS                   # converges again
    assert run_agent('monitor', agent)[0] == OCF_SUCCESS

    ok(simdir, '/iscsi', 'delete', IQN)             # only some of the file's objects left
    assert run_agent('monitor', agent)[0] == OCF_ERR_GENERIC
    rc, out = run_agent('stop', agent)
    assert rc == OCF_SUCCESS, out
    assert not _has_ramdisk(simdir, 'ocf_r0') and not _exists(simdir, 'loopback',
                                                               'naa.5001405000000abc')
    assert run_agent('monitor', agent)[0] == OCF_NOT_RUNNING
    assert run_agent('stop', agent)[0] == OCF_SUCCESS                    # stop twice


def test_validate_all_refuses_bad_files_and_settings(agent, tmp_path):
    assert run_agent('validate-all', agent)[0] == OCF_SUCCESS
    with open(agent['config']) as f:
        doc = json.load(f)
    doc['targets'][0]['tpgs'][0]['luns'][0]['storage_object'] = '/backstores/ramdisk/nowhere'
    broken = tmp_path / 'broken.json'
    broken.write_text(json.dumps(doc))
    rc, out = run_agent('validate-all', dict(agent, config=str(broken)))
    assert rc == OCF_ERR_CONFIGURED, out
    assert 'nowhere' in out
    rc, out = run_agent('start', dict(agent, config=str(broken)))
    assert rc != OCF_SUCCESS, out

    rc, out = run_agent('validate-all', dict(agent, config=''))
    assert rc == OCF_ERR_CONFIGURED and 'config parameter is required' in out
    missing = dict(agent, config=str(tmp_path / 'absent.json'))
    rc, out = run_agent('validate-all', missing)
    assert rc == OCF_ERR_INSTALLED and 'absent.json' in out
    assert run_agent('monitor', missing, interval=0)[0] == OCF_NOT_RUNNING   # probe elsewhere
    rc, out = run_agent('start', dict(agent, targetctl='/nonexistent/targetctl'))
    assert rc == OCF_ERR_INSTALLED and '/nonexistent/targetctl' in out


def test_secrets_stay_out_of_the_agents_output(agent, simdir):
    outputs = [run_agent(a, agent)[1] for a in ('validate-all', 'monitor', 'start')]
    ok(simdir, '%s/acls/%s' % (TPG, INITIATOR), 'set', 'auth', 'password=Changed-Secret-2')
    outputs += [run_agent(a, agent)[1] for a in ('monitor', 'start', 'monitor', 'stop')]
    text = '\n'.join(outputs)
    assert 'Ocf-Secret-1' not in text and 'Changed-Secret-2' not in text
