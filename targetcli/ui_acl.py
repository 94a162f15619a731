"""acls/ of a TPG: node ACLs and their mapped LUNs."""
import re

from targetcli.ui_lun import LUN_NAME, existing, lun_storage_object, parse_number
from targetcli.ui_node import UIListing, UIRTSLibNode, finished_completions
from targetcli.ui_params import AUTH_ALIASES, define_auth_group

_MLUN_NAME = re.compile(r'mapped_lun(\d+)\Z')


class UINodeACL(UIRTSLibNode):
    """One node ACL: mapped LUNs, CHAP (auth), attributes and parameters."""

    param_aliases = AUTH_ALIASES
    help_tables = {'attribute': 'node_acl_attributes', 'parameter': 'iscsi_parameters'}

    def __init__(self, acl, parent):
        super().__init__(acl.node_wwn, acl, parent)
        self.tpg = parent.tpg

    def define_groups(self):
        super().define_groups()
        define_auth_group(self, self.tpg)

    def load_children(self):
        for mlun in self.rtsnode.mapped_luns:
            UIMappedLUN(mlun, self)

    def lookup_child(self, name):
        from rtslib import MappedLUN
        return self.numbered_child(_MLUN_NAME, name,
                                   lambda n: UIMappedLUN(MappedLUN(self.rtsnode, n), self))

    def ui_getgroup_auth(self, name):
        return getattr(self.rtsnode, 'chap_' + name)

    def ui_setgroup_auth(self, name, value):
        setattr(self.rtsnode, 'chap_' + name, value or '')

    def summary(self):
        acl, tpg, msg, status = self.rtsnode, self.tpg, [], None
        if tpg.has_feature('auth') and int(tpg.get_attribute('authentication')):
            if int(tpg.get_attribute('generate_node_acls')):
                msg.append("auth via tpg")
            else:
                status = bool(acl.chap_password and acl.chap_userid)
                msg.append("mutual auth" if acl.authenticate_target else "1-way auth")
        msg.append(f"Mapped LUNs: {len(self.children)}")
        return (", ".join(msg), status)

    def ui_command_create(self, mapped_lun, tpg_lun_or_backstore, write_protect=None):
        '''
        Creates a mapping to one of the TPG LUNs for the initiator referenced
        by the ACL. The provided "tpg_lun_or_backstore" (a LUN number, lunX,
        or a storage object path for which a TPG LUN is made or reused) will
        appear to that initiator as LUN "mapped_lun". If "write_protect" is
        true, the initiator will not have write access to the mapped LUN.
        '''
        from rtslib import LUN, MappedLUN, locks
        mapped = parse_number(mapped_lun, 'mapped_lun')
        write_protect = self.ui_eval(write_protect, 'bool', False, 'write_protect')
        target = str(tpg_lun_or_backstore)
        if LUN_NAME.match(target) or target.isdigit():
            tpg_lun, so = parse_number(target, 'tpg_lun_or_backstore', 'lun'), None
        else:
            luns = self.parent.parent.get_child('luns')
            so = luns._storage_object(target)   # before the TPG's lock (lock order)
        with locks.tpg(self.tpg):       # the LUN found or made stays until mapped
            if so is not None:
                found = [lun for lun in self.tpg.luns if lun.storage_object == so]
                if found:
                    tpg_lun = found[0].lun
                else:
                    lun_object = LUN(self.tpg, storage_object=so)
                    self.info(f"Created LUN {lun_object.lun}.")
                    luns.refresh()
                    tpg_lun = lun_object.lun
            mlun = MappedLUN(self.rtsnode, mapped, tpg_lun, write_protect)
        self.info(f"Created Mapped LUN {mlun.mapped_lun}.")
        return self.new_node(UIMappedLUN(mlun, self))

    def ui_complete_create(self, parameters, text, current_param):
        if current_param != 'tpg_lun_or_backstore':
            return []
        found = [c.name for c in self.parent.parent.get_child('luns').children]
        for backstore in self.get_node('/backstores').children:
            found.extend(so.path for so in backstore.children)
        return finished_completions([f for f in found if f.startswith(text)])

    def ui_command_sessions(self, action='list', sid=None):
        '''
        Displays the open sessions of this node ACL: action is `list` (default)
        or `detail`; sid shows only that session.
        '''
        from targetcli.ui_sessions import show_sessions
        show_sessions(self, action, sid, self.rtsnode)

    def ui_command_delete(self, mapped_lun):
        '''
        Deletes the specified mapped LUN.
        '''
        from rtslib import MappedLUN
        index = parse_number(mapped_lun, 'mapped_lun', 'mapped_lun')
        existing(lambda: MappedLUN(self.rtsnode, index),
                 f"No mapped LUN {index} in {self.path}").delete()
        self.refresh()
        self.info(f"Deleted Mapped LUN {index}.")

    def ui_complete_delete(self, parameters, text, current_param):
        return self.complete_child_names(text, strip=10) if current_param == 'mapped_lun' else []


class UIMappedLUN(UIRTSLibNode):
    """One mapped LUN."""

    def __init__(self, mlun, parent):
        super().__init__(f"mapped_lun{mlun.mapped_lun}", mlun, parent)

    def summary(self):
        from rtslib import RTSLibBrokenLink
        mlun = self.rtsnode
        try:
            lun = mlun.tpg_lun
            so = lun_storage_object(self.shell, lun)
        except RTSLibBrokenLink:
            return ("BROKEN LUN LINK", False)
        mode = 'ro' if mlun.write_protect else 'rw'
        return (f"lun{lun.lun} {so.plugin}/{so.name} ({mode})", True)


class UINodeACLs(UIListing):
    """acls/: the TPG's node ACLs."""

    dir_name, counted, listing, child_class = 'acls', 'ACLs', 'node_acls', UINodeACL
    tpg = property(lambda self: self.owner)

    def lookup(self, name):
        from rtslib import NodeACL
        return NodeACL(self.tpg, name, mode='lookup')

    def ui_command_create(self, wwn, add_mapped_luns=None):
        '''
        Creates a Node ACL for the initiator node with the specified wwn.
        The node's wwn must match the expected WWN Type of the target's
        fabric module.

        "add_mapped_luns" can be "true" or "false". If true, mapped LUNs are
        created for all existing LUNs. If omitted, the global parameter
        "auto_add_mapped_luns" is used.
        '''
        from rtslib import MappedLUN, NodeACL, locks
        add = self.ui_eval(add_mapped_luns, 'bool', self.prefs['auto_add_mapped_luns'],
                           'add_mapped_luns')
        # one TPG lock for the ACL and its mappings: a LUN created or deleted at the
        # same moment is either mapped here or not yet/no longer there (rtslib/locks.py)
        with locks.tpg(self.tpg):
            acl = NodeACL(self.tpg, wwn, mode='create')
            self.info(f"Created Node ACL for {acl.node_wwn}")
            if add:
                for lun in sorted(self.tpg.luns, key=lambda x: x.lun):
                    MappedLUN(acl, lun.lun, lun.lun, write_protect=False)
                    self.info(f"Created mapped LUN {lun.lun}.")
        return self.new_node(UINodeACL(acl, self))

    def ui_command_delete(self, wwn):
        '''
        Deletes the Node ACL with the specified wwn.
        '''
        from rtslib import NodeACL
        NodeACL(self.tpg, wwn, mode='lookup').delete()
        self.refresh()
        self.info(f"Deleted Node ACL {wwn}.")

    def ui_complete_delete(self, parameters, text, current_param):
        return self.complete_child_names(text) if current_param == 'wwn' else []
