"""LUNs and mapped LUNs: the two kinds of link directory below a TPG.

  <tpg>/lun/lun_<n>/<alias> -> core/<hba>_<i>/<so>
  <tpg>/acls/<wwn>/lun_<m>/<alias> -> ../lun/lun_<n>
"""
import errno
import os
import re

from rtslib import locks
from rtslib.errors import RTSLibBrokenLink, RTSLibError, kernel_error
from rtslib.fields import BOOL, INT, OPT_STR, STR
from rtslib.node import CFSNode, made_or_reported, number_in, numbered
from rtslib.storage import so_from_path, so_mapping

MAX_LUN = 65535
_LUN_PATH = re.compile(r'/lun/lun_(\d+)$')


def new_alias():
    """A LUN/mapped-LUN link name as rtslib-fb makes it: 10 hex digits."""
    return os.urandom(5).hex()


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
                return name, self.fs.readlink(self._path_of(name))
            except OSError as e:
                if e.errno != errno.EINVAL:
                    self._raise_if_gone()
                    raise kernel_error(e, 'read the link of', self._label()) from None
        raise RTSLibBrokenLink(f'{self._label()} has no link: it is broken; delete and '
                               'recreate it')

    alias = property(lambda self: self._link_entry()[0])

    def _link(self, target, alias):
        # the label is a chain of f-strings up to the fabric: made only on failure,
        # not for each of a restore's links
        self._kernel_call('symlink', target.cfs_path, self._path_of(alias),
                   action=lambda: f'link {target._label()} to', key='link')

    def _link_target(self):
        """Where the alias link points (root-relative)."""
        return self._link_entry()[1]

    def links_to(self, node):
        """True if the alias link points at `node` (a broken link points nowhere)."""
        try:
            return self._link_target() == node.cfs_path
        except RTSLibError:
            return False

    def _unlink(self):
        """Remove the link (if any): unlink refuses a file (EPERM) or a dir (EISDIR) itself,
        so neither an lstat nor a readlink is needed first."""
        for name in self._listdir():
            if name in self.FILES:
                continue
            try:
                self.fs.unlink(self._path_of(name))
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
        if lun is None and storage_object is None:
            raise RTSLibError('A LUN lookup needs its number')
        if lun is not None:
            self._set_number(lun)
        if storage_object is None and alias is not None:
            raise RTSLibError('A LUN alias has no meaning without a storage object')
        if mode == 'listed':
            return
        if storage_object is None:
            self._create_in_cfs('lookup')
            return
        alias = new_alias() if alias is None else str(alias).strip()
        if not alias or '/' in alias:
            raise RTSLibError(f"Invalid LUN alias '{alias}': it cannot be empty or contain '/'")
        # the TPG's lock: a LUN delete or a mapping beside it sees it whole
        with locks.tpg(parent_tpg):
            if lun is None:
                self._create_lowest_free(
                    numbered(parent_tpg._listdir('lun'), 'lun_'), 0, MAX_LUN + 1,
                    self._set_number,
                    f'All LUNs 0-{MAX_LUN} of {parent_tpg._label()} are in use')
            else:
                self._create_in_cfs('create')
            try:
                self._link(storage_object, alias)
            except RTSLibError:
                self._rmdir()
                # asked only on failure (the kernel refuses a link to nothing): a
                # restore links thousands of LUNs
                if not storage_object.exists:
                    raise RTSLibError(f'Cannot export {storage_object._label()}: it does '
                                      f'not exist') from None
                raise

    def _set_number(self, lun):
        self._lun = lun = number_in(lun, 'LUN', 0, MAX_LUN)
        self._cfs_path = f'{self.parent_tpg.cfs_path}/lun/lun_{lun}'

    lun = property(lambda self: self._lun, doc='The LUN number.')
    index = lun

    def _label(self):
        return f'LUN {self._lun} of {self.parent_tpg._label()}'

    def __repr__(self):
        return f'<LUN {self._lun}>'

    @property
    def storage_object(self):
        return so_from_path(self.fs, self._link_target())

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
        info = self._read_optional(self._path_of('alua_tg_pt_gp'), check_gone=True)
        if info is None:
            return None
        first = info.splitlines()[0] if info.strip() else ''
        return first.split(':', 1)[1].strip() if ':' in first else None

    def _set_alua_tg_pt_gp_name(self, name):
        self._check_self()
        if not self._get_alua_tg_pt_gp_name():
            raise RTSLibError(f'{self._label()}: its storage object has no ALUA support')
        self._kernel_call('write', self._path_of('alua_tg_pt_gp'), name, action='move',
                   what=f'{self._label()} into ALUA group {name}', key='alua')

    alua_tg_pt_gp_name = property(_get_alua_tg_pt_gp_name, _set_alua_tg_pt_gp_name)

    def delete(self):
        """Delete the LUN with the mapped LUNs that use it (under the TPG's lock: a
        mapping made beside it would otherwise keep the LUN busy, or point nowhere)."""
        with locks.tpg(self.parent_tpg):
            self._check_self()
            for mlun in list(self.mapped_luns):
                mlun.delete()
            self._delete_unmapped()

    def _delete_unmapped(self):
        """Delete a LUN no mapped LUN uses any more (clearconfig removed them all first:
        looking again costs a listdir per ACL per LUN)."""
        self._unlink()
        self._rmdir()

    # null alua_tg_pt_gp_name: no ALUA (pscsi)
    SAVE_FIELDS = ({'index': INT, 'storage_object': STR},
                   {'alias': OPT_STR, 'alua_tg_pt_gp_name': OPT_STR})

    def dump(self, warn=None):
        """A leaf: read whole or not at all (warn is not used)."""
        alias, rel = self._link_entry()
        so = so_from_path(self.fs, rel)
        return {'storage_object': f'/backstores/{so.plugin}/{so.name}', 'index': self._lun,
                'alias': alias, 'alua_tg_pt_gp_name': self.alua_tg_pt_gp_name_with(so)}

    @classmethod
    def setup(cls, tpg, data, err_func, storage_object=None):
        """storage_object: the object data names, when the caller holds it (apply:
        the ones it made); otherwise it is looked up by name."""
        if 'index' not in data:
            err_func(f"'index' missing from a LUN in TPG {tpg.tag}")
            return None
        try:
            so = storage_object
            if so is None:
                _, _, plugin, name = data['storage_object'].split('/')
                so = so_mapping[plugin](name, fs=tpg.fs)
        except (KeyError, ValueError, AttributeError, RTSLibError):
            err_func(f"Could not find storage object {data.get('storage_object')} for "
                     f"LUN {data['index']}")
            return None
        lun = made_or_reported(
            err_func, f"Creating TPG {tpg.tag} LUN {data['index']} failed",
            lambda: cls(tpg, data['index'], storage_object=so, alias=data.get('alias')))
        if lun is None:
            return None
        group = data.get('alua_tg_pt_gp_name')
        if group and group != 'default_tg_pt_gp':
            try:
                lun.alua_tg_pt_gp_name = group
            except RTSLibError as e:
                err_func(str(e))
        return lun


class MappedLUN(_LinkedNode):
    """A mapped LUN: <acl>/lun_<m>, linked to a TPG LUN."""

    FILES = frozenset({'write_protect', 'statistics'})
    MAX_LUN = MAX_LUN    # rtslib-fb's name for the highest mapped LUN (its own is 255)

    def __init__(self, parent_nodeacl, mapped_lun, tpg_lun=None, write_protect=None,
                 alias=None, mode=None, fs=None):
        if not isinstance(parent_nodeacl, NodeACL):
            raise RTSLibError('The parent_nodeacl parameter must be a NodeACL object')
        super().__init__(fs or parent_nodeacl.fs)
        self.parent_nodeacl = parent_nodeacl
        self._mapped_lun = number_in(mapped_lun, 'mapped LUN', 0, self.MAX_LUN)
        self._cfs_path = f'{parent_nodeacl.cfs_path}/lun_{self._mapped_lun}'
        if mode == 'listed':
            return
        if tpg_lun is None:
            if write_protect is not None:
                raise RTSLibError('write_protect has no meaning without tpg_lun')
            self._create_in_cfs('lookup')
            return
        lun = self._tpg_lun_of(tpg_lun)
        # the TPG's lock: the LUN cannot be deleted between the check and the link
        with locks.tpg(parent_nodeacl.parent_tpg):
            self._create_in_cfs('create')
            try:
                self._link(lun, alias or new_alias())
                self.write_protect = bool(int(write_protect or 0))
            except (RTSLibError, ValueError):
                self.delete()
                if not lun.exists:      # checked only now, not for each LUN a restore maps
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
        return self._lun_at(self._link_target())

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

    def read_statistics(self, names):
        """The texts of statistics/<name> files, None where the kernel answers no."""
        return [self._read_optional(self._path_of('statistics/' + name)) for name in names]

    def delete(self):
        with locks.tpg(self.parent_nodeacl.parent_tpg):
            self._unlink()      # its listdir says NotInCFS if the mapped LUN is gone
            self._rmdir()

    SAVE_FIELDS = ({'index': INT, 'tpg_lun': INT},
                   {'write_protect': BOOL, 'alias': OPT_STR, 'tag': OPT_STR})

    def dump(self, warn=None):
        """A leaf: read whole or not at all (warn is not used)."""
        alias, rel = self._link_entry()
        return {'write_protect': self.write_protect, 'index': self._mapped_lun,
                'tpg_lun': self._lun_at(rel).lun, 'alias': alias}

    @classmethod
    def setup(cls, tpg, acl, data, err_func):
        if 'tpg_lun' not in data or 'index' not in data:
            err_func("'tpg_lun' or 'index' missing in a mapped_lun")
            return None
        return made_or_reported(
            err_func, f"Creating MappedLUN {data['index']} failed",
            lambda: cls(acl, data['index'], data['tpg_lun'], data.get('write_protect'),
                        data.get('alias')))


# A TPG and the objects below it refer to each other: these names are imported
# last, so that any of the modules can be imported first.
from rtslib.node_acl import NodeACL  # noqa: E402
from rtslib.target import TPG  # noqa: E402
