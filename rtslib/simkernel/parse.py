"""How the kernel parses what is written to configfs (kstrto*, names, portals)."""
import errno
import ipaddress
import re

_DIGITS = {8: '01234567', 10: '0123456789', 16: '0123456789abcdefABCDEF'}


def fail(code):
    return OSError(code, f'{errno.errorcode[code]} (simulated kernel)')


def one_newline(text):
    """kstrto* accept one trailing newline and nothing else around the number."""
    return text[:-1] if text.endswith('\n') else text


def kstrtoull(text, bits=64, newline=True):
    """kstrtoull(s, 0, &v) with base detection; EINVAL/ERANGE like the kernel."""
    s = one_newline(text) if newline else text
    if s.startswith('+'):
        s = s[1:]
    base = 10
    if s[:2] in ('0x', '0X') and len(s) > 2:
        base, s = 16, s[2:]
    elif s.startswith('0') and len(s) > 1:
        base, s = 8, s[1:]
    if not s or any(c not in _DIGITS[base] for c in s):
        raise fail(errno.EINVAL)
    value = int(s, base)
    if value >= 1 << bits:
        raise fail(errno.ERANGE)
    return value


def kstrtoll(text, bits=64):
    s = one_newline(text)
    if s.startswith('-'):
        value = -kstrtoull(s[1:], bits, newline=False)
        if value < -(1 << (bits - 1)):
            raise fail(errno.ERANGE)
        return value
    value = kstrtoull(s, bits, newline=False)
    if value >= 1 << (bits - 1):
        raise fail(errno.ERANGE)
    return value


def kstrtobool(text):
    """y/Y/1/on -> True, n/N/0/off -> False (the kernel looks at 1-2 chars)."""
    s = text
    if s[:1] in ('y', 'Y', '1'):
        return True
    if s[:1] in ('n', 'N', '0'):
        return False
    if s[:1] in ('o', 'O'):
        if s[1:2] in ('n', 'N'):
            return True
        if s[1:2] in ('f', 'F'):
            return False
    raise fail(errno.EINVAL)


def numbered(name, prefix, bits):
    """'tpgt_1' / 'lun_0x10' -> number; EINVAL for a wrong prefix or number."""
    if not name.startswith(prefix):
        raise fail(errno.EINVAL)
    value = kstrtoull(name[len(prefix):], 64, newline=False)
    if value >= 1 << bits:
        raise fail(errno.EINVAL)
    return value


_PORT = re.compile(r'^[0-9]+$')


def portal(name):
    """'IP:PORT' or '[IPv6]:PORT' -> (address text, port); EINVAL if malformed.

    The kernel requires the brackets for IPv6, a dotted quad for IPv4 (no
    host names, no 3-part forms) and a port 0..65535.
    """
    if name.startswith('['):
        end = name.find(']')
        if end < 0 or name[end + 1:end + 2] != ':':
            raise fail(errno.EINVAL)
        addr, port = name[1:end], name[end + 2:]
        try:
            ip = ipaddress.IPv6Address(addr)
        except ValueError:
            raise fail(errno.EINVAL) from None
        text = str(ip)
    else:
        if ':' not in name:
            raise fail(errno.EINVAL)
        addr, port = name.rsplit(':', 1)
        try:
            ip = ipaddress.IPv4Address(addr)
        except ValueError:
            raise fail(errno.EINVAL) from None
        text = str(ip)
    if not _PORT.match(port) or int(port) > 65535:
        raise fail(errno.EINVAL)
    return text, int(port)
