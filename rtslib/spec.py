"""Fabric spec files (spec/<fabric>.json): find, load and validate them.

A spec describes one fabric as data: where it lives in configfs, which
kernel module provides it, which WWNs it takes and which features its TPGs
have.  Files are read on first use, never at import.
"""
import json
import os
import sys

from rtslib.devices import WWN_SOURCES
from rtslib.errors import RTSLibError, SpecError
from rtslib.wwn import WWN_TYPES

FEATURES = ('discovery_auth', 'acls', 'acls_auth', 'nps', 'tpgts', 'nexus', 'iser',
            'offload', 'cpus_allowed_list')
WWN_FORMATS = ('plain', 'colon', '0x', 'bare')
WWN_LISTS = tuple(WWN_SOURCES)   # the hardware WWN sources rtslib/devices.py knows


def _is_name(value):
    return isinstance(value, str) and value and '/' not in value and value.strip() == value


def _is_list_of(choices):
    return lambda v: isinstance(v, list) and all(x in choices for x in v)


# field -> (required, check, what a right value looks like)
FIELDS = {
    'name': (True, _is_name, 'the file name without .json'),
    'configfs_dir': (True, _is_name, 'a directory name under /sys/kernel/config/target'),
    'kernel_module': (True, _is_name, 'a kernel module name, e.g. iscsi_target_mod'),
    'wwn_types': (True, lambda v: _is_list_of(WWN_TYPES)(v) and v,
                  f'a non-empty list of {", ".join(WWN_TYPES)}'),
    'features': (True, _is_list_of(FEATURES), f'a list of {", ".join(FEATURES)}'),
    'extra_modules': (False, lambda v: isinstance(v, list) and all(map(_is_name, v)),
                      'a list of kernel module names'),
    'wwn_format': (False, lambda v: v in WWN_FORMATS, f'one of {", ".join(WWN_FORMATS)}'),
    'wwn_list': (False, lambda v: v is None or v in WWN_LISTS,
                 f'null or one of {", ".join(WWN_LISTS)}'),
    'rdma_module': (False, _is_name, 'the kernel module of its RDMA transport, e.g. ib_srpt '
                    '(its `info` then reports RDMA readiness)'),
    'listed': (False, lambda v: isinstance(v, bool), 'true or false'),
    'view_of': (False, _is_name, 'the name of another fabric spec'),
    'description': (False, lambda v: isinstance(v, str), 'a string'),
}


def spec_dir():
    """LIO_SPEC_DIR, else the repo's spec/ beside the package, else the installed copy."""
    env = os.environ.get('LIO_SPEC_DIR')
    if env:
        return env
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'spec')
    if os.path.isdir(here):
        return here
    # setup.py's data_files: under the install scheme's data path (/usr/local for
    # Debian's pip, the venv, /usr for a distribution package)
    import sysconfig
    installed = [os.path.join(prefix, 'share', 'lio-py', 'spec')
                 for prefix in (sysconfig.get_path('data'), sys.prefix)]
    return next((d for d in installed if os.path.isdir(d)), installed[0])


def _stderr(message):
    print(message, file=sys.stderr)


USER_DIRS_ENV = 'LIO_USER_SPEC_DIRS'   # read by the entry points, never here

# What the entry points passed in (configure): user spec dirs read after the
# shipped one, and where a broken file's warning goes.
_settings = {'user_dirs': (), 'warn': _stderr}


def configure(user_dirs=(), warn=None):
    """Set the user spec directories (their *.json files add fabrics beside the
    shipped ones, or replace a shipped one of the same name) and the warning
    sink; called by the entry points, which read USER_DIRS_ENV."""
    _settings['user_dirs'] = tuple(d for d in user_dirs if d)
    _settings['warn'] = warn or _stderr
    clear_cache()


def user_dirs_from(value, simdir=None):
    """LIO_USER_SPEC_DIRS (colon-separated) plus /etc/target/fabrics.d
    (DIR/etc/target/fabrics.d when simulated)."""
    base = os.path.join(simdir, 'etc', 'target') if simdir else '/etc/target'
    return [os.path.join(base, 'fabrics.d')] + [d for d in (value or '').split(':') if d]


def validate(doc, filename):
    """Raise SpecError naming the file and the first bad field; return doc."""
    if not isinstance(doc, dict):
        raise SpecError(f'{filename}: the spec must be a JSON object')
    for field in doc:
        if field not in FIELDS:
            raise SpecError(f"{filename}: unknown field '{field}' "
                            f"(known: {', '.join(FIELDS)})")
    for field, (required, check, right) in FIELDS.items():
        if field not in doc:
            if required:
                raise SpecError(f"{filename}: field '{field}' is missing; it must be {right}")
            continue
        if not check(doc[field]):
            raise SpecError(f"{filename}: field '{field}' is {doc[field]!r}; it must be {right}")
    stem = os.path.basename(filename)[:-len('.json')]
    if doc['name'] != stem:
        raise SpecError(f"{filename}: field 'name' is {doc['name']!r}; it must be {stem!r}, "
                        f"the file name without .json")
    return doc


def load_file(path):
    try:
        with open(path, encoding='utf-8') as f:
            doc = json.load(f)
    except json.JSONDecodeError as e:
        raise SpecError(f'{path}: not valid JSON: {e}') from None
    except OSError as e:
        raise SpecError(f'{path}: cannot read: {e.strerror}') from None
    doc = validate(doc, path)
    doc.setdefault('extra_modules', [])
    doc.setdefault('wwn_format', 'plain')
    doc.setdefault('wwn_list', None)
    doc.setdefault('listed', True)
    doc['spec_file'] = path
    return doc


_cache = {}


def _load_dir(directory, specs, broken, required):
    """Load directory/*.json into specs; a broken file goes to broken[name] = message."""
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith('.json'))
    except OSError as e:
        if required:
            raise SpecError(f'Fabric spec directory {directory}: {e.strerror}; set LIO_SPEC_DIR '
                            f'to the directory holding the spec/*.json files') from None
        return
    for name in names:
        try:
            spec = load_file(os.path.join(directory, name))
        except SpecError as e:
            specs.pop(name[:-len('.json')], None)
            broken[name[:-len('.json')]] = str(e)
            continue
        broken.pop(spec['name'], None)
        specs[spec['name']] = spec


def load_all(directory=None):
    """{name: spec} for every spec/*.json (and the user spec dirs), loaded once.

    A broken file disables only its fabric: one warning names the file and
    the field, and the other fabrics work."""
    directory = directory or spec_dir()
    key = (directory,) + _settings['user_dirs']
    if key not in _cache:
        specs, broken = {}, {}
        _load_dir(directory, specs, broken, required=True)
        for extra in _settings['user_dirs']:
            _load_dir(extra, specs, broken, required=False)
        for spec in list(specs.values()):
            if spec.get('view_of') and spec['view_of'] not in specs:
                specs.pop(spec['name'])
                broken[spec['name']] = (f"{spec['spec_file']}: field 'view_of' names "
                                        f"'{spec['view_of']}', which has no usable spec file")
        for name, message in sorted(broken.items()):
            _settings['warn'](f'Warning: fabric {name} is disabled: {message}')
        _cache[key] = (specs, broken)
    return _cache[key][0]


def broken():
    """{fabric name: why its spec file was not loaded} (after load_all)."""
    load_all()
    return dict(_cache[(spec_dir(),) + _settings['user_dirs']][1])


def get(name):
    """The spec of fabric `name` (case-insensitive)."""
    specs = load_all()
    spec = specs.get(str(name).lower())
    if spec is None:
        why = broken().get(str(name).lower())
        if why:
            raise RTSLibError(f"Fabric {name} is disabled: {why}")
        raise RTSLibError(f"No fabric module named '{name}'; known: {', '.join(sorted(specs))}")
    return spec


def clear_cache():
    _cache.clear()
