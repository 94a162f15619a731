"""Guest-side setup for the library's real-kernel checks (checks_lib.py).

The seed page's script wants /dev/sdb and an RDMA port on 192.168.1.128.
The guest has neither, so it gets them here: /dev/sdb is a block device node
with a loop device's numbers (removed again after the check, so that a later
SCSI disk of that name gets its own node), and 192.168.1.128 sits on one end
of a veth pair carrying a soft-RoCE (rdma_rxe) device.  No traffic leaves the
guest: the VM has no network device to the outside.
"""
import ast
import contextlib
import os
import stat

SEED_IP = '192.168.1.128'
VETH = ('veth-lib0', 'veth-lib1')
RXE = 'rxe-lib0'
SDB = '/dev/sdb'


def rdma_port(ctx):
    """veth pair + soft-RoCE on SEED_IP, once per boot (it stays for later checks)."""
    if os.path.isdir('/sys/class/infiniband/' + RXE):
        return
    for argv in (['ip', 'link', 'add', VETH[0], 'type', 'veth', 'peer', 'name', VETH[1]],
                 ['ip', 'addr', 'add', SEED_IP + '/24', 'dev', VETH[0]],
                 ['ip', 'link', 'set', VETH[0], 'up'],
                 ['ip', 'link', 'set', VETH[1], 'up'],
                 ['modprobe', 'rdma_rxe'],
                 ['rdma', 'link', 'add', RXE, 'type', 'rxe', 'netdev', VETH[0]]):
        ctx.run(argv)


@contextlib.contextmanager
def seed_disk(ctx):
    """/dev/sdb as a node of the loop device ctx.loop_device('blk'); yields the loop path."""
    loop = ctx.loop_device('blk')
    if os.path.lexists(SDB):
        raise RuntimeError('%s exists already in the guest (a SCSI disk of an earlier '
                           'check?); the seed check needs the name for its loop device' % SDB)
    os.mknod(SDB, stat.S_IFBLK | 0o660, os.stat(loop).st_rdev)
    try:
        yield loop
    finally:
        os.unlink(SDB)


def sim_facts(ctx, loop):
    """Host facts for the simulator: the fidelity facts of this guest, plus the seed's
    address with its RDMA device and /dev/sdb (the loop device under another name)."""
    from fidelity.hostfacts import block_device, collect
    from rtslib.simkernel.host import DEFAULT_HOST
    facts = collect(ctx)
    host = facts['sim_host']
    host['ip_addresses'] = host['ip_addresses'] + [SEED_IP]
    host['rdma_addresses'] = [SEED_IP]
    # queue limits the guest's sysfs does not show are those of a loop device
    host['block_devices'] = {SDB: dict(DEFAULT_HOST['block_devices']['/dev/loop0'],
                                       **block_device(loop))}
    host['scsi_devices'] = {}
    return facts


def definitions(ctx, relpath, *names):
    """{name: object} for top-level functions/assignments `names` of a project file,
    run without the rest of the module (test modules import pytest, which the
    guest's Python does not have)."""
    path = os.path.join(ctx.src, relpath)
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    keep = [node for node in tree.body
            if (isinstance(node, ast.FunctionDef) and node.name in names)
            or (isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in names for t in node.targets))]
    missing = set(names) - {getattr(n, 'name', None) for n in keep} - {
        t.id for n in keep if isinstance(n, ast.Assign) for t in n.targets}
    if missing:
        raise RuntimeError('%s defines no %s' % (relpath, ', '.join(sorted(missing))))
    namespace = {'__name__': 'lib_guest_' + os.path.basename(relpath)[:-3]}
    exec(compile(ast.Module(body=keep, type_ignores=[]), path, 'exec'), namespace)
    return {name: namespace[name] for name in names}


@contextlib.contextmanager
def default_fs(fs):
    """Objects made without fs= use `fs` (the seed script and the client pass none)."""
    from rtslib import configfs
    configfs.set_default_fs(fs)
    try:
        yield fs
    finally:
        configfs.set_default_fs(None)
