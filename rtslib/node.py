"""CFSNode: one configfs object directory, and its attribute groups as data.

Every object of the library is a CFSNode: it knows its backend (`fs`) and
its path relative to the target root (`cfs_path`).  All kernel I/O goes
through the backend methods, wrapped here so that an OSError becomes one
RTSLibError that names the object.

Attribute groups are described as data: `attr_groups` maps the public kind
(attribute, parameter, auth_attr, discovery_auth) to the object's configfs
subdirectory, and one code path lists, reads and writes them all.
"""
import errno

from rtslib import configfs, locks
from rtslib.configfs import tree_key
from rtslib.errors import RTSLibError, RTSLibNotInCFS, kernel_error

# Whether a kind of attribute file is writable, as the backend answered it: the
# kernel gives every file of one name in one kind of object the same mode, so
# one stat per kind answers for every object (a save lists thousands of files).
# (tree, shape of the group's path) -> {file name: bool}
_writable = {}

# Kinds whose values follow the CHAP convention: "NULL" clears, 255 bytes max.
AUTH_KINDS = ('auth_attr', 'discovery_auth')
CHAP_MAX = 255
SECRETS = ('password', 'password_mutual', 'mutual_password')
# The CHAP settings of a TPG or ACL, as rtslib-fb names them (chap_<name>)
AUTH_PARAMS = ('userid', 'password', 'mutual_userid', 'mutual_password')


def lowest_free(used, start, stop):
    """The lowest number in [start, stop) not in used, or None."""
    for n in range(start, stop):
        if n not in used:
            return n
    return None


def numbered(names, prefix):
    """{N for prefix_N in names}."""
    out = set()
    for name in names:
        if name.startswith(prefix) and name[len(prefix):].isdigit():
            out.add(int(name[len(prefix):]))
    return out


def _file_kind(path):
    """What makes a file's mode: its object's kind and its own name.  The kind is
    the fabric (or core/ and the HBA's plugin) and the depth of the path, e.g.
    core/fileio_3/disk/attrib/emulate_tpu -> ('core', 'fileio', 5, 'attrib', 'emulate_tpu')."""
    parts = path.split('/')
    top = parts[1].rpartition('_')[0] if parts[0] == 'core' and len(parts) > 1 else ''
    return (parts[0], top, len(parts), parts[-2], parts[-1])


def number_in(value, what, low, high):
    """value as an int from low to high, or an RTSLibError naming what and the range."""
    try:
        number = int(value)
    except ValueError:
        raise RTSLibError(f"Invalid {what} '{value}': give a number {low}-{high}") from None
    if not low <= number <= high:
        raise RTSLibError(f'Invalid {what} {number}: use {low}-{high}')
    return number


def made_or_reported(err_func, failed, make):
    """make()'s object, or None once err_func was told 'failed: <why>' (setup's
    way: one object the kernel refuses does not stop the rest)."""
    try:
        return make()
    except RTSLibError as e:
        err_func(f'{failed}: {e}')
        return None


def intify(value):
    try:
        return int(value)
    except ValueError:
        return value


class CFSNode:
    """A configfs directory of the LIO tree."""

    # public kind -> subdirectory of this object (subclasses narrow it)
    attr_groups = {}
    # what error hints call this kind of object ('create portal' ...)
    _hint_kind = None
    # rtslib-fb's name for where the kernel's tree is (a fabric's is its dir name)
    configfs_dir = configfs.REAL_ROOT

    def __init__(self, fs=None):
        self.fs = fs or configfs.default_fs()
        self._cfs_path = ''

    # -- identity ----------------------------------------------------------
    def __eq__(self, other):
        return isinstance(other, CFSNode) and self._cfs_path == other._cfs_path \
            and type(self).__name__ == type(other).__name__

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._cfs_path)

    def __repr__(self):
        return f'<{type(self).__name__} {self._cfs_path}>'

    def _label(self):
        """How messages name this object."""
        return f'{type(self).__name__} {self._cfs_path}'

    @property
    def cfs_path(self):
        """Path relative to the target root, as the backend takes it."""
        return self._cfs_path

    @property
    def path(self):
        """The object's configfs path as the kernel shows it."""
        return f'{configfs.REAL_ROOT}/{self._cfs_path}' if self._cfs_path else configfs.REAL_ROOT

    # -- kernel I/O, errors translated once -------------------------------
    def _path_of(self, name):
        """The backend path of a file or directory `name` inside this object."""
        return f'{self._cfs_path}/{name}' if self._cfs_path else name

    def _kernel_call(self, operation, path, *args, action, what=None, key=None):
        """fs.<operation>(path, *args); an OSError becomes one RTSLibError saying
        which object (`what`, default this one) the kernel refused to `action`."""
        try:
            return getattr(self.fs, operation)(path, *args)
        except OSError as e:
            if e.errno == errno.ENOENT and (path != self._cfs_path or operation == 'listdir'):
                self._raise_if_gone()  # gone: say so, rather than "no such file"
            if callable(action):    # a message made only when needed (see _link)
                action = action()
            raise kernel_error(e, action, what or self._label(), key) from None

    def _read(self, name, action='read'):
        return self._kernel_call('read', self._path_of(name), action=f'{action} {name} of').strip()

    def _read_optional(self, rel, default=None, check_gone=False):
        """The text of a file the kernel may not give (a file older kernels lack,
        ENODEV until something is set), or `default`.  check_gone: a vanished
        object raises RTSLibNotInCFS instead (looked for only on failure)."""
        try:
            return self.fs.read(rel)
        except OSError:
            if check_gone:
                self._raise_if_gone()
            return default

    def _write(self, name, value, action=None, key=None):
        self._kernel_call('write', self._path_of(name), str(value),
                   action=action or f'write {name} of', key=key)

    def _listdir(self, name=''):
        path = self._path_of(name) if name else self._cfs_path
        return self._kernel_call('listdir', path, action='list')

    # -- existence ---------------------------------------------------------
    def _exists(self):
        return self.fs.isdir(self._cfs_path)

    exists = property(lambda self: self._exists(),
                      doc='True while the configfs directory exists.')

    def _raise_if_gone(self):
        if not self._exists():
            raise RTSLibNotInCFS(f'{self._label()} does not exist in configfs')

    def _check_self(self):
        """Before an operation: raise if the object is gone (subclasses may make it)."""
        self._raise_if_gone()

    def _create_in_tpg(self, tpg, mode):
        """_create_in_cfs for an object in tpg: a create holds the TPG's lock, so
        that it does not fall between a TPG delete's listing and its rmdir."""
        if mode in ('listed', 'lookup'):
            return self._create_in_cfs(mode)
        with locks.tpg(tpg):
            return self._create_in_cfs(mode)

    def _create_in_cfs(self, mode):
        """Apply mode: 'any' looks up or creates, 'lookup' must exist,
        'create' must not exist; 'listed' trusts a parent's listdir (no I/O).
        Returns True if this call made the directory."""
        if mode == 'listed':
            return False
        if mode not in ('any', 'lookup', 'create'):
            raise RTSLibError(f"Invalid mode '{mode}': use 'any', 'lookup' or 'create'")
        if mode == 'lookup':
            if not self.exists:
                raise RTSLibNotInCFS(f'No such {self._label()} in configfs')
            return False
        try:
            # mkdir itself says whether it existed (EEXIST): a stat first would
            # add one call per object a restore makes
            self.fs.mkdir(self._cfs_path)
        except OSError as e:
            if e.errno != errno.EEXIST:
                raise kernel_error(e, 'create', self._label(),
                                   f'create {self._hint_kind}' if self._hint_kind else None) \
                    from None
            if mode == 'create':
                raise RTSLibError(f'{self._label()} already exists') from None
            return False
        return True

    def _mkdir_unless_taken(self):
        """mkdir this object; False if the name is taken (EEXIST).  A caller that
        chose the name from a listing (lowest free index, generated WWN) then picks
        another: another process may have taken it since the listing."""
        try:
            self.fs.mkdir(self._cfs_path)
        except FileExistsError:
            return False
        except OSError as e:
            raise kernel_error(e, 'create', self._label(),
                               f'create {self._hint_kind}' if self._hint_kind else None) from None
        return True

    def _create_lowest_free(self, taken, start, stop, place, full):
        """mkdir the lowest number of [start, stop) not in `taken`, placing this
        object there with place(n) first; on EEXIST (a tool that takes no lock
        made it since our listing) the next one.  RTSLibError(full) when none is
        left.  Returns the number."""
        while True:
            number = lowest_free(taken, start, stop)
            if number is None:
                raise RTSLibError(full)
            place(number)
            if self._mkdir_unless_taken():
                return number
            taken.add(number)

    def _rmdir(self):
        self._kernel_call('rmdir', self._cfs_path, action='delete')

    def delete(self):
        """Remove the directory (subclasses first remove their children)."""
        if self.exists:
            self._rmdir()

    # -- generic attribute groups -------------------------------------------
    def _group_dir(self, kind):
        sub = self.attr_groups.get(kind)
        if sub is None:
            raise RTSLibError(f'{self._label()} has no {kind} group')
        return sub

    def _writable_names(self, sub, names):
        """{name: writable?} of files listed in group dir `sub`, asked of the backend
        (the file's mode, as rtslib-fb and nvmetcli stat it) once per kind of file:
        dump() skips the read-only ones like rtslib-fb.  The kind's key is made once
        per listing, not per file (a save lists every attribute of every object)."""
        base = self._path_of(sub)
        kind = _file_kind(f'{base}/-')[:4]
        known = _writable.setdefault((tree_key(self.fs), kind), {})
        for name in names:
            if name not in known:
                try:
                    known[name] = self.fs.writable(f'{base}/{name}')
                except OSError:
                    # listed but not there to stat: kept (as writable), reading it
                    # says what is wrong
                    self._raise_if_gone()
        return known

    def list_group(self, kind, writable=None, readable=None):
        """Names in an attribute group, optionally only (non-)writable ones."""
        sub = self.attr_groups.get(kind)
        if sub is None:
            self._check_self()
            return []
        try:
            names = self.fs.listdir(self._path_of(sub))
        except OSError as e:
            self._raise_if_gone()  # only on failure: a save lists every object's groups
            if e.errno in (errno.ENOENT, errno.ENOTDIR):
                return []
            raise kernel_error(e, 'list', f'the {kind} group of {self._label()}') from None
        if writable is not None:
            modes = self._writable_names(sub, names)
            names = [n for n in names if modes.get(n, True) == writable]
        if readable is False:
            return []  # the kernel's group files are all readable
        return names

    def get_group(self, kind, name):
        sub = self._group_dir(kind)
        try:
            value = self.fs.read(f'{self._path_of(sub)}/{name}').strip()
        except OSError as e:
            self._raise_if_gone()    # only on failure: a dump reads hundreds of attributes
            raise RTSLibError(f"{self._label()} has no readable {kind} '{name}' "
                              f"({configfs.errno_name(e)})") from None
        if kind in AUTH_KINDS and value == 'NULL':
            return ''
        return value

    def set_group(self, kind, name, value):
        self.set_group_values(kind, {name: value})

    def set_group_values(self, kind, values, err_func=None):
        """Write each {name: value} of a group; with err_func a refused one goes to
        it and the rest go on (rtslib-fb's restore), without, it raises.  One
        loop for one write or thousands (a restore's attributes): the group is
        found once, and each value costs its check and its write."""
        try:
            base = self._path_of(self._group_dir(kind))
        except RTSLibError as e:
            if err_func is None:
                raise
            for _ in values:
                err_func(str(e))
            return
        check, write = self._check_value, self.fs.write
        auth, parameter = kind in AUTH_KINDS, kind == 'parameter'
        for name, value in values.items():
            try:
                value = checked = check(kind, name, value)
                if auth:
                    value = self._chap_value(name, value)
                elif parameter:
                    value += '\n'  # as rtslib-fb writes RFC-3720 parameters
                try:
                    write(f'{base}/{name}', value)
                except OSError as e:
                    self._write_refused(e, f'{base}/{name}', kind, name, checked)
            except RTSLibError as e:
                if err_func is None:
                    raise
                err_func(str(e))

    def _write_refused(self, err, path, kind, name, value):
        """Raise the error for a refused write of group file `path`."""
        self._raise_if_gone()    # only on failure: a restore writes thousands
        if self.fs.exists(path):
            shown = '***' if name in SECRETS else repr(value)
            raise kernel_error(err, f'set {kind} {name}={shown} on', self._label()) from None
        raise RTSLibError(f"{self._label()} has no {kind} '{name}' "
                          f"({configfs.errno_name(err)})") from None

    def _check_value(self, kind, name, value):
        """Hook: refuse values that would hurt the kernel; return the value as str."""
        return str(value)

    def _chap_value(self, name, value):
        if value != value.strip() or '\n' in value:
            # the kernel would keep them, but every reader (ours, rtslib-fb) strips
            # what it reads back, so a save would change the secret silently
            raise RTSLibError(f'{name} of {self._label()} starts or ends with a space or holds '
                              f'a newline; these are not kept: remove them')
        if value == 'NULL':
            raise RTSLibError(f"'NULL' is not a permitted {name}: give an empty value to clear it")
        if len(value.encode()) > CHAP_MAX:
            raise RTSLibError(f'{name} of {self._label()} is {len(value.encode())} bytes; '
                              f'the kernel takes at most {CHAP_MAX}')
        return value or 'NULL'

    # rtslib-fb names, all over the one code path above
    def list_attributes(self, writable=None, readable=None):
        return self.list_group('attribute', writable, readable)

    # (parameter names as rtslib-fb's, for keyword callers)
    def get_attribute(self, attribute):
        return self.get_group('attribute', attribute)

    def set_attribute(self, attribute, value):
        self.set_group('attribute', attribute, value)

    def list_parameters(self, writable=None, readable=None):
        return self.list_group('parameter', writable, readable)

    def get_parameter(self, parameter):
        return self.get_group('parameter', parameter)

    def set_parameter(self, parameter, value):
        self.set_group('parameter', parameter, value)

    def list_auth_attrs(self, writable=None, readable=None):
        return self.list_group('auth_attr', writable, readable)

    def get_auth_attr(self, name):
        return self.get_group('auth_attr', name)

    def set_auth_attr(self, name, value):
        self.set_group('auth_attr', name, value)

    @property
    def attributes(self):
        """{name: value} of the attribute group (read now; empty if none)."""
        return {n: self.get_attribute(n) for n in self.list_attributes()}

    @property
    def parameters(self):
        return {n: self.get_parameter(n) for n in self.list_parameters()}

    # -- save/restore ------------------------------------------------------
    def dump(self, warn=None):
        """rtslib-fb's fragment: writable attributes (as int where numeric)
        and parameters.

        warn: a tolerant dump (saveconfig's): each part that cannot be read
        is reported through warn(message) and left out, and the rest kept.
        Without it, the first unreadable part raises RTSLibError."""
        d = {}
        attrs = self._dump_group('attribute', warn, intify)
        if attrs:
            d['attributes'] = attrs
        params = self._dump_group('parameter', warn)
        if params:
            d['parameters'] = params
        return d

    def _dump_group(self, kind, warn, convert=str):
        """{name: value} of the writable names of one attribute group."""
        try:
            names = self.list_group(kind, writable=True)
        except RTSLibError as err:
            if warn is None:
                raise
            warn(f'{kind}s not saved: {err}')
            return {}
        values = {}
        if not names:
            return values
        base, read = self._path_of(self.attr_groups[kind]), self.fs.read
        plain = kind not in AUTH_KINDS     # auth values need get_group's NULL rule
        for name in names:
            if plain:   # one bare read: a save reads every attribute of every object
                try:
                    values[name] = convert(read(f'{base}/{name}').strip())
                    continue
                except OSError:
                    pass    # get_group says what is wrong
            try:
                values[name] = convert(self.get_group(kind, name))  # its error message
            except RTSLibError as err:
                if warn is None:
                    raise
                warn(f'{kind} {name} not saved: {err}')
        return values


def auth_prop(kind, name, missing_ok=False, doc=None):
    """A property over one auth-group file (chap_userid & co).

    missing_ok: None instead of an error where the object has no such group
    (rtslib-fb's ignore=True for TPG CHAP on fabrics without auth).
    """
    def fget(self):
        if missing_ok and kind not in self.attr_groups:
            return None
        return self.get_group(kind, name)

    def fset(self, value):
        self.set_group(kind, name, value)
    return property(fget, fset, doc=doc)


def set_attributes(obj, attr_dict, err_func):
    _set_each(obj, 'attribute', attr_dict, err_func)


def set_parameters(obj, param_dict, err_func):
    _set_each(obj, 'parameter', param_dict, err_func)


def _set_each(obj, kind, values, err_func):
    if isinstance(obj, CFSNode):
        obj.set_group_values(kind, values, err_func)
        return
    setter = getattr(obj, 'set_' + kind)    # rtslib-fb's callers pass groups too
    for name, value in values.items():
        try:
            setter(name, value)
        except RTSLibError as e:
            err_func(str(e))


def dump_chap(node, d):
    """The CHAP settings a TPG or ACL has, into its dump (rtslib-fb's chap_* keys)."""
    if node.has_feature('acls_auth'):
        for attr in AUTH_PARAMS:
            value = getattr(node, 'chap_' + attr)
            if value:
                d['chap_' + attr] = value


# What a tolerant dump leaves out: the library's errors, and OSError from the
# device checks outside configfs (a block device that vanished meanwhile).
UNREADABLE = (RTSLibError, OSError)


def dump_or_report(obj, label, warn):
    """obj.dump() in a tolerant dump: read whole first (the usual case costs nothing
    more); when that fails, again part by part, each unreadable part reported
    through warn() under `label` (a callable: made only then) and left out.  None
    (reported) if the object itself cannot be read."""
    try:
        return obj.dump()
    except UNREADABLE:
        pass
    name = label(obj)
    try:
        return obj.dump(warn=lambda message: warn(f'{name}: {message}'))
    except UNREADABLE as err:
        warn(f'{name} not saved: {err}')
        return None


def dump_children(parent, listing, warn, label, seen=None):
    """[child.dump()] of the objects parent.<listing> yields.  Tolerant (warn
    given): a listing that fails is reported, and each child that cannot be
    read is reported and left out (dump_or_report).  seen: a list the children
    are added to."""
    try:
        children = list(getattr(parent, listing))
    except UNREADABLE as err:
        if warn is None:
            raise
        warn(f'{listing} not saved: {err}')
        return []
    if seen is not None:
        seen.extend(children)
    if warn is None:
        return [child.dump() for child in children]
    dumps = (dump_or_report(child, label, warn) for child in children)
    return [d for d in dumps if d is not None]
