"""WWNs: generate, normalize and validate iqn/naa/eui/ib/fc names and unit serials.

Normalized form (rtslib-fb's): '<type>.<digits>' in lower case without ':'
or '-' separators; iqn names are kept as given apart from case.
"""
import os
import re

from rtslib.errors import RTSLibError

WWN_TYPES = ('free', 'iqn', 'naa', 'eui', 'ib', 'fc', 'unit_serial')

# One pattern per type, tested against the cleaned (normalized) name.
PATTERNS = {
    'free': re.compile(r'\S+$'),
    'iqn': re.compile(r'iqn\.[0-9]{4}-(0[1-9]|1[0-2])\.[^ _]*\.[^ _]*$'),
    # NAA 6 (registered extended) is 32 digits; 16-digit naa.6 names are what
    # old rtslib generated for loopback: kept as given, never rewritten
    'naa': re.compile(r'naa\.([1256c-f][0-9a-f]{15}|6[0-9a-f]{31})$'),
    'eui': re.compile(r'eui\.[0-9a-f]{16}$'),
    'ib': re.compile(r'ib\.[0-9a-f]{32}$'),
    'fc': re.compile(r'fc\.[0-9a-f]{16}$'),
    'unit_serial': re.compile(r'[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$'),
}

EXAMPLES = {
    'iqn': 'iqn.2003-01.org.example:target1',
    'naa': 'naa.5001405abcdef012',
    'eui': 'eui.001405abcdef0123',
    'ib': 'ib.' + '0' * 16 + 'fe8000000000abcd',
    'fc': 'fc.21000024ff000001',
    'unit_serial': '00000000-0000-0000-0000-000000001234',
}

# Kernel limit for vpd_unit_serial is 254 bytes including the terminator.
UNIT_SERIAL_MAX = 253


def _clean(wwn_type, wwn):
    """rtslib-fb's alternate spellings: 0x prefix, ':' and '-' separators."""
    wwn = str(wwn).strip().lower()
    if wwn_type in ('naa', 'eui', 'ib', 'fc'):
        prefix = wwn_type + '.'
        body = wwn.replace('-', '').replace(':', '')
        body = body[len(prefix):] if body.startswith(prefix) else body
        wwn = prefix + body.removeprefix('0x')
    return wwn


def normalize(wwn_types, wwn):
    """(normalized wwn, its type) for the first type in wwn_types that fits."""
    for wwn_type in wwn_types:
        clean = _clean(wwn_type, wwn)
        if PATTERNS[wwn_type].match(clean):
            return clean, wwn_type
    month = re.match(r'iqn\.[0-9]{4}-([0-9]{2})\.', str(wwn).strip().lower())
    if 'iqn' in wwn_types and month and not 1 <= int(month.group(1)) <= 12:
        raise RTSLibError(f"Invalid WWN '{wwn}': month {month.group(1)} of its date is not 01 "
                          f"to 12 (iqn.YYYY-MM.reversed.domain:name, for example "
                          f"{EXAMPLES['iqn']})")
    examples = ', '.join(EXAMPLES.get(t, t) for t in wwn_types)
    raise RTSLibError(f"Invalid WWN '{wwn}': expected {' or '.join(wwn_types)} "
                      f"(for example {examples})")


def is_valid(wwn_type, wwn):
    try:
        normalize((wwn_type,), wwn)
    except RTSLibError:
        return False
    return True


def safe_hostname(name=None):
    """The host's short name in a form that cannot break a path or an IQN.

    A VM's hostname '(none)' made targetcli-fb generate an IQN its own path
    parser rejected; keep only [a-z0-9-].
    """
    if name is None:
        import socket   # here, not at import: start-up time of every one-shot
        name = socket.gethostname()
    name = name.split('.')[0].lower()
    name = re.sub(r'[^a-z0-9-]', '', name).strip('-')
    return name or 'localhost'


def safe_arch(machine=None):
    machine = (machine or os.uname().machine).lower()
    return re.sub(r'[^a-z0-9]', '', machine) or 'unknown'


def generate(wwn_type, hostname=None, machine=None):
    """A new random WWN of wwn_type (the first of a fabric's wwn_types)."""
    import uuid   # here, not at import: start-up time of every one-shot
    if wwn_type in ('free', 'unit_serial'):
        return str(uuid.uuid4())
    if wwn_type == 'iqn':
        return (f'iqn.2003-01.org.linux-iscsi.{safe_hostname(hostname)}.'
                f'{safe_arch(machine)}:sn.{uuid.uuid4().hex[-12:]}')
    if wwn_type == 'naa':
        # 5 = IEEE registered, 001405 = the OUI LIO uses, 9 random digits
        return 'naa.5001405' + uuid.uuid4().hex[-9:]
    if wwn_type == 'eui':
        return 'eui.001405' + uuid.uuid4().hex[-10:]
    raise RTSLibError(f"Cannot generate a WWN of type '{wwn_type}': give one explicitly")


def check_unit_serial(serial):
    """Return serial if the kernel's vpd_unit_serial would take it, else raise."""
    serial = str(serial).strip()
    if not serial:
        raise RTSLibError('Invalid unit serial: it is empty')
    if len(serial) > UNIT_SERIAL_MAX:
        raise RTSLibError(f'Invalid unit serial: {len(serial)} characters, the kernel takes '
                          f'at most {UNIT_SERIAL_MAX}')
    if not (serial.isascii() and serial.isprintable() and ' ' not in serial):  # 0x21-0x7e
        raise RTSLibError(f"Invalid unit serial '{serial}': use printable ASCII without "
                          f"spaces (e.g. a UUID like {EXAMPLES['unit_serial']})")
    return serial


def colonize(digits):
    """'500140512' -> '50:01:40:51:2'."""
    return ':'.join(digits[i:i + 2] for i in range(0, len(digits), 2))
