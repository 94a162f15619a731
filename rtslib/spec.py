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


def load_all(directory=None):
    """{name: spec} for every spec/*.json, loaded once per directory."""
    directory = directory or spec_dir()
    if directory not in _cache:
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith('.json'))
        except OSError as e:
            raise SpecError(f'Fabric spec directory {directory}: {e.strerror}; set LIO_SPEC_DIR '
                            f'to the directory holding the spec/*.json files') from None
        specs = {}
        for name in names:
            spec = load_file(os.path.join(directory, name))
            specs[spec['name']] = spec
        for spec in specs.values():
            if spec.get('view_of') and spec['view_of'] not in specs:
                raise SpecError(f"{spec['spec_file']}: field 'view_of' names "
                                f"'{spec['view_of']}', which has no spec file")
        _cache[directory] = specs
    return _cache[directory]


def get(name):
    """The spec of fabric `name` (case-insensitive)."""
    specs = load_all()
    spec = specs.get(str(name).lower())
    if spec is None:
        raise RTSLibError(f"No fabric module named '{name}'; known: {', '.join(sorted(specs))}")
    return spec


def clear_cache():
    _cache.clear()
