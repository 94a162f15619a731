"""json.dumps(doc, sort_keys=True, indent=2), byte for byte, faster.

With indent set, the json module leaves its C encoder for a pure-Python one:
a large save spent much of its time there (scripts/bench-results.md).  Strings still go
through json's C escaping; only containers and plain scalars are laid out here.
"""
import json
from json.encoder import encode_basestring_ascii

_float = json.JSONEncoder().encode      # NaN/Infinity and repr() exactly as json does


class _Fallback(Exception):
    """A key or value this layout does not cover: let json do all of it."""


def dumps(doc, indent=2):
    out = []
    try:
        _emit(doc, out, '\n', ' ' * indent)
    except _Fallback:
        return json.dumps(doc, sort_keys=True, indent=indent)
    return ''.join(out)


def _emit(obj, out, nl, step):
    if isinstance(obj, str):
        out.append(encode_basestring_ascii(obj))
    elif obj is True or obj is False or obj is None:
        out.append('true' if obj is True else 'false' if obj is False else 'null')
    elif type(obj) is int:
        out.append(int.__repr__(obj))
    elif type(obj) is float:
        out.append(_float(obj))
    elif isinstance(obj, dict):
        _emit_dict(obj, out, nl, step)
    elif isinstance(obj, (list, tuple)):
        _emit_list(obj, out, nl, step)
    else:
        raise _Fallback()


def _emit_dict(obj, out, nl, step):
    if not obj:
        out.append('{}')
        return
    if not all(isinstance(k, str) for k in obj):
        raise _Fallback()
    inner = nl + step
    sep = '{' + inner
    for key in sorted(obj):
        out.append(sep)
        out.append(encode_basestring_ascii(key))
        out.append(': ')
        _emit(obj[key], out, inner, step)
        sep = ',' + inner
    out.append(nl + '}')


def _emit_list(obj, out, nl, step):
    if not obj:
        out.append('[]')
        return
    inner = nl + step
    sep = '[' + inner
    for item in obj:
        out.append(sep)
        _emit(item, out, inner, step)
        sep = ',' + inner
    out.append(nl + ']')
