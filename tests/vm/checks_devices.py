"""A block device in use, on the real kernel: a one-shot `targetcli
/backstores/block create` is refused naming the holder (rtslib/holders.py reads
/sys holders, /proc/self/mountinfo and /proc/swaps), and a free device is taken.

Holders made in the guest on loop devices over tmpfs files: an ext2 mount, a
swap area, a device-mapper linear device (dmsetup --noudevsync: no udev here),
and a swap area on the first partition of a loop device with an MBR
(losetup -P), which must keep the whole disk out too.  md is left to the
simulator's tests: Debian's mdadm is not on this host.
"""
import os
import struct
import time

MB = 1 << 20


def _targetcli(ctx, *argv):
    proc = ctx.run(ctx.python_cmd('-m', 'targetcli', *argv), check=False, ours=True)
    return {'rc': proc.returncode, 'out': proc.stdout, 'err': proc.stderr}


def _mbr_disk(ctx, name, size=32 * MB):
    """A file with one Linux partition from sector 2048 to the end, as a loop
    device with its partitions scanned; returns (disk, partition)."""
    path = ctx.scratch_file(name, size)
    sectors = size // 512 - 2048
    entry = struct.pack('<B3sB3sII', 0, b'\0\0\0', 0x83, b'\0\0\0', 2048, sectors)
    with open(path, 'r+b') as f:
        f.seek(446)
        f.write(entry)
        f.seek(510)
        f.write(b'\x55\xaa')
    disk = ctx.run(['losetup', '-f', '-P', '--show', path]).stdout.strip()
    part = disk + 'p1'
    for _ in range(50):                 # devtmpfs makes the node shortly after the scan
        if os.path.exists(part):
            break
        time.sleep(0.1)
    return disk, part


def _try(ctx, name, dev):
    return dict(_targetcli(ctx, '/backstores/block', 'create', name, dev), dev=dev)


def holders_named(ctx):
    """{case: {dev, rc, out, err}} for each kind of holder, and a free device."""
    ctx.run(['modprobe', '-a', 'ext4', 'dm_mod'])
    results, undo = {}, []
    try:
        free = ctx.loop_device('dev_free', 16 * MB)
        results['free'] = _try(ctx, 'free', free)
        _targetcli(ctx, '/backstores/block', 'delete', 'free')

        mounted = ctx.loop_device('dev_mounted', 16 * MB)
        point = os.path.join(ctx.scratch, 'mnt_mounted')
        os.makedirs(point, exist_ok=True)
        ctx.run(['mkfs.ext2', '-q', '-F', mounted])
        ctx.run(['mount', '-t', 'ext2', mounted, point])
        undo.append(['umount', point])
        results['mounted'] = dict(_try(ctx, 'm', mounted), where=point)

        swap = ctx.loop_device('dev_swap', 16 * MB)
        ctx.run(['mkswap', swap])
        ctx.run(['swapon', swap])
        undo.append(['swapoff', swap])
        results['swap'] = _try(ctx, 's', swap)

        mapped = ctx.loop_device('dev_dm', 16 * MB)
        ctx.run(['dmsetup', '--noudevsync', 'create', 'liotest',
                 '--table', '0 %d linear %s 0' % (16 * MB // 512, mapped)])
        undo.append(['dmsetup', '--noudevsync', 'remove', 'liotest'])
        dm_dev = os.path.basename(os.path.realpath('/sys/block/%s/holders/%s' % (
            os.path.basename(mapped), os.listdir('/sys/block/%s/holders'
                                                 % os.path.basename(mapped))[0])))
        results['device_mapper'] = dict(_try(ctx, 'd', mapped), dm=dm_dev)

        disk, part = _mbr_disk(ctx, 'dev_parted')
        undo.append(['losetup', '-d', disk])
        ctx.run(['mkswap', part])
        ctx.run(['swapon', part])
        undo.append(['swapoff', part])
        results['partition'] = dict(_try(ctx, 'p', disk), part=os.path.basename(part))
    finally:
        for argv in reversed(undo):
            ctx.run(argv, check=False)
        ctx.reset()
    return results


CHECKS = [holders_named]
