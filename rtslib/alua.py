"""ALUA target port groups of a storage object: <storage object>/alua/<name>."""
from rtslib import locks
from rtslib.errors import RTSLibALUANotSupported, RTSLibError
from rtslib.fields import INT, STR
from rtslib.node import CFSNode, intify

ALUA_TYPES = ['None', 'Implicit', 'Explicit', 'Implicit and Explicit']
ALUA_STATUSES = ['None', 'Altered by Explicit STPG', 'Altered by Implicit ALUA']
# read-write parameter -> how the kernel shows it (list: index of a string)
ALUA_RW = {
    'alua_access_state': int, 'alua_access_status': ALUA_STATUSES,
    'alua_access_type': ALUA_TYPES, 'alua_write_metadata': int, 'preferred': int,
    'nonop_delay_msecs': int, 'trans_delay_msecs': int, 'implicit_trans_secs': int,
    'alua_support_offline': int, 'alua_support_standby': int,
    'alua_support_transitioning': int, 'alua_support_active_nonoptimized': int,
    'alua_support_unavailable': int, 'alua_support_active_optimized': int,
}
ALUA_RO = {'tg_pt_gp_id': int, 'alua_support_lba_dependent': int}
# the states the kernel takes in alua_access_state (core_alua_check_transition)
ALUA_STATES = {0: 'Active/optimized', 1: 'Active/non-optimized', 2: 'Standby',
               3: 'Unavailable', 4: 'LBA Dependent', 14: 'Offline', 15: 'Transitioning'}


def _alua_value(name, value):
    """The number to write for a parameter (a state may be given by its name)."""
    if name == 'alua_access_state':
        by_name = {text.lower(): number for number, text in ALUA_STATES.items()}
        text = str(value).strip()
        number = by_name.get(text.lower(), int(text) if text.isdigit() else None)
        if number not in ALUA_STATES:
            states = ', '.join(f'{n} ({t})' for n, t in ALUA_STATES.items())
            raise RTSLibError(f"Invalid alua_access_state '{value}': use one of {states}")
        return number
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RTSLibError(f"Invalid {name} '{value}': give a number") from None


def _shown(conv, raw):
    """A parameter's value as read: a number (a listed string: its index)."""
    if isinstance(conv, list):
        return conv.index(raw) if raw in conv else intify(raw)
    return intify(raw)


def _alua_prop(name, conv, writable):
    def fget(self):
        return _shown(conv, self._read(name))   # a vanished group: RTSLibNotInCFS

    def fset(self, value):
        self._check_self()
        self._write(name, str(_alua_value(name, value)), action=f'set {name}={value} on')
    return property(fget, fset if writable else None)


class ALUATargetPortGroup(CFSNode):
    """An ALUA target port group: <storage object>/alua/<name>."""

    MAX_TAG = 65535

    def __init__(self, storage_object, name, tag=None, mode=None, fs=None):
        if mode != 'listed' and not storage_object.alua_supported:
            raise RTSLibALUANotSupported(f'{storage_object._label()} does not support ALUA')
        super().__init__(fs or storage_object.fs)
        self.storage_object = storage_object
        self.name = str(name)
        self._cfs_path = f'{storage_object.cfs_path}/alua/{self.name}'
        if mode == 'listed':
            return
        if tag is None:
            self._create_in_cfs('lookup')
            return
        if not 1 <= int(tag) <= self.MAX_TAG:
            raise RTSLibError(f'Invalid ALUA tg_pt_gp_id {tag}: use 1 to {self.MAX_TAG}')
        # the kernel refuses a taken id (EINVAL) and a taken name (EEXIST) itself; the
        # plugin's lock keeps a storage object delete from missing the new group
        with locks.backstore(self.fs, storage_object.plugin):
            self._create_in_cfs('create')
            try:
                self._write('tg_pt_gp_id', str(int(tag)), action=f'set tg_pt_gp_id={tag} on')
            except RTSLibError:
                self._rmdir()
                raise

    def _label(self):
        return f'ALUA group {self.name} of {self.storage_object._label()}'

    @staticmethod
    def _member_paths(text):
        """[fabric dir, wwn, 'tpgt_N', 'lun_M'] per line of a members file (the
        kernel's list may start with NUL bytes)."""
        lines = (line.strip() for line in text.replace('\0', '\n').split('\n'))
        return [line.split('/') for line in lines if line]

    @property
    def members(self):
        """[{'driver', 'target', 'tpgt', 'lun'}] of the LUNs in this group."""
        return [{'driver': parts[0], 'target': parts[1],
                 'tpgt': int(parts[2].split('_', 1)[1]), 'lun': int(parts[3].split('_', 1)[1])}
                for parts in self._member_paths(self._read('members')) if len(parts) == 4]

    def member_luns(self):
        """LUN objects named by 'members', or None when the file is missing or a
        line is not understood."""
        from rtslib import spec
        from rtslib.fabric import FabricModule
        from rtslib.lun import LUN
        from rtslib.target import TPG, Target
        text = self._read_optional(self._path_of('members'))
        if text is None:
            return None
        dirs = {s['configfs_dir'].lower(): n for n, s in spec.load_all().items()
                if not s.get('view_of')}
        luns = []
        for parts in self._member_paths(text):
            fabric = dirs.get(parts[0].lower())
            if fabric is None or len(parts) != 4 or not parts[2].startswith('tpgt_'):
                return None
            fm = FabricModule(fabric, fs=self.fs)
            target = Target(fm, fm.from_fabric_wwn(parts[1]), mode='listed')
            tpg = TPG(target, parts[2][len('tpgt_'):], mode='listed')
            luns.append(LUN(tpg, parts[3][len('lun_'):], mode='listed'))
        return luns

    def delete(self):
        with locks.backstore(self.fs, self.storage_object.plugin):
            self._check_self()
            if self.name == 'default_tg_pt_gp':
                raise RTSLibError('Cannot delete default_tg_pt_gp: the kernel owns it')
            self._rmdir()

    SAVE_FIELDS = ({'name': STR}, {'tg_pt_gp_id': INT, '*': INT})

    def dump(self, warn=None):
        """A leaf: read whole or not at all (warn is not used)."""
        d = {'name': self.name, 'tg_pt_gp_id': self.tg_pt_gp_id}
        read = self.fs.read
        for param, conv in ALUA_RW.items():
            try:    # one bare read: a save reads these of every storage object
                d[param] = _shown(conv, read(f'{self._cfs_path}/{param}').strip())
            except OSError:
                d[param] = getattr(self, param)     # its error, naming the group
        return d

    @classmethod
    def setup(cls, storage_object, data, err_func):
        """Recreate a dumped group (default_tg_pt_gp exists already)."""
        name = data.get('name')
        if name in (None, 'default_tg_pt_gp'):
            return
        try:
            obj = cls(storage_object, name, data['tg_pt_gp_id'])
        except (RTSLibError, KeyError) as e:
            err_func(f'Cannot create ALUA group {name}: {e}')
            return
        for param, value in data.items():
            if param in ALUA_RW:
                try:
                    setattr(obj, param, value)
                except RTSLibError as e:
                    err_func(str(e))


for _name, _conv in ALUA_RW.items():
    setattr(ALUATargetPortGroup, _name, _alua_prop(_name, _conv, True))
for _name, _conv in ALUA_RO.items():
    setattr(ALUATargetPortGroup, _name, _alua_prop(_name, _conv, False))
