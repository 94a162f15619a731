"""Real rtslib-fb clients, unchanged, on the real kernel (client_workloads.py):
targetd's block export functions in this process, cinder-rtstool as one
entry point call per command.  Their code comes from the host's cache
(tests/client_sources.py), read over the guest's view of the host; the host
side (tests/test_vm_clients.py) makes the same assertions as on the simulator.
"""
import json
import os
import sys

import client_sources
import client_workloads as cw
from e2e_guest import writable_etc

ORDER = 87    # beside lib and cli; no network devices needed
# what cinder's rtstool imports, from the host's site-packages
GUEST_PACKAGES = ['eventlet', 'greenlet', 'dns', 'oslo_i18n']


def _cache(ctx):
    """The host's client cache: beside the run dirs of the harness's work dir."""
    return client_sources.cache_dir(os.path.dirname(ctx.work))


def _read_tree():
    import rtslib
    return cw.tree_summary(rtslib.RTSRoot())


def targetd_block(ctx):
    """targetd's block calls; its volumes are /dev/vg_targetd/* links to loop devices."""
    src = client_sources.targetd(_cache(ctx))
    writable_etc()                          # targetd saves to /etc/target after each call
    os.makedirs(f'/dev/{cw.POOL}', exist_ok=True)
    for vol in cw.VOLUMES:
        if not os.path.lexists(cw.volume_path(vol)):
            os.symlink(ctx.loop_device('targetd_' + vol), cw.volume_path(vol))
    return cw.targetd_block(src, _read_tree)


def cinder_rtstool(ctx):
    """cinder-rtstool's commands on a loop device, each a call of its entry point
    in this process (tests/test_clients.py runs each as its own process)."""
    src = client_sources.cinder(_cache(ctx))
    device = ctx.loop_device('cinder_volume')
    save = os.path.join(ctx.scratch, 'cinder-save.json')
    run = cw.rtstool_in_process(src)
    return {'device': device, 'steps': cw.cinder_rtstool(run, device, save, _read_tree)}


# Debian's rtslib-fb from the guest tmpfs (imports over 9p are slow); as checks_lib's
GUEST_TREES = ['/usr/lib/python3/dist-packages', '/usr/lib/python3.11']

PEER_RUN = """
import json, sys
sys.path.append(sys.argv[3])    # eventlet, oslo_i18n: after Debian's own packages
import rtslib_fb
import client_workloads as cw
assert rtslib_fb.__file__.startswith('/usr/lib/python3/dist-packages/'), rtslib_fb.__file__
run = cw.rtstool_in_process(sys.argv[1])
steps = cw.cinder_rtstool(run, sys.argv[2], sys.argv[4],
                          lambda: cw.tree_summary(rtslib_fb.RTSRoot()))
print('STEPS ' + json.dumps(steps))
"""


def cinder_rtstool_on_debians_rtslib_fb(ctx):
    """The same commands with Debian's python3 and rtslib-fb 2.1.75 (one process of
    it): the trees the host compares with ours."""
    src = client_sources.cinder(_cache(ctx))
    device = ctx.loop_device('cinder_volume')
    save = os.path.join(ctx.scratch, 'cinder-save-peer.json')
    writable_etc()
    site = next(p for p in sys.path if p.endswith('site-packages'))
    env = dict(ctx.host_env, PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    res = ctx.run(['/usr/bin/python3', '-c', PEER_RUN, src, device, site, save],
                  env=env, timeout=1200)
    line = next(ln for ln in res.stdout.splitlines() if ln.startswith('STEPS '))
    return {'device': device, 'steps': json.loads(line[len('STEPS '):])}


CHECKS = [targetd_block, cinder_rtstool, cinder_rtstool_on_debians_rtslib_fb]
