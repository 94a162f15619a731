"""backstores/: one node per plugin, storage objects and their ALUA groups."""
import glob
import os
import stat

from targetcli.cshell import ExecutionError

from targetcli.sizes import bytes_to_human, human_to_bytes
from targetcli.ui_declare import ExportsItself
from targetcli.ui_node import UIListing, UINode, UIRTSLibNode, finished_completions

# the seed page's (Datera targetcli) names for backstores besides the kernel's HBA
# names (iblock, rd_mcp), which come with the registry (rtslib.storage)
SEED_ALIASES = {'rd_dr': 'ramdisk'}

# the size forms human_to_bytes takes, in the help of each create that takes a size
SIZE_SYNTAX = '''
        SIZE SYNTAX
        ===========
        - If size is an int, it represents a number of bytes.
        - If size is a string, the following units can be used:
            - B or no unit present for bytes
            - k, K, kB, KB for kB (kilobytes)
            - m, M, mB, MB for MB (megabytes)
            - g, G, gB, GB for GB (gigabytes)
            - t, T, tB, TB for TB (terabytes)
        '''


def _with_size_syntax(command):
    command.__doc__ = command.__doc__.rstrip(' ') + SIZE_SYNTAX.lstrip('\n')
    return command


def _sim_paths(fs, text, files, blocks):
    """Completions from the simulated host's description (nothing else is read)."""
    from rtslib import devices
    return sorted(n for n in devices.host_of(fs).paths(files, blocks) if n.startswith(text))


def complete_path(fs, text, files=False, blocks=False):
    """Completions of a path on the host that backend fs serves (directories end
    with '/'); a simulated host answers from its description."""
    if not text:
        return []
    if fs.simulated:
        return finished_completions(_sim_paths(fs, text, files, blocks))
    out = []
    for entry in glob.glob(glob.escape(text) + '*'):
        try:
            mode = os.stat(entry).st_mode
        except OSError:
            continue
        if stat.S_ISDIR(mode):
            out.append(entry + '/')
        elif (files and stat.S_ISREG(mode)) or (blocks and stat.S_ISBLK(mode)):
            out.append(entry)
    out.sort(key=lambda s: ('~' + s) if s.endswith('/') else s)
    if len(out) == 1 and not out[0].endswith('/'):
        out = [out[0] + ' ']
    return out


class UIBackstores(UINode):
    """backstores/: block, fileio, pscsi, ramdisk and user:<handler>."""

    def __init__(self, parent):
        super().__init__('backstores', parent)

    @property
    def aliases(self):
        from rtslib.storage import backstore_classes
        return dict({cls.hba: cls.plugin for cls in backstore_classes()
                     if cls.hba != cls.plugin}, **SEED_ALIASES)

    def load_children(self):
        from rtslib.storage import backstore_classes
        for cls in backstore_classes():
            if cls.plugin in BACKSTORE_CLASSES:     # user: one node per handler, below
                BACKSTORE_CLASSES[cls.plugin](self)
        from rtslib.storage import all_storage_objects
        handlers = set()
        for so in all_storage_objects(self.shell.fs, 'user'):
            if so.config:
                handlers.add(so.config.split('/', 1)[0])
        for handler in sorted(handlers):
            UIUserBackstore(self, handler)

    def lookup_child(self, name):
        if name in BACKSTORE_CLASSES:
            return BACKSTORE_CLASSES[name](self)
        if name.startswith('user:') and len(name) > 5 and '/' not in name:
            return UIUserBackstore(self, name[5:])
        return None

    def summary(self):
        return ('', None)


class UIBackstore(UINode):
    """One plugin: its storage objects are its children."""

    plugin = None

    def __init__(self, parent, name=None):
        super().__init__(name or self.plugin, parent)

    def so_class(self):
        from rtslib.storage import so_mapping
        return so_mapping[self.plugin]

    def shows(self, so):
        """Whether a storage object of this node's plugin belongs under this node."""
        return so.plugin == self.plugin

    def load_children(self):
        from rtslib.storage import all_storage_objects
        # only this plugin's HBA dirs are listed; one shared RTSRoot per shell
        for so in all_storage_objects(self.shell.fs, self.so_class().hba):
            if self.shows(so):
                UIStorageObject(so, self)

    def lookup_child(self, name):
        from rtslib import RTSLibError
        try:
            so = self.so_class()(name, fs=self.shell.fs)
        except RTSLibError:
            return None
        return UIStorageObject(so, self) if self.shows(so) else None

    def summary(self):
        return (f"Storage Objects: {len(self.children)}", None)

    def setup_model_alias(self, so):
        if self.prefs['export_backstore_name_as_model']:
            from rtslib import RTSLibError
            try:
                so.set_attribute('emulate_model_alias', 1)
            except RTSLibError:
                self.shell.log.warning("export_backstore_name_as_model is set but the "
                                       "kernel does not support emulate_model_alias")

    def created(self, so, message, model_alias=True):
        """The UI node for a new storage object (pscsi and user ones do not set the model alias)."""
        if model_alias:
            self.setup_model_alias(so)
        node = UIStorageObject(so, self)
        self.info(message)
        return self.new_node(node)

    def ui_command_delete(self, name, save=None):
        '''
        Recursively deletes the storage object having the specified name. If
        there are LUNs using this storage object, they will be deleted too.

        EXAMPLE
        =======
        delete mystorage
        ----------------
        Deletes the storage object named mystorage, and all associated LUNs.

        save=true then removes it from the save file too (and saves the
        targets whose LUNs used it as they now are), keeping the rest.
        '''
        try:
            child = self.get_child(name)
        except ValueError:
            names = ', '.join(c.name for c in self.children) or 'none'
            raise ExecutionError(f"No storage object named {name}. "
                                 f"Storage objects in {self.path}: {names}") from None
        save = self.ui_eval(save, 'bool', False, 'save')
        so = child.rtsnode
        so.delete()
        self.remove_child(child)
        self.info(f"Deleted storage object {name}.")
        if save:
            self.get_root().save_selection(None, so_path=f'/backstores/{so.plugin}/{so.name}')

    def ui_complete_delete(self, parameters, text, current_param):
        return self.complete_child_names(text) if current_param == 'name' else []


class UIFileIOBackstore(UIBackstore):
    plugin = 'fileio'

    @_with_size_syntax
    def ui_command_create(self, name, file_or_dev, size=None, write_back=None,
                          sparse=None, wwn=None):
        '''
        Creates a FileIO storage object. If "file_or_dev" is a path to a
        regular file to be used as backend, then the "size" parameter is
        mandatory when the file does not exist yet. If "file_or_dev" is a
        block device, "size" must be omitted. "write_back" (default true)
        enables write caching; "sparse" (default true) creates a new backing
        file sparse.

        '''
        from rtslib import FileIOStorageObject, devices
        sparse = self.ui_eval(sparse, 'bool', True, 'sparse')
        write_back = self.ui_eval(write_back, 'bool', True, 'write_back')
        file_or_dev = os.path.expanduser(file_or_dev)
        if not os.path.isabs(file_or_dev):
            raise ExecutionError(f"file_or_dev must be an absolute path, not {file_or_dev}")
        fs = self.shell.fs
        kind = devices.kind(fs, file_or_dev)
        if kind == 'block':
            if size:
                self.info("Block device, size parameter ignored")
            size = None
            self.info("Note: block backstore preferred for best results")
        elif kind == 'file':
            existing = devices.size(fs, file_or_dev)
            if size:
                self.info(f"{file_or_dev} exists, using its size ({existing} bytes) instead")
            size = existing
        elif kind is not None:
            raise ExecutionError(f"Path {file_or_dev} exists but is not a file")
        made_file = False
        if kind is None:
            if not size:
                raise ExecutionError("Attempting to create file for new fileio backstore, "
                                     "need a size (e.g. size=1G)")
            size = human_to_bytes(size)
            if not fs.simulated:
                _create_file(file_or_dev, size, sparse)
                made_file = True
        try:
            so = FileIOStorageObject(name, file_or_dev, size, write_back=write_back, wwn=wwn,
                                     fs=fs)
        except Exception:
            if made_file:  # a failed command leaves nothing behind
                os.unlink(file_or_dev)
            raise
        return self.created(so, f"Created fileio {name} with size {so.size}")

    def ui_complete_create(self, parameters, text, current_param):
        if current_param != 'file_or_dev':
            return []
        return complete_path(self.shell.fs, text, files=True, blocks=True)


def _create_file(path, size, sparse):
    """Create a fileio backing file on the real host (the kernel only opens it)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as err:
        raise ExecutionError(f"Could not open {path}: {err.strerror}") from None
    try:
        if sparse:
            os.ftruncate(fd, size)
        else:
            os.posix_fallocate(fd, 0, size)
    except (OSError, OverflowError) as err:
        os.close(fd)
        os.unlink(path)
        raise ExecutionError(f"Could not expand file to {size} bytes: {err}") from None
    os.close(fd)


def _complete_dev(self, parameters, text, current_param):
    """Completion of create's dev= (block and pscsi)."""
    if current_param != 'dev':
        return []
    return complete_path(self.shell.fs, text, blocks=True)


class UIBlockBackstore(UIBackstore):
    plugin = 'block'

    def ui_command_create(self, name, dev, readonly=None, wwn=None, exclusive=None):
        '''
        Creates a Block storage object. "dev" is the path to the TYPE_DISK
        block device to use (it must exist, be a disk and not be mounted or
        otherwise in use).
        '''
        from rtslib import BlockStorageObject
        readonly = self.ui_eval(readonly, 'bool', False, 'readonly')
        exclusive = self.ui_eval(exclusive, 'bool', True, 'exclusive')
        so = BlockStorageObject(name, dev, readonly=readonly, wwn=wwn, exclusive=exclusive,
                                fs=self.shell.fs)
        return self.created(so, f"Created block storage object {name} using {dev}.")

    ui_complete_create = _complete_dev


class UIPSCSIBackstore(UIBackstore):
    plugin = 'pscsi'

    def ui_command_create(self, name, dev):
        '''
        Creates a PSCSI storage object, with supplied name and SCSI device. The
        SCSI device "dev" can either be a path name to the device, or a SCSI
        device ID in the H:C:T:L format.
        '''
        from rtslib import PSCSIStorageObject
        so = PSCSIStorageObject(name, dev, fs=self.shell.fs)
        return self.created(so, f"Created pscsi storage object {name} using {dev}",
                            model_alias=False)

    ui_complete_create = _complete_dev


class UIRamdiskBackstore(UIBackstore):
    plugin = 'ramdisk'

    @_with_size_syntax
    def ui_command_create(self, name, size, nullio=None, wwn=None):
        '''
        Creates an RDMCP storage object. "size" is the size of the ramdisk.

        '''
        from rtslib import RDMCPStorageObject
        nullio = self.ui_eval(nullio, 'bool', False, 'nullio')
        asked = human_to_bytes(size)
        so = RDMCPStorageObject(name, asked, nullio=nullio, wwn=wwn, fs=self.shell.fs)
        if so.size == asked:
            return self.created(so, f"Created ramdisk {name} with size {size}.")
        return self.created(so, f"Created ramdisk {name} with size {so.size} ({size} rounded "
                                f"up to whole {so.page_size}-byte pages).")


class UIUserBackstore(UIBackstore):
    """user:<handler> (tcmu-runner handlers, e.g. user:rbd, user:qcow)."""

    plugin = 'user'

    def __init__(self, parent, handler):
        self.handler = handler
        super().__init__(parent, f"user:{handler}")

    def shows(self, so):
        return so.plugin == 'user' and (so.config or '').split('/', 1)[0] == self.handler

    def ui_command_create(self, name, size, cfgstring, wwn=None, hw_max_sectors=None,
                          control=None):
        '''
        Creates a User-backed storage object served by the tcmu-runner
        handler of this node; cfgstring is the handler's configuration.
        '''
        from rtslib import UserBackedStorageObject
        size = human_to_bytes(size)
        so = UserBackedStorageObject(name, size=size, config=f"{self.handler}/{cfgstring}",
                                     wwn=wwn, hw_max_sectors=hw_max_sectors, control=control,
                                     fs=self.shell.fs)
        return self.created(so, f"Created user-backed storage object {name} size {size}.",
                            model_alias=False)


BACKSTORE_CLASSES = {cls.plugin: cls for cls in
                     (UIBlockBackstore, UIFileIOBackstore, UIPSCSIBackstore, UIRamdiskBackstore)}


class UIStorageObject(ExportsItself, UIRTSLibNode):
    """One storage object; its child is alua/."""

    help_tables = {'attribute': 'storage_object_attributes'}

    def __init__(self, so, parent):
        super().__init__(so.name, so, parent)

    def load_children(self):
        if getattr(self.rtsnode, 'alua_supported', True):
            UIALUAGroups(self)

    def lookup_child(self, name):
        if name == 'alua' and getattr(self.rtsnode, 'alua_supported', True):
            return UIALUAGroups(self)
        return None

    def summary(self):
        with self.rtsnode.info_read_once() as so:   # status, size, ... from one read of `info`
            return self._summary(so)

    def _summary(self, so):
        """The facts its class lists in LS_SHOWS, each as _SHOWN writes it."""
        parts = (_SHOWN[fact](so) for fact in so.LS_SHOWS)
        return (' '.join(part for part in parts if part is not None), True)

    def ui_command_version(self):
        '''
        Displays the version of the current backstore's plugin.
        '''
        self.shell.con.display(f"Backstore plugin {self.rtsnode.plugin} {self.rtsnode.version}")

    def ui_command_saveconfig(self, savefile=None):
        '''
        Saves only this storage object (and what it needs) into the save file
        (default: the default save file), keeping every other object saved
        there as it is.
        '''
        self.get_root().save_selection(savefile, so_path=f'/backstores/{self.rtsnode.plugin}/{self.rtsnode.name}')

    def ui_complete_saveconfig(self, parameters, text, current_param):
        return self.get_root().ui_complete_saveconfig(parameters, text, current_param)


# How an ls line writes each fact a storage object class lists (LS_SHOWS);
# None leaves it out.
_SHOWN = {
    'udev_path': lambda so: so.udev_path,
    'size': lambda so: f"({bytes_to_human(so.size)})",
    'readonly': lambda so: "ro" if so.readonly else None,
    'cache': lambda so: "write-back" if so.write_back else "write-thru",
    'nullio': lambda so: "nullio" if so.nullio else None,
    'config': lambda so: (so.config or '').partition('/')[2] or '(no config)',
    'status': lambda so: so.status,
}




def _member(value):
    """A member LUN as the kernel lists it: driver/target/tpgt_N/lun_N."""
    if isinstance(value, dict):
        return (f"{value.get('driver')}/{value.get('target')}/tpgt_{value.get('tpgt')}/"
                f"lun_{value.get('lun')}")
    return str(value)


class UIALUAGroup(UIRTSLibNode):
    """One ALUA target port group."""

    def __init__(self, group, parent):
        super().__init__(group.name, group, parent)

    def define_groups(self):
        from rtslib.alua import ALUA_RO, ALUA_RW
        for param in ALUA_RW:
            self.define_config_group_param('alua', param, 'string')
        for param in (*ALUA_RO, 'members'):
            self.define_config_group_param('alua', param, 'string', writable=False)

    def ui_getgroup_alua(self, name):
        value = getattr(self.rtsnode, name)
        if isinstance(value, (list, tuple)):
            return ' '.join(_member(v) for v in value)
        return str(value)

    def ui_setgroup_alua(self, name, value):
        if value is not None:
            setattr(self.rtsnode, name, value)

    def summary(self):
        state = self.rtsnode.alua_access_state
        from rtslib.alua import ALUA_STATES
        return (f"ALUA state: {ALUA_STATES.get(int(state), state)}", True)


class UIALUAGroups(UIListing):
    """alua/: the storage object's ALUA target port groups."""

    dir_name, counted, listing = 'alua', 'ALUA Groups', 'alua_tpgs'
    child_class = UIALUAGroup
    so = property(lambda self: self.owner)

    def lookup(self, name):
        from rtslib import ALUATargetPortGroup
        return ALUATargetPortGroup(self.so, name)

    def ui_command_create(self, name, tag):
        '''
        Create a new ALUA Target Port Group attached to a storage object.
        '''
        from rtslib import ALUATargetPortGroup
        tag = self.ui_eval(tag, 'number', None, 'tag')
        group = ALUATargetPortGroup(self.so, name, tag)
        self.info(f"Created ALUA TPG {group.name}.")
        return self.new_node(UIALUAGroup(group, self))

    def ui_command_delete(self, name):
        '''
        Delete the ALUA Target Port Group and unmap it from a LUN if needed.
        '''
        try:
            child = self.get_child(name)
        except ValueError:
            raise ExecutionError(f"Invalid ALUA group name {name}; groups: "
                                 f"{', '.join(c.name for c in self.children)}") from None
        child.rtsnode.delete()
        self.remove_child(child)
        self.info(f"Deleted ALUA TPG {name}.")

    def ui_complete_delete(self, parameters, text, current_param):
        return self.complete_child_names(text) if current_param == 'name' else []
