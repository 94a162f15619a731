"""Real rtslib-fb clients, their code unchanged, driven as their users drive them.

- targetd's block export functions (targetd/block.py and targetd/utils.py of
  open-iscsi/targetd): exports, CHAP, initiator and access-group listings and
  mappings, as targetd's JSON-RPC server calls them.  Its server (main.py) and
  LVM backend (libblockdev through gi) are not what is tested: the backend is
  LVMPool below, which answers as targetd's lvm.py does for volumes
  /dev/<vg>/<lv> (symlinks to loop devices in the VM, simulated disks on the
  simulator), and main.py's only name block.py uses, TargetdError, is the one
  targetd/utils.py defines.
- cinder's `cinder-rtstool` (cinder/cmd/rtstool.py with the cinder package's
  __init__ and i18n, from the cinder sdist): its console script's entry point,
  one process per command as cinder's LIO target helper runs it: verify,
  create, get-targets, add-initiator, delete-initiator, save, delete, restore.

Used by tests/test_clients.py (simulator) and checks_clients.py (real kernel);
expect_* hold the assertions both make on what the workloads return.
"""
import contextlib
import importlib
import io
import json
import os
import sys
import traceback
import types

POOL = 'vg_targetd'
VOLUMES = {   # name -> the LV's uuid (targetd exports it as the unit serial)
    'vol1': '7b1b3c55-0d6f-4f55-9a5e-0c1f1b2f0a01',
    'vol2': '7b1b3c55-0d6f-4f55-9a5e-0c1f1b2f0a02',
    'vol3': '7b1b3c55-0d6f-4f55-9a5e-0c1f1b2f0a03',
}
TARGETD_IQN = 'iqn.2003-01.org.linux-iscsi.liohost:targetd'
HOST1, HOST2 = 'iqn.1994-05.com.example:host1', 'iqn.1994-05.com.example:host2'
HOST3, HOST4 = 'iqn.1994-05.com.example:host3', 'iqn.1994-05.com.example:host4'
VOLUME_IQN = 'iqn.2010-10.org.openstack:volume-5c7c0d3e'
COMPUTE1, COMPUTE2 = 'iqn.1993-08.org.debian:01:compute1', 'iqn.1993-08.org.debian:01:compute2'


def volume_path(vol):
    return f'/dev/{POOL}/{vol}'


# -- what the kernel holds, read with our library -----------------------------

def tree_summary(root):
    """The LIO tree as the clients' users see it: storage objects and iSCSI
    targets down to mapped LUNs (CHAP secrets only as whether they are set)."""
    sos = sorted((so.name, so.plugin, so.udev_path, so.wwn) for so in root.storage_objects)
    targets = {}
    for target in root.targets:
        tpgs = {}
        for tpg in target.tpgs:
            acls = {}
            for acl in tpg.node_acls:
                acls[acl.node_wwn] = {
                    'tag': acl.tag, 'chap_userid': acl.chap_userid,
                    'chap_password_set': bool(acl.chap_password),
                    'chap_mutual_userid': acl.chap_mutual_userid,
                    'mapped_luns': sorted([m.mapped_lun, m.tpg_lun.lun]
                                          for m in acl.mapped_luns)}
            tpgs[str(tpg.tag)] = {
                'enable': bool(tpg.enable),
                'authentication': tpg.get_attribute('authentication'),
                'luns': sorted([lun.lun, lun.storage_object.name] for lun in tpg.luns),
                'portals': sorted(f'{p.ip_address}:{p.port}' for p in tpg.network_portals),
                'acls': acls}
        targets[target.wwn] = tpgs
    return {'storage_objects': [list(s) for s in sos], 'targets': targets}


# -- targetd ------------------------------------------------------------------

class LVMPool(types.ModuleType):
    """A targetd pool backend with the interface and answers of targetd's
    backends/lvm.py for one volume group whose LVs are VOLUMES."""

    def __init__(self):
        super().__init__('lvm_pool')
        self.pools = [POOL]

    def has_pool(self, pool_name):
        return pool_name.split('/')[0] in self.pools

    def split_udev_path(self, udev_path):
        return udev_path.split('/')[2:]

    def has_udev_path(self, udev_path):
        try:
            vg, _lv = self.split_udev_path(udev_path)
        except ValueError:
            return False
        return self.has_pool(vg)

    def pool2dev_name(self, pool):
        return pool.split('/')[0]

    def dev2pool_name(self, dev):
        return dev

    def get_so_name(self, pool, volname):
        return f'{self.pool2dev_name(pool)}:{volname}'

    def so_name2pool_volume(self, so_name):
        vg, vol = so_name.split(':')
        return self.dev2pool_name(vg), vol

    def has_so_name(self, so_name):
        return self.has_pool(so_name.split(':')[0])

    def get_dev_path(self, pool_name, vol_name):
        return f'/dev/{self.pool2dev_name(pool_name)}/{vol_name}'

    def vol_info(self, pool, name):
        return types.SimpleNamespace(uuid=VOLUMES[name], size=64 << 20)


def load_targetd(src):
    """targetd.block from a targetd source tree, its code as it is.

    The package's __init__ (which starts its server module) is not run, and
    targetd.main, the JSON-RPC server, is a module holding the TargetdError
    targetd/utils.py defines; the lvm backend module (libblockdev) is empty:
    block.pool_modules gets LVMPool instead."""
    for name in [m for m in sys.modules if m == 'targetd' or m.startswith('targetd.')]:
        del sys.modules[name]
    package = types.ModuleType('targetd')
    package.__path__ = [os.path.join(src, 'targetd')]
    sys.modules['targetd'] = package
    utils = importlib.import_module('targetd.utils')
    main = types.ModuleType('targetd.main')
    main.TargetdError = utils.TargetdError
    sys.modules['targetd.main'] = main
    sys.modules['targetd.backends.lvm'] = types.ModuleType('targetd.backends.lvm')
    block = importlib.import_module('targetd.block')
    block.pool_modules = {'lvm': LVMPool()}
    block.target_name = TARGETD_IQN
    block.addresses = ['127.0.0.1']
    return block


def targetd_block(src, read_tree):
    """targetd's block calls in the order an LSM client makes them; what each
    returned and the tree after the steps that change it."""
    block = load_targetd(src)
    steps = {}

    def step(name, *call):
        func, args = call[0], call[1:]
        result = func(None, *args)
        steps[name] = {'result': result, 'tree': read_tree()}

    step('export_create vol1 host1', block.export_create, POOL, 'vol1', HOST1, 0)
    step('export_create vol2 host1', block.export_create, POOL, 'vol2', HOST1, 1)
    step('export_create vol1 host2', block.export_create, POOL, 'vol1', HOST2, 3)
    steps['export_list'] = {'result': sorted(
        [e['initiator_wwn'], e['lun'], e['vol_name'], e['pool'], e['vol_uuid']]
        for e in block.export_list(None))}
    step('initiator_set_auth host1', block.initiator_set_auth, HOST1,
         'in_user', 'in_secret_1', 'out_user', 'out_secret_1')
    steps['initiator_list'] = {'result': sorted(i['init_id']
                                                for i in block.initiator_list(None))}
    step('access_group_create ag1 host3', block.access_group_create, 'ag1', HOST3, 'iscsi')
    step('access_group_init_add ag1 host4', block.access_group_init_add, 'ag1', HOST4,
         'iscsi')
    steps['access_group_list'] = {'result': [
        [g['name'], sorted(g['init_ids'])] for g in block.access_group_list(None)]}
    step('access_group_map_create vol3 ag1', block.access_group_map_create, POOL, 'vol3',
         'ag1')
    steps['access_group_map_list'] = {'result': sorted(
        [m['ag_name'], m['h_lun_id'], m['vol_name']] for m in block.access_group_map_list(None))}
    steps['standalone initiators'] = {'result': sorted(
        i['init_id'] for i in block.initiator_list(None, standalone_only=True))}
    step('access_group_map_destroy vol3 ag1', block.access_group_map_destroy, POOL, 'vol3',
         'ag1')
    step('access_group_init_del ag1 host4', block.access_group_init_del, 'ag1', HOST4,
         'iscsi')
    step('access_group_destroy ag1', block.access_group_destroy, 'ag1')
    step('export_destroy vol1 host2', block.export_destroy, POOL, 'vol1', HOST2)
    step('export_destroy vol2 host1', block.export_destroy, POOL, 'vol2', HOST1)
    step('export_destroy vol1 host1', block.export_destroy, POOL, 'vol1', HOST1)
    return steps


def expect_targetd(steps):
    """What targetd's users get, as rtslib-fb gives it (asserts)."""
    tree = steps['export_create vol1 host2']['tree']
    so_names = {s[0]: s for s in tree['storage_objects']}
    assert set(so_names) == {f'{POOL}:vol1', f'{POOL}:vol2'}, tree
    assert so_names[f'{POOL}:vol1'][1:] == ['block', volume_path('vol1'), VOLUMES['vol1']]
    tpg = tree['targets'][TARGETD_IQN]['1']
    assert tpg['enable'] and tpg['authentication'] == '0' and tpg['portals'] == \
        ['127.0.0.1:3260'], tpg
    assert tpg['luns'] == [[0, f'{POOL}:vol1'], [1, f'{POOL}:vol2']], tpg
    assert tpg['acls'][HOST1]['mapped_luns'] == [[0, 0], [1, 1]], tpg
    assert tpg['acls'][HOST2]['mapped_luns'] == [[3, 0]], tpg
    assert steps['export_list']['result'] == [
        [HOST1, 0, 'vol1', POOL, VOLUMES['vol1']], [HOST1, 1, 'vol2', POOL, VOLUMES['vol2']],
        [HOST2, 3, 'vol1', POOL, VOLUMES['vol1']]]
    acl = steps['initiator_set_auth host1']['tree']['targets'][TARGETD_IQN]['1']['acls'][HOST1]
    assert acl['chap_userid'] == 'in_user' and acl['chap_password_set'] and \
        acl['chap_mutual_userid'] == 'out_user', acl
    assert steps['initiator_list']['result'] == [HOST1, HOST2]
    acls = steps['access_group_init_add ag1 host4']['tree']['targets'][TARGETD_IQN]['1']['acls']
    assert acls[HOST3]['tag'] == acls[HOST4]['tag'] == 'ag1', acls
    assert steps['access_group_list']['result'] == [['ag1', [HOST3, HOST4]]]
    mapped = steps['access_group_map_create vol3 ag1']['tree']['targets'][TARGETD_IQN]['1']
    vol3_lun = [lun for lun, so in mapped['luns'] if so == f'{POOL}:vol3']
    assert vol3_lun, mapped
    for host in (HOST3, HOST4):
        assert [m for m in mapped['acls'][host]['mapped_luns'] if m[1] == vol3_lun[0]], mapped
    ag_map = steps['access_group_map_list']['result']
    assert [(a, v) for a, _lun, v in ag_map] == [('ag1', 'vol3')], ag_map
    assert steps['standalone initiators']['result'] == [HOST1, HOST2]
    unmapped = steps['access_group_map_destroy vol3 ag1']['tree']
    assert f'{POOL}:vol3' not in {s[0] for s in unmapped['storage_objects']}, unmapped
    acls = steps['access_group_destroy ag1']['tree']['targets'][TARGETD_IQN]['1']['acls']
    assert set(acls) == {HOST1, HOST2}, acls
    after_one = steps['export_destroy vol1 host2']['tree']['targets'][TARGETD_IQN]['1']
    assert set(after_one['acls']) == {HOST1}, after_one
    assert steps['export_destroy vol1 host1']['tree'] == {'storage_objects': [], 'targets': {}}


# -- cinder-rtstool -------------------------------------------------------------

# what pip's cinder-rtstool console script runs (entry point cinder.cmd.rtstool:main)
RTSTOOL_MAIN = 'import sys; from cinder.cmd.rtstool import main; sys.exit(main())'


def rtstool_argv(python=sys.executable):
    """The command line of cinder-rtstool (cinder's directory on PYTHONPATH)."""
    return [python, '-c', RTSTOOL_MAIN]


def rtstool_in_process(cinder_src):
    """run(args) calling cinder-rtstool's entry point main() in this process, as its
    console script does, output captured (an exception: exit 1 and its traceback).
    For the VM, where each new Python process with eventlet costs ~30 s under TCG."""
    if cinder_src not in sys.path:
        sys.path.insert(0, cinder_src)
    rtstool = importlib.import_module('cinder.cmd.rtstool')

    def run(args):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                rc = rtstool.main(['cinder-rtstool'] + args)
            except SystemExit as e:
                rc = e.code
            except Exception:       # noqa: BLE001 (what the console script would print)
                traceback.print_exc()
                rc = 1
        return rc, out.getvalue()
    return run


def cinder_rtstool(run, device, save_file, read_tree):
    """cinder's LIO helper's commands, one process each; run(args) -> (rc, output)."""
    steps = {}

    def step(label, *args):
        rc, out = run(list(args))
        steps[label] = {'rc': rc, 'output': out, 'tree': read_tree()}

    step('verify', 'verify')
    step('create', 'create', device, VOLUME_IQN, 'cinder_user', 'cinder_secret_1', 'False',
         COMPUTE1, '-a127.0.0.1', '-p3260')
    step('get-targets', 'get-targets')
    step('add-initiator', 'add-initiator', VOLUME_IQN, 'cinder_user2', 'cinder_secret_2',
         COMPUTE2)
    step('delete-initiator', 'delete-initiator', VOLUME_IQN, COMPUTE1)
    step('save', 'save', save_file)
    with open(save_file, encoding='utf-8') as f:
        saved = json.load(f)
    steps['saved'] = {'targets': [t['wwn'] for t in saved.get('targets', [])],
                      'storage_objects': [s['name'] for s in saved.get('storage_objects', [])]}
    step('delete', 'delete', VOLUME_IQN)
    step('restore', 'restore', save_file)
    step('delete again', 'delete', VOLUME_IQN)
    return steps


def expect_cinder_rtstool(steps, device):
    for name, s in steps.items():
        if 'rc' in s:
            assert s['rc'] == 0, f'cinder-rtstool {name}: exit {s["rc"]}: {s["output"]}'
    created = steps['create']['tree']
    assert created['storage_objects'][0][:3] == [VOLUME_IQN, 'block', device], created
    tpg = created['targets'][VOLUME_IQN]['1']
    assert tpg['enable'] and tpg['authentication'] == '1', tpg
    assert tpg['luns'] == [[0, VOLUME_IQN]] and tpg['portals'] == ['127.0.0.1:3260'], tpg
    acl = tpg['acls'][COMPUTE1]
    assert acl['chap_userid'] == 'cinder_user' and acl['chap_password_set'], acl
    assert acl['mapped_luns'] == [[0, 0]], acl
    assert VOLUME_IQN in steps['get-targets']['output'].split()
    acls = steps['add-initiator']['tree']['targets'][VOLUME_IQN]['1']['acls']
    assert acls[COMPUTE2]['mapped_luns'] == [[0, 0]] and \
        acls[COMPUTE2]['chap_userid'] == 'cinder_user2', acls
    acls = steps['delete-initiator']['tree']['targets'][VOLUME_IQN]['1']['acls']
    assert set(acls) == {COMPUTE2}, acls
    assert steps['saved'] == {'targets': [VOLUME_IQN], 'storage_objects': [VOLUME_IQN]}
    empty = {'storage_objects': [], 'targets': {}}
    assert steps['delete']['tree'] == empty and steps['delete again']['tree'] == empty
    restored = steps['restore']['tree']
    assert set(restored['targets'][VOLUME_IQN]['1']['acls']) == {COMPUTE2}, restored
    assert restored['storage_objects'][0][:3] == [VOLUME_IQN, 'block', device], restored
