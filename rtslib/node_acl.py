"""An initiator's node ACL: <tpg>/acls/<wwn>, with its mapped LUNs and session."""
from rtslib import locks
from rtslib import session as session_info
from rtslib.errors import RTSLibError
from rtslib.fields import ATTRS, AUTH, OPT_STR, STR
from rtslib.node import (AUTH_PARAMS, CFSNode, auth_prop, dump_chap, dump_children,
                         made_or_reported, numbered, set_attributes)


class NodeACL(CFSNode):
    """An initiator's ACL: <tpg>/acls/<wwn>."""

    attr_groups = {'attribute': 'attrib', 'parameter': 'param', 'auth_attr': 'auth'}
    # (its param files show the session's values: the kernel makes them read-only)

    def __init__(self, parent_tpg, node_wwn, mode='any', fs=None):
        if not isinstance(parent_tpg, TPG):
            raise RTSLibError('Invalid parent TPG')
        super().__init__(fs or parent_tpg.fs)
        self.parent_tpg = parent_tpg
        fabric = parent_tpg.parent_target.fabric_module
        if mode == 'listed':
            self._node_wwn, self.wwn_type = str(node_wwn), None
        else:
            if not parent_tpg.has_feature('acls'):
                raise RTSLibError(f'{parent_tpg._label()} has no ACLs (fabric {fabric.name})')
            self._node_wwn, self.wwn_type = fabric.to_normalized_wwn(node_wwn)
        if not parent_tpg.has_feature('acls_auth'):
            self.attr_groups = {'attribute': 'attrib', 'parameter': 'param'}
        self._cfs_path = f'{parent_tpg.cfs_path}/acls/{fabric.to_fabric_wwn(self._node_wwn)}'
        self._create_in_tpg(parent_tpg, mode)

    node_wwn = property(lambda self: self._node_wwn)

    def _label(self):
        return f'ACL {self._node_wwn} of {self.parent_tpg._label()}'

    def __repr__(self):
        return f'<NodeACL {self._node_wwn}>'

    def has_feature(self, feature):
        return self.parent_tpg.has_feature(feature)

    def _get_tcq_depth(self):
        self._check_self()
        return self._read('cmdsn_depth')

    def _set_tcq_depth(self, depth):
        self._check_self()
        self._write('cmdsn_depth', str(depth), action=f'set tcq_depth={depth} on')

    tcq_depth = property(_get_tcq_depth, _set_tcq_depth, doc='Command queue depth.')

    def _get_tag(self):
        self._check_self()
        return (self._read_optional(self._path_of('tag')) or '').strip() or None

    def _set_tag(self, tag):
        self._check_self()
        self._write('tag', 'NULL' if tag is None else str(tag), action='set the tag of')

    tag = property(_get_tag, _set_tag, doc='The ACL tag (group name) or None.')

    chap_userid = auth_prop('auth_attr', 'userid')
    chap_password = auth_prop('auth_attr', 'password')
    chap_mutual_userid = auth_prop('auth_attr', 'userid_mutual')
    chap_mutual_password = auth_prop('auth_attr', 'password_mutual')

    @property
    def authenticate_target(self):
        return bool(int(self.get_auth_attr('authenticate_target') or 0))

    @property
    def mapped_luns(self):
        self._check_self()
        for n in sorted(numbered(self._listdir(), 'lun_')):
            yield MappedLUN(self, n, mode='listed')

    def mapped_lun(self, mapped_lun, tpg_lun=None, write_protect=None):
        self._check_self()
        return MappedLUN(self, mapped_lun, tpg_lun, write_protect)

    @property
    def session(self):
        """The initiator's session as rtslib-fb parses it from info, or None.
        Fabrics whose ACLs have no info file (srpt, vhost, ...) show a session in
        a mapped LUN's attached-port statistics, readable only while logged in."""
        text = self._read_optional(self._path_of('info'))
        if text is not None:
            return session_info.parse(text.splitlines(), self)
        for mlun in self.mapped_luns:
            return session_info.from_port(*mlun.read_statistics(session_info.PORT_FILES), self)
        return None

    @property
    def sessions(self):
        if self.session:
            yield self.session

    def delete(self):
        with locks.tpg(self.parent_tpg):    # no LUN is mapped into it meanwhile
            self._check_self()
            for mlun in list(self.mapped_luns):
                mlun.delete()
            self._rmdir()

    SAVE_FIELDS = ({'node_wwn': STR}, dict({'attributes': ATTRS, 'mapped_luns': 'mapped_luns',
                                            'tag': OPT_STR}, **AUTH))

    def dump(self, warn=None):
        d = super().dump(warn)
        d['node_wwn'] = self._node_wwn
        d['mapped_luns'] = dump_children(self, 'mapped_luns', warn,
                                         lambda mlun: f'mapped lun {mlun.mapped_lun}')
        if self.tag:
            d['tag'] = self.tag
        dump_chap(self, d)
        return d

    @classmethod
    def setup(cls, tpg, data, err_func):
        if 'node_wwn' not in data:
            err_func("'node_wwn' missing in node_acl")
            return None
        acl = made_or_reported(err_func, f"Error when creating NodeACL for {data['node_wwn']}",
                               lambda: cls(tpg, data['node_wwn']))
        if acl is None:
            return None
        set_attributes(acl, data.get('attributes', {}), err_func)
        for mlun in data.get('mapped_luns', []):
            MappedLUN.setup(tpg, acl, mlun, err_func)
        for name in ('tcq_depth', 'tag') + tuple('chap_' + a for a in AUTH_PARAMS):
            if data.get(name):
                try:
                    setattr(acl, name, data[name])
                except RTSLibError as e:
                    err_func(f"Could not set nodeacl {data['node_wwn']} {name}: {e}")
        return acl


# A TPG and the objects below it refer to each other: these names are imported
# last, so that any of the modules can be imported first.
from rtslib.lun import MappedLUN  # noqa: E402
from rtslib.target import TPG  # noqa: E402
