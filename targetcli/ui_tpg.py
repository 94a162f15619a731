"""A TPG's children: luns/, acls/ (with mapped LUNs) and portals/."""
import re

from targetcli.cshell import ExecutionError

from targetcli.ui_backstore import complete_path, one_or_many
from targetcli.ui_node import UINode, UIRTSLibNode
from targetcli.ui_target import (AUTH_ALIASES, AUTH_PARAMS, DEFAULT_PORT, DEFAULT_PORTAL_IP,
                                 UITPG)

_LUN_NAME = re.compile(r'lun(\d+)\Z')
_MLUN_NAME = re.compile(r'mapped_lun(\d+)\Z')


def _number(text, what, prefix=''):
    """int of '3' or '<prefix>3'; ExecutionError naming what was wrong."""
    value = str(text)
    if prefix and value.lower().startswith(prefix):
        value = value[len(prefix):]
    if not value.isdigit():
        example = f" (e.g. 0 or {prefix}0)" if prefix else ''
        raise ExecutionError(f"{what} must be a non-negative number{example}, not {text}")
    return int(value)


class UILUNs(UINode):
    """luns/: the TPG's LUNs."""

    def __init__(self, parent):
        super().__init__('luns', parent)
        self.tpg = parent.rtsnode

    def load_children(self):
        for lun in self.tpg.luns:
            UILUN(lun, self)

    def lookup_child(self, name):
        from rtslib import LUN, RTSLibError
        match = _LUN_NAME.match(name)
        if not match:
            return None
        try:
            return UILUN(LUN(self.tpg, int(match.group(1))), self)
        except (RTSLibError, ValueError, OSError):
            return None

    def summary(self):
        return (f"LUNs: {len(self.children)}", None)

    def _storage_object(self, storage_object):
        """The storage object a path names: a node path, or a device/file path."""
        from rtslib import RTSLibError, StorageObjectFactory
        if storage_object.startswith('/backstores/') or not storage_object.startswith('/'):
            try:
                node = self.get_node(storage_object)
            except ValueError:
                node = None
            if node is not None and hasattr(node, 'rtsnode') and \
                    node.rtsnode.__class__.__name__.endswith('StorageObject'):
                return node.rtsnode
            raise ExecutionError(f"storage object or path not valid: {storage_object} "
                                 "(give /backstores/PLUGIN/NAME of an existing storage "
                                 "object, or the path of a block device or file)")
        try:
            so = StorageObjectFactory(storage_object)
        except RTSLibError as err:
            raise ExecutionError(f"storage object or path not valid: {err}") from None
        self.info(f"Created storage object {so.name}.")
        self.get_node('/backstores').refresh()
        return so

    def ui_command_create(self, storage_object, lun=None, add_mapped_luns=None):
        '''
        Creates a new LUN in the Target Portal Group, attached to a storage
        object. If the "lun" parameter is omitted, the first available LUN in
        the TPG will be used. If present, it must be a number greater than 0.
        Alternatively, the syntax "lunX" where "X" is a positive number is
        also accepted.

        The "storage_object" is the path of an existing storage object, e.g.
        /backstores/block/mydisk, or the path to an existing block device or
        image file, in which case a storage object is created for it first.

        "add_mapped_luns" can be "true" or "false". If true, mapped LUNs are
        created in every node ACL for the new LUN. If omitted, the global
        parameter "auto_add_mapped_luns" is used.
        '''
        from rtslib import LUN
        add = self.ui_eval(add_mapped_luns, 'bool', self.prefs['auto_add_mapped_luns'],
                           'add_mapped_luns')
        index = _number(lun, 'lun', 'lun') if lun is not None else None
        so = self._storage_object(storage_object)
        lun_object = LUN(self.tpg, index, so)
        self.info(f"Created LUN {lun_object.lun}.")
        node = UILUN(lun_object, self)
        if add and self.tpg.has_feature('acls'):
            self._map_everywhere(lun_object, index)
        return self.new_node(node)

    def _map_everywhere(self, lun_object, wanted):
        from rtslib import MappedLUN
        for acl in self.tpg.node_acls:
            used = {m.mapped_lun for m in acl.mapped_luns}
            mapped = wanted if wanted is not None else lun_object.lun
            if mapped in used:
                mapped = 0
                while mapped in used:
                    mapped += 1
            mlun = MappedLUN(acl, mapped, lun_object, write_protect=False)
            self.info(f"Created LUN {lun_object.lun}->{mlun.mapped_lun} mapping in node ACL "
                      f"{acl.node_wwn}")
        self.parent.refresh()

    def ui_complete_create(self, parameters, text, current_param):
        if current_param != 'storage_object':
            return []
        paths = []
        for backstore in self.get_node('/backstores').children:
            paths.extend(so.path for so in backstore.children)
        found = [p for p in paths if p.startswith(text)]
        if text.startswith('/') and not text.startswith('/backstores'):
            found.extend(complete_path(text, files=True, blocks=True))
        return one_or_many(found)

    def ui_command_delete(self, lun):
        '''
        Deletes the supplied LUN from the Target Portal Group. "lun" must
        be a positive number matching an existing LUN (or "lunX").
        '''
        from rtslib import LUN, RTSLibError
        index = _number(lun, 'lun', 'lun')
        try:
            lun_object = LUN(self.tpg, index)
        except RTSLibError:
            raise ExecutionError(f"Invalid LUN: no LUN {index} in {self.path}") from None
        lun_object.delete()
        self.parent.refresh()
        self.info(f"Deleted LUN {index}.")

    def ui_complete_delete(self, parameters, text, current_param):
        if current_param != 'lun':
            return []
        return one_or_many([c.name[3:] for c in self.children if c.name[3:].startswith(text)])


class UILUN(UIRTSLibNode):
    """One LUN; alua group holds its ALUA target port group name."""

    def __init__(self, lun, parent):
        super().__init__(f"lun{lun.lun}", lun, parent)

    def define_groups(self):
        self.define_config_group_param('alua', 'alua_tg_pt_gp_name', 'string')

    def ui_getgroup_alua(self, name):
        return getattr(self.rtsnode, name)

    def ui_setgroup_alua(self, name, value):
        if value is not None:
            setattr(self.rtsnode, name, value)

    def summary(self):
        from rtslib import RTSLibBrokenLink
        lun = self.rtsnode
        try:
            so = lun_storage_object(self.shell, lun)
        except RTSLibBrokenLink:
            return ("BROKEN STORAGE LINK", False)
        text = f"{so.plugin}/{so.name}"
        if so.udev_path:
            text += f" ({so.udev_path})"
        group = lun.alua_tg_pt_gp_name_with(so)
        if group:
            text += f" ({group})"
        return (text, True)


class UINodeACLs(UINode):
    """acls/: the TPG's node ACLs."""

    def __init__(self, parent):
        super().__init__('acls', parent)
        self.tpg = parent.rtsnode

    def load_children(self):
        for acl in self.tpg.node_acls:
            UINodeACL(acl, self)

    def lookup_child(self, name):
        from rtslib import NodeACL, RTSLibError
        try:
            return UINodeACL(NodeACL(self.tpg, name, mode='lookup'), self)
        except (RTSLibError, ValueError, OSError):
            return None

    def summary(self):
        return (f"ACLs: {len(self.children)}", None)

    def ui_command_create(self, wwn, add_mapped_luns=None):
        '''
        Creates a Node ACL for the initiator node with the specified wwn.
        The node's wwn must match the expected WWN Type of the target's
        fabric module.

        "add_mapped_luns" can be "true" or "false". If true, mapped LUNs are
        created for all existing LUNs. If omitted, the global parameter
        "auto_add_mapped_luns" is used.
        '''
        from rtslib import MappedLUN, NodeACL
        add = self.ui_eval(add_mapped_luns, 'bool', self.prefs['auto_add_mapped_luns'],
                           'add_mapped_luns')
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
        if current_param != 'wwn':
            return []
        return one_or_many([c.name for c in self.children if c.name.startswith(text)])


class UINodeACL(UIRTSLibNode):
    """One node ACL: mapped LUNs, CHAP (auth), attributes and parameters."""

    param_aliases = AUTH_ALIASES
    ui_desc_attributes = {
        'dataout_timeout': ('number', 'Data-Out timeout in seconds before invoking recovery.'),
        'dataout_timeout_retries': ('number', 'Number of Data-Out timeout recovery attempts '
                                              'before failing a path.'),
        'default_erl': ('number', 'Default Error Recovery Level.'),
        'nopin_response_timeout': ('number', 'Nop-In response timeout in seconds.'),
        'nopin_timeout': ('number', 'Nop-In timeout in seconds.'),
        'random_datain_pdu_offsets': ('number', 'If set to 1, request random Data-In PDU '
                                                'offsets.'),
        'random_datain_seq_offsets': ('number', 'If set to 1, request random Data-In '
                                                'sequence offsets.'),
        'random_r2t_offsets': ('number', 'If set to 1, request random R2T (Ready To '
                                         'Transfer) offsets.'),
    }
    ui_desc_parameters = UITPG.ui_desc_parameters

    def __init__(self, acl, parent):
        super().__init__(acl.node_wwn, acl, parent)
        self.tpg = parent.tpg

    def define_groups(self):
        super().define_groups()
        if self.tpg.has_feature('auth'):
            for param in AUTH_PARAMS:
                self.define_config_group_param('auth', param, 'string')

    def load_children(self):
        for mlun in self.rtsnode.mapped_luns:
            UIMappedLUN(mlun, self)

    def lookup_child(self, name):
        from rtslib import MappedLUN, RTSLibError
        match = _MLUN_NAME.match(name)
        if not match:
            return None
        try:
            return UIMappedLUN(MappedLUN(self.rtsnode, int(match.group(1))), self)
        except (RTSLibError, ValueError, OSError):
            return None

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
        from rtslib import LUN, MappedLUN
        mapped = _number(mapped_lun, 'mapped_lun')
        write_protect = self.ui_eval(write_protect, 'bool', False, 'write_protect')
        target = str(tpg_lun_or_backstore)
        if _LUN_NAME.match(target) or target.isdigit():
            tpg_lun = _number(target, 'tpg_lun_or_backstore', 'lun')
        else:
            luns = self.parent.parent.get_child('luns')
            so = luns._storage_object(target)
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
        return one_or_many([f for f in found if f.startswith(text)])

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
        from rtslib import MappedLUN, RTSLibError
        index = _number(mapped_lun, 'mapped_lun', 'mapped_lun')
        try:
            mlun = MappedLUN(self.rtsnode, index)
        except RTSLibError:
            raise ExecutionError(f"No mapped LUN {index} in {self.path}") from None
        mlun.delete()
        self.refresh()
        self.info(f"Deleted Mapped LUN {index}.")

    def ui_complete_delete(self, parameters, text, current_param):
        if current_param != 'mapped_lun':
            return []
        return one_or_many([c.name[10:] for c in self.children
                            if c.name[10:].startswith(text)])


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


def lun_storage_object(shell, lun):
    """The LUN's storage object; during an ls, resolved once per LUN (every mapped LUN
    line names it: 100 ACLs x 1,000 LUNs resolved the same 1,000 links 100 times)."""
    memo = shell.ls_memo
    if memo is None:
        return lun.storage_object
    so = memo.get(lun.cfs_path)
    if so is None:
        so = memo[lun.cfs_path] = lun.storage_object
    return so


def _portal_ip(text):
    """(address for rtslib, address as messages show it); rtslib checks the syntax,
    this keeps targetcli-fb's message and shows IPv6 as typed, without brackets."""
    from rtslib import RTSLibError
    from rtslib.target import portal_address
    try:
        ip = portal_address(text)
    except RTSLibError:
        raise ExecutionError(f"Invalid IP address {text}: give an IPv4 address such as "
                             "192.168.1.10 or an IPv6 address such as ::1") from None
    if not ip.startswith('['):
        return ip, ip
    bare = str(text).strip().strip('[]')
    return (f'[{bare}]' if bare == '::0' else ip), bare


def _portal_port(text):
    value = str(text)
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ExecutionError(f"Invalid IP port {text}: must be a number from 1 to 65535")
    return int(value)


def _is_wildcard(ip):
    return ip.strip('[]') in ('0.0.0.0', '::', '::0')


class UIPortals(UINode):
    """portals/: the TPG's network portals."""

    def __init__(self, parent):
        super().__init__('portals', parent)
        self.tpg = parent.rtsnode

    def load_children(self):
        for portal in self.tpg.network_portals:
            UIPortal(portal, self)

    def lookup_child(self, name):
        from rtslib import NetworkPortal, RTSLibError
        ip, sep, port = name.rpartition(':')
        if not sep or not port.isdigit():
            return None
        try:
            return UIPortal(NetworkPortal(self.tpg, ip, int(port), mode='lookup'), self)
        except (RTSLibError, ValueError, OSError):
            return None

    def summary(self):
        return (f"Portals: {len(self.children)}", None)

    def _automatic_wildcard(self, port):
        """The default portal /iscsi create made, if it is still the only portal."""
        portals = list(self.tpg.network_portals)
        if len(portals) == 1 and _is_wildcard(portals[0].ip_address) \
                and int(portals[0].port) == port:
            return portals[0]
        return None

    def ui_command_create(self, ip_address=None, ip_port=None):
        '''
        Creates a Network Portal with the specified IP address and port. If
        the port is omitted, the default port 3260 is used. If the IP address
        is omitted, 0.0.0.0 (all IPv4 addresses) is used.

        A portal listening on all addresses blocks a specific address on the
        same port; if the only portal is the default 0.0.0.0:3260 made by
        `create` on the fabric, it is replaced by the new one (one line says
        so). Delete a wildcard portal you made yourself before adding a
        specific address on its port.
        '''
        from rtslib import NetworkPortal, RTSLibError
        port = _portal_port(ip_port) if ip_port is not None else DEFAULT_PORT
        if ip_port is None:
            self.info(f"Using default IP port {port}")
        ip, shown_ip = _portal_ip(ip_address if ip_address is not None else DEFAULT_PORTAL_IP)
        if ip_address is None:
            self.info(f"Binding to INADDR_ANY ({DEFAULT_PORTAL_IP})")
        old = None if _is_wildcard(ip) else self._automatic_wildcard(port)
        if old is not None:
            old.delete()
        try:
            portal = NetworkPortal(self.tpg, ip, port, mode='create')
        except RTSLibError:
            if old is not None:
                NetworkPortal(self.tpg, old.ip_address, port, mode='create')
            raise
        if old is not None:
            self.info(f"Replaced the default portal {old.ip_address}:{port}, which listened "
                      f"on all IPs and would block {shown_ip}:{port}.")
        self.refresh()
        self.info(f"Created network portal {shown_ip}:{port}.")
        return self.new_node(UIPortal(portal, self))

    def ui_command_delete(self, ip_address, ip_port):
        '''
        Deletes the Network Portal with the specified IP address and port.
        '''
        from rtslib import NetworkPortal, RTSLibError
        ip, shown_ip = _portal_ip(ip_address)
        port = _portal_port(ip_port)
        try:
            portal = NetworkPortal(self.tpg, ip, port, mode='lookup')
        except RTSLibError:
            names = ', '.join(c.name for c in self.children) or 'none'
            raise ExecutionError(f"No network portal {shown_ip}:{port} in {self.path} "
                                 f"(portals: {names})") from None
        portal.delete()
        self.refresh()
        self.info(f"Deleted network portal {shown_ip}:{port}")

    def ui_complete_delete(self, parameters, text, current_param):
        pairs = [(p.ip_address.strip('[]'), str(p.port)) for p in self.tpg.network_portals]
        if current_param == 'ip_address':
            return one_or_many(sorted({ip for ip, _ in pairs if ip.startswith(text)}))
        if current_param == 'ip_port':
            ip = parameters.get('ip_address')
            return one_or_many(sorted({port for i, port in pairs
                                       if (ip is None or i == ip) and port.startswith(text)}))
        return []


class UIPortal(UIRTSLibNode):
    """One network portal; iSER and offload are switched here."""

    def __init__(self, portal, parent):
        super().__init__(f"{portal.ip_address}:{portal.port}", portal, parent)

    def summary(self):
        if self._get('offload'):
            return ("OK, offload enabled", True)
        return ("OK, iser enabled" if self._get('iser') else "OK, iser disabled", True)

    def _get(self, what):
        from rtslib import RTSLibError
        try:
            return bool(getattr(self.rtsnode, what))
        except (RTSLibError, AttributeError):
            return False

    def _switch(self, what, value):
        """Set iser/offload; an 'on' that the kernel did not keep is an error."""
        setattr(self.rtsnode, what, value)
        now = self._get(what)
        if now != value:
            hint = {'iser': 'an RDMA device on that address',
                    'offload': 'a Chelsio (cxgbit) offload device'}[what]
            raise ExecutionError(f"{what} stays {'on' if now else 'off'} on portal {self.name}: "
                                 f"the kernel did not take it (it needs {hint})")
        return now

    def ui_command_enable_iser(self, boolean='true'):
        '''
        Enables (boolean=true, the default) or disables iSER for this portal.
        '''
        value = self.ui_eval(boolean, 'bool', True, 'boolean')
        self.info(f"iSER enable now: {self._switch('iser', value)}")

    def ui_command_disable_iser(self):
        '''
        Disables iSER for this portal.
        '''
        self.info(f"iSER enable now: {self._switch('iser', False)}")

    def ui_command_iser_enable(self):
        '''
        Enables iSER for this portal (the seed page's form of enable_iser).
        '''
        self._switch('iser', True)
        self.info("iser operation has been enabled")

    def ui_command_iser_disable(self):
        '''
        Disables iSER for this portal.
        '''
        self._switch('iser', False)
        self.info("iser operation has been disabled")

    def ui_command_enable_offload(self, boolean='true'):
        '''
        Enables (boolean=true, the default) or disables offload (cxgbit) for
        this portal.
        '''
        value = self.ui_eval(boolean, 'bool', True, 'boolean')
        self.info(f"offload enable now: {self._switch('offload', value)}")

    def ui_command_disable_offload(self):
        '''
        Disables offload for this portal.
        '''
        self.info(f"offload enable now: {self._switch('offload', False)}")

    def ui_command_info(self):
        '''
        Displays the portal's address, port, and iSER/offload state.
        '''
        portal = self.rtsnode
        values = {'ip_address': portal.ip_address.strip('[]'), 'port': portal.port,
                  'iser': self._get('iser'), 'offload': self._get('offload')}
        for name, value in sorted(values.items()):
            self.info(f"{name}: {value}")
