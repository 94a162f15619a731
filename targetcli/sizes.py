"""Human-readable sizes, as targetcli-fb reads and prints them."""
import re

from targetcli.cshell import ExecutionError

_SIZE = re.compile(r'([0-9]+)([kmgt]?)b?\Z')
_UNITS = 'kmgt'


def human_to_bytes(text):
    """'64M' -> 67108864 (k/m/g/t powers of 1024, optional B or iB)."""
    size = str(text).replace('i', '').lower()
    match = _SIZE.match(size)
    if not match:
        raise ExecutionError(f"Cannot interpret size, wrong format: {text} "
                             "(use a number of bytes or a number with K, M, G or T, e.g. 64M)")
    number, unit = match.groups()
    power = _UNITS.index(unit) + 1 if unit else 0
    return int(number) * 1024 ** power


def bytes_to_human(size):
    """67108864 -> '64.0MiB'."""
    size = int(size or 0)
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024.0
    for unit in ('KiB', 'MiB', 'GiB', 'TiB', 'PiB'):
        if value < 1024 or unit == 'PiB':
            return f"{value:3.1f}{unit}"
        value /= 1024.0
    return f"{size} bytes"
