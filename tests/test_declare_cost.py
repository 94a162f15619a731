"""What plan and apply cost in configfs calls (the backend's call counter):
a plan reads what saveconfig reads for its scope, no more; an apply that
changes one attribute of a storage object in a big configuration writes that
one file and reads what a save reads."""
import copy

from lib_helpers import CountingFS
from save_helpers import tmp_path  # noqa: F401 (fixture: tmp_path on tmpfs)

from rtslib.saveconfig import apply as ap
from rtslib.saveconfig import export

WRITES = ('write', 'mkdir', 'rmdir', 'symlink', 'unlink')


def big(luns, acls, wwn='iqn.2003-01.org.example:big', prefix='ram'):
    sos = [{'plugin': 'ramdisk', 'name': f'{prefix}{i}', 'size': 4096,
            'wwn': f'00000000-0000-0000-{sum(map(ord, prefix)):04d}-{i:012d}'}
           for i in range(luns)]
    tpg = {'tag': 1, 'portals': [],
           'luns': [{'index': i, 'storage_object': f'/backstores/ramdisk/{prefix}{i}'}
                    for i in range(luns)],
           'node_acls': [{'node_wwn': f'iqn.1994-05.com.example:{prefix}{a}',
                          'mapped_luns': [{'index': i, 'tpg_lun': i} for i in range(luns)]}
                         for a in range(acls)]}
    return {'fabric_modules': [], 'storage_objects': sos,
            'targets': [{'fabric': 'iscsi', 'wwn': wwn, 'tpgs': [tpg]}]}


def kernel(tmp_path, doc):
    from rtslib import RTSRoot
    from rtslib.simkernel import SimConfigFS
    fs = SimConfigFS(str(tmp_path / 'sim'))
    RTSRoot(fs=fs).restore(doc, clear_existing=True)
    return fs


def counted(fs, work):
    """(the calls work(root) made, its result), each from the same start: the
    library's per-process memo of which attribute files are writable emptied."""
    from rtslib import RTSRoot, node
    node._writable.clear()
    counting = CountingFS(fs)
    result = work(RTSRoot(fs=counting))
    return counting, result


def reads(counting):
    return {op: n for op, n in counting.calls.items() if op not in WRITES}


def test_plan_of_an_identical_configuration_reads_what_saveconfig_reads(tmp_path):
    from rtslib.saveconfig import save_to_file
    doc = big(40, 2)
    fs = kernel(tmp_path, doc)
    saving, _ = counted(fs, lambda root: save_to_file(root, str(tmp_path / 'saved.json')))
    planning, changes = counted(fs, lambda root: ap.make_plan(root, doc))
    assert changes == []
    assert reads(planning) == reads(saving)


def test_apply_of_one_changed_attribute_writes_only_that_file(tmp_path):
    from rtslib.saveconfig import save_to_file
    doc = big(40, 2)
    fs = kernel(tmp_path, doc)
    saving, _ = counted(fs, lambda root: save_to_file(root, str(tmp_path / 'saved.json')))
    doc = copy.deepcopy(doc)
    doc["storage_objects"][17]['attributes'] = {'emulate_3pc': 0}
    applying, changes = counted(fs, lambda root: ap.apply(root, doc))
    assert [c.text() for c in changes] == \
        ['set /backstores/ramdisk/ram17 attribute emulate_3pc=1->0']
    assert [(op, path) for op, path in applying.paths if op in WRITES] == \
        [('write', [p for op, p in applying.paths if op == 'write'][0])]
    assert [p for op, p in applying.paths if op == 'write'][0].endswith(
        '/ram17/attrib/emulate_3pc')
    # the object the plan's dump read is written to as it is, not looked up again
    assert reads(applying) == reads(saving)


def test_scoped_plan_reads_what_an_export_of_that_target_reads(tmp_path):
    doc = big(20, 2)
    other = big(40, 2, wwn='iqn.2003-01.org.example:other', prefix='oth')
    both = {'fabric_modules': [], 'storage_objects': doc['storage_objects'] +
            other['storage_objects'], 'targets': doc['targets'] + other['targets']}
    fs = kernel(tmp_path, both)
    wwn = doc['targets'][0]['wwn']

    def export_target(root):
        from rtslib import FabricModule, Target
        return export.document(root, Target(FabricModule('iscsi', fs=root.fs), wwn,
                                            mode='lookup'))
    exporting, exported = counted(fs, export_target)
    planning, changes = counted(fs, lambda root: ap.make_plan(root, both, target=wwn))
    assert changes == [] and exported['targets'][0]['wwn'] == wwn
    got, limit = reads(planning), reads(exporting)
    for op in set(got) | set(limit):
        assert got.get(op, 0) <= limit.get(op, 0) + 1, (op, got, limit)
    assert not any('oth' in path for _, path in planning.paths)
