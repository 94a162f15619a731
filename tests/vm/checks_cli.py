"""targetcli on the real kernel: the README's walkthrough (the seed page's iSER
example) as one-shot commands, each one a `python3 -m targetcli ...` process as
a user types it.  Every exit status and output is recorded, and the tree the
walkthrough leaves is dumped; test_vm_cli.py runs the same commands on the
simulator (told this guest's facts) and compares the trees.

/dev/sdb is the loop device under the seed's name (lib_guest.seed_disk).
iSER goes on 127.0.0.1: the kernel's isert listens on the loopback address
without an RDMA device.  /etc is overlaid with a tmpfs (e2e_guest.writable_etc)
so that `saveconfig` can write its default file.
"""
import json
import os
import re
import shlex

# after lib (it uses /dev/sdb too), before e2e/peer
ORDER = 86

INITIATOR = 'iqn.1991-05.com.microsoft:ibm-t410s'
TPG = '/iscsi/{iqn}/tpgt1'
# README.md "Walkthrough"; {iqn} is what `/iscsi create` generated
WALKTHROUGH = [
    '/backstores/iblock create name=my_disk dev=/dev/sdb',
    '/iscsi create',
    TPG + '/luns/ create /backstores/iblock/my_disk',
    TPG + '/portals/ create 127.0.0.1',
    TPG + '/portals/127.0.0.1:3260 iser_enable',
    TPG + ' set attribute authentication=0 demo_mode_write_protect=0 generate_node_acls=1'
          ' cache_dynamic_acls=1',
    TPG + '/acls/ create ' + INITIATOR,
    TPG + '/acls/' + INITIATOR + ' set auth userid=' + INITIATOR + ' password=mytargetsecret',
    '/iscsi set discovery_auth enable=1 userid=mytargetuid password=mytargetsecret',
    'ls',
    'saveconfig',
]
SAVE_FILE = '/etc/target/saveconfig.json'


def mask_secret(text):
    return re.sub(r'(password=)\S+', r'\1<secret>', text)


def run_walkthrough(run, list_iscsi):
    """[{cmd, rc, out}] of the walkthrough; run(argv) -> (rc, out) runs one one-shot
    targetcli, list_iscsi() lists the iscsi dir (the README's `ls .../iscsi`)."""
    steps, iqn = [], None
    for line in WALKTHROUGH:
        if '{iqn}' in line:
            if not iqn:
                raise RuntimeError('no target IQN after `/iscsi create`: %s' % steps)
            line = line.format(iqn=iqn)
        rc, out = run(shlex.split(line))
        steps.append({'cmd': mask_secret(line), 'rc': rc, 'out': out})
        if line == '/iscsi create':
            iqn = next((d for d in list_iscsi() if d.startswith('iqn.')), None)
    return steps


_GENERATED = [
    ('target_wwn', re.compile(r'^/iscsi/(iqn\.[^/ ]+)/$')),
    ('unit_serial', re.compile(r'/wwn/vpd_unit_serial \d+ T10 VPD Unit Serial Number: '
                               r'(\S+?)\\n$')),
    ('lun_alias', re.compile(r'^/iscsi/[^/]+/tpgt_1/lun/lun_0/([^/ ]+) -> ')),
    ('mapped_lun_alias', re.compile(r'/acls/[^/]+/lun_0/([^/ ]+) -> ')),
]


def generated(lines):
    """{name: value} of what the walkthrough generated at random, read from a tree dump."""
    out = {}
    for name, pattern in _GENERATED:
        for line in lines:
            m = pattern.search(line)
            if m:
                out[name] = m.group(1)
                break
    return out


def walkthrough(ctx):
    """The walkthrough's one-shots on the real kernel; their results and the tree."""
    from e2e_guest import writable_etc
    from fidelity.dump import dump_lines
    from lib_compare import mask_tree
    from lib_guest import SEED_IP, RXE, seed_disk, sim_facts
    writable_etc()
    if os.path.exists(SAVE_FILE):
        os.unlink(SAVE_FILE)

    def run(argv):
        proc = ctx.run(ctx.python_cmd('-m', 'targetcli', *argv), check=False, ours=True)
        return proc.returncode, mask_secret(proc.stdout + proc.stderr)
    try:
        with seed_disk(ctx) as loop:
            steps = run_walkthrough(run, lambda: ctx.fs.listdir('iscsi'))
            tree = mask_tree(dump_lines(ctx.fs))
            facts = sim_facts(ctx, loop)
        saved = _saved()
    finally:
        ctx.reset()                       # also puts discovery auth back (fidelity/clear.py)
        if os.path.exists(SAVE_FILE):
            os.unlink(SAVE_FILE)
    if not os.path.isdir('/sys/class/infiniband/' + RXE):
        # sim_facts adds the seed's RDMA address; this boot has none (lib did not run)
        host = facts['sim_host']
        host['ip_addresses'] = [a for a in host['ip_addresses'] if a != SEED_IP]
        host['rdma_addresses'] = []
    return {'steps': steps, 'tree': tree, 'generated': generated(tree), 'facts': facts,
            'saved': saved}


def _saved():
    """What `saveconfig` wrote: file mode and the portals (secrets never leave the guest)."""
    if not os.path.isfile(SAVE_FILE):
        return None
    with open(SAVE_FILE) as f:
        text = f.read()
    doc = json.loads(text)
    return {'mode': oct(os.stat(SAVE_FILE).st_mode & 0o777),
            'portals': [[p['ip_address'], p['port'], p['iser']] for t in doc['targets']
                        for tpg in t['tpgs'] for p in tpg['portals']],
            'discovery_auth': [[fm['name'], fm.get('discovery_enable_auth'),
                                fm.get('discovery_userid')]
                               for fm in doc.get('fabric_modules', [])]}


CHECKS = [walkthrough]
