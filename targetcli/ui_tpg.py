"""A TPG: its luns/, acls/ and portals/ (each in its own module) as its fabric has them."""
from targetcli.cshell import ExecutionError

from targetcli.ui_declare import ExportsItself
from targetcli.ui_node import UIRTSLibNode, shown
from targetcli.ui_params import AUTH_ALIASES, AUTH_PARAMS, define_auth_group


def attribute_or(rtsnode, name, default):
    """An attribute's value, or default when the fabric has no such attribute
    (vhost, srpt, tcm_fc have no generate_node_acls: never an ERROR row)."""
    from rtslib.errors import RTSLibError, RTSLibNotInCFS
    try:
        return rtsnode.get_attribute(name)
    except RTSLibNotInCFS:
        raise
    except RTSLibError:
        return default


class UITPG(ExportsItself, UIRTSLibNode):
    """A TPG: luns/, acls/ and portals/ as its fabric supports them."""

    param_aliases = AUTH_ALIASES
    help_tables = {'attribute': 'tpg_attributes', 'parameter': 'iscsi_parameters'}

    def __init__(self, tpg, parent, name=None):
        super().__init__(name or f"tpg{tpg.tag}", tpg, parent)

    def define_groups(self):
        super().define_groups()
        define_auth_group(self, self.rtsnode)

    def load_children(self):
        from targetcli.ui_acl import UINodeACLs
        from targetcli.ui_lun import UILUNs
        from targetcli.ui_portal import UIPortals
        UILUNs(self)
        if self.rtsnode.has_feature('acls'):
            UINodeACLs(self)
        if self.rtsnode.has_feature('nps'):
            UIPortals(self)

    def lookup_child(self, name):
        from targetcli.ui_acl import UINodeACLs
        from targetcli.ui_lun import UILUNs
        from targetcli.ui_portal import UIPortals
        kinds = {'luns': (UILUNs, None), 'acls': (UINodeACLs, 'acls'),
                 'portals': (UIPortals, 'nps')}
        if name not in kinds:
            return None
        cls, feature = kinds[name]
        if feature and not self.rtsnode.has_feature(feature):
            return None
        return cls(self)

    def summary(self):
        tpg = self.rtsnode
        msg, status = [], None
        if tpg.has_feature('nexus'):
            msg.append(str(tpg.nexus))
        if not tpg.enable:
            return ("disabled", False)
        if tpg.has_feature('acls'):
            # vhost, srpt, tcm_fc... have no generate_node_acls: targetcli-fb says no-gen-acls
            gen_acls = int(attribute_or(tpg, 'generate_node_acls', 0))
            msg.append("gen-acls" if gen_acls else "no-gen-acls")
            if tpg.has_feature('auth'):
                if not int(tpg.get_attribute('authentication')):
                    msg.append("no-auth")
                    status = True if gen_acls else None
                elif not gen_acls:
                    msg.append("auth per-acl")
                else:
                    msg.append("tpg-auth")
                    status = bool(tpg.chap_password and tpg.chap_userid)
                    msg.append("mutual auth" if tpg.authenticate_target else "1-way auth")
        return (", ".join(msg), status)

    def ui_getgroup_auth(self, name):
        return getattr(self.rtsnode, 'chap_' + name)

    def ui_setgroup_auth(self, name, value):
        setattr(self.rtsnode, 'chap_' + name, value or '')

    def ui_command_enable(self):
        '''
        Enables the TPG.
        '''
        from rtslib import RTSLibError
        if self.rtsnode.enable:
            self.info("The TPGT is already enabled.")
            return
        try:
            self.rtsnode.enable = True
        except RTSLibError as err:
            raise ExecutionError(f"The TPGT could not be enabled: {err}") from None
        self.info("The TPGT has been enabled.")

    def ui_command_disable(self):
        '''
        Disables the TPG.
        '''
        if self.rtsnode.enable:
            self.rtsnode.enable = False
            self.info("The TPGT has been disabled.")
        else:
            self.info("The TPGT is already disabled.")

    def ui_command_sessions(self, action='list', sid=None):
        '''
        Displays the open sessions of this TPG: action is `list` (default)
        or `detail`; sid shows only that session.
        '''
        from targetcli.ui_sessions import show_sessions
        show_sessions(self, action, sid, self.rtsnode)

    def ui_command_info(self):
        '''
        Displays the TPG's settings (CHAP secrets shown as ********).
        '''
        tpg = self.rtsnode
        values = {'tag': tpg.tag, 'enable': bool(tpg.enable)}
        if tpg.has_feature('auth'):
            for param in AUTH_PARAMS:
                value = getattr(tpg, 'chap_' + param, '')
                if value:
                    values['chap_' + param] = value
        for name, value in sorted(values.items()):
            self.info(f"{name}: {shown(name, value)}")
