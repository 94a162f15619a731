"""The public API of rtslib-fb's modules as data, and the check that ours keeps it.

`describe(package)` lists, for each module of rtslib-fb's layout, every public
name with its kind and, for callables, their parameters; the test compares
rtslib-fb 2.1.75's description (tests/data/rtslib_fb-2.1.75-api.json, made by
running this file on the pip-downloaded sdist) with ours.  Only the names and
signatures are recorded, none of rtslib-fb's code.

    pip download rtslib-fb==2.1.75 --no-deps && tar xzf rtslib-fb-2.1.75.tar.gz
    python3 tests/fb_api.py rtslib-fb-2.1.75 > tests/data/rtslib_fb-2.1.75-api.json
"""
import importlib
import inspect
import json
import sys
import types

MODULES = ('', 'utils', 'node', 'root', 'target', 'tcm', 'fabric', 'alua')
CONSTANTS = (str, int, float, bool, list, tuple, dict, set, frozenset, type(None))


def _params(func):
    """[[name, kind, has_default], ...] of a callable, or None if it has none."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    return [[p.name, p.kind.name, p.default is not p.empty] for p in sig.parameters.values()]


def _member(cls, name):
    raw = inspect.getattr_static(cls, name)
    if isinstance(raw, property):
        return {'kind': 'property', 'settable': raw.fset is not None}
    if isinstance(raw, classmethod):
        return {'kind': 'classmethod', 'params': _params(getattr(cls, name))}
    if isinstance(raw, staticmethod):
        return {'kind': 'staticmethod', 'params': _params(getattr(cls, name))}
    if inspect.isfunction(raw):
        return {'kind': 'method', 'params': _params(raw)[1:]}
    return {'kind': 'attribute'}


def _class(cls, package):
    members = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith(package):
            continue
        for name in vars(klass):
            if not name.startswith('_'):
                members[name] = _member(cls, name)
    return {'kind': 'class', 'params': constructor_params(cls), 'members': members}


def constructor_params(cls):
    """What a call of the class takes: its __init__'s parameters, or its
    __new__'s for a factory class (rtslib-fb's FabricModule)."""
    make = cls.__init__ if cls.__init__ is not object.__init__ else cls.__new__
    return _params(make)[1:]


def _entry(obj, package, module):
    """What a name of module is; a class or function of the package defined in
    another of its modules is described there and only named here."""
    if isinstance(obj, types.ModuleType):
        return None
    if inspect.isclass(obj) or callable(obj):
        home = getattr(obj, '__module__', None) or ''
        if not home.startswith(package):
            return None
        kind = 'class' if inspect.isclass(obj) else 'function'
        if home != module:
            return {'kind': kind, 'defined_in': home.rsplit('.', 1)[-1]}
        return _class(obj, package) if kind == 'class' else \
            {'kind': 'function', 'params': _params(obj)}
    if isinstance(obj, CONSTANTS):
        return {'kind': 'constant'}
    return {'kind': 'object'}


def describe(package):
    """{module: {name: entry}} for package ('rtslib_fb' or 'rtslib')."""
    api = {}
    for mod in MODULES:
        name = f'{package}.{mod}' if mod else package
        module = importlib.import_module(name)
        entries = {}
        for attr in sorted(dir(module)):
            if attr.startswith('_'):
                continue
            entry = _entry(getattr(module, attr), package, name)
            if entry:
                entries[attr] = entry
        api[mod or '__init__'] = entries
    return api


if __name__ == '__main__':
    sys.path.insert(0, sys.argv[1])
    json.dump(describe('rtslib_fb'), sys.stdout, indent=1, sort_keys=True)
    print()
