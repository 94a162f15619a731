"""luns/ of a TPG and its LUNs."""
import re

from targetcli.cshell import ExecutionError

from targetcli.ui_backstore import complete_path
from targetcli.ui_node import UIListing, UIRTSLibNode, finished_completions

LUN_NAME = re.compile(r'lun(\d+)\Z')


def parse_number(text, what, prefix=''):
    """int of '3' or '<prefix>3'; ExecutionError naming what was wrong."""
    value = str(text)
    if prefix and value.lower().startswith(prefix):
        value = value[len(prefix):]
    if not value.isdigit():
        example = f" (e.g. 0 or {prefix}0)" if prefix else ''
        raise ExecutionError(f"{what} must be a non-negative number{example}, not {text}")
    return int(value)


def existing(make, missing):
    """make()'s library object, or ExecutionError(missing) when the kernel has none."""
    from rtslib import RTSLibError
    try:
        return make()
    except RTSLibError:
        raise ExecutionError(missing) from None


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


class UILUNs(UIListing):
    """luns/: the TPG's LUNs."""

    dir_name, counted, listing, child_class = 'luns', 'LUNs', 'luns', UILUN
    tpg = property(lambda self: self.owner)

    def lookup(self, name):
        from rtslib import LUN
        match = LUN_NAME.match(name)
        return LUN(self.tpg, int(match.group(1))) if match else None

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
            so = StorageObjectFactory(storage_object, fs=self.shell.fs)
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
        from rtslib import LUN, locks
        add = self.ui_eval(add_mapped_luns, 'bool', self.prefs['auto_add_mapped_luns'],
                           'add_mapped_luns')
        index = parse_number(lun, 'lun', 'lun') if lun is not None else None
        so = self._storage_object(storage_object)   # before the TPG's lock (lock order)
        # one TPG lock for the LUN and its mappings: an ACL created at the same
        # moment either sees this LUN or is seen by it (rtslib/locks.py)
        with locks.tpg(self.tpg):
            lun_object = LUN(self.tpg, index, so)
            self.info(f"Created LUN {lun_object.lun}.")
            node = UILUN(lun_object, self)
            mapped = add and self.tpg.has_feature('acls')
            if mapped:
                self._map_everywhere(lun_object, index)
        if mapped:
            self.parent.refresh()
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

    def ui_complete_create(self, parameters, text, current_param):
        if current_param != 'storage_object':
            return []
        paths = []
        for backstore in self.get_node('/backstores').children:
            paths.extend(so.path for so in backstore.children)
        found = [p for p in paths if p.startswith(text)]
        if text.startswith('/') and not text.startswith('/backstores'):
            found.extend(complete_path(self.shell.fs, text, files=True, blocks=True))
        return finished_completions(found)

    def ui_command_delete(self, lun):
        '''
        Deletes the supplied LUN from the Target Portal Group. "lun" must
        be a positive number matching an existing LUN (or "lunX").
        '''
        from rtslib import LUN
        index = parse_number(lun, 'lun', 'lun')
        existing(lambda: LUN(self.tpg, index),
                 f"Invalid LUN: no LUN {index} in {self.path}").delete()
        self.parent.refresh()
        self.info(f"Deleted LUN {index}.")

    def ui_complete_delete(self, parameters, text, current_param):
        return self.complete_child_names(text, strip=3) if current_param == 'lun' else []


def lun_storage_object(shell, lun):
    """The LUN's storage object; during an ls, resolved once per LUN (every mapped LUN
    line names it: otherwise each link is resolved again for every ACL)."""
    memo = shell.ls_memo
    if memo is None:
        return lun.storage_object
    so = memo.get(lun.cfs_path)
    if so is None:
        so = memo[lun.cfs_path] = lun.storage_object
    return so
