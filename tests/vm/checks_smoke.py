"""Smoke checks: the guest is the kernel we expect, with LIO loaded and usable."""
import os
import platform

# first: these describe the guest as booted, before other checks add veth/rxe devices
ORDER = 0


def kernel_and_modules(ctx):
    """LIO is loaded, configfs is mounted, the target root is empty."""
    with open('/proc/modules') as f:
        loaded = sorted(line.split()[0] for line in f)
    needed = ['target_core_mod', 'target_core_file', 'target_core_iblock', 'iscsi_target_mod',
              'tcm_loop', 'target_core_user', 'target_core_pscsi', 'loop']
    missing = [m for m in needed if m not in loaded]
    assert not missing, 'modules not loaded: %s' % missing
    assert ctx.fs.listdir('') == ['core', 'dbroot', 'version'], ctx.fs.listdir('')
    return {'release': platform.release(), 'version': ctx.fs.read('version'),
            'hostname': platform.node(), 'lio_modules': [m for m in loaded if m in needed]}


def network_is_loopback_only(ctx):
    """Booted with no network device but lo: the guest cannot reach outside, and
    the fidelity facts about portals assume only lo until a check adds its own."""
    ifaces = sorted(os.listdir('/sys/class/net'))
    assert ifaces == ['lo'], ifaces
    return ifaces


def loop_device_works(ctx):
    """losetup in the guest gives a block device (iblock checks need one)."""
    dev = ctx.loop_device()
    assert os.path.exists(dev), dev
    return dev


CHECKS = [kernel_and_modules, network_is_loopback_only, loop_device_works]
