"""rtslib-fb's NodeACLGroup and MappedLUNGroup: NodeACLs sharing a tag, managed as one.

No configfs object of their own: a group is the set of a TPG's ACLs whose
`tag` file holds the group name; reads go to the first member, writes to all.
"""
from rtslib.errors import RTSLibError
from rtslib.lun import MappedLUN
from rtslib.node_acl import NodeACL


def _check_group_name(name):
    if '.' in str(name):  # every WWN has a '.', so a group name must not
        raise RTSLibError(f"Invalid group name '{name}': '.' is not permitted")


class _Group:
    def __init__(self, members):
        self._members = members  # callable: iterator of member objects

    def _first(self):
        try:
            return next(iter(self._members()))
        except StopIteration:
            raise IndexError('Group is empty') from None

    def _get(self, prop):
        return getattr(self._first(), prop)

    def _set(self, prop, value):
        for member in self._members():
            setattr(member, prop, value)

    def list_attributes(self, writable=None, readable=None):
        return self._first().list_attributes(writable, readable)

    def list_parameters(self, writable=None, readable=None):
        return self._first().list_parameters(writable, readable)

    def get_attribute(self, attribute):
        return self._first().get_attribute(attribute)

    def get_parameter(self, parameter):
        return self._first().get_parameter(parameter)

    def set_attribute(self, attribute, value):
        for member in self._members():
            member.set_attribute(attribute, value)

    def set_parameter(self, parameter, value):
        for member in self._members():
            member.set_parameter(parameter, value)

    def delete(self):
        for member in list(self._members()):
            member.delete()

    @property
    def exists(self):
        return any(True for _ in self._members())


def _group_prop(prop, writable=True):
    return property(lambda self: self._get(prop),
                    (lambda self, value: self._set(prop, value)) if writable else None)


class NodeACLGroup(_Group):
    """The ACLs of a TPG whose tag is `name`."""

    def __init__(self, parent_tpg, name):
        _check_group_name(name)
        super().__init__(lambda: self._node_acls)
        self.parent_tpg, self._name = parent_tpg, str(name)

    def __repr__(self):
        return f'<NodeACLGroup {self._name}>'

    @property
    def _node_acls(self):
        return (acl for acl in self.parent_tpg.node_acls if acl.tag == self._name)

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, name):
        _check_group_name(name)
        for acl in list(self._node_acls):
            acl.tag = name
        self._name = str(name)

    @property
    def wwns(self):
        return (acl.node_wwn for acl in self._node_acls)

    @property
    def sessions(self):
        return (acl.session for acl in self._node_acls if acl.session)

    def has_feature(self, feature):
        return self.parent_tpg.has_feature(feature)

    def add_acl(self, node_wwn):
        """Add an initiator; it takes the group's mapped LUNs and attributes."""
        acl = NodeACL(self.parent_tpg, node_wwn)
        members = [m for m in self._node_acls if m != acl]
        if acl.tag == self._name:
            return
        if members:
            model = members[0]
            for mlun in list(acl.mapped_luns):
                mlun.delete()
            for mlun in model.mapped_luns:
                MappedLUN(acl, mlun.mapped_lun, mlun.tpg_lun, mlun.write_protect)
            for name in model.list_attributes(writable=True):
                value = model.get_attribute(name)
                if acl.get_attribute(name) != value:  # e.g. authentication -1 reads
                    acl.set_attribute(name, value)    # back but cannot be written
        acl.tag = self._name

    def remove_acl(self, node_wwn):
        NodeACL(self.parent_tpg, node_wwn, mode='lookup').delete()

    def mapped_lun_group(self, mapped_lun, tpg_lun=None, write_protect=None):
        return MappedLUNGroup(self, mapped_lun, tpg_lun, write_protect)

    @property
    def mapped_lun_groups(self):
        try:
            first = self._first()
        except IndexError:
            return
        for mlun in first.mapped_luns:
            yield MappedLUNGroup(self, mlun.mapped_lun)

    def _chap(self, name):
        return ((acl.node_wwn, getattr(acl, 'chap_' + name)) for acl in self._node_acls)

    def _set_chap(self, name, value, wwn=None):
        for acl in self._node_acls:
            if wwn is None or acl.node_wwn == wwn:
                setattr(acl, 'chap_' + name, value)

    def get_userids(self):
        return self._chap('userid')

    def set_userids(self, value, wwn=None):
        self._set_chap('userid', value, wwn)

    def get_passwords(self):
        return self._chap('password')

    def set_passwords(self, value, wwn=None):
        self._set_chap('password', value, wwn)

    def get_mutual_userids(self):
        return self._chap('mutual_userid')

    def set_mutual_userids(self, value, wwn=None):
        self._set_chap('mutual_userid', value, wwn)

    def get_mutual_passwords(self):
        return self._chap('mutual_password')

    def set_mutual_passwords(self, value, wwn=None):
        self._set_chap('mutual_password', value, wwn)

    tcq_depth = _group_prop('tcq_depth')
    authenticate_target = _group_prop('authenticate_target', writable=False)


class MappedLUNGroup(_Group):
    """Mapped LUN `mapped_lun` across every ACL of a NodeACLGroup."""

    def __init__(self, nodeaclgroup, mapped_lun, *args, **kwargs):
        super().__init__(lambda: self._mapped_luns)
        self._nag, self._mapped_lun = nodeaclgroup, int(mapped_lun)
        tpg_lun = args[0] if args else kwargs.get('tpg_lun')
        if tpg_lun is not None:  # create on every member; else a lookup
            for acl in list(nodeaclgroup._node_acls):
                MappedLUN(acl, self._mapped_lun, *args, **kwargs)

    def __repr__(self):
        return f'<MappedLUNGroup {self._nag.name}:lun {self._mapped_lun}>'

    @property
    def _mapped_luns(self):
        for acl in self._nag._node_acls:
            for mlun in acl.mapped_luns:
                if mlun.mapped_lun == self._mapped_lun:
                    yield mlun

    mapped_lun = property(lambda self: self._mapped_lun)
    parent_nodeaclgroup = property(lambda self: self._nag)
    write_protect = _group_prop('write_protect')
    tpg_lun = _group_prop('tpg_lun', writable=False)
