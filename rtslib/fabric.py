"""FabricModule: one class for every fabric, driven by its spec/<name>.json.

The fabric's directory (/sys/kernel/config/target/<configfs_dir>) appears
only when created; creating it makes the kernel load the module of some
fabrics (iscsi, loopback).  Nothing is created by a lookup or a listing.
"""
import functools
from collections.abc import Mapping

from rtslib import configfs, devices, spec
from rtslib.errors import RTSLibError, RTSLibNotInCFS
from rtslib.fields import BOOL, STR
from rtslib.node import AUTH_PARAMS, CFSNode, auth_prop
from rtslib.wwn import colonize, generate, normalize

# Entries of a fabric dir that are not targets.
NOT_TARGETS = frozenset({'discovery_auth', 'lio_version', 'version', 'cpus_allowed_list'})


class FabricModule(CFSNode):
    """A fabric: iscsi, loopback, srpt, qla2xxx... (name is case-insensitive)."""

    attr_groups = {'discovery_auth': 'discovery_auth'}

    def __init__(self, name, fs=None):
        super().__init__(fs)
        self.spec = spec.get(name)
        self.name = self.spec['name']
        self._cfs_path = self.spec['configfs_dir']

    # -- spec data ------------------------------------------------------------
    features = property(lambda self: tuple(self.spec['features']))
    wwn_types = property(lambda self: tuple(self.spec['wwn_types']))
    kernel_module = property(lambda self: self.spec['kernel_module'])
    spec_file = property(lambda self: self.spec['spec_file'])
    configfs_dir = property(lambda self: self.spec['configfs_dir'])

    def _label(self):
        return f'fabric module {self.name}'

    def __repr__(self):
        return f'<FabricModule {self.name}>'

    def __eq__(self, other):
        return isinstance(other, FabricModule) and self.name == other.name

    def __hash__(self):
        return hash(self.name)

    @classmethod
    def list_fabrics(cls):
        """Names of the fabrics that listings show (spec 'listed')."""
        return [n for n, s in sorted(spec.load_all().items()) if s['listed']]

    @classmethod
    def all(cls, fs=None):
        for name in cls.list_fabrics():
            yield cls(name, fs=fs)

    @classmethod
    def list_registered_drivers(cls, fs=None):
        """Kernel modules that hold LIO's core (the loaded fabric and backstore
        drivers), as rtslib-fb lists them; the simulated host's fabric modules
        when simulated."""
        return devices.host_of(fs or configfs.default_fs()).registered_drivers()

    def has_feature(self, feature):
        if feature == 'auth':  # rtslib-fb's older name
            feature = 'acls_auth'
        return feature in self.spec['features']

    def _assert_feature(self, feature):
        if not self.has_feature(feature):
            raise RTSLibError(f'Fabric module {self.name} does not implement the '
                              f'{feature} feature')

    def _check_self(self):
        """Make the fabric dir on first use, as the kernel needs it."""
        if self.exists:
            return
        try:
            self.fs.mkdir(self._cfs_path)
            return
        except OSError as first:
            err = first
        if not self.fs.simulated and self._modprobe():
            try:
                self.fs.mkdir(self._cfs_path)
                return
            except OSError as again:
                err = again
        raise RTSLibError(f'Cannot create {self.path}: kernel module {self.kernel_module} '
                          f'is not loaded or not present (run "modprobe {self.kernel_module}")'
                          f' ({err.strerror})') from None

    def _modprobe(self):
        """Load the fabric's module on a real host; True if modprobe succeeded."""
        import subprocess   # here, not at import: only a missing fabric needs it
        try:
            done = subprocess.run(['modprobe', self.kernel_module], capture_output=True,
                                  check=False, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return False
        return done.returncode == 0

    # -- WWNs -----------------------------------------------------------------
    def to_normalized_wwn(self, wwn):
        """(normalized wwn, type) if this fabric takes wwn, else RTSLibError."""
        try:
            return normalize(self.wwn_types, wwn)
        except RTSLibError as e:
            raise RTSLibError(f'{e} for fabric {self.name}') from None

    def to_fabric_wwn(self, wwn):
        """Normalized WWN -> the directory name the kernel expects."""
        form = self.spec['wwn_format']
        if form == 'colon':
            return colonize(wwn.split('.', 1)[1])
        if form == '0x':
            return '0x' + wwn.split('.', 1)[1]
        if form == 'bare':
            return wwn.split('.', 1)[1]
        return wwn

    def from_fabric_wwn(self, wwn):
        """A kernel directory name -> normalized WWN."""
        form, kind = self.spec['wwn_format'], self.wwn_types[0]
        if form == 'colon':
            return f'{kind}.' + wwn.replace(':', '')
        if form == '0x':
            return f'{kind}.' + wwn.removeprefix('0x')
        if form == 'bare':
            return f'{kind}.{wwn}'
        return wwn

    @property
    def wwns(self):
        """WWNs of local hardware ports, or None where any valid WWN will do."""
        if self.spec['wwn_list'] is None:
            return None
        return devices.fabric_wwns(self.fs, self.spec['wwn_list'], self.name)

    def needs_wwn(self):
        """True if targets must take a hardware WWN (none can be generated)."""
        return self.spec['wwn_list'] is not None

    def generate_wwn(self):
        name = devices.host_of(self.fs).hostname()
        return generate(self.wwn_types[0], *name) if name else generate(self.wwn_types[0])

    @property
    def present(self):
        """Whether the fabric can be used on this host: its dir exists, or (fabrics
        bound to hardware) it has local ports, or its kernel module is loaded or
        installed.  Nothing is loaded or created to find out."""
        return self.exists or self.absence() is None

    def absence(self):
        """Why the fabric cannot be used here (None when it can): its module is
        neither loaded nor installed, or it is bound to hardware this host lacks."""
        if not devices.module_present(self.fs, self.configfs_dir, self.kernel_module):
            return f'kernel module {self.kernel_module} is neither loaded nor loadable here'
        if self.wwns is not None and not self.wwns:
            return (f'kernel module {self.kernel_module} has no local {self.spec["wwn_list"]} '
                    f'ports (its targets take the WWN of a hardware port)')
        return None

    # -- children -------------------------------------------------------------
    @property
    def targets(self):
        """Targets of this fabric: one listdir, no I/O per target."""
        from rtslib.target import Target
        if not self.exists:
            return
        for name in self._listdir():
            if name not in NOT_TARGETS:
                yield Target(self, self.from_fabric_wwn(name), mode='listed')

    def target(self, wwn=None, mode='any'):
        from rtslib.target import Target
        return Target(self, wwn, mode)

    @property
    def version(self):
        for name in ('lio_version', 'version'):
            text = self._read_optional(self._path_of(name))
            if text is not None:
                return text.strip()
        return None

    # the fabric dir is made on first use, so changing or listing a group makes it first
    # (reading one of an unloaded module is refused below: see get_group)
    def set_group_values(self, kind, values, err_func=None):
        self._check_self()
        super().set_group_values(kind, values, err_func)

    def list_group(self, kind, writable=None, readable=None):
        self._check_self()
        return super().list_group(kind, writable, readable)

    # -- discovery authentication (iscsi) -------------------------------------
    def _disc_check(self):
        self._assert_feature('discovery_auth')
        self._check_self()

    def _get_enable_auth(self):
        self._disc_check()
        return bool(int(self.get_group('discovery_auth', 'enforce_discovery_auth') or 0))

    def _set_enable_auth(self, enable):
        self._disc_check()
        self.set_group('discovery_auth', 'enforce_discovery_auth', str(int(bool(int(enable)))))

    discovery_enable_auth = property(_get_enable_auth, _set_enable_auth,
                                     doc='Whether discovery sessions must authenticate.')
    discovery_userid = auth_prop('discovery_auth', 'userid')
    discovery_password = auth_prop('discovery_auth', 'password')
    discovery_mutual_userid = auth_prop('discovery_auth', 'userid_mutual')
    discovery_mutual_password = auth_prop('discovery_auth', 'password_mutual')

    @property
    def discovery_authenticate_target(self):
        self._disc_check()
        return bool(int(self.get_group('discovery_auth', 'authenticate_target') or 0))

    def clear_discovery_auth_settings(self):
        self._disc_check()
        for attr in ('mutual_password', 'mutual_userid', 'password', 'userid'):
            setattr(self, 'discovery_' + attr, '')
        self.discovery_enable_auth = False

    @property
    def rdma_cm_port(self):
        """ib_srpt's RDMA/CM port (srpt/discovery_auth/rdma_cm_port; 0: not listening)."""
        self._check_self()
        return int(self.get_group('discovery_auth', 'rdma_cm_port') or 0)

    @rdma_cm_port.setter
    def rdma_cm_port(self, port):
        self.set_group('discovery_auth', 'rdma_cm_port', str(int(port)))

    @property
    def cpus_allowed_list(self):
        self._assert_feature('cpus_allowed_list')
        self._check_self()
        return self._read('cpus_allowed_list')

    @cpus_allowed_list.setter
    def cpus_allowed_list(self, value):
        self._assert_feature('cpus_allowed_list')
        self._check_self()
        self._write('cpus_allowed_list', value, action=f'set cpus_allowed_list={value} on')

    def get_group(self, kind, name):
        if kind == 'discovery_auth' and not self.exists:
            raise RTSLibNotInCFS(f'{self._label()} is not loaded ({self.path} does not exist)')
        return super().get_group(kind, name)

    # -- save/restore ---------------------------------------------------------
    @property
    def saved(self):
        """A fabric is saved for its discovery auth: when enabled, or when any
        credential is set (rtslib-fb saves only enabled ones, so credentials
        set with enable=0 were gone after the next boot)."""
        if not (self.has_feature('discovery_auth') and self.exists):
            return False
        return bool(self.discovery_enable_auth) or \
            any(getattr(self, 'discovery_' + attr) for attr in AUTH_PARAMS)

    SAVE_FIELDS = ({'name': STR}, dict({'discovery_' + a: STR for a in AUTH_PARAMS},
                                       discovery_enable_auth=BOOL))

    def dump(self, warn=None):
        """A leaf: read whole or not at all (warn is not used)."""
        d = {'name': self.name}
        if self.has_feature('discovery_auth') and self.exists:
            for attr in AUTH_PARAMS:
                value = getattr(self, 'discovery_' + attr)
                if value:
                    d['discovery_' + attr] = value
            d['discovery_enable_auth'] = self.discovery_enable_auth
        return d

    def setup(self, data, err_func):
        fields = self.SAVE_FIELDS[1]
        for name, value in data.items():
            if name == 'name':
                continue
            if name not in fields:  # never setattr() a library attribute (fs, ...)
                err_func(f"Unknown key '{name}' for fabric {self.name} (known: "
                         f"{', '.join(sorted(fields))})")
                continue
            try:
                setattr(self, name, value)
            except (RTSLibError, AttributeError, ValueError) as e:
                err_func(f"Could not set fabric {self.name} attribute '{name}': {e}")


class _FabricModules(Mapping):
    """rtslib-fb's fabric_modules dict {name: factory}, filled on first use
    (importing must not read the spec files)."""

    def _names(self):
        return FabricModule.list_fabrics()

    def __getitem__(self, name):
        if name not in self._names():
            raise KeyError(name)
        return functools.partial(FabricModule, name)

    def __iter__(self):
        return iter(self._names())

    def __len__(self):
        return len(self._names())


fabric_modules = _FabricModules()
