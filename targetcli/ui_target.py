"""Fabric modules and targets (a TPG node is in ui_tpg.py)."""
import re

from targetcli.cshell import ExecutionError

from targetcli.ui_declare import ExportsItself
from targetcli.ui_node import UIRTSLibNode, finished_completions
from targetcli.ui_params import AUTH_PARAMS
from targetcli.ui_portal import DEFAULT_PORT, DEFAULT_PORTAL_IP
from targetcli.ui_tpg import UITPG

DISCOVERY_PARAMS = ('enable',) + AUTH_PARAMS
# tpg1 (targetcli-fb), tpgt1 (the seed page), tgpt1 (a typo the seed page prints)
_TPG_NAME = re.compile(r'(?:tpgt?|tgpt)(\d+)\Z')


def listed_fabrics(rtsroot):
    """The fabrics `ls /` shows: listed in their spec and present on this host."""
    for fabric in rtsroot.fabric_modules:
        if fabric.present:
            yield fabric


def find_fabric(name, fs):
    """FabricModule(name) if the spec exists and the module is present, else None."""
    from rtslib import FabricModule, RTSLibError
    try:
        fabric = FabricModule(name, fs=fs)
    except RTSLibError:
        return None
    return fabric if fabric.present else None


def missing_fabric(name, fs, simdir=None):
    """Why fabric `name` has no node here (its module is not loaded or loadable, or
    its spec file is broken), or None when no fabric has that name."""
    from rtslib import spec
    why = spec.broken().get(name.lower())
    if why:
        return f"fabric {name} is disabled: {why}"
    known = spec.load_all().get(name.lower())
    if known is None:
        return None
    from rtslib import FabricModule
    why = FabricModule(known['name'], fs=fs).absence()
    if why is None:
        return None
    module = known['kernel_module']
    if simdir and 'loadable' in why:
        return (f"fabric {known['name']}: {why} (add \"{known['configfs_dir']}\": \"{module}\" "
                f"to fabric_modules in {simdir}/sim-host.json)")
    if simdir:
        where = 'rdma_devices' if known['wwn_list'] == 'infiniband' else \
            f'fabric_wwns "{known["name"]}"'
        return f"fabric {known['name']}: {why} (describe them in {where} in {simdir}/sim-host.json)"
    return f"fabric {known['name']}: {why} (install it, then: modprobe {module})"


class UIFabricModule(UIRTSLibNode):
    """A fabric (iscsi, loopback, ...): its targets are its children."""

    def __init__(self, fabric, parent):
        super().__init__(fabric.name, fabric, parent)

    def define_groups(self):
        if self.rtsnode.has_feature('discovery_auth'):
            for param in DISCOVERY_PARAMS:
                self.define_config_group_param('discovery_auth', param,
                                               'number' if param == 'enable' else 'string')
        if self.rtsnode.spec.get('rdma_module') == 'ib_srpt':
            # ib_srpt's RDMA/CM listening port (0: IB CM only), in its discovery_auth dir
            self.define_config_group_param('discovery_auth', 'rdma_cm_port', 'number',
                                           'RDMA/CM port ib_srpt listens on (0: none; SRP '
                                           'over RoCE/iWARP initiators connect to it)')

    def _target_node(self, target):
        if target.has_feature('tpgts'):
            return UIMultiTPGTarget(target, self)
        return UITarget(target, self)

    def load_children(self):
        for target in self.rtsnode.targets:
            self._target_node(target)

    def lookup_child(self, name):
        from rtslib import RTSLibError, Target
        try:
            return self._target_node(Target(self.rtsnode, name, mode='lookup'))
        except RTSLibError:
            return None

    def ui_getgroup_discovery_auth(self, name):
        if name == 'rdma_cm_port':
            return int(self.rtsnode.rdma_cm_port)
        if name == 'enable':
            return int(bool(self.rtsnode.discovery_enable_auth))
        return getattr(self.rtsnode, 'discovery_' + name)

    def ui_setgroup_discovery_auth(self, name, value):
        if name == 'rdma_cm_port':
            self.rtsnode.rdma_cm_port = value
        elif name == 'enable':
            self.rtsnode.discovery_enable_auth = bool(value)
        else:
            setattr(self.rtsnode, 'discovery_' + name, value or '')

    def summary(self):
        fabric = self.rtsnode
        msg, status = [], None
        if fabric.has_feature('discovery_auth') and fabric.discovery_enable_auth:
            status = bool(fabric.discovery_password and fabric.discovery_userid)
            msg.append("mutual disc auth" if fabric.discovery_authenticate_target
                       else "1-way disc auth")
        msg.append(f"Targets: {len(self.children)}")
        return (", ".join(msg), status)

    def ui_command_create(self, wwn=None):
        '''
        Creates a new target. The "wwn" format depends on the transport(s)
        supported by the fabric module. If "wwn" is omitted, then a target
        will be created using either a randomly generated WWN of the proper
        type, or the first unused WWN in the list of possible WWNs if one is
        available. Use the `info` command to see the WWN types and values.

        For fabrics with TPGs (iscsi) a TPG 1 is created too, and, if the
        global auto_add_default_portal is true, a default portal
        0.0.0.0:3260. Creating a portal on a specific address and port 3260
        later replaces that default portal (which would block it).
        '''
        from rtslib import Target
        if wwn is None and self.rtsnode.needs_wwn():
            wwn = self._first_free_port()
        target = Target(self.rtsnode, wwn, mode='create')
        wwns = self.rtsnode.wwns
        if wwns is not None and target.wwn not in wwns:
            self.shell.log.warning("Hardware missing for this WWN")
        try:    # all or nothing: a TPG (or nexus) the kernel refuses takes the target away
            node = self._target_node(target)
            tpg = node.make_tpg() if isinstance(node, UIMultiTPGTarget) else None
            if tpg is None and self.rtsnode.name != 'sbp':
                node.rtsnode.enable = True     # as targetcli-fb (sbp needs its directory_id)
        except BaseException:
            target.delete()
            raise
        self.info(f"Created target {target.wwn}.")
        if tpg is not None:
            return node.announce_tpg(tpg)
        return self.new_node(node)

    def _first_free_port(self):
        """The first local port without a target (targetcli-fb's default WWN), or None."""
        existing = {t.wwn for t in self.rtsnode.targets}
        return next((w for w in self.rtsnode.wwns or () if w not in existing), None)

    def ui_complete_create(self, parameters, text, current_param):
        if current_param != 'wwn' or self.rtsnode.wwns is None:
            return []
        existing = {t.wwn for t in self.rtsnode.targets}
        return finished_completions([w for w in self.rtsnode.wwns
                            if w.startswith(text) and w not in existing])

    def ui_command_delete(self, wwn):
        '''
        Recursively deletes the target with the specified wwn, and all
        objects hanging under it.
        '''
        from rtslib import Target
        Target(self.rtsnode, wwn, mode='lookup').delete()
        self.refresh()
        self.info(f"Deleted Target {wwn}.")

    def ui_complete_delete(self, parameters, text, current_param):
        return self.complete_child_names(text) if current_param == 'wwn' else []

    def ui_command_info(self):
        '''
        Displays information about the fabric module: its configfs path,
        accepted WWN types, spec file, features and kernel module.
        '''
        fabric = self.rtsnode
        self.info(f"Fabric module name: {self.name}")
        self.info(f"ConfigFS path: {fabric.path}")
        self.info(f"Allowed WWNs list type: {', '.join(fabric.wwn_types)}")
        if fabric.wwns is not None:
            self.info(f"Allowed WWNs list: {', '.join(fabric.wwns)}")
        spec_file = getattr(fabric, 'spec_file', None)
        if spec_file:
            self.info(f"Fabric module specfile: {spec_file}")
        self.info(f"Fabric module features: {', '.join(fabric.features)}")
        self.info(f"Corresponding kernel module: {fabric.kernel_module}")
        if fabric.spec.get('rdma_module'):
            from rtslib import rdma
            for line in rdma.report(fabric.fs, fabric.spec['rdma_module']):
                self.info(line)

    def ui_command_version(self):
        '''
        Displays the target fabric module version.
        '''
        self.shell.con.display(f"Target fabric module {self.rtsnode.name}: "
                               f"{self.rtsnode.version}".strip())


class SavesOnlyItsTarget:
    """saveconfig on a target node: only that target (and its storage objects)."""

    def ui_command_saveconfig(self, savefile=None):
        '''
        Saves only this target (and the storage objects its LUNs use) into
        the save file (default: the default save file), keeping every other
        object saved there as it is.
        '''
        self.get_root().save_selection(savefile, target=self.target_wwn())

    def ui_complete_saveconfig(self, parameters, text, current_param):
        return self.get_root().ui_complete_saveconfig(parameters, text, current_param)


class UIMultiTPGTarget(SavesOnlyItsTarget, ExportsItself, UIRTSLibNode):
    """A target with TPGs (iscsi): children tpg1, tpg2, ..."""

    def __init__(self, target, parent):
        super().__init__(target.wwn, target, parent)

    def define_groups(self):
        pass  # targets have no attribute groups of their own

    def target_wwn(self):
        return self.rtsnode.wwn

    def load_children(self):
        for tpg in self.rtsnode.tpgs:
            UITPG(tpg, self)

    def lookup_child(self, name):
        from rtslib import TPG
        return self.numbered_child(_TPG_NAME, name,
                                   lambda n: UITPG(TPG(self.rtsnode, n, mode='lookup'), self))

    def get_child(self, name):
        match = _TPG_NAME.match(name)
        return super().get_child(f"tpg{int(match.group(1))}" if match else name)

    def summary(self):
        return (f"TPGs: {len(self.children)}", None)

    def _tag(self, tag):
        text = str(tag)
        match = _TPG_NAME.match(text)
        if match:
            text = match.group(1)
        try:
            value = int(text)
        except ValueError:
            raise ExecutionError(f"Tag argument must be a number (e.g. 1 or tpg1), "
                                 f"not {tag}.") from None
        if value < 1:
            raise ExecutionError(f"Tag argument must be a positive number, not {tag}.")
        return value

    def ui_command_create(self, tag=None):
        '''
        Creates a new Target Portal Group within the target. The tag must be
        a positive integer value, optionally prefaced by 'tpg'. If omitted,
        the next available Target Portal Group Tag (TPGT) will be used.
        '''
        return self.announce_tpg(self.make_tpg(self._tag(tag) if tag is not None else None))

    def make_tpg(self, tag=None):
        """A new TPG set up as the preferences say (nothing printed); a step the
        kernel refuses removes it again."""
        from rtslib import TPG
        tpg = TPG(self.rtsnode, tag, mode='create')
        try:
            if self.prefs['auto_enable_tpgt']:
                tpg.enable = True
            if tpg.has_feature('auth'):
                tpg.set_attribute('authentication', 0)
        except BaseException:
            tpg.delete()
            raise
        return tpg

    def announce_tpg(self, tpg):
        """Say what make_tpg did, add the default portal, and go to the new node."""
        from rtslib import NetworkPortal, RTSLibError
        self.info(f"Created TPG {tpg.tag}.")
        if tpg.has_feature('nps') and self.prefs['auto_add_default_portal']:
            try:
                NetworkPortal(tpg, DEFAULT_PORTAL_IP, DEFAULT_PORT, mode='create')
                self.info("Global pref auto_add_default_portal=true")
                self.info(f"Created default portal listening on all IPs "
                          f"({DEFAULT_PORTAL_IP}), port {DEFAULT_PORT}.")
            except RTSLibError:
                self.info("Default portal not created, TPGs within a target cannot share "
                          "ip:port.")
        return self.new_node(UITPG(tpg, self))

    def ui_command_delete(self, tag):
        '''
        Deletes the Target Portal Group with TPGT "tag" from the target. The
        tag must be a positive integer matching an existing TPGT.
        '''
        from rtslib import TPG
        tag = self._tag(tag)
        TPG(self.rtsnode, tag, mode='lookup').delete()
        self.refresh()
        self.info(f"Deleted TPGT {tag}.")

    def ui_complete_delete(self, parameters, text, current_param):
        return self.complete_child_names(text, strip=3) if current_param == 'tag' else []


class UITarget(SavesOnlyItsTarget, UITPG):
    """A target of a fabric without TPGs (loopback, vhost): shown merged with TPG 1."""

    def target_wwn(self):
        return self.target.wwn

    def __init__(self, target, parent, tpg=None):
        from rtslib import TPG
        tpg = tpg or TPG(target, 1, mode='any')
        self.target = target
        super().__init__(tpg, parent, name=target.wwn)
