"""ALUA target port groups on the simulator, and the library over RealConfigFS
(a plain directory with the kernel's files faked: absolute symlinks as on a real host)."""
import pytest

from lib_helpers import FakeKernelFS, sim_fs


def test_alua_group_lifecycle(simdir):
    sim_fs(simdir)
    from rtslib import (LUN, TPG, ALUATargetPortGroup, FabricModule, RDMCPStorageObject,
                        RTSLibError, Target)
    so = RDMCPStorageObject('r', 1 << 20)
    group = ALUATargetPortGroup(so, 'tpg_b', 5)
    assert (group.tg_pt_gp_id, group.alua_access_type) == (5, 3)
    group.alua_access_state = 1
    group.nonop_delay_msecs = 200
    assert (group.alua_access_state, group.nonop_delay_msecs) == (1, 200)
    assert sorted(g.name for g in so.alua_tpgs) == ['default_tg_pt_gp', 'tpg_b']
    lun = LUN(TPG(Target(FabricModule('iscsi'), 'iqn.2003-01.org.example:a'), 1), 0, so)
    assert lun.alua_tg_pt_gp_name == 'default_tg_pt_gp'
    lun.alua_tg_pt_gp_name = 'tpg_b'
    assert lun.alua_tg_pt_gp_name == 'tpg_b'
    assert [(m['driver'].lower(), m['lun']) for m in group.members] == [('iscsi', 0)]
    with pytest.raises(RTSLibError, match='default_tg_pt_gp'):
        ALUATargetPortGroup(so, 'default_tg_pt_gp').delete()
    with pytest.raises(RTSLibError, match='tg_pt_gp_id 0'):
        ALUATargetPortGroup(so, 'bad', 0)
    dumped = [g for g in so.dump()['alua_tpgs'] if g['name'] == 'tpg_b'][0]
    assert (dumped['tg_pt_gp_id'], dumped['alua_access_state']) == (5, 1)


def test_library_over_real_configfs_backend(tmp_path):
    """RealConfigFS paths: absolute symlinks read back root-relative."""
    from rtslib import (LUN, TPG, BlockStorageObject, FabricModule, MappedLUN, NodeACL,
                        RTSRoot, Target)
    fs = FakeKernelFS(str(tmp_path / 'target'))
    so = BlockStorageObject('disk1', dev='/dev/sdb', fs=fs)
    tpg = TPG(Target(FabricModule('iscsi', fs=fs), 'iqn.2003-01.org.example:real'), 1)
    lun = LUN(tpg, 0, so, alias='lnk')
    mlun = MappedLUN(NodeACL(tpg, 'iqn.1994-05.com.example:c'), 0, lun)
    link = tmp_path / 'target' / tpg.cfs_path / 'lun' / 'lun_0' / 'lnk'
    assert link.is_symlink() and str(link.readlink()).startswith(str(tmp_path))
    assert lun.storage_object == so and mlun.tpg_lun == lun
    assert [t.wwn for t in RTSRoot(fs=fs).targets] == ['iqn.2003-01.org.example:real']
    assert so.path == '/sys/kernel/config/target/core/iblock_0/disk1'
    tpg.parent_target.delete()
    so.delete()
    assert list(RTSRoot(fs=fs).storage_objects) == []


def test_members_starting_with_nul_bytes_as_the_kernel_writes_them(simdir):
    """6.1's members file can start with NUL bytes (seen in the VM): both readers
    of it still name every LUN."""
    import glob
    import os
    sim_fs(simdir)
    from rtslib import (LUN, TPG, ALUATargetPortGroup, FabricModule, RDMCPStorageObject,
                        Target)
    so = RDMCPStorageObject('r', 1 << 20)
    group = ALUATargetPortGroup(so, 'tpg_b', 5)
    tpg = TPG(Target(FabricModule('iscsi'), 'iqn.2003-01.org.example:a'), 1)
    for n in (0, 1):
        LUN(tpg, n, so).alua_tg_pt_gp_name = 'tpg_b'
    path, = glob.glob(os.path.join(str(simdir), '**', 'core', '*', 'r', 'alua', 'tpg_b',
                                   'members'), recursive=True)
    with open(path) as f:
        text = f.read()
    with open(path, 'w') as f:
        f.write('\0\0' + text)
    assert sorted(m['lun'] for m in group.members) == [0, 1]
    assert {m['driver'].lower() for m in group.members} == {'iscsi'}
    assert sorted(lun.lun for lun in group.member_luns()) == [0, 1]
