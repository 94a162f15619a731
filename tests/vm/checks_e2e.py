"""End to end on the real kernel (issue 6, points 1-5).

Everything on the target side is configured with our one-shot targetcli
(`python3 -m targetcli PATH COMMAND ARGS`, as a user types it); the proof is
a real initiator in the same guest: open-iscsi over TCP and over iSER on
soft-RoCE, and the tcm_loop SCSI disk.  Each check returns its log
(LOGIN OK / LOGIN REJECTED / CHECKSUM lines) so the test log shows them.

The harness clears the configfs tree before each check; each check logs its
initiator out at the end so that the clear is never refused.

What was found in this guest (Debian 6.1 kernel, TCG, no network device):
- open-iscsi works with /etc/iscsi writable (e2e_guest overlays /etc) and
  `iscsid` started once (it daemonizes; /run is a writable tmpfs).
- iSER: `ip link add ... type veth`, `modprobe rdma_rxe`, `rdma link add
  NAME type rxe netdev VETH`; writing np/IP:PORT/iser=1 loads ib_isert; the
  initiator uses open-iscsi's built-in iface `iser` (no `-o new` needed).
  iser=1 on an address whose interface has no RDMA device: ENODEV (kernel log
  "isert_setup_id: rdma_bind_addr() failed: -19"); on an address on no
  interface: EADDRNOTAVAIL (-99); on 127.0.0.1 it is accepted.
- Demo mode: generate_node_acls=1 makes the kernel set cache_dynamic_acls=1;
  a dynamic ACL cached that way keeps admitting its initiator after
  generate_node_acls=0 (even after cache_dynamic_acls=0 once it has logged
  out; a TPG disable/enable drops it).  Turned off together with the cache
  while the initiator is still logged in, it is dropped at logout.
- rtslib-fb (peer) rejects IQNs without a dot after the date part
  (iqn.2026-01.test:x): names here are iqn.2003-01.org.example.*.
- A tcm_loop LUN shows up at once as SCSI H:0:1:L, H from the TPG's `address`.
"""
import glob
import os
import re
import shlex
import sys
import time

from e2e_guest import (INITIATOR, VETH_PEER, VETH_TARGET, TargetCLI, check, expect,
                       iscsi_target, leftovers, output, run, soft_roce, tree_diff, whole_tree,
                       writable_etc)
from e2e_initiator import (Initiator, disk_bytes, read_sha, round_trip, scsi_disks,
                           write_random)

BASE = 'iqn.2003-01.org.example.e2e'
LOCAL = '127.0.0.1'


def _fresh(ctx, name, size=64 << 20):
    """A path in the scratch tmpfs that does not exist yet (targetcli creates the file)."""
    path = os.path.join(ctx.scratch, name)
    if os.path.exists(path):
        os.unlink(path)
    return path


def _exported_fileio(ctx, tpg, name):
    """Commands: a 64 MiB fileio storage object exported as the TPG's next LUN."""
    return ['/backstores/fileio create name=%s file_or_dev=%s size=64M'
            % (name, _fresh(ctx, name)),
            '%s/luns create /backstores/fileio/%s' % (tpg, name)]


def _sessions_show(tcli, log, initiator, transport):
    """`sessions detail` lists the logged-in initiator with its connection (issue 16)."""
    text = output(tcli('sessions detail'))
    for line in text.splitlines():
        log('SESSIONS ' + line)
    expect('session-state: LOGGED_IN' in text and 'name: %s' % initiator in text,
           'sessions detail does not show %s logged in:\n%s' % (initiator, text))
    expect(not transport or '(%s)' % transport in text.lower(),
           'no %s connection in:\n%s' % (transport, text))


@check
def tcp_fileio_block_ramdisk(ctx, log):
    """fileio, block (loop device) and ramdisk LUNs behind one target: discover, log in,
    16 MiB O_DIRECT write + read back on each disk."""
    tcli, ini = TargetCLI(ctx, log), Initiator(log)
    iqn = BASE + ':tcp'
    loop = ctx.loop_device('e2e_blk')
    tpg, cmds = iscsi_target(iqn)
    kinds = [('fileio/e2e_file', 64 << 20), ('block/e2e_block', 64 << 20),
             ('ramdisk/e2e_ram', 32 << 20)]
    tcli.batch(['/backstores/fileio create name=e2e_file file_or_dev=%s size=64M'
                % _fresh(ctx, 'e2e_file'),
                '/backstores/block create name=e2e_block dev=%s' % loop,
                '/backstores/ramdisk create name=e2e_ram size=32M'] + cmds
               + ['%s/luns create /backstores/%s' % (tpg, so) for so, _ in kinds]
               + ['%s/acls create %s' % (tpg, INITIATOR),
                  '%s set attribute authentication=0' % tpg])
    try:
        found = ini.discover(LOCAL)
        expect(iqn in [t for _, t in found], 'sendtargets did not list %s: %s' % (iqn, found))
        ini.login(iqn, LOCAL)
        disks = ini.disks(iqn, 3)
        _sessions_show(tcli, log, INITIATOR, 'tcp')
        shas = {}
        for lun, (so, size) in enumerate(kinds):
            got = disk_bytes(disks[lun])
            log('DISK lun%d %s %s: %d bytes (asked for %d)' % (lun, so, disks[lun], got, size))
            expect(got == size, 'lun%d (%s) has %d bytes, not %d' % (lun, so, got, size))
            shas[so] = round_trip(log, '%s lun%d' % (so.split('/')[0], lun), disks[lun])
        ini.logout(iqn, LOCAL)
    finally:
        ini.logout_all()
    return {'disks': len(disks), 'sha256': shas}


@check
def chap_acl_and_mutual(ctx, log):
    """ACL CHAP: right secret in, wrong secret and no secret out; mutual CHAP: the
    initiator accepts the target's right secret and refuses a wrong one."""
    tcli, ini = TargetCLI(ctx, log), Initiator(log)
    iqn = BASE + ':chap'
    tpg, cmds = iscsi_target(iqn)
    acl = '%s/acls/%s' % (tpg, INITIATOR)
    tcli.batch(cmds + _exported_fileio(ctx, tpg, 'e2e_chap')
               + ['%s/acls create %s' % (tpg, INITIATOR),
                  '%s set auth userid=e2e-alice password=Alice-Secret-1' % acl,
                  '%s set attribute authentication=1' % tpg])
    try:
        ini.discover(LOCAL)
        ini.chap(iqn, LOCAL)
        ini.login(iqn, LOCAL, expect_ok=False, why='no CHAP credentials')
        ini.chap(iqn, LOCAL, user='e2e-alice', secret='Wrong-Secret-9')
        ini.login(iqn, LOCAL, expect_ok=False, why='wrong CHAP secret')
        ini.chap(iqn, LOCAL, user='e2e-mallory', secret='Alice-Secret-1')
        ini.login(iqn, LOCAL, expect_ok=False, why='wrong CHAP user')
        ini.chap(iqn, LOCAL, user='e2e-alice', secret='Alice-Secret-1')
        ini.login(iqn, LOCAL, why='right CHAP secret')
        round_trip(log, 'fileio lun0 (CHAP session)', ini.disks(iqn, 1)[0])
        ini.logout(iqn, LOCAL)

        tcli('%s set auth mutual_userid=e2e-target mutual_password=Target-Secret-2' % acl)
        ini.chap(iqn, LOCAL, user='e2e-alice', secret='Alice-Secret-1',
                 user_in='e2e-target', secret_in='Wrong-Mutual-3')
        ini.login(iqn, LOCAL, expect_ok=False, why='wrong mutual CHAP secret')
        ini.chap(iqn, LOCAL, user='e2e-alice', secret='Alice-Secret-1',
                 user_in='e2e-target', secret_in='Target-Secret-2')
        ini.login(iqn, LOCAL, why='mutual CHAP, right secrets')
        ini.disks(iqn, 1)
        ini.logout(iqn, LOCAL)
    finally:
        ini.logout_all()


@check
def discovery_auth(ctx, log):
    """Discovery CHAP enforced: sendtargets fails without or with wrong credentials,
    works with the right ones; switched off, it is open again."""
    tcli, ini = TargetCLI(ctx, log), Initiator(log)
    iqn = BASE + ':discovery'
    tpg, cmds = iscsi_target(iqn)
    tcli.batch(cmds + _exported_fileio(ctx, tpg, 'e2e_disc')
               + ['%s/acls create %s' % (tpg, INITIATOR),
                  '%s set attribute authentication=0' % tpg,
                  '/iscsi set discovery_auth enable=1 userid=e2e-disc password=Disc-Secret-4'])
    try:
        ini.discover(LOCAL, expect_ok=False)
        ini.discover(LOCAL, chap=('e2e-disc', 'Wrong-Disc-55'), expect_ok=False)
        found = ini.discover(LOCAL, chap=('e2e-disc', 'Disc-Secret-4'))
        expect(iqn in [t for _, t in found], 'sendtargets did not list %s: %s' % (iqn, found))
        ini.login(iqn, LOCAL, why='target found through authenticated discovery')
        ini.disks(iqn, 1)
        ini.logout(iqn, LOCAL)
        tcli('/iscsi set discovery_auth enable=0')
        ini.discover(LOCAL)
    finally:
        ini.logout_all()


@check
def demo_mode(ctx, log):
    """generate_node_acls=1, authentication=0 lets an initiator with no ACL in; turned
    off, a new initiator is kept out, and so is the first one once it logged out."""
    tcli, ini = TargetCLI(ctx, log), Initiator(log)
    iqn = BASE + ':demo'
    tpg, cmds = iscsi_target(iqn)
    tcli.batch(cmds + _exported_fileio(ctx, tpg, 'e2e_demo')
               + ['%s set attribute authentication=0 demo_mode_write_protect=0 '
                  'generate_node_acls=1 cache_dynamic_acls=1' % tpg])
    stranger = ini.iface('e2e-stranger', BASE + ':stranger')
    latecomer = ini.iface('e2e-latecomer', BASE + ':latecomer')
    try:
        ini.discover(LOCAL, ifaces=(stranger, latecomer))
        ini.login(iqn, LOCAL, iface=stranger, why='demo mode on, initiator has no ACL')
        round_trip(log, 'fileio lun0 (demo mode)', ini.disks(iqn, 1)[0])
        # The kernel keeps a dynamic ACL while cache_dynamic_acls=1 (which
        # generate_node_acls=1 forces on): a cached initiator would stay
        # admitted, so demo mode is turned off together with the cache.
        tcli('%s set attribute generate_node_acls=0 cache_dynamic_acls=0' % tpg)
        ini.login(iqn, LOCAL, iface=latecomer, expect_ok=False,
                  why='demo mode off, initiator has no ACL')
        ini.logout(iqn, LOCAL, iface=stranger)
        ini.login(iqn, LOCAL, iface=stranger, expect_ok=False,
                  why='demo mode off, earlier demo-mode initiator')
    finally:
        ini.logout_all()


@check
def iser_soft_roce(ctx, log):
    """iSER over rdma_rxe on a veth pair: iser_enable, ls shows it, iscsiadm -I iser login
    and the data check."""
    for line in soft_roce():
        log(line)
    tcli, ini = TargetCLI(ctx, log), Initiator(log)
    iqn = BASE + ':iser'
    addr = VETH_TARGET[1]
    tpg, cmds = iscsi_target(iqn, portal_ip=addr)
    portal = '%s/portals/%s:3260' % (tpg, addr)
    tcli.batch(cmds + _exported_fileio(ctx, tpg, 'e2e_iser')
               + ['%s/acls create %s' % (tpg, INITIATOR),
                  '%s set attribute authentication=0' % tpg,
                  '%s iser_enable' % portal])
    listing = output(tcli('%s/portals ls' % tpg))
    expect(re.search(r'%s:3260 \.+ \[OK, iser enabled\]' % re.escape(addr), listing),
           'portal listing does not show "[OK, iser enabled]":\n' + listing)
    log('LS %s' % [ln.strip() for ln in listing.splitlines() if addr in ln][0])
    try:
        found = ini.discover(addr, ifaces=('iser',))
        expect(iqn in [t for _, t in found], 'iSER discovery did not list %s' % iqn)
        ini.login(iqn, addr, iface='iser', why='iSER over soft-RoCE')
        transport = ini.session_transport(iqn)
        log('SESSION %s transport %s' % (iqn, transport))
        expect(transport == 'iser', 'session transport is %r, not iser' % transport)
        # the kernel's ACL info names any transport but TCP "SCTP" (iSER included)
        _sessions_show(tcli, log, INITIATOR, None)
        round_trip(log, 'fileio lun0 (iSER)', ini.disks(iqn, 1)[0])
        ini.logout(iqn, addr, iface='iser')
    finally:
        ini.logout_all()


_RAW_ERRNO = re.compile(r'\[Errno \d+\]|^\s*(No such device|Cannot assign requested address)'
                        r'\s*$|Traceback', re.M)


@check
def iser_without_rdma_device(ctx, log):
    """iser_enable on an address whose interface has no RDMA device: a clear one-line
    message saying so (not a raw errno), non-zero exit, portal left as it was."""
    for line in soft_roce():
        log(line)
    tcli = TargetCLI(ctx, log)
    iqn = BASE + ':noiser'
    addr = VETH_PEER[1]
    tpg, cmds = iscsi_target(iqn, portal_ip=addr)
    tcli.batch(cmds)
    res = tcli('%s/portals/%s:3260 iser_enable' % (tpg, addr), ok=False)
    text = output(res)
    log('MESSAGE (no RDMA device on %s): %s' % (VETH_PEER[0], text))
    expect(not _RAW_ERRNO.search(text), 'raw errno or traceback shown: %r' % text)
    expect(re.search(r'rdma', text, re.I), 'message does not say RDMA is what is missing: %r'
           % text)
    expect(addr in text, 'message does not name the address %s: %r' % (addr, text))
    iser = ctx.fs.read('iscsi/%s/tpgt_1/np/%s:3260/iser' % (iqn, addr)).strip()
    expect(iser == '0', 'iser bit is %r after the failed enable' % iser)
    return {'message': text}


@check
def loopback_scsi_disk(ctx, log):
    """A LUN on the loopback fabric appears as a local SCSI disk; data round-trips."""
    tcli = TargetCLI(ctx, log)
    wwn = 'naa.5001405e2e00c0de'
    tcli.batch(['/backstores/fileio create name=e2e_loop file_or_dev=%s size=64M'
                % _fresh(ctx, 'e2e_loop'),
                '/loopback create %s' % wwn,
                '/loopback/%s/luns create /backstores/fileio/e2e_loop' % wwn])
    address = ctx.fs.read('loopback/%s/tpgt_1/address' % wwn).strip()
    end = time.time() + 20
    while True:
        disks = scsi_disks([os.path.realpath(p) for p in
                            glob.glob('/sys/class/scsi_device/%s:*/device' % address)])
        if disks or time.time() > end:
            break
        time.sleep(0.3)
    expect(0 in disks, 'no SCSI disk at %s:0 for the loopback LUN' % address)
    log('LOOPBACK %s lun0 is SCSI %s:0 %s' % (wwn, address, disks[0]))
    sha = round_trip(log, 'fileio lun0 (loopback)', disks[0])
    return {'address': address, 'sha256': sha}


def unit_commands(unit_file, keys=('ExecStartPre', 'ExecStart')):
    """The start commands of a systemd unit, in order: [(argv, failure_ignored)]."""
    cmds = []
    with open(unit_file) as f:
        for line in f:
            key, eq, value = line.strip().partition('=')
            if eq and key in keys:
                cmds.append((keys.index(key), shlex.split(value.lstrip('-')),
                             value.startswith('-')))
    return [(argv, ignored) for _, argv, ignored in sorted(cmds, key=lambda c: c[0])]


def _service_restore(ctx, log):
    """Run what scripts/target.service runs at boot (ExecStartPre, ExecStart), with
    targetctl and python3 found on PATH as on an installed system: targetctl is the
    project's script, python3 the guest's fast tmpfs Python."""
    unit = os.path.join(ctx.src, 'scripts', 'target.service')
    bindir = os.path.join(ctx.scratch, 'e2e-bin')
    os.makedirs(bindir, exist_ok=True)
    for name, target in (('targetctl', os.path.join(ctx.src, 'scripts', 'targetctl')),
                         ('python3', sys.executable)):
        if not os.path.lexists(os.path.join(bindir, name)):
            os.symlink(target, os.path.join(bindir, name))
    env = dict(os.environ, PATH=bindir + ':/usr/sbin:/usr/bin:/sbin:/bin')
    for argv, ignored in unit_commands(unit):
        res = run(argv, env=env)
        log('$ %s  -> exit %d (target.service)%s %s'
            % (' '.join(argv), res.returncode,
               ' (the unit ignores this failure)' if ignored and res.returncode else '',
               output(res)))
        expect(res.returncode == 0 or ignored, '%s failed: %s' % (' '.join(argv), output(res)))


@check
def persistence(ctx, log):
    """saveconfig, clearconfig, targetctl restore (as the service runs it): the same
    tree comes back and the initiator reads the data it wrote before."""
    writable_etc()
    tcli, ini = TargetCLI(ctx, log), Initiator(log)
    iqn = BASE + ':persist'
    loop = ctx.loop_device('e2e_persist_blk')
    tpg, cmds = iscsi_target(iqn)
    acl = '%s/acls/%s' % (tpg, INITIATOR)
    tcli.batch(cmds + _exported_fileio(ctx, tpg, 'e2e_persist')
               + ['/backstores/block create name=e2e_persist_blk dev=%s' % loop,
                  '%s/luns create /backstores/block/e2e_persist_blk' % tpg,
                  '%s/acls create %s' % (tpg, INITIATOR),
                  '%s set auth userid=e2e-persist password=Persist-Secret-6' % acl,
                  '%s set attribute authentication=1' % tpg])
    save_file = '/etc/target/saveconfig.json'
    if os.path.exists(save_file):
        os.unlink(save_file)
    try:
        ini.discover(LOCAL)
        ini.chap(iqn, LOCAL, user='e2e-persist', secret='Persist-Secret-6')
        ini.login(iqn, LOCAL, why='before saveconfig')
        disks = ini.disks(iqn, 2)
        written = {}
        for lun, label in ((0, 'fileio'), (1, 'block')):
            written[lun] = write_random(disks[lun])
            log('WROTE %s lun%d %s sha256=%s' % (label, lun, disks[lun], written[lun]))
        ini.logout(iqn, LOCAL)
        before = whole_tree(ctx.fs)

        tcli('saveconfig')      # one-shots: a batch would save the cleared tree on exit
        tcli('clearconfig confirm=True')
        expect(os.path.isfile(save_file), 'saveconfig wrote no %s' % save_file)
        mode = os.stat(save_file).st_mode & 0o777
        log('SAVED %s mode %o, %d bytes' % (save_file, mode, os.path.getsize(save_file)))
        left = leftovers(ctx.fs)
        expect(not left, 'clearconfig left objects in configfs: %s' % left)
        log('CLEARED configfs holds no target and no storage object')

        _service_restore(ctx, log)
        diff = tree_diff(before, whole_tree(ctx.fs))
        log('TREE after restore %s tree before saveconfig (%d entries)%s'
            % ('!=' if diff else '==', len(before), ':' if diff else ''))
        for line in diff:
            log('    ' + line)
        expect(not diff, 'restored tree differs from the saved one:\n' + '\n'.join(diff))

        ini.login(iqn, LOCAL, why='after targetctl restore, same CHAP secret')
        disks = ini.disks(iqn, 2)
        for lun, label in ((0, 'fileio'), (1, 'block')):
            got = read_sha(disks[lun])
            log('CHECKSUM after restore %s lun%d %s sha256=%s %s'
                % (label, lun, disks[lun], got,
                   'same as written before saveconfig' if got == written[lun] else 'DIFFERENT'))
            expect(got == written[lun], '%s data changed across save/clear/restore' % label)
        ini.logout(iqn, LOCAL)
    finally:
        ini.logout_all()
    return {'save_mode': oct(mode)}


# Last: the veth pair and soft-RoCE device made here stay for the rest of the
# boot (checks of other modules assume a guest with only lo).
ORDER = 90
CHECKS = [tcp_fileio_block_ramdisk, chap_acl_and_mutual, discovery_auth, demo_mode,
          iser_soft_roce, iser_without_rdma_device, loopback_scsi_disk, persistence]
