"""Plain attribute values: parse what was written like the kernel's store
functions do and give the content the file then shows (rules.ATTRS types)."""
import errno

from rtslib.simkernel import parse
from rtslib.simkernel.parse import fail


def _u32(data, spec, bits=32):
    value = parse.kstrtoull(data, bits)
    if not spec.get('min', 0) <= value <= spec.get('max', (1 << bits) - 1):
        raise fail(errno.EINVAL)
    return f'{int(value)}\n'


def _s32(data, spec):
    value = parse.kstrtoll(data, 32)
    if not spec.get('min', -(1 << 31)) <= value <= spec.get('max', (1 << 31) - 1):
        raise fail(errno.EINVAL)
    return f'{int(value)}\n'


def _bool01(data, spec):
    if parse.kstrtoull(data, 32) > 1:
        raise fail(errno.EINVAL)
    return f'{parse.kstrtoull(data, 32)}\n'


def _kbool(data, spec):
    return f'{int(parse.kstrtobool(data))}\n'


def _oneof(data, spec):
    value = parse.kstrtoull(data, 32)
    if value not in spec['values']:
        raise fail(errno.EINVAL)
    return f'{int(value)}\n'


def _text(data, spec):
    return parse.one_newline(data) + '\n'


def _chap(data, spec):
    # the kernel keeps what was written, newline included, and shows it plus "\n"
    if len(data.encode('utf-8', 'surrogateescape')) > 255:
        raise fail(errno.EINVAL)
    return data + '\n'


def _param(data, spec):
    value = parse.one_newline(data)
    if spec.get('free'):
        return value + '\n'
    if spec.get('yesno'):
        ok = value in ('Yes', 'No')
    elif spec.get('values'):
        ok = bool(value) and all(v in spec['values'] for v in value.split(','))
    else:
        ok = value.isdigit() and spec['min'] <= int(value) <= spec['max']
    if not ok:
        raise fail(errno.EINVAL)
    return value + '\n'


PARSERS = {'raw': lambda data, spec: data, 'ignore': lambda data, spec: None, 'u32': _u32, 'u64': lambda data, spec: _u32(data, spec, 64), 's32': _s32, 'bool01': _bool01, 'kbool': _kbool,
           'oneof': _oneof, 'str': _text, 'chap': _chap, 'param': _param}


# -- devices ---------------------------------------------------------------------------
