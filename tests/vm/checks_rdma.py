"""RDMA readiness on the real kernel (issue 16 item 4), before any RDMA device exists.

Runs first (ORDER 5): the guest has no RDMA device yet (fidelity and the
iSER checks make soft-RoCE devices later).  `iser/ info` must say there is
none and how to make one; iser_enable on an address of a plain veth must be
refused before the kernel is asked, naming the command that fixes it.  The
same with a soft-RoCE device is srp.readiness_with_soft_roce (after fidelity).
"""
import os

ORDER = 5
IQN = 'iqn.2003-01.org.example.rdma'
VETH = ('veth-rdy0', 'veth-rdy1')
ADDRESS = '10.18.0.1'


def targetcli(ctx, *args, check=True):
    res = ctx.run(ctx.python_cmd('-m', 'targetcli', *args), ours=True, check=False)
    if check and res.returncode != 0:
        raise AssertionError('targetcli %s: exit %d: %s' % (' '.join(args), res.returncode,
                                                           res.stderr))
    return res


def readiness_without_rdma(ctx):
    if os.path.isdir('/sys/class/infiniband') and os.listdir('/sys/class/infiniband'):
        raise AssertionError('an RDMA device exists already: %s'
                             % os.listdir('/sys/class/infiniband'))
    if not os.path.isdir('/sys/class/net/' + VETH[0]):
        for argv in (['ip', 'link', 'add', VETH[0], 'type', 'veth', 'peer', 'name', VETH[1]],
                     ['ip', 'addr', 'add', ADDRESS + '/24', 'dev', VETH[0]],
                     ['ip', 'link', 'set', VETH[0], 'up']):
            ctx.run(argv)
    info = targetcli(ctx, '/iser', 'info').stdout
    assert 'RDMA devices:\n  none' in info, info
    assert 'rdma link add rxe0 type rxe netdev IFACE' in info, info
    tpg = '/iscsi/%s/tpg1' % IQN
    targetcli(ctx, '/iscsi', 'create', IQN)
    targetcli(ctx, tpg + '/portals', 'create', ADDRESS)
    portal = '%s/portals/%s:3260' % (tpg, ADDRESS)
    refused = targetcli(ctx, portal, 'iser_enable', check=False)
    assert refused.returncode == 1, refused.stdout
    assert 'this host has no RDMA device' in refused.stderr, refused.stderr
    assert 'rdma link add rxe0 type rxe netdev %s' % VETH[0] in refused.stderr, refused.stderr
    with open('/sys/kernel/config/target/iscsi/%s/tpgt_1/np/%s:3260/iser' % (IQN, ADDRESS)) as f:
        assert f.read().strip() == '0'
    status = targetcli(ctx, portal, 'status').stdout
    # leave no iscsi dir, and never clear discovery auth (clearconfig and the harness's
    # reset write NULL to it): it is module-global, and fidelity expects it fresh
    targetcli(ctx, '/iscsi', 'delete', IQN)
    ctx.fs.rmdir('iscsi')
    return {'info': info, 'iser_enable': refused.stderr, 'status': status}


CHECKS = [readiness_without_rdma]
