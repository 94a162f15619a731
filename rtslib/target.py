"""Targets and their target portal groups: <fabric>/<wwn> and <wwn>/tpgt_<tag>.

What hangs below a TPG has its own module: LUN and MappedLUN (rtslib/lun.py),
NetworkPortal (rtslib/portal.py), NodeACL (rtslib/node_acl.py); this module
re-exports them under their rtslib-fb names.  Looking an object up costs a
stat of its own directory; listing children costs one listdir of the parent
and yields objects without further I/O.
"""
from rtslib import locks
from rtslib.errors import RTSLibError, RTSLibNotInCFS
from rtslib.fields import ATTRS, AUTH, BOOL, INT, PARAMS, STR
from rtslib.node import (AUTH_PARAMS, CFSNode, auth_prop, dump_chap, dump_children,
                         made_or_reported, number_in, numbered, set_attributes,
                         set_parameters)
from rtslib.wwn import is_valid

MAX_TPG_TAG = 65535
GENERATE_TRIES = 16


class Target(CFSNode):
    """A target: <fabric>/<wwn>."""

    _hint_kind = 'target'
    attr_groups = {'parameter': 'param'}

    def __init__(self, fabric_module, wwn=None, mode='any', fs=None):
        generated = False
        if isinstance(fabric_module, str):
            from rtslib.fabric import FabricModule
            fabric_module = FabricModule(fabric_module, fs=fs)
        super().__init__(fs or fabric_module.fs)
        self.fabric_module = fabric_module
        if wwn is None:
            if mode in ('lookup', 'listed'):
                raise RTSLibError('A target lookup needs its WWN')
            if fabric_module.needs_wwn():
                ports = ', '.join(fabric_module.wwns or []) or \
                    f'no local {fabric_module.name} ports found'
                raise RTSLibError(f'Fabric {fabric_module.name} cannot generate a WWN: give one '
                                  f"of its ports' WWNs ({ports})")
            wwn, self.wwn_type = fabric_module.generate_wwn(), fabric_module.wwn_types[0]
            generated = True
        elif mode == 'listed':
            wwn = str(wwn)
            self.wwn_type = next((t for t in fabric_module.wwn_types
                                  if is_valid(t, wwn)), None)
        else:
            # kept as given: rtslib-fb rewrites naa.6... to naa.5..., another disk's name
            wwn = str(wwn)
            wwn, self.wwn_type = fabric_module.to_normalized_wwn(wwn)
            ports = fabric_module.wwns
            if ports is not None and mode != 'lookup' and wwn not in ports:
                raise RTSLibError(f'{wwn} is not a local {fabric_module.name} port; use one of: '
                                  f'{", ".join(ports) or "(none found)"}')
        self._set_wwn(wwn)
        if mode in ('any', 'create'):
            fabric_module._check_self()
        elif mode == 'lookup' and not fabric_module.exists:
            raise RTSLibNotInCFS(f'No {self._label()} ({fabric_module.name} is not loaded)')
        if generated:
            self._create_generated()
        else:
            self._create_in_cfs(mode)

    def _set_wwn(self, wwn):
        self.wwn = wwn
        self._cfs_path = f'{self.fabric_module.cfs_path}/{self.fabric_module.to_fabric_wwn(wwn)}'

    def _create_generated(self):
        """mkdir a generated WWN; on EEXIST (someone made that one meanwhile) another."""
        for _ in range(GENERATE_TRIES):
            if self._mkdir_unless_taken():
                return
            self._set_wwn(self.fabric_module.generate_wwn())
        raise RTSLibError(f'Could not generate an unused WWN for {self.fabric_module.name} '
                          f'in {GENERATE_TRIES} tries: give one')

    def _label(self):
        return f'{self.fabric_module.name} target {self.wwn}'

    def __repr__(self):
        return f'<Target {self.fabric_module.name}/{self.wwn}>'

    def has_feature(self, feature):
        return self.fabric_module.has_feature(feature)

    @property
    def tpgs(self):
        self._check_self()
        for tag in sorted(numbered(self._listdir(), 'tpgt_')):
            yield TPG(self, tag, mode='listed')

    def tpg(self, tag=None, mode='any'):
        return TPG(self, tag, mode)

    def delete(self):
        """Delete the target with all its TPGs (under its lock: no TPG is made meanwhile)."""
        with locks.target(self):
            self._check_self()
            for tpg in list(self.tpgs):
                tpg.delete()
            self._rmdir()

    SAVE_FIELDS = ({'wwn': STR, 'fabric': STR}, {'tpgs': 'tpgs', 'parameters': PARAMS})

    def dump(self, warn=None):
        d = super().dump(warn)
        d['wwn'] = self.wwn
        # a view (iser) saves as the fabric it shows (iscsi)
        d['fabric'] = self.fabric_module.spec.get('view_of') or self.fabric_module.name
        d['tpgs'] = dump_children(self, 'tpgs', warn, lambda tpg: f'tpg {tpg.tag}')
        return d

    @classmethod
    def setup(cls, fabric_module, data, err_func):
        if 'wwn' not in data:
            err_func("'wwn' not defined for Target")
            return None
        target = made_or_reported(err_func, 'Could not create Target object',
                                  lambda: cls(fabric_module, data['wwn']))
        if target is None:
            return None
        set_parameters(target, data.get('parameters', {}), err_func)
        for tpg in data.get('tpgs', []):
            TPG.setup(target, tpg, err_func)
        return target


class TPG(CFSNode):
    """A target portal group: <target>/tpgt_<tag>."""

    _hint_kind = 'tpg'
    attr_groups = {'attribute': 'attrib', 'parameter': 'param', 'auth_attr': 'auth'}

    def __init__(self, parent_target, tag=None, mode='any', fs=None):
        if not isinstance(parent_target, Target):
            raise RTSLibError('Invalid parent Target')
        super().__init__(fs or parent_target.fs)
        self.parent_target = parent_target
        if not parent_target.has_feature('acls_auth'):
            self.attr_groups = {'attribute': 'attrib', 'parameter': 'param'}
        if tag is None and mode in ('lookup', 'listed'):
            raise RTSLibError('A TPG lookup needs its tag')
        if tag is not None:
            self._set_tag(tag)
        if mode in ('lookup', 'listed'):
            self._create_in_cfs(mode)
            return
        # the target's lock: the one-TPG check and the tag choice stay true, and a
        # target delete does not miss it
        with locks.target(parent_target):
            self._create(tag, mode)

    def _one_tpg_only(self, taken):
        return (f'{self.parent_target._label()} cannot have more than one TPG '
                f'(it has tpgt_{min(taken)})')

    def _set_tag(self, tag):
        self._tag = tag = number_in(tag, 'TPG tag', 0, MAX_TPG_TAG)
        self._cfs_path = f'{self.parent_target.cfs_path}/tpgt_{tag}'

    def _create(self, tag, mode):
        target = self.parent_target
        one_only = not self.has_feature('tpgts')
        if tag is None:
            taken = numbered(target._listdir(), 'tpgt_')
            if one_only and taken:
                raise RTSLibError(self._one_tpg_only(taken))
            # a fabric with one TPG per target can only take tag 1
            self._create_lowest_free(taken, 1, 2 if one_only else MAX_TPG_TAG + 1,
                                     self._set_tag, f'{target._label()} has no free TPG tag'
                                     if not one_only else self._one_tpg_only({1}))
            created = True
        else:
            if one_only and not self.exists:
                others = numbered(target._listdir(), 'tpgt_') - {tag}
                if others:
                    raise RTSLibError(self._one_tpg_only(others))
            created = self._create_in_cfs(mode)
        # rtslib-fb gives a nexus fabric's TPG a nexus at once: LUNs need it
        if self.has_feature('nexus') and not self._get_nexus():
            try:
                self._set_nexus()
            except RTSLibError:
                if created:
                    self._rmdir()
                raise

    tag = property(lambda self: self._tag, doc='The TPG tag (int).')

    def _label(self):
        return f'TPG {self._tag} of {self.parent_target._label()}'

    def __repr__(self):
        return f'<TPG {self._tag}>'

    def has_feature(self, feature):
        return self.parent_target.has_feature(feature)

    # -- enable / nexus ---------------------------------------------------------
    def _get_enable(self):
        # fabrics without an enable file are always enabled
        text = self._read_optional(self._path_of('enable'), '1', check_gone=True)
        return bool(int(text.strip() or 0))

    def _set_enable(self, enable):
        self._check_self()
        enable = bool(int(enable)) if isinstance(enable, str) else bool(enable)
        if not self.fs.exists(self._path_of('enable')) or enable == self._get_enable():
            return
        self._write('enable', str(int(enable)), action='enable' if enable else 'disable')

    enable = property(_get_enable, _set_enable, doc='The TPG enable bit (bool).')

    def _get_nexus(self):
        self._check_self()
        if not self.has_feature('nexus'):
            return None
        # the kernel answers ENODEV until a nexus is set
        return self._read_optional(self._path_of('nexus'), '').strip()

    def _set_nexus(self, nexus_wwn=None):
        self._check_self()
        if not self.has_feature('nexus'):
            raise RTSLibError(f'{self._label()} does not use a nexus')
        if self._get_nexus():
            raise RTSLibError(f"{self._label()}'s nexus is already set")
        fabric = self.parent_target.fabric_module
        if nexus_wwn:
            nexus_wwn = fabric.to_normalized_wwn(nexus_wwn)[0]
        else:
            nexus_wwn = fabric.generate_wwn()
        self._write('nexus', fabric.to_fabric_wwn(nexus_wwn), action='set the nexus of')

    nexus = property(_get_nexus, _set_nexus, doc='The loopback nexus WWN (set once).')

    # -- authentication ---------------------------------------------------------
    chap_userid = auth_prop('auth_attr', 'userid', missing_ok=True)
    chap_password = auth_prop('auth_attr', 'password', missing_ok=True)
    chap_mutual_userid = auth_prop('auth_attr', 'userid_mutual', missing_ok=True)
    chap_mutual_password = auth_prop('auth_attr', 'password_mutual', missing_ok=True)

    @property
    def authenticate_target(self):
        if 'auth_attr' not in self.attr_groups:
            return None
        try:
            return bool(int(self.get_auth_attr('authenticate_target') or 0))
        except RTSLibError:
            return None

    # -- children ---------------------------------------------------------------
    @property
    def luns(self):
        self._check_self()
        for n in sorted(numbered(self._listdir('lun'), 'lun_')):
            yield LUN(self, n, mode='listed')

    @property
    def network_portals(self):
        self._check_self()
        if not self.has_feature('nps'):
            return
        for name in self._listdir('np'):
            ip, _, port = name.rpartition(':')
            if ip and port.isdigit():
                yield NetworkPortal(self, ip, int(port), mode='listed')

    @property
    def node_acls(self):
        self._check_self()
        if not self.has_feature('acls'):
            return
        fabric = self.parent_target.fabric_module
        for name in self._listdir('acls'):
            yield NodeACL(self, fabric.from_fabric_wwn(name), mode='listed')

    @property
    def sessions(self):
        for acl in self.node_acls:
            if acl.session:
                yield acl.session

    @property
    def node_acl_groups(self):
        """rtslib-fb's NodeACLGroup per distinct ACL tag."""
        from rtslib.groups import NodeACLGroup
        names = sorted({acl.tag for acl in self.node_acls if acl.tag})
        return (NodeACLGroup(self, name) for name in names)

    def lun(self, lun=None, storage_object=None, alias=None):
        self._check_self()
        return LUN(self, lun, storage_object, alias)

    def node_acl(self, node_wwn, mode='any'):
        self._check_self()
        return NodeACL(self, node_wwn, mode)

    def network_portal(self, ip_address, port=3260, mode='any'):
        self._check_self()
        return NetworkPortal(self, ip_address, port, mode)

    def delete(self):
        """Disable, then delete ACLs, LUNs and portals, then the TPG (under the target's
        and its own lock: nothing is added below it meanwhile)."""
        with locks.target(self.parent_target), locks.tpg(self):
            self._check_self()
            self.enable = False
            for acl in list(self.node_acls):
                acl.delete()
            for lun in list(self.luns):
                lun.delete()
            for portal in list(self.network_portals):
                portal.delete()
            self._rmdir()

    SAVE_FIELDS = ({}, dict({'tag': INT, 'enable': BOOL, 'luns': 'luns', 'portals': 'portals',
                             'node_acls': 'node_acls', 'attributes': ATTRS,
                             'parameters': PARAMS}, **AUTH))

    def dump(self, warn=None):
        """Under the TPG's lock, so that a save beside one-shot commands holds no
        mapped LUN whose LUN it does not hold."""
        with locks.tpg(self):
            return self._dump(warn)

    def _dump(self, warn):
        d = super().dump(warn)
        d['tag'] = self._tag
        d['enable'] = self.enable
        d['luns'] = dump_children(self, 'luns', warn, lambda lun: f'lun {lun.lun}')
        d['portals'] = dump_children(self, 'network_portals', warn,
                                     lambda p: f'portal {p.ip_address}:{p.port}')
        d['node_acls'] = dump_children(self, 'node_acls', warn,
                                       lambda acl: f'acl {acl.node_wwn}')
        dump_chap(self, d)
        return d

    @classmethod
    def setup(cls, target, data, err_func):
        tpg = made_or_reported(err_func, f"Could not create TPG {data.get('tag')}",
                               lambda: cls(target, tag=data.get('tag')))
        if tpg is None:
            return None
        set_attributes(tpg, data.get('attributes', {}), err_func)
        set_parameters(tpg, data.get('parameters', {}), err_func)
        for lun in data.get('luns', []):
            LUN.setup(tpg, lun, err_func)
        for portal in data.get('portals', []):
            NetworkPortal.setup(tpg, portal, err_func)
        for acl in data.get('node_acls', []):
            NodeACL.setup(tpg, acl, err_func)
        for attr in AUTH_PARAMS:
            if data.get('chap_' + attr):
                try:
                    setattr(tpg, 'chap_' + attr, data['chap_' + attr])
                except RTSLibError as e:
                    err_func(str(e))
        if data.get('nexus') and tpg.has_feature('nexus') and not tpg.nexus:
            tpg.nexus = data['nexus']
        try:
            tpg.enable = data.get('enable', True)
        except RTSLibError as e:
            err_func(str(e))
        return tpg


# A TPG and the objects below it refer to each other: these names are imported
# last, so that any of the modules can be imported first.
from rtslib.lun import LUN, MAX_LUN, MappedLUN  # noqa: E402,F401
from rtslib.node_acl import NodeACL  # noqa: E402
from rtslib.portal import NetworkPortal, portal_address  # noqa: E402,F401

__all__ = ['Target', 'TPG', 'LUN', 'NetworkPortal', 'NodeACL', 'MappedLUN']
