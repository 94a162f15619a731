"""Facts about the VM guest that the simulator must be told to answer alike.

collect() runs in the guest (real kernel); make_sim() on the host builds a
SimConfigFS describing that same machine through its host description
(rtslib/simkernel/host.py: SimConfigFS.configure_host).
"""
import os
import platform

from fidelity import fabrics


def _sysfs(dev, rel, default=None):
    try:
        with open('/sys/block/%s/%s' % (dev, rel)) as f:
            return f.read().strip()
    except OSError:
        return default


def block_device(path):
    """The simulator's block_devices entry for a real block device."""
    name = os.path.basename(os.path.realpath(path))
    st = os.stat(path)
    size = int(_sysfs(name, 'size', '0')) * 512
    discard = int(_sysfs(name, 'queue/discard_max_bytes', '0') or 0)
    return {'size': size, 'major': os.major(st.st_rdev), 'minor': os.minor(st.st_rdev),
            'name': name, 'hw_max_sectors': int(_sysfs(name, 'queue/max_hw_sectors_kb', '0')) * 2,
            'nonrot': 1 - int(_sysfs(name, 'queue/rotational', '1')), 'discard': discard > 0,
            'hw_block_size': int(_sysfs(name, 'queue/logical_block_size', '512'))}


def collect(ctx):
    """Placeholders for the workloads and the simulator's host description."""
    file1 = ctx.scratch_file('file1')
    loop = ctx.loop_device('blk')
    files = {}
    for name in sorted(os.listdir(ctx.scratch)):
        p = os.path.join(ctx.scratch, name)
        if os.path.isfile(p):
            files[p] = os.path.getsize(p)
    dirs = sorted({'/', '/mnt', ctx.scratch, '/tmp', '/var', '/var/tmp', '/root'}
                  | ({'/etc/target'} if os.path.isdir('/etc/target') else set()))
    devices = fabrics.rdma_devices()
    sim_host = {
        'kernel_release': platform.release(),
        'fabric_modules': loaded_fabrics(),
        'rdma_devices': devices,
        'ip_addresses': ['127.0.0.1', '::1'],
        'rdma_addresses': [], 'cxgbit_addresses': [],
        'dirs': dirs, 'files': files,
        'block_devices': {loop: block_device(loop)},
        'etc_target_exists': os.path.isdir('/etc/target'),
    }
    return {'W': ctx.scratch, 'LOOP': loop, 'FILE1': file1, 'sim_host': sim_host}


# fabric dir -> the module that registers it (tcm_qla2xxx registers two)
KNOWN_FABRICS = dict(fabrics.FABRIC_MODULES, iscsi='iscsi_target_mod', loopback='tcm_loop',
                     qla2xxx_npiv='tcm_qla2xxx')


def loaded_fabrics():
    """{fabric dir: module} for the fabric modules loaded in this guest."""
    return {d: m for d, m in sorted(KNOWN_FABRICS.items())
            if os.path.isdir('/sys/module/' + m.replace('-', '_'))}


def make_sim(simdir, facts):
    """A SimConfigFS in simdir describing the guest the real results came from."""
    from rtslib.simkernel import SimConfigFS
    fs = SimConfigFS(str(simdir))
    wanted = dict(facts.get('sim_host', {}))
    if hasattr(fs, 'configure_host'):
        known = fs.host()
        devs = dict(known.get('block_devices', {}))
        for path, dev in wanted.pop('block_devices', {}).items():
            devs[path] = dict(devs.get(path, {}), **dev)   # keep limits the guest can't show
        fs.configure_host(block_devices=devs,
                          **{k: v for k, v in wanted.items() if k in known})
    return fs


def sim_fabric_loader(fs, facts):
    """run_all's load_fabrics for a simulator: the guest's fabric modules and RDMA
    devices as they were once loaded (facts['fabric_host'], from fabric_facts)."""
    def load():
        fs.configure_host(**facts.get('fabric_host', {}))
        return {}
    return load


def fabric_facts(ctx, facts):
    """Load the other fabrics' modules and srpt's RDMA port in the guest; record them
    in facts (fabric_host for the simulator, placeholders for srpt's names)."""
    loaded, refused = fabrics.setup_guest(ctx)
    devices = fabrics.rdma_devices()
    facts['modules'] = {'loaded': loaded, 'refused': refused}
    facts['fabric_host'] = {'fabric_modules': loaded_fabrics(), 'rdma_devices': devices}
    names = fabrics.srpt_names(devices)
    facts.update(names)
    return names


def placeholders(facts):
    return {k: v for k, v in facts.items() if k.isupper()}
