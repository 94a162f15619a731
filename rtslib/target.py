"""Targets and what hangs below them: TPG, LUN, NetworkPortal, NodeACL, MappedLUN.

Paths as the kernel makes them:
  <fabric>/<wwn>/tpgt_<tag>/lun/lun_<n>/<alias> -> core/<hba>_<i>/<so>
  <fabric>/<wwn>/tpgt_<tag>/np/<ip>:<port>
  <fabric>/<wwn>/tpgt_<tag>/acls/<wwn>/lun_<m>/<alias> -> ../lun/lun_<n>
Looking an object up costs a stat of its own directory; listing children
costs one listdir of the parent and yields objects without further I/O.
"""
import errno
import ipaddress
import re

from rtslib import tcm
from rtslib.errors import RTSLibBrokenLink, RTSLibError, RTSLibNotInCFS, kernel_error
from rtslib.node import CFSNode, auth_prop, set_attributes, set_parameters
from rtslib.wwn import is_valid

AUTH_PARAMS = ('userid', 'password', 'mutual_userid', 'mutual_password')
MAX_TPG_TAG = 65535
MAX_LUN = 65535
_LUN_PATH = re.compile(r'/lun/lun_(\d+)$')


def _lowest_free(used, start=0, stop=MAX_LUN + 1):
    for n in range(start, stop):
        if n not in used:
            return n
    return None


def _indexes(names, prefix):
    """{N for prefix_N in names}."""
    out = set()
    for name in names:
        if name.startswith(prefix) and name[len(prefix):].isdigit():
            out.add(int(name[len(prefix):]))
    return out


def _dump_chap(node, d):
    """The CHAP settings a TPG or ACL has, into its dump (rtslib-fb's chap_* keys)."""
    if node.has_feature('acls_auth'):
        for attr in AUTH_PARAMS:
            value = getattr(node, 'chap_' + attr)
            if value:
                d['chap_' + attr] = value


class Target(CFSNode):
    """A target: <fabric>/<wwn>."""

    _kind = 'target'
    attr_groups = {'parameter': 'param'}

    def __init__(self, fabric_module, wwn=None, mode='any', fs=None):
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
        elif mode == 'listed':
            wwn = str(wwn)
            self.wwn_type = next((t for t in fabric_module.wwn_types
                                  if is_valid(t, wwn)), None)
        else:
            wwn = str(wwn)
            if wwn.startswith('naa.6'):  # old versions used a wrong NAA prefix
                wwn = 'naa.5' + wwn[5:]
            wwn, self.wwn_type = fabric_module.to_normalized_wwn(wwn)
            ports = fabric_module.wwns
            if ports is not None and mode != 'lookup' and wwn not in ports:
                raise RTSLibError(f'{wwn} is not a local {fabric_module.name} port; use one of: '
                                  f'{", ".join(ports) or "(none found)"}')
        self.wwn = wwn
        self._rel = f'{fabric_module.cfs_path}/{fabric_module.to_fabric_wwn(wwn)}'
        if mode in ('any', 'create'):
            fabric_module._check_self()
        elif mode == 'lookup' and not fabric_module.exists:
            raise RTSLibNotInCFS(f'No {self._label()} ({fabric_module.name} is not loaded)')
        self._create_in_cfs(mode)

    def _label(self):
        return f'{self.fabric_module.name} target {self.wwn}'

    def __repr__(self):
        return f'<Target {self.fabric_module.name}/{self.wwn}>'

    def has_feature(self, feature):
        return self.fabric_module.has_feature(feature)

    @property
    def tpgs(self):
        self._check_self()
        for tag in sorted(_indexes(self._listdir(), 'tpgt_')):
            yield TPG(self, tag, mode='listed')

    def tpg(self, tag=None, mode='any'):
        return TPG(self, tag, mode)

    def delete(self):
        """Delete the target with all its TPGs."""
        self._check_self()
        for tpg in list(self.tpgs):
            tpg.delete()
        self._rmdir()

    def dump(self):
        d = super().dump()
        d['wwn'] = self.wwn
        # a view (iser) saves as the fabric it shows (iscsi)
        d['fabric'] = self.fabric_module.spec.get('view_of') or self.fabric_module.name
        d['tpgs'] = [tpg.dump() for tpg in self.tpgs]
        return d

    @classmethod
    def setup(cls, fabric_module, data, err_func):
        if 'wwn' not in data:
            err_func("'wwn' not defined for Target")
            return None
        try:
            target = cls(fabric_module, data['wwn'])
        except RTSLibError as e:
            err_func(f'Could not create Target object: {e}')
            return None
        set_parameters(target, data.get('parameters', {}), err_func)
        for tpg in data.get('tpgs', []):
            TPG.setup(target, tpg, err_func)
        return target


class TPG(CFSNode):
    """A target portal group: <target>/tpgt_<tag>."""

    _kind = 'tpg'
    attr_groups = {'attribute': 'attrib', 'parameter': 'param', 'auth_attr': 'auth'}

    def __init__(self, parent_target, tag=None, mode='any', fs=None):
        if not isinstance(parent_target, Target):
            raise RTSLibError('Invalid parent Target')
        super().__init__(fs or parent_target.fs)
        self.parent_target = parent_target
        if not parent_target.has_feature('acls_auth'):
            self.attr_groups = {'attribute': 'attrib', 'parameter': 'param'}
        if tag is None:
            if mode in ('lookup', 'listed'):
                raise RTSLibError('A TPG lookup needs its tag')
            tag = _lowest_free(_indexes(parent_target._listdir(), 'tpgt_'), 1, MAX_TPG_TAG + 1)
            if tag is None:
                raise RTSLibError(f'{parent_target._label()} has no free TPG tag')
        try:
            tag = int(tag)
        except ValueError:
            raise RTSLibError(f"Invalid TPG tag '{tag}': give a number 0-{MAX_TPG_TAG}") from None
        if not 0 <= tag <= MAX_TPG_TAG:
            raise RTSLibError(f'Invalid TPG tag {tag}: the kernel takes 0-{MAX_TPG_TAG}')
        self._tag = tag
        self._rel = f'{parent_target.cfs_path}/tpgt_{tag}'
        if mode in ('any', 'create') and not self.has_feature('tpgts') and not self.exists:
            others = _indexes(parent_target._listdir(), 'tpgt_') - {tag}
            if others:
                raise RTSLibError(f'{parent_target._label()} cannot have more than one TPG '
                                  f'(it has tpgt_{min(others)})')
        created = self._create_in_cfs(mode)
        # rtslib-fb gives a nexus fabric's TPG a nexus at once: LUNs need it
        if mode in ('any', 'create') and self.has_feature('nexus') and not self._get_nexus():
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
        try:
            return bool(int(self.fs.read(self._sub('enable')).strip() or 0))
        except OSError:
            self._raise_if_gone()
            return True  # fabrics without an enable file are always enabled

    def _set_enable(self, enable):
        self._check_self()
        enable = bool(int(enable)) if isinstance(enable, str) else bool(enable)
        if not self.fs.exists(self._sub('enable')) or enable == self._get_enable():
            return
        self._write('enable', str(int(enable)), action='enable' if enable else 'disable')

    enable = property(_get_enable, _set_enable, doc='The TPG enable bit (bool).')

    def _get_nexus(self):
        self._check_self()
        if not self.has_feature('nexus'):
            return None
        try:
            return self.fs.read(self._sub('nexus')).strip()
        except OSError:
            return ''  # the kernel answers ENODEV until a nexus is set

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
        for n in sorted(_indexes(self._listdir('lun'), 'lun_')):
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
        """Disable, then delete ACLs, LUNs and portals, then the TPG."""
        self._check_self()
        self.enable = False
        for acl in list(self.node_acls):
            acl.delete()
        for lun in list(self.luns):
            lun.delete()
        for portal in list(self.network_portals):
            portal.delete()
        self._rmdir()

    def dump(self):
        d = super().dump()
        d['tag'] = self._tag
        d['enable'] = self.enable
        d['luns'] = [lun.dump() for lun in self.luns]
        d['portals'] = [portal.dump() for portal in self.network_portals]
        d['node_acls'] = [acl.dump() for acl in self.node_acls]
        _dump_chap(self, d)
        return d

    @classmethod
    def setup(cls, target, data, err_func):
        try:
            tpg = cls(target, tag=data.get('tag'))
        except RTSLibError as e:
            err_func(f'Could not create TPG {data.get("tag")}: {e}')
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


class _LinkedNode(CFSNode):
    """A LUN or mapped-LUN dir: the kernel's FILES plus one symlink named by the alias."""

    FILES = frozenset()

    def _link_entry(self):
        """(alias, root-relative target) of the link: one listdir and one readlink.

        readlink tells a link from a file itself (EINVAL), so no lstat is needed:
        an ls or a save reads this for every LUN and mapped LUN."""
        for name in self._listdir():
            if name in self.FILES:
                continue
            try:
                return name, self.fs.readlink(self._sub(name))
            except OSError as e:
                if e.errno != errno.EINVAL:
                    self._raise_if_gone()
                    raise kernel_error(e, 'read the link of', self._label()) from None
        raise RTSLibBrokenLink(f'{self._label()} has no link: it is broken; delete and '
                               'recreate it')

    alias = property(lambda self: self._link_entry()[0])

    def _link(self, target, alias):
        # the label is a chain of f-strings up to the fabric: made only on failure,
        # not for each of a restore's 100,000 links
        self._call('symlink', target.cfs_path, self._sub(alias),
                   action=lambda: f'link {target._label()} to', key='link')

    def _link_rel(self):
        """Where the alias link points (root-relative)."""
        return self._link_entry()[1]

    def links_to(self, node):
        """True if the alias link points at `node` (a broken link points nowhere)."""
        try:
            return self._link_rel() == node.cfs_path
        except RTSLibError:
            return False

    def _unlink(self):
        """Remove the link (if any): unlink refuses a file (EPERM) or a dir (EISDIR) itself,
        so neither an lstat nor a readlink is needed first."""
        for name in self._listdir():
            if name in self.FILES:
                continue
            try:
                self.fs.unlink(self._sub(name))
                return
            except OSError as e:
                if e.errno not in (errno.EPERM, errno.EISDIR):
                    self._raise_if_gone()
                    raise kernel_error(e, 'unlink', self._label()) from None
        # no link: the dir can go


class LUN(_LinkedNode):
    """A TPG LUN: <tpg>/lun/lun_<n>, linked to a storage object."""

    FILES = frozenset({'alua_tg_pt_gp', 'alua_tg_pt_offline', 'alua_tg_pt_status',
                       'alua_tg_pt_write_md', 'statistics'})
    MAX_TARGET_LUN = MAX_LUN

    def __init__(self, parent_tpg, lun=None, storage_object=None, alias=None, mode=None,
                 fs=None):
        if not isinstance(parent_tpg, TPG):
            raise RTSLibError('Invalid parent TPG')
        super().__init__(fs or parent_tpg.fs)
        self.parent_tpg = parent_tpg
        if lun is None:
            if storage_object is None:
                raise RTSLibError('A LUN lookup needs its number')
            lun = _lowest_free(_indexes(parent_tpg._listdir('lun'), 'lun_'))
            if lun is None:
                raise RTSLibError(f'All LUNs 0-{MAX_LUN} of {parent_tpg._label()} are in use')
        try:
            lun = int(lun)
        except ValueError:
            raise RTSLibError(f"Invalid LUN '{lun}': give a number 0-{MAX_LUN}") from None
        if not 0 <= lun <= MAX_LUN:
            raise RTSLibError(f'Invalid LUN {lun}: use 0-{MAX_LUN}')
        self._lun = lun
        self._rel = f'{parent_tpg.cfs_path}/lun/lun_{lun}'
        if storage_object is None and alias is not None:
            raise RTSLibError('A LUN alias has no meaning without a storage object')
        if mode == 'listed':
            return
        if storage_object is None:
            self._create_in_cfs('lookup')
            return
        alias = tcm.new_alias() if alias is None else str(alias).strip()
        if not alias or '/' in alias:
            raise RTSLibError(f"Invalid LUN alias '{alias}': it cannot be empty or contain '/'")
        if not storage_object.exists:
            raise RTSLibError(f'Cannot export {storage_object._label()}: it does not exist')
        self._create_in_cfs('create')
        try:
            self._link(storage_object, alias)
        except RTSLibError:
            self._rmdir()
            raise

    lun = property(lambda self: self._lun, doc='The LUN number.')
    index = lun

    def _label(self):
        return f'LUN {self._lun} of {self.parent_tpg._label()}'

    def __repr__(self):
        return f'<LUN {self._lun}>'

    @property
    def storage_object(self):
        return tcm.so_from_path(self.fs, self._link_rel())

    @property
    def mapped_luns(self):
        """Mapped LUNs of the TPG's ACLs that point at this LUN."""
        self._check_self()
        for acl in self.parent_tpg.node_acls:
            yield from (mlun for mlun in acl.mapped_luns if mlun.links_to(self))

    def _get_alua_tg_pt_gp_name(self):
        return self.alua_tg_pt_gp_name_with(self.storage_object)

    def alua_tg_pt_gp_name_with(self, storage_object):
        """alua_tg_pt_gp_name when the caller has resolved the storage object already
        (an ls shows both: resolving the link twice was a third of a LUN's cost)."""
        if not storage_object.alua_supported:
            return None
        try:
            info = self.fs.read(self._sub('alua_tg_pt_gp'))
        except OSError:
            self._raise_if_gone()
            return None
        first = info.splitlines()[0] if info.strip() else ''
        return first.split(':', 1)[1].strip() if ':' in first else None

    def _set_alua_tg_pt_gp_name(self, name):
        self._check_self()
        if not self._get_alua_tg_pt_gp_name():
            raise RTSLibError(f'{self._label()}: its storage object has no ALUA support')
        self._call('write', self._sub('alua_tg_pt_gp'), name, action='move',
                   what=f'{self._label()} into ALUA group {name}', key='alua')

    alua_tg_pt_gp_name = property(_get_alua_tg_pt_gp_name, _set_alua_tg_pt_gp_name)

    def delete(self):
        """Delete the LUN with the mapped LUNs that use it."""
        self._check_self()
        for mlun in list(self.mapped_luns):
            mlun.delete()
        self._delete_unmapped()

    def _delete_unmapped(self):
        """Delete a LUN no mapped LUN uses any more (clearconfig removed them all first:
        looking again costs a listdir per ACL per LUN)."""
        self._unlink()
        self._rmdir()

    def dump(self):
        alias, rel = self._link_entry()
        so = tcm.so_from_path(self.fs, rel)
        return {'storage_object': f'/backstores/{so.plugin}/{so.name}', 'index': self._lun,
                'alias': alias, 'alua_tg_pt_gp_name': self.alua_tg_pt_gp_name_with(so)}

    @classmethod
    def setup(cls, tpg, data, err_func):
        if 'index' not in data:
            err_func(f"'index' missing from a LUN in TPG {tpg.tag}")
            return None
        try:
            _, _, plugin, name = data['storage_object'].split('/')
            so = tcm.so_mapping[plugin](name, fs=tpg.fs)
        except (KeyError, ValueError, AttributeError, RTSLibError):
            err_func(f"Could not find storage object {data.get('storage_object')} for "
                     f"LUN {data['index']}")
            return None
        try:
            lun = cls(tpg, data['index'], storage_object=so, alias=data.get('alias'))
        except RTSLibError as e:
            err_func(f"Creating TPG {tpg.tag} LUN {data['index']} failed: {e}")
            return None
        group = data.get('alua_tg_pt_gp_name')
        if group and group != 'default_tg_pt_gp':
            try:
                lun.alua_tg_pt_gp_name = group
            except RTSLibError as e:
                err_func(str(e))
        return lun


def portal_address(ip_address):
    """Validate an IP address; IPv6 goes in brackets as the kernel's np dir names."""
    text = str(ip_address).strip()
    bare = text[1:-1] if text.startswith('[') and text.endswith(']') else text
    try:
        addr = ipaddress.ip_address(bare)
    except ValueError:
        raise RTSLibError(f"Invalid portal address '{ip_address}': give an IPv4 address "
                          f"(e.g. 192.168.1.10) or an IPv6 one (e.g. [::1])") from None
    return f'[{addr.compressed}]' if addr.version == 6 else addr.compressed


class NetworkPortal(CFSNode):
    """An iSCSI network portal: <tpg>/np/<ip>:<port>."""

    _kind = 'portal'
    def __init__(self, parent_tpg, ip_address, port=3260, mode='any', fs=None):
        if not isinstance(parent_tpg, TPG):
            raise RTSLibError('Invalid parent TPG')
        super().__init__(fs or parent_tpg.fs)
        self.parent_tpg = parent_tpg
        try:
            self._port = int(port)
        except ValueError:
            raise RTSLibError(f"Invalid port '{port}': give a number 1-65535") from None
        if not 0 < self._port < 65536:
            raise RTSLibError(f'Invalid port {self._port}: use 1-65535')
        self._ip_address = str(ip_address) if mode == 'listed' else portal_address(ip_address)
        if not parent_tpg.has_feature('nps') and mode != 'listed':
            raise RTSLibError(f'{parent_tpg._label()} has no network portals (fabric '
                              f'{parent_tpg.parent_target.fabric_module.name})')
        self._rel = f'{parent_tpg.cfs_path}/np/{self._ip_address}:{self._port}'
        self._create_in_cfs(mode)

    ip_address = property(lambda self: self._ip_address)
    port = property(lambda self: self._port)

    def _label(self):
        return f'portal {self._ip_address}:{self._port}'

    def __repr__(self):
        return f'<NetworkPortal {self._ip_address} port {self._port}>'

    def _get_flag(self, name):
        try:
            return bool(int(self.fs.read(self._sub(name)).strip() or 0))
        except (OSError, ValueError):
            return False

    def _set_flag(self, name, what, value):
        self._check_self()
        value = bool(int(value)) if isinstance(value, str) else bool(value)
        if not value and not self.fs.exists(self._sub(name)):
            return  # older kernels have no such file: nothing to turn off
        self._write(name, str(int(value)), action=f'{"enable" if value else "disable"} {what} on')

    iser = property(lambda self: self._get_flag('iser'),
                    lambda self, v: self._set_flag('iser', 'iSER', v),
                    doc='iSER on this portal (the portal\'s iser file).')
    # the only offload the kernel has is Chelsio's, in the file cxgbit
    offload = property(lambda self: self._get_flag('cxgbit'),
                       lambda self, v: self._set_flag('cxgbit', 'offload', v),
                       doc='Hardware offload on this portal (the cxgbit file).')

    # the Datera API's names
    def _set_iser_attr(self, value):
        self.iser = value

    def _get_iser_attr(self):
        return self.iser

    def delete(self):
        self._check_self()
        if self.iser:
            self.iser = False
        if self.offload:
            self.offload = False
        self._rmdir()

    def dump(self):
        return {'port': self._port, 'ip_address': self._ip_address, 'iser': self.iser,
                'offload': self.offload}

    @classmethod
    def setup(cls, tpg, data, err_func):
        if 'ip_address' not in data or 'port' not in data:
            err_func(f"'ip_address' or 'port' missing from a portal in TPG {tpg.tag}")
            return None
        try:
            portal = cls(tpg, data['ip_address'], data['port'])
            if data.get('iser'):
                portal.iser = True
            if data.get('offload'):
                portal.offload = True
        except RTSLibError as e:
            err_func(f"Creating portal {data['ip_address']}:{data['port']} failed: {e}")
            return None
        return portal


class NodeACL(CFSNode):
    """An initiator's ACL: <tpg>/acls/<wwn>."""

    attr_groups = {'attribute': 'attrib', 'parameter': 'param', 'auth_attr': 'auth'}
    # an ACL's param files show the session's values: all read-only
    readonly_names = dict(CFSNode.readonly_names, param='*')

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
        self._rel = f'{parent_tpg.cfs_path}/acls/{fabric.to_fabric_wwn(self._node_wwn)}'
        self._create_in_cfs(mode)

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
        try:
            return self.fs.read(self._sub('tag')).strip() or None
        except OSError:
            return None

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
        for n in sorted(_indexes(self._listdir(), 'lun_')):
            yield MappedLUN(self, n, mode='listed')

    def mapped_lun(self, mapped_lun, tpg_lun=None, write_protect=None):
        self._check_self()
        return MappedLUN(self, mapped_lun, tpg_lun, write_protect)

    @property
    def session(self):
        """The initiator's session as rtslib-fb parses it from info, or None."""
        try:
            lines = self.fs.read(self._sub('info')).splitlines()
        except OSError:
            return None
        if not lines or lines[0].startswith('No active'):
            return None
        session = {'parent_nodeacl': self, 'connections': []}
        for line in lines:
            if line.startswith('InitiatorAlias:'):
                session['alias'] = line.split(':', 1)[1].strip()
            elif line.startswith('LIO Session ID:'):
                session['id'] = int(line.split(':')[1].split()[0])
                session['type'] = line.split('SessionType:')[1].split()[0].strip()
            elif 'TARG_SESS_STATE_' in line:
                session['state'] = line.split('_STATE_')[1].split()[0]
            elif 'TARG_CONN_STATE_' in line:
                session['connections'].append({
                    'cid': int(line.split(':')[1].split()[0]),
                    'cstate': line.split('_STATE_')[1].split()[0]})
            elif 'Address' in line and session['connections']:
                parts = line.split()
                session['connections'][-1].update(address=parts[1], transport=parts[2])
        return session

    @property
    def sessions(self):
        if self.session:
            yield self.session

    def delete(self):
        self._check_self()
        for mlun in list(self.mapped_luns):
            mlun.delete()
        self._rmdir()

    def dump(self):
        d = super().dump()
        d['node_wwn'] = self._node_wwn
        d['mapped_luns'] = [mlun.dump() for mlun in self.mapped_luns]
        if self.tag:
            d['tag'] = self.tag
        _dump_chap(self, d)
        return d

    @classmethod
    def setup(cls, tpg, data, err_func):
        if 'node_wwn' not in data:
            err_func("'node_wwn' missing in node_acl")
            return None
        try:
            acl = cls(tpg, data['node_wwn'])
        except RTSLibError as e:
            err_func(f"Error when creating NodeACL for {data['node_wwn']}: {e}")
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


class MappedLUN(_LinkedNode):
    """A mapped LUN: <acl>/lun_<m>, linked to a TPG LUN."""

    FILES = frozenset({'write_protect', 'statistics'})

    def __init__(self, parent_nodeacl, mapped_lun, tpg_lun=None, write_protect=None,
                 alias=None, mode=None, fs=None):
        if not isinstance(parent_nodeacl, NodeACL):
            raise RTSLibError('The parent_nodeacl parameter must be a NodeACL object')
        super().__init__(fs or parent_nodeacl.fs)
        self.parent_nodeacl = parent_nodeacl
        try:
            self._mapped_lun = int(mapped_lun)
        except ValueError:
            raise RTSLibError(f"Invalid mapped LUN '{mapped_lun}': give a number") from None
        if self._mapped_lun < 0:
            raise RTSLibError(f'Invalid mapped LUN {self._mapped_lun}: it must be >= 0')
        self._rel = f'{parent_nodeacl.cfs_path}/lun_{self._mapped_lun}'
        if mode == 'listed':
            return
        if tpg_lun is None:
            if write_protect is not None:
                raise RTSLibError('write_protect has no meaning without tpg_lun')
            self._create_in_cfs('lookup')
            return
        lun = self._tpg_lun_of(tpg_lun)
        self._create_in_cfs('create')
        try:
            self._link(lun, alias or tcm.new_alias())
            self.write_protect = bool(int(write_protect or 0))
        except (RTSLibError, ValueError):
            self.delete()
            if not lun.exists:      # checked only now: a restore maps 100,000 LUNs
                raise RTSLibError(f'Cannot map LUN {lun.lun}: {lun.parent_tpg._label()} '
                                  f'has no LUN {lun.lun}') from None
            raise

    def _tpg_lun_of(self, tpg_lun):
        """The parent TPG's LUN object for a LUN or a number (no I/O)."""
        if isinstance(tpg_lun, LUN):
            tpg_lun = tpg_lun.lun
        try:
            number = int(tpg_lun)
        except ValueError:
            raise RTSLibError('tpg_lun must be a LUN object or a number') from None
        return LUN(self.parent_nodeacl.parent_tpg, number, mode='listed')

    mapped_lun = property(lambda self: self._mapped_lun)
    index = mapped_lun
    node_wwn = property(lambda self: self.parent_nodeacl.node_wwn)

    def _label(self):
        return f'mapped LUN {self._mapped_lun} of {self.parent_nodeacl._label()}'

    def __repr__(self):
        return f'<MappedLUN {self.node_wwn} lun {self._mapped_lun}>'

    @property
    def tpg_lun(self):
        return self._lun_at(self._link_rel())

    def _lun_at(self, rel):
        m = _LUN_PATH.search(rel)
        if not m:
            raise RTSLibBrokenLink(f'{self._label()} points at {rel}, not a TPG LUN')
        return LUN(self.parent_nodeacl.parent_tpg, int(m.group(1)), mode='listed')

    def _get_write_protect(self):
        return bool(int(self._read('write_protect') or 0))

    def _set_write_protect(self, value):
        self._write('write_protect', '1' if value else '0', action='set write_protect of')

    write_protect = property(_get_write_protect, _set_write_protect)

    def delete(self):
        self._unlink()      # its listdir says NotInCFS if the mapped LUN is gone
        self._rmdir()

    def dump(self):
        alias, rel = self._link_entry()
        return {'write_protect': self.write_protect, 'index': self._mapped_lun,
                'tpg_lun': self._lun_at(rel).lun, 'alias': alias}

    @classmethod
    def setup(cls, tpg, acl, data, err_func):
        if 'tpg_lun' not in data or 'index' not in data:
            err_func("'tpg_lun' or 'index' missing in a mapped_lun")
            return None
        try:
            return cls(acl, data['index'], data['tpg_lun'], data.get('write_protect'),
                       data.get('alias'))
        except RTSLibError as e:
            err_func(f"Creating MappedLUN {data['index']} failed: {e}")
            return None


__all__ = ['Target', 'TPG', 'LUN', 'NetworkPortal', 'NodeACL', 'MappedLUN']
