"""SRP over soft-RoCE on the real kernel (issue 16 item 3): ib_srpt target, ib_srp initiator.

The target port is fidelity's soft-RoCE device (tests/fidelity/fabrics.py:
rdma_rxe on veth-fab0 with a fixed MAC, ib_srpt listening on RDMA/CM port
5000).  The kernel's initiator ib_srp logs in with an add_target line
written by hand (srptools is not needed): id_ext and ioc_guid are the
device's node GUID (srpt's service GUID), dest= the veth address.
"""
import glob
import os
import time

from e2e_guest import TargetCLI, check, expect
from e2e_initiator import round_trip
from fidelity import fabrics
from fidelity.dump import dump_lines

ORDER = 60


def _srp_login(ctx, guid_hex):
    # the kernel's SRP initiator (no srptools needed); no udev in the guest loads sd_mod
    ctx.run(['modprobe', '-a', 'ib_srp', 'sd_mod'])
    hosts = glob.glob('/sys/class/infiniband_srp/srp-%s-*' % fabrics.RXE)
    if not hosts:
        raise RuntimeError('no ib_srp port for %s: %s' % (
            fabrics.RXE, os.listdir('/sys/class/infiniband_srp')))
    line = 'id_ext=%s,ioc_guid=%s,dest=%s:%d' % (guid_hex, guid_hex, fabrics.VETH_IP,
                                                 fabrics.SRPT_RDMA_CM_PORT)
    with open(hosts[0] + '/add_target', 'w') as f:
        f.write(line)
    return line


def _srp_disk(timeout=60):
    """The block device of the first SCSI disk whose vendor is LIO-ORG behind an SRP host."""
    end = time.time() + timeout
    while time.time() < end:
        for dev in glob.glob('/sys/class/scsi_host/host*/proc_name'):
            with open(dev) as f:
                if f.read().strip() != 'ib_srp':
                    continue
            host = os.path.basename(os.path.dirname(dev))
            for blk in glob.glob('/sys/class/scsi_host/%s/device/target*/*/block/*' % host):
                return '/dev/' + os.path.basename(blk)
        time.sleep(1)
    return None


@check
def srp_login_with_our_targetcli(ctx, log):
    """SRP end to end: the target made only with our targetcli, ib_srp logs in over
    soft-RoCE, the LUN is a disk, data written is read back; sessions while logged in."""
    fabrics.setup_guest(ctx)
    dev = fabrics.rdma_devices()[fabrics.RXE]
    guid = dev['node_guid'].replace(':', '')
    target = 'ib.' + dev['ports']['1']['gid'].replace(':', '')
    initiator = 'ib.' + '0' * 16 + guid          # ib_srp: initiator_ext 0 + its port GUID
    path = os.path.join(ctx.scratch, 'srp1')
    if os.path.exists(path):
        os.unlink(path)
    tcli = TargetCLI(ctx, log)
    tcli.batch(['/backstores/fileio create name=srp1 file_or_dev=%s size=32M' % path,
                '/srpt set discovery_auth rdma_cm_port=%d' % fabrics.SRPT_RDMA_CM_PORT,
                '/srpt create %s' % target,
                '/srpt/%s/luns create /backstores/fileio/srp1' % target,
                '/srpt/%s/acls create %s' % (target, initiator)])
    out = {'ls_before': tcli('ls /srpt').stdout, 'initiator': initiator,
           'sessions_before': tcli('sessions detail').stdout}
    line = _srp_login(ctx, guid)
    log('# echo %s > .../add_target' % line)
    disk = _srp_disk(120)
    for line in ctx.kmsg_new():
        if 'srp' in line.lower() or 'scsi' in line.lower():
            log('# kernel: ' + line.split('\n')[0])
    out['acl_tree_logged_in'] = [ln for ln in dump_lines(ctx.fs) if '/acls/' in ln]
    expect(disk is not None, 'no SCSI disk from ib_srp appeared')
    log('SRP LOGIN OK: %s' % disk)
    try:
        out['sha256'] = round_trip(log, 'srp', disk, 4 << 20)
        out['sessions'] = tcli('sessions detail').stdout
        out['ls_logged_in'] = tcli('ls /srpt').stdout
        out['acl_tree'] = [ln for ln in dump_lines(ctx.fs) if '/acls/' in ln]
    finally:
        for rm in glob.glob('/sys/class/srp_remote_ports/*/delete'):
            with open(rm, 'w') as f:
                f.write('1')
        time.sleep(2)
    return out


CHECKS = [srp_login_with_our_targetcli]


def readiness_with_soft_roce(ctx):
    """iser/ info, srpt/ info, status and iser_enable with fidelity's soft-RoCE device:
    rxe-fab0 on veth-fab0 (10.16.0.1); veth-fab1 gets 10.16.0.2 and no RDMA device."""
    from checks_rdma import targetcli
    fabrics.setup_guest(ctx)
    if '10.16.0.2' not in ctx.run(['ip', '-o', 'addr', 'show', 'dev', fabrics.VETH[1]]).stdout:
        ctx.run(['ip', 'addr', 'add', '10.16.0.2/24', 'dev', fabrics.VETH[1]])
    line = '%s port 1: ACTIVE, RoCE, netdev %s, %s' % (fabrics.RXE, fabrics.VETH[0],
                                                        fabrics.VETH_IP)
    info = targetcli(ctx, '/iser', 'info').stdout
    assert line in info and 'rdma_rxe loaded' in info, info
    srpt = targetcli(ctx, '/srpt', 'info').stdout
    assert line in srpt and 'ib_srpt loaded' in srpt, srpt
    iqn = 'iqn.2003-01.org.example.rdma2'
    tpg = '/iscsi/%s/tpg1' % iqn
    targetcli(ctx, '/iscsi', 'create', iqn)
    targetcli(ctx, tpg + '/portals', 'delete', '0.0.0.0', '3260')
    out = {'iser_info': info, 'srpt_info': srpt}
    for address in (fabrics.VETH_IP, '10.16.0.2'):
        targetcli(ctx, tpg + '/portals', 'create', address)
    good = '%s/portals/%s:3260' % (tpg, fabrics.VETH_IP)
    targetcli(ctx, good, 'iser_enable')
    out['status'] = targetcli(ctx, good, 'status').stdout
    assert 'iSER: enabled' in out['status'] and 'ready for iSER' in out['status'], out
    refused = targetcli(ctx, '%s/portals/10.16.0.2:3260' % tpg, 'iser_enable', check=False)
    out['refused'] = refused.stderr
    assert refused.returncode == 1, refused.stdout
    assert 'rdma link add rxe0 type rxe netdev %s' % fabrics.VETH[1] in refused.stderr, out
    return out


CHECKS.append(readiness_with_soft_roce)
