"""Declarative configuration on the real kernel (issue 17): apply and the OCF agent with a
live open-iscsi session.

- live_session_survives_apply: an initiator writes and reads a LUN continuously
  (tests/vm/live_io.py) while `targetctl apply` adds a LUN (mapped into the
  initiator's own ACL) and an ACL to the same target and changes another target;
  the target's session (LIO Session ID, TSIH) and the initiator's are the same
  before and after, no I/O error, every block reads back as written, and the new
  LUN shows up after a rescan and carries data.
- ocf_agent_cycle: Pacemaker's ocf-tester passes on scripts/ocf/lio-config here,
  then start / monitor / start again (an apply of the unchanged file) with the
  initiator doing I/O, its session unchanged; stop, monitor (not running), start.
"""
import copy
import json
import os
import re
import sys

from e2e_guest import (INITIATOR, TargetCLI, check, expect, iscsi_target, output, run,
                       writable_etc)
from e2e_initiator import Initiator, round_trip
from live_io import LiveIO
from ocf_helpers import (OCF_NOT_RUNNING, OCF_SUCCESS, missing_tools, ocf_tester, run_agent,
                         write_tools)

BASE = 'iqn.2003-01.org.example.apply'
LOCAL = '127.0.0.1'
SECOND = BASE + ':second-initiator'
# the ACL's info: 'LIO Session ID: 1   ISID: 0x40 00 01 37 00 00  TSIH: 1  ...' (%6ph)
SESSION = re.compile(r'LIO Session ID: (\d+)\s+ISID: (.*?)\s+TSIH: (\d+)')
# kernel log lines that mean the session did not simply go on
TROUBLE = re.compile(r'conn error|I/O error|reinstatement|Unable to|blk_update_request|'
                     r'session recovery|timed out', re.I)


def _targetctl(ctx, log, *args):
    res = ctx.run(ctx.python_cmd(os.path.join(ctx.src, 'scripts', 'targetctl'), *args),
                  check=False, ours=True, timeout=900)
    log('$ targetctl %s  -> exit %d' % (' '.join(args), res.returncode))
    for line in output(res).splitlines()[:40]:
        log('    ' + line)
    return res


def _target_session(ctx, iqn, initiator=INITIATOR):
    """(LIO Session ID, ISID, TSIH) the target shows for the initiator's ACL, or None."""
    info = ctx.fs.read('iscsi/%s/tpgt_1/acls/%s/info' % (iqn, initiator))
    m = SESSION.search(info)
    if m is None:
        print('[apply] no session in %s ACL info: %r' % (iqn, info[:300]), flush=True)
    return m.groups() if m else None


def _initiator_sessions():
    """{sysfs session name: state} of the initiator's iSCSI sessions."""
    out = {}
    base = '/sys/class/iscsi_session'
    for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        with open(os.path.join(base, name, 'state')) as f:
            out[name] = f.read().strip()
    return out


def _trouble(ctx):
    return [ln for ln in ctx.kmsg_new() if TROUBLE.search(ln)]


def _fresh(ctx, name, size=64 << 20):
    path = os.path.join(ctx.scratch, name)
    if os.path.exists(path):
        os.unlink(path)
    return path


def _edit(doc, live, other, new_file):
    """The edited file: a fileio LUN added to `live` and mapped into the initiator's ACL,
    a second ACL there; on `other`, an attribute changed and its ACL removed."""
    doc = copy.deepcopy(doc)
    sos = {so['name']: so for so in doc['storage_objects']}
    new = dict(copy.deepcopy(sos['live_d0']), name='live_d1', dev=new_file)
    new.pop('wwn', None)
    doc['storage_objects'].append(new)
    targets = {t['wwn']: t for t in doc['targets']}
    tpg = targets[live]['tpgs'][0]
    lun = dict(copy.deepcopy(tpg['luns'][0]), index=1,
               storage_object='/backstores/fileio/live_d1')
    lun.pop('alias', None)
    tpg['luns'].append(lun)
    acl = next(a for a in tpg['node_acls'] if a['node_wwn'] == INITIATOR)
    mapped = dict(copy.deepcopy(acl['mapped_luns'][0]), index=1, tpg_lun=1)
    mapped.pop('alias', None)
    acl['mapped_luns'].append(mapped)
    second = dict(copy.deepcopy(acl), node_wwn=SECOND)
    second['mapped_luns'] = [m for m in second['mapped_luns'] if m['index'] == 0]
    tpg['node_acls'].append(second)
    tpg2 = targets[other]['tpgs'][0]
    tpg2['attributes']['default_cmdsn_depth'] = 128
    tpg2['node_acls'] = []
    return doc


@check
def live_session_survives_apply(ctx, log):
    tcli, ini = TargetCLI(ctx, log), Initiator(log)
    live, other = BASE + ':live', BASE + ':neighbour'
    tpg, cmds = iscsi_target(live)
    tpg2 = '/iscsi/%s/tpg1' % other
    # the neighbour first, without a portal: once 127.0.0.1:3260 exists no default
    # 0.0.0.0:3260 portal comes with a new target, so iscsi_target() fits only one
    tcli.batch(['/iscsi create %s' % other, '%s/portals delete 0.0.0.0 3260' % tpg2] + cmds + [
        '/backstores/fileio create name=live_d0 file_or_dev=%s size=64M'
        % _fresh(ctx, 'live_d0'),
        '/backstores/ramdisk create name=other_r0 size=16M',
        '%s/luns create /backstores/fileio/live_d0' % tpg,
        '%s/acls create %s' % (tpg, INITIATOR),
        '%s set attribute authentication=0' % tpg,
        '%s/luns create /backstores/ramdisk/other_r0' % tpg2,
        '%s/acls create %s' % (tpg2, BASE + ':someone'),
        '%s set attribute default_cmdsn_depth=64' % tpg2])
    before_file = os.path.join(ctx.scratch, 'apply-before.json')
    tcli('export %s' % before_file)
    with open(before_file) as f:
        doc = json.load(f)
    after_file = os.path.join(ctx.scratch, 'apply-after.json')
    with open(after_file, 'w') as f:
        json.dump(_edit(doc, live, other, ctx.scratch_file('live_d1')), f, indent=2)
    os.chmod(after_file, 0o600)
    try:
        ini.discover(LOCAL)
        ini.login(iqn=live, portal=LOCAL, why='before apply')
        disk = ini.disks(live, 1, timeout=120)[0]
        target_before, initiator_before = _target_session(ctx, live), _initiator_sessions()
        log('SESSION before: target %s, initiator %s' % (target_before, initiator_before))
        _trouble(ctx)

        plan = _targetctl(ctx, log, 'plan', after_file)
        expect(plan.returncode == 3, 'plan exit %d, expected 3 (changes to make)'
               % plan.returncode)
        touched = [ln for ln in plan.stdout.splitlines()
                   if re.search(r'^\s*(delete|create)\b', ln) and 'live_d0' in ln]
        expect(not touched, 'plan deletes or re-creates the LUN in use: %s' % touched)

        io = LiveIO(disk)
        io.start()
        io.wait_for(20)
        done_before = io.done
        res = _targetctl(ctx, log, 'apply', after_file)
        done_during = io.done - done_before
        io.wait_for(io.done + 20)
        summary = io.finish()
        log('IO %s; %d round trips during apply' % (summary, done_during))
        expect(res.returncode == 0, 'apply exit %d: %s' % (res.returncode, output(res)))
        target_after, initiator_after = _target_session(ctx, live), _initiator_sessions()
        log('SESSION after: target %s, initiator %s' % (target_after, initiator_after))
        trouble = _trouble(ctx)
        for line in trouble:
            log('KERNEL ' + line)
        expect(not summary['errors'], 'I/O errors: %s' % summary['errors'])
        expect(summary['mismatches'] == 0 and not summary['blocks_changed_at_end'],
               'data read back differs: %s' % summary)
        expect(done_during > 0, 'no I/O completed while apply ran')
        expect(target_after == target_before and target_before is not None,
               'target session changed: %s -> %s' % (target_before, target_after))
        expect(initiator_after == initiator_before, 'initiator sessions changed: %s -> %s'
               % (initiator_before, initiator_after))
        expect(not trouble, 'kernel log shows trouble: %s' % trouble)

        again = _targetctl(ctx, log, 'diff', after_file)
        expect(again.returncode == 0, 'diff after apply: exit %d, expected 0 (in sync)'
               % again.returncode)
        expect(ctx.fs.read('iscsi/%s/tpgt_1/attrib/default_cmdsn_depth' % other).strip()
               == '128', 'the other target\'s attribute was not changed')
        expect(not ctx.fs.listdir('iscsi/%s/tpgt_1/acls' % other),
               'the other target\'s ACL is still there')
        expect(os.path.isdir('/sys/kernel/config/target/iscsi/%s/tpgt_1/acls/%s' % (live, SECOND)),
               'the second ACL was not created')
        res = run(['iscsiadm', '-m', 'session', '-R'])
        log('$ iscsiadm -m session -R  -> exit %d' % res.returncode)
        new_disk = ini.disks(live, 2, timeout=120)[1]
        sha = round_trip(log, 'fileio lun1 (added by apply)', new_disk)
        ini.logout(live, LOCAL)
    finally:
        ini.logout_all()
    return {'io': summary, 'session': target_after, 'new_lun_sha256': sha}


def _agent_params(ctx, config):
    problem = missing_tools()
    expect(problem is None, problem)
    keep = {k: os.environ[k] for k in ('PYTHONHOME', 'LD_LIBRARY_PATH') if k in os.environ}
    params = write_tools(os.path.join(ctx.scratch, 'ocf-bin'), python=sys.executable,
                         src=ctx.src, env=keep)
    params['config'] = config
    return params


def _agent(ctx, log, action, params, interval=10000, want=None):
    rc, out = run_agent(action, params, env=ctx.host_env, interval=interval)
    log('$ lio-config %s%s  -> %d' % (action, ' (probe)' if interval == 0 else '', rc))
    for line in out.splitlines()[:20]:
        log('    ' + line)
    if want is not None:
        expect(rc == want, 'agent %s returned %d, expected %d:\n%s' % (action, rc, want, out))
    return rc


@check
def ocf_agent_cycle(ctx, log):
    writable_etc()
    tcli, ini = TargetCLI(ctx, log), Initiator(log)
    iqn = BASE + ':ocf'
    tpg, cmds = iscsi_target(iqn)
    config = os.path.join(ctx.scratch, 'ocf-managed.json')
    tcli.batch(cmds + ['/backstores/fileio create name=ocf_d0 file_or_dev=%s size=64M'
                       % _fresh(ctx, 'ocf_d0'),
                       '%s/luns create /backstores/fileio/ocf_d0' % tpg,
                       '%s/acls create %s' % (tpg, INITIATOR),
                       '%s set attribute authentication=0' % tpg,
                       'export %s' % config, 'clearconfig confirm=True'])
    params = _agent_params(ctx, config)
    rc, out = ocf_tester(params, env=ctx.host_env,
                         on_line=lambda line: line.startswith('<') or log('OCF-TESTER ' + line))
    expect(rc == 0 and 'passed all tests' in out, 'ocf-tester failed (exit %d)' % rc)

    _agent(ctx, log, 'monitor', params, interval=0, want=OCF_NOT_RUNNING)
    _agent(ctx, log, 'start', params, want=OCF_SUCCESS)
    try:
        ini.discover(LOCAL)
        ini.login(iqn, LOCAL, why='resource started by the agent')
        disk = ini.disks(iqn, 1, timeout=120)[0]
        before = _target_session(ctx, iqn), _initiator_sessions()
        ctx.kmsg_new()
        io = LiveIO(disk)
        io.start()
        io.wait_for(20)
        _agent(ctx, log, 'monitor', params, want=OCF_SUCCESS)
        _agent(ctx, log, 'monitor', params, interval=0, want=OCF_SUCCESS)
        mark = io.done
        _agent(ctx, log, 'start', params, want=OCF_SUCCESS)     # apply of the unchanged file
        during = io.done - mark
        _agent(ctx, log, 'monitor', params, want=OCF_SUCCESS)
        io.wait_for(io.done + 20)
        summary = io.finish()
        after = _target_session(ctx, iqn), _initiator_sessions()
        trouble = _trouble(ctx)
        log('IO %s; %d round trips during the second start' % (summary, during))
        log('SESSION before %s after %s' % (before, after))
        expect(not summary['errors'] and summary['mismatches'] == 0
               and not summary['blocks_changed_at_end'], 'I/O went wrong: %s' % summary)
        expect(during > 0, 'no I/O completed during the second start')
        expect(before == after and before[0] is not None, 'session changed: %s -> %s'
               % (before, after))
        expect(not trouble, 'kernel log shows trouble: %s' % trouble)
        ini.logout(iqn, LOCAL)
    finally:
        ini.logout_all()
    _agent(ctx, log, 'stop', params, want=OCF_SUCCESS)
    expect(not os.path.isdir('/sys/kernel/config/target/iscsi/' + iqn), 'stop left the target')
    _agent(ctx, log, 'monitor', params, want=OCF_NOT_RUNNING)
    _agent(ctx, log, 'start', params, want=OCF_SUCCESS)
    _agent(ctx, log, 'monitor', params, want=OCF_SUCCESS)
    _agent(ctx, log, 'stop', params, want=OCF_SUCCESS)
    return {'io': summary, 'session': after[0]}


CHECKS = [live_session_survives_apply, ocf_agent_cycle]
GUEST_SETUP = ['modprobe sd_mod']   # no udev in the guest loads it for a new SCSI disk
ORDER = 88      # beside the e2e checks (iscsid started once per boot), before the veth setup
