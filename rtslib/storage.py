"""Storage objects (backstores) under core/: one class per plugin, and the registry.

Layout as the kernel and rtslib-fb make it: core/<hba>_<index>/<name> (see
rtslib/hba.py for how the index is chosen).  Creation order as rtslib-fb:
HBA dir, object dir, control write(s), udev_path, enable, then the unit
serial (wwn/vpd_unit_serial).
"""
import contextlib
import errno
import re

from rtslib import configfs, devices, hba as hba_layout, locks
from rtslib.alua import ALUATargetPortGroup
from rtslib.errors import RTSLibALUANotSupported, RTSLibError, RTSLibNotInCFS, kernel_error
from rtslib.hba import HBA_FILES, hba_dirs
from rtslib.fields import ANY, ATTRS, BOOL, INT, STR
from rtslib.node import CFSNode
from rtslib.wwn import check_unit_serial, generate

# how often a delete looks again for LUNs made on the object meanwhile
DELETE_TRIES = 8
PAGE_SIZE = 4096  # rd_mcp pages; the kernel reports PAGES*PAGE_SIZE in info
BLOCK_SIZE = 512  # a new object's block_size: fileio's fd_dev_size must hold one
# the kernel copies these control values into fixed buffers (match_strlcpy),
# cutting longer ones silently: FD_MAX_DEV_NAME, SE_UDEV_PATH_LEN, TCMU_CONFIG_LEN
CONTROL_LIMITS = {'fd_dev_name': 255, 'udev_path': 511, 'dev_config': 255}


def control_value_problem(key, value):
    """Why the kernel would not take `value` as it is in the control string
    (comma-separated key=value, each copied into a fixed buffer), or None:
    a path with a comma opens the file before the comma, a longer one is cut."""
    if ',' in value or '\n' in value:
        cut = re.split('[,\n]', value)[0]
        return (f'{value!r} contains a comma or a newline: the kernel reads control as '
                f'comma-separated options and would use {cut!r}; use a path (a symlink) '
                f'without one')
    length = len(value.encode('utf-8', 'surrogateescape'))
    if length > CONTROL_LIMITS[key]:
        return (f'{value[:40]}... is {length} bytes long: the kernel keeps at most '
                f'{CONTROL_LIMITS[key]} and would cut it; use a shorter path (a symlink)')
    return None


# Attribute writes that crash real kernels while the object is not enabled:
# rtslib refuses them itself.  plugin -> attribute names.
UNSAFE_BEFORE_ENABLE = {'fileio': frozenset({'emulate_tpu'})}
UNSAFE_NAMES = frozenset().union(*UNSAFE_BEFORE_ENABLE.values())   # one lookup per write


class StorageObject(CFSNode):
    """A storage object: core/<hba>_<index>/<name>."""

    plugin = None        # rtslib-fb's name: fileio, block, pscsi, ramdisk, user
    hba = None           # the kernel's HBA prefix: fileio, iblock, pscsi, rd_mcp, user
    attr_groups = {'attribute': 'attrib'}

    def __init__(self, name, mode, index=None, fs=None):
        super().__init__(fs)
        name = str(name)
        if not name or any(c in name for c in '/ \t\n'):
            raise RTSLibError(f"Invalid storage object name '{name}': it cannot be empty or "
                              f"contain '/', spaces, tabs or newlines")
        self._name = name
        self._hba_made = False
        if mode == 'lookup':
            self._place(mode, index)
            return
        # the plugin's lock, until _configured() has made the object whole: the
        # kernel lets two HBAs hold one name, so two processes creating one name
        # would both succeed without it, and a save would see it half made
        self._creating = contextlib.ExitStack()
        self._creating.enter_context(locks.backstore(self.fs, self.plugin))
        try:
            self._place(mode, index)
        except BaseException:
            self._creating.close()
            raise

    def _place(self, mode, index):
        """Find the object's HBA, or make one and the object's dir (mode 'any'/'create')."""
        name = self._name
        found = False
        if index is None:
            index = hba_layout.find_index(self.fs, self.hba, name)
            found = index is not None
            if found and mode == 'create':
                raise RTSLibError(f'{self._label()} already exists')
            if index is None and mode == 'lookup':
                raise RTSLibNotInCFS(f'No storage object {self.plugin}/{name}')
        if index is None:
            index = self._new_hba()
        else:
            self._index = int(index)
            if not found and mode != 'lookup' and not self.fs.isdir(self._hba_path()):
                self._kernel_call('mkdir', self._hba_path(), action='create')
                self._hba_made = True
        self._index = index
        self._cfs_path = f'{self._hba_path()}/{name}'
        try:
            # _find_index has just seen the dir: no second stat
            self._create_in_cfs('listed' if found else mode)
        except RTSLibError:
            self._drop_hba()
            raise
        hba_layout.remember(self.fs, self.hba, name, index)

    @classmethod
    def all(cls, fs=None):
        """Every storage object of every kind, as rtslib-fb's StorageObject.all()."""
        return all_storage_objects(fs or configfs.default_fs())

    @classmethod
    def so_from_path(cls, path, fs=None):
        """The storage object at a configfs path (/sys/kernel/config/target/core/
        <hba>_<index>/<name>, or relative to the target root), without I/O."""
        rel = str(path)
        if rel.startswith(configfs.REAL_ROOT + '/'):
            rel = rel[len(configfs.REAL_ROOT) + 1:]
        return so_from_path(fs or configfs.default_fs(), rel)   # the module's function

    @classmethod
    def _bind(cls, fs, index, name):
        """An object for a directory a listing or a link just showed (no I/O)."""
        so = cls.__new__(cls)
        CFSNode.__init__(so, fs)
        so._name, so._index, so._hba_made = name, int(index), False
        so._cfs_path = f'{so._hba_path()}/{name}'
        return so

    def _hba_path(self):
        return f'core/{self.hba}_{self._index}'

    def _new_hba(self):
        """mkdir a free HBA dir for this object (rtslib/hba.py says which)."""
        self._index = hba_layout.make_hba(self.fs, self.hba, self._name, self._label())
        self._hba_made = True
        return self._index

    def _drop_hba(self):
        hba_layout.drop_hba(self.fs, self.hba, self._index)

    def _label(self):
        return f'storage object {self.plugin}/{self._name}'

    def __repr__(self):
        return f'<{type(self).__name__} {self.plugin}/{self._name}>'

    def __eq__(self, other):
        return isinstance(other, StorageObject) and \
            (self.plugin, self._name) == (other.plugin, other._name)

    def __hash__(self):
        return hash((self.plugin, self._name))

    def _configured(self, make, *args):
        """Run make(*args); on any failure remove what this call created.  Then
        release the plugin's lock the creation took (__init__)."""
        try:
            make(*args)
        except BaseException:
            try:
                self._rollback()
            except RTSLibError:
                pass  # the first error is the one to report
            raise
        finally:
            creating = getattr(self, '_creating', None)
            if creating is not None:
                self._creating = None
                creating.close()

    def _rollback(self):
        """Undo a failed create: the object dir, and the HBA dir if this call made it
        (a Datera-style backstore made beforehand stays for its owner to delete)."""
        if self.exists:
            self._rmdir()
        hba_layout.forget(self.fs, self.hba, self._name)
        if self._hba_made:
            self._drop_hba()

    # -- kernel files ---------------------------------------------------------
    def _check_control_value(self, key, value):
        problem = control_value_problem(key, value)
        if problem:
            raise RTSLibError(f'Cannot create {self._label()}: {problem}')

    def _control(self, command):
        self._write('control', command, action=f'configure ({command.split("=")[0]})',
                    key='configure')

    def _enable(self):
        self._write('enable', '1', action='enable')

    def _set_udev_path(self, path):
        self._write('udev_path', path, action='set udev_path of')

    def _info(self):
        held = self.__dict__.get('_info_read_once')
        return held if held is not None else ' '.join(self._read('info').split())

    @contextlib.contextmanager
    def info_read_once(self):
        """Within: properties parsed from `info` (size, status, ...) share one read of it.
        An ls line shows two or three of them, a save four."""
        outer = self.__dict__.get('_info_read_once')
        self._info_read_once = self._info()
        try:
            yield self
        finally:
            self._info_read_once = outer

    def _parse_info(self, key):
        m = re.search(rf'(?<![\w/]){re.escape(key)}: ([^: ]+)', self._info())
        return m.group(1) if m else None

    def _check_value(self, kind, name, value):
        value = str(value)
        if name in UNSAFE_NAMES and name in UNSAFE_BEFORE_ENABLE.get(self.plugin, ()) \
                and kind == 'attribute' and value.strip() not in ('0', '') \
                and not self.is_configured():
            raise RTSLibError(f'Cannot set {name}={value} on {self._label()} before it is '
                              f'enabled: that crashes the kernel; enable it (finish its '
                              f'configuration) first')
        return value

    # -- public ------------------------------------------------------------
    name = property(lambda self: self._name, doc='The storage object name.')
    index = property(lambda self: self._index, doc='The HBA index in core/<hba>_<index>.')

    def is_configured(self):
        """True once enabled (objects without an enable file count as enabled)."""
        text = self._read_optional(self._path_of('enable'), '1', check_gone=True)
        return bool(int(text.strip() or 0))

    @property
    def udev_path(self):
        path = self._read('udev_path')
        if not path and self.plugin == 'fileio':
            path = (self._parse_info('File') or '').strip()
        return path

    @property
    def wwn(self):
        """The T10 unit serial (wwn/vpd_unit_serial)."""
        if not self.is_configured():
            raise RTSLibError(f'{self._label()} is not enabled: it has no unit serial yet')
        return self._read('wwn/vpd_unit_serial').partition(':')[2].strip()

    @wwn.setter
    def wwn(self, serial):
        self._set_wwn(serial)

    def _set_wwn(self, serial):
        serial = check_unit_serial(serial)
        self._check_self()
        if not self.is_configured():
            raise RTSLibError(f'Cannot set the unit serial of {self._label()}: enable it first')
        self._write_wwn(serial)

    def _write_wwn(self, serial):
        self._write('wwn/vpd_unit_serial', serial + '\n', action='set the unit serial of')

    def _configure_wwn(self, wwn):
        """The unit serial of an object this process has just made and enabled (so
        _set_wwn's checks that it exists and is enabled would cost two reads each)."""
        self._write_wwn(check_unit_serial(wwn or generate('unit_serial')))

    @property
    def status(self):
        """'activated' when a LUN exports it, else 'deactivated' (kernel info)."""
        return (self._parse_info('Status') or 'unknown').lower()

    @property
    def version(self):
        info = self._read_optional(self._hba_path() + '/hba_info', '')
        m = re.search(r'version: (\S+)', info)
        return m.group(1) if m else None

    @property
    def alua_supported(self):
        return True

    @property
    def alua_tpgs(self):
        if not self.alua_supported:
            self._check_self()
            return
        try:
            names = self.fs.listdir(self._path_of('alua'))
        except OSError as e:
            self._raise_if_gone()   # only on failure: an ls or a save lists every object's
            if e.errno in (errno.ENOENT, errno.ENOTDIR):
                return              # no alua dir: no groups, as before
            raise kernel_error(e, 'list', f'the ALUA groups of {self._label()}') from None
        for name in names:
            yield ALUATargetPortGroup(self, name, mode='listed')

    def alua_tpg(self, name, tag=None):
        return ALUATargetPortGroup(self, name, tag)

    @property
    def attached_luns(self):
        """LUNs linking to this object.

        The kernel lists them in the object's ALUA groups' members files, so
        this reads the object's own files; only where that list is missing or
        not understood does it read the LUN links of every target.
        """
        self._check_self()
        luns = self._member_luns()
        if luns is None:
            from rtslib.root import RTSRoot
            luns = RTSRoot(fs=self.fs).luns
        yield from (lun for lun in luns if lun.links_to(self))

    def _member_luns(self):
        """LUN objects named by 'members' (lines fabric/wwn/tpgt_N/lun_M), or None."""
        if not self.alua_supported or self.status != 'activated':
            return None if self.alua_supported is False else []
        luns = []
        for group in self.alua_tpgs:
            members = group.member_luns()
            if members is None:
                return None
            luns.extend(members)
        return luns

    def delete(self, save=False):
        """Delete the object, first its LUNs and ALUA groups, then its HBA."""
        with locks.backstore(self.fs, self.plugin):
            self._check_self()
            for tpg in list(self.alua_tpgs):
                if tpg.name != 'default_tg_pt_gp':
                    tpg.delete()
            self._delete_luns_and_self()
        if save:
            from rtslib.root import RTSRoot
            RTSRoot(fs=self.fs).save_to_file(so_path=f'/backstores/{self.plugin}/{self._name}')

    def _delete_luns_and_self(self):
        """Delete the LUNs that use it, then it.  A LUN created on it meanwhile (its
        TPG's lock is not ours) makes the kernel refuse the rmdir (EBUSY): look again."""
        for _ in range(DELETE_TRIES):
            for lun in list(self.attached_luns):
                try:
                    lun.delete()
                except RTSLibNotInCFS:
                    pass        # deleted meanwhile by someone else
            try:
                self.fs.rmdir(self._cfs_path)
                break
            except OSError as e:
                if e.errno != errno.EBUSY:
                    self._raise_if_gone()
                    raise kernel_error(e, 'delete', self._label()) from None
        else:
            raise RTSLibError(f'{self._label()} is still in use: LUNs keep being created '
                              'on it; delete them first')
        hba_layout.forget(self.fs, self.hba, self._name)
        self._drop_hba()

    # the fields every plugin's document has; each plugin adds its own (PLUGIN_FIELDS)
    COMMON_FIELDS = ({'name': STR, 'plugin': STR},
                     {'attributes': ATTRS, 'alua_tpgs': 'alua_tpgs', 'wwn': STR,
                      'exists': ANY, 'buffered_mode': ANY})  # last two: old files; ignored
    PLUGIN_FIELDS = ({}, {})
    # what the shell's ls line shows of an object, in order (targetcli/ui_backstore.py)
    LS_SHOWS = ('udev_path', 'status')
    # (document field, control key) of the path the kernel reads from control
    CONTROL_PATH = None

    @staticmethod
    def size_problem(size):
        """Why the kernel cannot take `size` (bytes) for this plugin, or None."""
        return None

    @classmethod
    def save_fields(cls):
        """(required, optional) fields of this plugin's document."""
        (common, common_opt), (own, own_opt) = cls.COMMON_FIELDS, cls.PLUGIN_FIELDS
        return dict(common, **own), dict(common_opt, **own_opt)

    def dump(self, warn=None):
        """A storage object's document; tolerant (warn given) for its attributes only."""
        with self.info_read_once():     # size, status, ... from one read of `info`
            return self._dump(warn)

    def _dump(self, warn):
        d = super().dump(warn)
        d['name'] = self._name
        d['plugin'] = self.plugin
        d['alua_tpgs'] = [tpg.dump() for tpg in self.alua_tpgs]
        return d

    # dump() keys that are not constructor arguments
    SETUP_SKIP = ('exists', 'attributes', 'plugin', 'buffered_mode', 'alua_tpgs')

    @classmethod
    def setup(cls, parent, data, err_func):
        """Recreate a dumped storage object under parent (an RTSRoot or a backend).

        Creation failure raises RTSLibError (nothing is left behind); attribute
        and ALUA-group problems go to err_func, as in rtslib-fb's restore."""
        cls = so_mapping.get(data.get('plugin'), cls)
        kwargs = {k: v for k, v in data.items() if k not in cls.SETUP_SKIP}
        so = cls(fs=getattr(parent, 'fs', parent), **kwargs)
        so.set_group_values('attribute', data.get('attributes', {}),
                            lambda e: err_func(f'Storage object {so.plugin}/{so.name}: {e}'))
        for group in data.get('alua_tpgs', []):
            try:
                ALUATargetPortGroup.setup(so, group, err_func)
            except RTSLibALUANotSupported:
                pass
        return so


def _legacy(args, kwargs, legacy_names):
    """Datera API: (backstore, name, <legacy_names>...) -> (backstore, dict)."""
    backstore, rest = args[0], list(args[1:])
    names = ['name'] + list(legacy_names)
    values = dict(zip(names, rest))
    values.update(kwargs)
    return backstore, values


def _is_backstore(obj):
    return getattr(obj, '_legacy_backstore', False)


class FileIOStorageObject(StorageObject):
    """fileio: a file or block device accessed through the page cache or O_DSYNC."""

    plugin, hba = 'fileio', 'fileio'
    LS_SHOWS = ('udev_path', 'size', 'cache', 'status')
    PLUGIN_FIELDS = ({'dev': STR}, {'size': INT, 'write_back': BOOL, 'aio': BOOL})
    CONTROL_PATH = ('dev', 'fd_dev_name')

    @staticmethod
    def size_problem(size):
        if int(size) < BLOCK_SIZE:
            return (f'size {size} is below one block ({BLOCK_SIZE} bytes): the kernel would '
                    f'report a capacity of 2^64 blocks; give at least {BLOCK_SIZE}')
        return None

    def __init__(self, name, dev=None, size=None, wwn=None, write_back=False,
                 aio=False, index=None, fs=None, **legacy):
        if _is_backstore(name):
            # FileIOStorageObject(backstore, name, dev, size, gen_wwn, buffered_mode)
            bs, v = _legacy((name, dev, size, wwn, write_back, aio), legacy,
                            ('dev', 'size', 'gen_wwn', 'buffered_mode'))
            name, dev, size, wwn = v['name'], v.get('dev'), v.get('size'), None
            write_back, aio, index, fs = bool(v.get('buffered_mode')), False, bs.index, bs.fs
        elif legacy:
            raise TypeError(f'unexpected arguments {", ".join(legacy)}')
        super().__init__(name, 'lookup' if dev is None else 'create', index, fs)
        if dev is not None:
            self._configured(self._configure, str(dev), size, wwn, write_back, aio)

    def _configure(self, dev, size, wwn, write_back, aio):
        self._check_control_value('fd_dev_name', dev)
        kind = devices.kind(self.fs, dev)
        if kind == 'block':
            if devices.scsi_type(self.fs, dev) != 0:
                raise RTSLibError(f'Cannot use {dev} for fileio: not a disk (TYPE_DISK)')
            devices.refuse_if_used(self.fs, dev, 'fileio')
            self._control(f'fd_dev_name={dev}')
        elif kind in (None, 'file'):
            if size is None:
                raise RTSLibError(f'{dev} is a file: give its size to create {self._label()}')
            try:
                size = int(size)
            except ValueError:
                raise RTSLibError(f"Invalid size '{size}': give a number of bytes") from None
            if self.size_problem(size):
                raise RTSLibError(f'Cannot create {self._label()}: {self.size_problem(size)}')
            self._control(f'fd_dev_name={dev},fd_dev_size={size}')
        else:
            raise RTSLibError(f'Cannot use {dev} for fileio: not a file or block device')
        if write_back:
            self.set_attribute('emulate_write_cache', 1)
            self._control('fd_buffered_io=1')
        if aio:
            self._control('fd_async_io=1')
        self._set_udev_path(dev)
        self._enable()
        self._configure_wwn(wwn)

    write_back = property(lambda self: bool(int(self.get_attribute('emulate_write_cache'))),
                          doc='True if write-back (the write cache is emulated).')
    aio = property(lambda self: self._parse_info('Async') == '1',
                   doc='True if asynchronous I/O is on.')

    @property
    def is_block(self):
        return devices.kind(self.fs, self.udev_path) == 'block'

    @property
    def size(self):
        if self.is_block:
            return devices.size(self.fs, self.udev_path)
        return int(self._parse_info('Size') or 0)

    def _dump(self, warn):
        d = super()._dump(warn)
        d.update(write_back=self.write_back, wwn=self.wwn, dev=self.udev_path,
                 size=self.size, aio=self.aio)
        return d


class BlockStorageObject(StorageObject):
    """block (the kernel's iblock): a block device."""

    plugin, hba = 'block', 'iblock'
    LS_SHOWS = ('udev_path', 'size', 'readonly', 'cache', 'status')
    PLUGIN_FIELDS = ({'dev': STR}, {'readonly': BOOL, 'write_back': BOOL, 'exclusive': BOOL})
    CONTROL_PATH = ('dev', 'udev_path')

    def __init__(self, name, dev=None, wwn=None, readonly=False, write_back=False,
                 index=None, exclusive=True, fs=None):
        super().__init__(name, 'lookup' if dev is None else 'create', index, fs)
        if dev is not None:
            self._configured(self._configure, str(dev), wwn, readonly, exclusive)

    def _configure(self, dev, wwn, readonly, exclusive):
        self._check_control_value('udev_path', dev)
        if exclusive:
            devices.check_disk(self.fs, dev, 'block')
        self._set_udev_path(dev)
        self._control(f'udev_path={dev}')
        self._control(f'readonly={int(bool(readonly))}')
        if not exclusive:
            # kernels before 6.17 have no such option and ignore it
            self._control('exclusive=0')
        self._enable()
        self._configure_wwn(wwn)

    write_back = property(lambda self: bool(int(self.get_attribute('emulate_write_cache'))),
                          doc='True if the device write cache is on.')
    readonly = property(lambda self: self._parse_info('readonly') == '1',
                        doc='True if exported read-only.')
    major = property(lambda self: int(self._parse_info('Major') or 0))
    minor = property(lambda self: int(self._parse_info('Minor') or 0))

    @property
    def size(self):
        return devices.size(self.fs, self.udev_path)

    def _dump(self, warn):
        d = super()._dump(warn)
        d.update(write_back=self.write_back, readonly=self.readonly, wwn=self.wwn,
                 dev=self.udev_path)
        return d


class PSCSIStorageObject(StorageObject):
    """pscsi: a SCSI device passed through (any peripheral type)."""

    plugin, hba = 'pscsi', 'pscsi'
    LS_SHOWS = ('udev_path', 'status')
    PLUGIN_FIELDS = ({'dev': STR}, {})

    def __init__(self, name, dev=None, index=None, fs=None, **legacy):
        if _is_backstore(name):
            # PSCSIStorageObject(backstore, name, dev): dev arrives in `index`
            bs, v = _legacy((name, dev, index), legacy, ('dev',))
            name, dev, index, fs = v['name'], v.get('dev'), bs.index, bs.fs
        elif legacy:
            raise TypeError(f'unexpected arguments {", ".join(legacy)}')
        super().__init__(name, 'lookup' if dev is None else 'create', index, fs)
        if dev is not None:
            self._configured(self._configure, str(dev))

    def _configure(self, dev):
        if re.fullmatch(r'\d+:\d+:\d+:\d+', dev):
            hctl = tuple(int(x) for x in dev.split(':'))
            dev = devices.path_of_hctl(self.fs, hctl)
        else:
            hctl = devices.hctl_of(self.fs, dev)
        devices.refuse_if_used(self.fs, dev, f'pscsi (SCSI {":".join(map(str, hctl))})')
        self._control('scsi_host_id=%d,scsi_channel_id=%d,scsi_target_id=%d,scsi_lun_id=%d'
                      % hctl)
        self._set_udev_path(dev)
        self._enable()

    def _set_wwn(self, serial):
        """pscsi reports the device's own serial; it cannot be set."""

    def _bus_id(self, key):
        value = self._parse_info(key)
        return int(value) if value and value.isdigit() else None

    def _inquiry(self):
        m = re.search(r'Vendor: (.*?)\s+Model: (.*?)\s+Rev: (.*?)\s*$', self._info(), re.M)
        return m.groups() if m else (None, None, None)

    # the SCSI device's address and inquiry data, as the kernel's info shows them
    host_id = property(lambda self: self._bus_id('Host ID'))
    channel_id = property(lambda self: self._bus_id('Channel ID'))
    target_id = property(lambda self: self._bus_id('Target ID'))
    lun = property(lambda self: self._bus_id('LUN'))
    vendor = property(lambda self: self._inquiry()[0])
    model = property(lambda self: self._inquiry()[1])
    revision = property(lambda self: self._inquiry()[2])

    @property
    def alua_supported(self):
        return _alua_attr(self)

    def _dump(self, warn):
        d = super()._dump(warn)
        d['dev'] = self.udev_path
        return d


class RDMCPStorageObject(StorageObject):
    """ramdisk (the kernel's rd_mcp): memory pages."""

    plugin, hba = 'ramdisk', 'rd_mcp'
    LS_SHOWS = ('nullio', 'size', 'status')
    PLUGIN_FIELDS = ({'size': INT}, {'nullio': BOOL})

    @staticmethod
    def size_problem(size):
        if size <= 0:
            return (f'size {size} holds no page; the kernel needs at least one '
                    f'({PAGE_SIZE} bytes)')
        return None

    def __init__(self, name, size=None, wwn=None, nullio=False, index=None, fs=None,
                 **legacy):
        if _is_backstore(name):
            # RDMCPStorageObject(backstore, name, size, gen_wwn)
            bs, v = _legacy((name, size, wwn, nullio), legacy, ('size', 'gen_wwn'))
            name, size, wwn, nullio, index, fs = v['name'], v.get('size'), None, False, \
                bs.index, bs.fs
            if getattr(bs, 'nullio', False):
                nullio = True
        elif legacy:
            raise TypeError(f'unexpected arguments {", ".join(legacy)}')
        super().__init__(name, 'lookup' if size is None else 'create', index, fs)
        if size is not None:
            self._configured(self._configure, size, wwn, nullio)

    def _configure(self, size, wwn, nullio):
        try:
            size = -int(-float(size) // 1) if isinstance(size, float) else int(size)
        except ValueError:
            raise RTSLibError(f"Invalid size '{size}': give a number of bytes") from None
        if self.size_problem(size):
            raise RTSLibError(f'Cannot create {self._label()}: {self.size_problem(size)}')
        pages = -(-size // PAGE_SIZE)   # whole pages, rounded up: never less than asked
        self._control(f'rd_pages={pages}')
        if nullio:
            self._control('rd_nullio=1')
        self._enable()
        self._configure_wwn(wwn)

    def _pages(self):
        value = self._parse_info('PAGES/PAGE_SIZE') or '0*0'
        pages, _, page_size = value.partition('*')
        return int(pages), int(page_size or 0)

    pages = property(lambda self: self._pages()[0])
    page_size = property(lambda self: self._pages()[1])

    @property
    def size(self):
        """Size in bytes (one read of info)."""
        pages, page_size = self._pages()
        return pages * page_size
    nullio = property(lambda self: self._parse_info('nullio') == '1')

    def _dump(self, warn):
        d = super()._dump(warn)
        d.update(wwn=self.wwn, size=self.size)
        if self.nullio:
            d['nullio'] = True
        return d


class UserBackedStorageObject(StorageObject):
    """user (TCMU): a userspace handler serves the I/O."""

    plugin, hba = 'user', 'user'
    LS_SHOWS = ('config', 'size', 'status')
    PLUGIN_FIELDS = ({'size': INT, 'config': STR}, {'hw_max_sectors': INT, 'control': STR})
    CONTROL_PATH = ('config', 'dev_config')

    def __init__(self, name, config=None, size=None, wwn=None, hw_max_sectors=None,
                 control=None, index=None, fs=None):
        if size is not None:
            if config is None:
                raise RTSLibError("'size' and 'config' must both be given to create a "
                                  "user-backed storage object")
            if '/' not in config:
                raise RTSLibError(f"Invalid config '{config}': it must be <handler>/<config>, "
                                  f"e.g. file/srv/disk.img")
            if ':' in config:
                raise RTSLibError(f"Invalid config '{config}': ':' is not allowed")
        super().__init__(name, 'lookup' if size is None else 'create', index, fs)
        if size is not None:
            self._configured(self._configure, config, size, wwn, hw_max_sectors, control)

    def _configure(self, config, size, wwn, hw_max_sectors, control):
        self._check_control_value('dev_config', config)
        self._control(f'dev_config={config}')
        self._control(f'dev_size={int(size)}')
        if hw_max_sectors is not None:
            self._control(f'hw_max_sectors={int(hw_max_sectors)}')
        if control:
            self._control(control)
        self._enable()
        self._configure_wwn(wwn)

    size = property(lambda self: int(self._parse_info('Size') or 0))
    hw_max_sectors = property(lambda self: int(self._parse_info('HwMaxSectors') or 0))

    @property
    def config(self):
        value = self._parse_info('Config')
        return None if value in (None, 'NULL') else value

    @property
    def control_tuples(self):
        """The control string that recreates this object, in rtslib-fb's order
        (max_data_area_mb, hw_block_size, data_pages_per_blk)."""
        values = [('max_data_area_mb', self._parse_info('MaxDataAreaMB')),
                  ('hw_block_size', self.get_attribute('hw_block_size')),
                  ('data_pages_per_blk', self._parse_info('DataPagesPerBlk'))]
        return ','.join(f'{key}={value}' for key, value in values
                        if value not in (None, 'NULL'))

    @property
    def alua_supported(self):
        return _alua_attr(self)

    def _dump(self, warn):
        d = super()._dump(warn)
        d.update(wwn=self.wwn, size=self.size, config=self.config,
                 hw_max_sectors=self.hw_max_sectors, control=self.control_tuples)
        return d


def _alua_attr(so):
    """pscsi/user: ALUA only where the kernel says so (older kernels crash)."""
    try:
        return int(so.get_attribute('alua_support')) == 1
    except (RTSLibError, ValueError):
        return False


# The backstore registry: one class per plugin, in the order the shell lists them.
_BACKSTORES = (FileIOStorageObject, BlockStorageObject, PSCSIStorageObject, RDMCPStorageObject,
               UserBackedStorageObject)


def backstore_classes():
    """The storage object class of each plugin (fileio, block, pscsi, ramdisk, user)."""
    return _BACKSTORES


# plugin names and kernel HBA prefixes -> class
so_mapping = {cls.plugin: cls for cls in _BACKSTORES}
so_mapping.update({cls.hba: cls for cls in _BACKSTORES})


def so_from_path(fs, rel):
    """The storage object at core/<hba>_<index>/<name> (no I/O)."""
    parts = rel.strip('/').split('/')
    if len(parts) < 3 or parts[0] != 'core':
        raise RTSLibError(f'{rel} is not a storage object path')
    prefix, _, index = parts[1].rpartition('_')
    cls = so_mapping.get(prefix)
    if cls is None or not index.isdigit():
        raise RTSLibError(f'{rel}: unknown backstore type {prefix!r}')
    return cls._bind(fs, index, parts[2])


def all_storage_objects(fs, hba=None):
    """Every storage object (of one HBA prefix if given): listdir of core/ and
    of each (matching) HBA dir."""
    for prefix, index in sorted(hba_dirs(fs), key=lambda h: h[1]):
        cls = so_mapping.get(prefix)
        if cls is None or hba not in (None, prefix):
            continue
        try:
            names = fs.listdir(f'core/{prefix}_{index}')
        except OSError:
            continue  # removed meanwhile
        for name in names:
            if name not in HBA_FILES:
                yield cls._bind(fs, index, name)


class StorageObjectFactory:
    """A fileio or block storage object named after a path (rtslib-fb's helper)."""

    def __new__(cls, path, fs=None):
        from rtslib import configfs
        fs = fs or configfs.default_fs()
        path = str(path)
        name = path.strip('/').replace('/', '-')
        kind = devices.kind(fs, path)
        if kind == 'block':
            return BlockStorageObject(name, dev=path, fs=fs)
        if kind == 'file':
            return FileIOStorageObject(name, dev=path, size=devices.size(fs, path), fs=fs)
        raise RTSLibError(f"Can't create a storage object from {path}: not an existing file "
                          f"or block device")
