"""The object library on the real kernel (issue 3, "Done when").

- seed_script: the seed page's RTSlib script (tests/test_lib_seed.py's
  SEED_SCRIPT, only its import line changed) on the real configfs; its tree
  dump is compared with the simulator's on the host (test_vm_lib.py).
- rtslib_fb_client: tests/test_lib_client.py's client written for rtslib_fb
  (block backstore, target, TPG, portal with iSER, LUN, ACL with CHAP) runs,
  reads back, and deletes everything again; its tree dump is compared too.
- rtslib_fb_reads_our_tree: a configuration with every kind of object, built
  with our rtslib; Debian's rtslib-fb (its own /usr/bin/python3) dumps it in
  one process; both dump() documents go to the host for comparison.  Then
  rtslib-fb restores our dump into the emptied kernel and ours reads it back.

Secrets are hashed (lib_compare.mask_*) before results leave the guest.
"""
import glob
import gzip
import json
import os
import time

from fidelity.dump import dump_lines
from lib_compare import mask_doc, mask_tree
from lib_guest import SEED_IP, default_fs, definitions, rdma_port, seed_disk, sim_facts

# After smoke (its network_is_loopback_only wants a guest with only lo: the
# veth pair and soft-RoCE device made here stay for the rest of the boot),
# before e2e/peer (they make their own, under other names).
ORDER = 85
# Debian's python3 and rtslib-fb from the guest tmpfs: imports over 9p are slow
GUEST_TREES = ['/usr/lib/python3/dist-packages', '/usr/lib/python3.11']


def seed_script(ctx):
    """The seed's script on the real kernel; the tree it leaves, and how it got there."""
    rdma_port(ctx)
    with seed_disk(ctx) as loop, default_fs(ctx.fs):
        ns = definitions(ctx, 'tests/test_lib_seed.py', 'SEED_SCRIPT', 'run_seed')
        seed = ns['run_seed']()
        generated = {'unit_serial': seed['so'].wwn, 'mapped_lun_alias': seed['mapped_lun'].alias}
        tree = mask_tree(dump_lines(ctx.fs))
        facts = sim_facts(ctx, loop)
    return {'tree': tree, 'generated': generated, 'facts': facts,
            'iser': ctx.fs.read('iscsi/%s/tpgt_1/np/%s:5060/iser'
                                % (seed['target'].wwn, SEED_IP)).strip()}


def rtslib_fb_client(ctx):
    """The rtslib_fb client on the real kernel: what it reads back, the tree, the delete."""
    rdma_port(ctx)
    with seed_disk(ctx) as loop, default_fs(ctx.fs):
        client = definitions(ctx, 'tests/test_lib_client.py', 'rtslib_fb_client')
        root, so, target, tpg, portal, lun, acl, mlun = client['rtslib_fb_client']()
        generated = {'target_wwn': target.wwn, 'unit_serial': so.wwn, 'lun_alias': lun.alias,
                     'mapped_lun_alias': mlun.alias}
        tree = mask_tree(dump_lines(ctx.fs))
        read_back = {
            'target_wwn': target.wwn, 'so_status': so.status, 'so_udev_path': so.udev_path,
            'iser': portal.iser, 'offload': portal.offload, 'tpg_enable': tpg.enable,
            'chap_userid': acl.chap_userid, 'chap_mutual_userid': acl.chap_mutual_userid,
            'chap_passwords_read_back': (acl.chap_password, acl.chap_mutual_password)
            == ('secret1', 'secret2'),
            'mapped_lun_is_lun': mlun.tpg_lun == lun, 'lun_so_is_so': lun.storage_object == so,
            'targets': [t.wwn for t in root.targets],
            'node_acls': [n.node_wwn for n in root.node_acls]}
        target.delete()
        so.delete()
        after = {'targets': [t.wwn for t in root.targets],
                 'storage_objects': [s.name for s in root.storage_objects],
                 'core': ctx.fs.listdir('core'),
                 'iscsi': [d for d in ctx.fs.listdir('iscsi') if ctx.fs.isdir('iscsi/' + d)]}
        facts = sim_facts(ctx, loop)
    return {'tree': tree, 'generated': generated, 'facts': facts, 'read_back': read_back,
            'after_delete': after}


# -- rtslib-fb reads our tree ---------------------------------------------------

PEER_DUMP = 'import rtslib_fb, json; print(json.dumps(rtslib_fb.RTSRoot().dump()))'
INITIATOR1 = 'iqn.1994-05.com.example:client1'
INITIATOR2 = 'iqn.1994-05.com.example:client2'


def _scsi_disk(address, timeout=30):
    """/dev/sdX of LUN 0 on SCSI host:channel:target `address` (the loopback TPG's)."""
    end = time.time() + timeout
    while time.time() < end:
        blocks = glob.glob('/sys/class/scsi_device/%s:0/device/block/*' % address)
        if blocks and os.path.exists('/dev/' + os.path.basename(blocks[0])):
            return '/dev/' + os.path.basename(blocks[0])
        time.sleep(0.3)
    raise RuntimeError('no SCSI disk appeared for the loopback LUN at %s:0' % address)


def _backstores(ctx, made):
    from rtslib import (ALUATargetPortGroup, BlockStorageObject, FileIOStorageObject,
                        RDMCPStorageObject, UserBackedStorageObject)
    path = os.path.join(ctx.scratch, 'lib_file')
    if os.path.exists(path):
        os.unlink(path)
    made['fileio'] = FileIOStorageObject('lib_file', path, 32 << 20, write_back=False,
                                         fs=ctx.fs)
    made['fileio'].set_attribute('emulate_tpu', '1')
    made['block'] = BlockStorageObject('lib_block', ctx.loop_device('blk'), fs=ctx.fs)
    made['ramdisk'] = RDMCPStorageObject('lib_ram', 16 << 20, fs=ctx.fs)
    made['nullio'] = RDMCPStorageObject('lib_null', 8 << 20, nullio=True, fs=ctx.fs)
    made['user'] = UserBackedStorageObject('lib_user', config='file/%s/lib_user' % ctx.scratch,
                                           size=1 << 20, fs=ctx.fs)
    made['alua'] = ALUATargetPortGroup(made['fileio'], 'lib_tgpt', tag=7, fs=ctx.fs)


def _loopback_and_pscsi(ctx, made):
    """A loopback target (its TPG gets a nexus at once) exporting the ramdisk; its SCSI
    disk under pscsi."""
    from rtslib import LUN, TPG, FabricModule, PSCSIStorageObject, Target
    ctx.run(['modprobe', 'sd_mod'])     # no udev in the guest loads it for the new disk
    tpg = TPG(Target(FabricModule('loopback', fs=ctx.fs), 'naa.5001405abcdef042', fs=ctx.fs),
              1, fs=ctx.fs)
    LUN(tpg, 0, made['ramdisk'], fs=ctx.fs)
    disk = _scsi_disk(ctx.fs.read(tpg.cfs_path + '/address').strip())
    made['pscsi'] = PSCSIStorageObject('lib_pt', disk, fs=ctx.fs)
    return disk


def _iscsi(ctx, made):
    from rtslib import LUN, TPG, FabricModule, MappedLUN, NetworkPortal, NodeACL, Target
    iscsi = FabricModule('iscsi', fs=ctx.fs)
    tpg = TPG(Target(iscsi, 'iqn.2003-01.org.example.lib:acls', fs=ctx.fs), 1, fs=ctx.fs)
    NetworkPortal(tpg, '127.0.0.1', 3260, fs=ctx.fs)
    NetworkPortal(tpg, SEED_IP, 3261, fs=ctx.fs).iser = True
    luns = [LUN(tpg, n, made[kind], fs=ctx.fs)
            for n, kind in enumerate(('fileio', 'block', 'ramdisk'))]
    luns[0].alua_tg_pt_gp_name = 'lib_tgpt'
    acl1 = NodeACL(tpg, INITIATOR1, fs=ctx.fs)
    acl1.chap_userid, acl1.chap_password = 'lib-user1', 'Lib-Secret-1'
    acl1.chap_mutual_userid, acl1.chap_mutual_password = 'lib-target1', 'Lib-Secret-2'
    MappedLUN(acl1, 0, luns[0], fs=ctx.fs)
    MappedLUN(acl1, 1, luns[1], write_protect=True, fs=ctx.fs)
    acl2 = NodeACL(tpg, INITIATOR2, fs=ctx.fs)
    acl2.chap_userid, acl2.chap_password = 'lib-user2', 'Lib-Secret-3'
    acl2.tag = 'lib_group'
    acl2.set_attribute('dataout_timeout', '5')
    MappedLUN(acl2, 5, luns[2], write_protect=True, fs=ctx.fs)
    tpg.set_attribute('authentication', '1')
    tpg.set_parameter('MaxRecvDataSegmentLength', '65536')
    tpg.enable = True
    demo = TPG(Target(iscsi, 'iqn.2003-01.org.example.lib:demo', fs=ctx.fs), 1, fs=ctx.fs)
    NetworkPortal(demo, '0.0.0.0', 3262, fs=ctx.fs)
    LUN(demo, 0, made['user'], fs=ctx.fs)
    LUN(demo, 1, made['pscsi'], fs=ctx.fs)
    LUN(demo, 2, made['nullio'], fs=ctx.fs)
    for name, value in (('authentication', '0'), ('generate_node_acls', '1'),
                        ('demo_mode_write_protect', '0'), ('cache_dynamic_acls', '1')):
        demo.set_attribute(name, value)
    demo.enable = True
    TPG(demo.parent_target, 2, fs=ctx.fs)          # a second, empty and disabled TPG
    iscsi.discovery_userid, iscsi.discovery_password = 'lib-disc', 'Lib-Secret-4'
    iscsi.discovery_mutual_userid = 'lib-disc-target'
    iscsi.discovery_mutual_password = 'Lib-Secret-5'
    iscsi.discovery_enable_auth = True


def _teardown(ctx, made):
    """pscsi first: its SCSI disk is the loopback LUN's, which goes with the tree clear."""
    from fidelity.clear import clear_tree
    from rtslib import RTSRoot
    for target in RTSRoot(fs=ctx.fs).targets:
        if target.fabric_module.name == 'iscsi':
            target.delete()
    if 'pscsi' in made:
        made['pscsi'].delete()
    clear_tree(ctx.fs)


def rtslib_fb_reads_our_tree(ctx):
    """Every kind of object built with our rtslib; rtslib-fb's dump() and ours.
    Then the other way: rtslib-fb restores our dump into the emptied kernel and our
    rtslib dumps what it wrote ('restore' in the result)."""
    from rtslib import RTSRoot
    rdma_port(ctx)
    made = {}
    try:
        _backstores(ctx, made)
        disk = _loopback_and_pscsi(ctx, made)
        _iscsi(ctx, made)
        ours = RTSRoot(fs=ctx.fs).dump()
        t0 = time.time()
        proc = ctx.run(['/usr/bin/python3', '-c', PEER_DUMP])
        seconds = round(time.time() - t0, 1)
        theirs = json.loads(proc.stdout)
        tree = mask_tree(dump_lines(ctx.fs))
    finally:
        _teardown(ctx, made)
    return {'ours': mask_doc(ours), 'theirs': mask_doc(theirs), 'peer_seconds': seconds,
            'peer_stderr': proc.stderr[-2000:], 'pscsi_disk': disk, 'tree_lines': len(tree),
            'peer_version': _peer_version(ctx), 'restore': _peer_restores(ctx, ours)}


PEER_RESTORE = ('import rtslib_fb, json, sys; '
                'print(json.dumps(rtslib_fb.RTSRoot().restore(json.load(sys.stdin))))')


def without_pscsi(doc):
    """The dump without pass-through objects and the LUNs on them: a restore makes
    storage objects before targets, so the loopback disk under it is not there yet."""
    doc = json.loads(json.dumps(doc))
    gone = {'/backstores/pscsi/' + so['name'] for so in doc['storage_objects']
            if so['plugin'] == 'pscsi'}
    doc['storage_objects'] = [so for so in doc['storage_objects'] if so['plugin'] != 'pscsi']
    for target in doc['targets']:
        for tpg in target['tpgs']:
            tpg['luns'] = [lun for lun in tpg['luns'] if lun['storage_object'] not in gone]
    return doc


def _peer_restores(ctx, ours):
    """rtslib-fb restore() of our dump on an empty kernel; our dump of the result."""
    from rtslib import RTSRoot
    doc = without_pscsi(ours)
    try:
        proc = ctx.run(['/usr/bin/python3', '-c', PEER_RESTORE], input=json.dumps(doc))
        errors = json.loads(proc.stdout)
        after = RTSRoot(fs=ctx.fs).dump()
    except Exception as e:  # noqa: BLE001 - the read direction's result stands alone
        return {'failed': '%s: %s' % (type(e).__name__, e)}
    finally:
        _teardown(ctx, {})
    return {'restored': mask_doc(doc), 'read_back': mask_doc(after), 'errors': errors,
            'peer_stderr': proc.stderr[-2000:]}


def _peer_version(ctx):
    for path in glob.glob('/usr/share/doc/python3-rtslib-fb/changelog.Debian.gz'):
        with gzip.open(path, 'rt') as f:
            return f.readline().strip()
    return None


CHECKS = [seed_script, rtslib_fb_client, rtslib_fb_reads_our_tree]
