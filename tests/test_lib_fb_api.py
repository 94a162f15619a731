"""Every public name of rtslib-fb 2.1.75's modules exists in ours, under rtslib_fb,
with a signature that takes every call rtslib-fb's takes.

rtslib-fb's API is data (tests/data/rtslib_fb-2.1.75-api.json, made by
tests/fb_api.py from the PyPI sdist); the deliberate differences are the
table in README ("rtslib-fb compatibility"), and each is listed here with
the README line that must say it.
"""
import importlib
import inspect
import json
import os

from conftest import ROOT
from fb_api import MODULES, _member, _params, constructor_params

API_FILE = os.path.join(ROOT, 'tests', 'data', 'rtslib_fb-2.1.75-api.json')

# (module, name[.member]) -> a phrase README's differences table must contain;
# (None, member): that member of every class
DIFFERENCES = {
    (None, 'setup'): 'setup(',
    ('target', 'Group'): 'Group(',
    ('fabric', 'IbmvscsisFabricModule'): 'IbmvscsisFabricModule',
    ('tcm', 'lock_file'): 'lock_file',
    ('tcm', 'bs_cache'): 'bs_cache',
    ('root', 'bs_cache'): 'bs_cache',
}


def api():
    with open(API_FILE, encoding='utf-8') as f:
        return json.load(f)


POSITIONAL = ('POSITIONAL_ONLY', 'POSITIONAL_OR_KEYWORD')


def call_problems(theirs, ours):
    """Why a call that rtslib-fb's signature takes would fail on ours ([] if none)."""
    if theirs is None or ours is None:
        return []
    kinds = {p[1] for p in ours}
    if {'VAR_POSITIONAL', 'VAR_KEYWORD'} <= kinds:
        return []
    problems = []
    our_pos = [p for p in ours if p[1] in POSITIONAL]
    by_name = {p[0]: p for p in ours}
    their_pos = [p for p in theirs if p[1] in POSITIONAL]
    for i, (name, _kind, default) in enumerate(their_pos):
        if i >= len(our_pos):
            if 'VAR_POSITIONAL' not in kinds:
                problems.append(f'no positional parameter {i + 1} ({name})')
            continue
        if our_pos[i][0] != name:
            problems.append(f'parameter {i + 1} is {our_pos[i][0]!r}, rtslib-fb: {name!r}')
        elif default and not our_pos[i][2]:
            problems.append(f'{name} has no default')
    for name, kind, default in theirs:
        if kind == 'KEYWORD_ONLY' and name not in by_name and 'VAR_KEYWORD' not in kinds:
            problems.append(f'no keyword {name}')
        if kind in ('VAR_POSITIONAL', 'VAR_KEYWORD') and kind not in kinds:
            problems.append(f'no {kind}')
    for name, kind, default in ours:
        extra = kind in POSITIONAL + ('KEYWORD_ONLY',) and \
            name not in {p[0] for p in theirs}
        if extra and not default:
            problems.append(f'extra required parameter {name}')
    return problems


def member_problems(cls, name, theirs, instances=None):
    """Problems of our cls.name against rtslib-fb's member; a name that is not
    on the class may be an instance attribute of ours (an object of the class
    made on the simulator, when there is one in instances)."""
    try:
        ours = _member(cls, name)
    except AttributeError:
        obj = (instances or {}).get(cls.__name__)
        if obj is not None and hasattr(obj, name):
            return [] if theirs['kind'] in ('property', 'attribute') else \
                [f"an instance attribute, rtslib-fb: a {theirs['kind']}"]
        return ['missing']
    if theirs['kind'] == 'property' and ours['kind'] not in ('property', 'attribute'):
        return [f"a {ours['kind']}, rtslib-fb: a property"]
    if theirs['kind'] in ('method', 'classmethod', 'staticmethod'):
        if ours['kind'] not in ('method', 'classmethod', 'staticmethod'):
            return [f"a {ours['kind']}, rtslib-fb: a {theirs['kind']}"]
        if theirs['kind'] != 'method' and ours['kind'] == 'method':
            return [f"an instance method, rtslib-fb: a {theirs['kind']}"]
        return call_problems(theirs['params'], ours['params'])
    return []


def entry_problems(module, name, theirs, instances=None):
    """Problems of rtslib_fb.<module>.<name> against rtslib-fb's entry."""
    try:
        obj = getattr(module, name)
    except AttributeError:
        return [(name, 'missing')]
    if theirs['kind'] == 'class':
        if not inspect.isclass(obj):
            return [(name, 'not a class')]
        if 'members' not in theirs:
            return []
        out = [(name, p) for p in call_problems(theirs['params'], constructor_params(obj))]
        for member, entry in sorted(theirs['members'].items()):
            out += [(f'{name}.{member}', p)
                    for p in member_problems(obj, member, entry, instances)]
        return out
    if theirs['kind'] == 'function':
        if not callable(obj):
            return [(name, 'not callable')]
        return [(name, p) for p in call_problems(theirs.get('params'), _params(obj))]
    return []


def all_problems(instances=None):
    problems = []
    for mod in MODULES:
        module = importlib.import_module(f'rtslib_fb.{mod}' if mod else 'rtslib_fb')
        for name, entry in sorted(api()[mod or '__init__'].items()):
            for what, problem in entry_problems(module, name, entry, instances):
                if (mod, what) not in DIFFERENCES and (None, what.partition('.')[2]) \
                        not in DIFFERENCES:
                    problems.append(f'rtslib_fb.{mod or "__init__"}.{what}: {problem}')
    return problems


def one_of_each(simdir):
    """{class name: object} of the kinds a client makes, made through rtslib_fb."""
    import rtslib_fb as fb
    blk = fb.BlockStorageObject('blk', dev='/dev/sdb')
    tpg = fb.TPG(fb.Target(fb.FabricModule('iscsi'), 'iqn.2003-01.org.example:api'), 1)
    lun = fb.LUN(tpg, storage_object=blk)
    acl = fb.NodeACL(tpg, 'iqn.1994-05.com.example:client')
    objs = [blk, tpg, tpg.parent_target, lun, acl, fb.MappedLUN(acl, 0, lun),
            fb.NetworkPortal(tpg, '127.0.0.1', 3260), fb.RTSRoot(),
            fb.FileIOStorageObject('file', '/mnt/w/file1', size=1048576),
            fb.RDMCPStorageObject('ram', size=1048576), fb.NodeACLGroup(tpg, 'group')]
    return {type(o).__name__: o for o in objs}


def test_every_rtslib_fb_name_exists_with_a_compatible_signature(simdir):
    problems = all_problems(one_of_each(simdir))
    assert not problems, f'{len(problems)} incompatibilities:\n' + '\n'.join(problems)


def test_the_data_is_rtslib_fb_2_1_75s_whole_layout():
    data = api()
    assert sorted(data) == sorted(m or '__init__' for m in MODULES)
    assert len(data['utils']) >= 20 and 'RTSLibError' in data['utils']
    assert {'Target', 'TPG', 'LUN', 'NodeACL', 'MappedLUN'} <= set(data['target'])


def test_every_deliberate_difference_is_in_readme_and_still_differs():
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as f:
        readme = f.read()
    data = api()
    for (mod, what), phrase in DIFFERENCES.items():
        assert phrase in readme, f'README does not list the difference {mod}.{what}'
        if mod is None:
            continue
        module = importlib.import_module(f'rtslib_fb.{mod}')
        name, _, member = what.partition('.')
        entry = data[mod][name]
        if member:
            entry = entry['members'][member]
            found = member_problems(getattr(module, name), member, entry)
        else:
            found = entry_problems(module, name, entry)
        assert found, f'{mod}.{what} is compatible now: drop it from DIFFERENCES and README'


def test_rtslib_fb_clients_import_paths_give_our_objects(simdir):
    import rtslib
    import rtslib_fb
    from rtslib_fb.utils import RTSLibError
    assert rtslib_fb.root.RTSRoot is rtslib.RTSRoot          # cinder: after `import rtslib_fb`
    assert RTSLibError is rtslib.RTSLibError and rtslib.utils.RTSLibError is RTSLibError
    assert rtslib_fb.fabric.ISCSIFabricModule() == rtslib_fb.FabricModule('iscsi')


def test_utils_answer_from_the_simulated_kernel_and_host(simdir):
    from rtslib_fb import utils
    import rtslib_fb
    so = rtslib_fb.BlockStorageObject('disk', dev='/dev/sdb')
    path = f'/sys/kernel/config/target/core/iblock_{so.index}/disk/attrib/emulate_tpu'
    utils.fwrite(path, '1')
    assert utils.fread(path) == '1' == so.get_attribute('emulate_tpu')
    in_sim = simdir / 'sys/kernel/config/target' / path[len('/sys/kernel/config/target/'):]
    assert in_sim.read_text().strip() == '1'             # the simulated tree, not the host's
    assert utils.get_block_type('/dev/sdb') == 0
    assert utils.get_block_type('/dev/nodevicehere') is None
    assert utils.get_size_for_blk_dev('/dev/sdb') == 1073741824 // 512
    assert utils.normalize_wwn(['naa'], '0x5001405aabbccdd1') == ('naa.5001405aabbccdd1', 'naa')
    assert utils.generate_wwn('iqn').startswith('iqn.2003-01.org.linux-iscsi.')
    try:
        utils.generate_wwn('bogus')
    except ValueError as e:
        assert 'bogus' in str(e)
    else:
        raise AssertionError('generate_wwn took an unknown type')
    with utils.ignored(utils.RTSLibError):
        raise utils.RTSLibError('dropped')
