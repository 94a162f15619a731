"""The "every kind of object" target that save/restore round trips are checked
with, on the simulator (tests/test_save_restore.py) and on the real kernel
(tests/vm/checks_save.py); each brings the storage objects its kernel can make."""


def wire_every_kind(sos, alua_so, alua_state=None, lun_numbers=None):
    """Export `sos` from one iSCSI target with everything a save must keep: a
    changed attribute (on sos[0]), an ALUA group on alua_so that its LUN uses,
    a portal, a TPG parameter, TPG CHAP, an ACL with mutual CHAP mapping two
    LUNs (one write-protected), discovery auth.  lun_numbers: the LUN index
    of each object (default 0, 1, ...)."""
    from rtslib import (ALUATargetPortGroup, FabricModule, LUN, MappedLUN, NetworkPortal,
                        NodeACL, Target, TPG)
    sos[0].set_attribute('emulate_3pc', 0)
    group = ALUATargetPortGroup(alua_so, 'ao', 7)
    if alua_state is not None:
        group.alua_access_state = alua_state
    iscsi = FabricModule('iscsi')
    tpg = TPG(Target(iscsi, 'iqn.2003-01.org.example:every'), 1)
    NetworkPortal(tpg, '127.0.0.1', 3261)
    luns = [LUN(tpg, n, so) for n, so in zip(lun_numbers or range(len(sos)), sos)]
    alua_lun = luns[sos.index(alua_so)]
    alua_lun.alua_tg_pt_gp_name = 'ao'
    tpg.set_parameter('MaxRecvDataSegmentLength', 65536)
    tpg.chap_userid, tpg.chap_password = 'tpg-user', 'tpg-secret'
    acl = NodeACL(tpg, 'iqn.1994-05.com.example:init')
    acl.chap_userid, acl.chap_password = 'alice', 'secret1'
    acl.chap_mutual_userid, acl.chap_mutual_password = 'bob', 'secret2'
    MappedLUN(acl, 0, luns[0])
    MappedLUN(acl, 5, alua_lun, write_protect=True)
    tpg.enable = True
    iscsi.discovery_userid, iscsi.discovery_password = 'du', 'dp'
    iscsi.discovery_enable_auth = True
