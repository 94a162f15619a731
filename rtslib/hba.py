"""The HBA layout of core/: which core/<hba>_<index> directory holds a storage object.

As the kernel and rtslib-fb make it: one HBA directory per storage object,
its index the lowest one no HBA of any plugin uses.  Past the first
LAYOUT_LIMIT indexes an object we create gets its "home" index, derived from
its plugin and name, so that a lookup by name is one stat however many
objects there are (rtslib-fb finds it by its scan).
"""
import contextlib
import zlib

from rtslib.configfs import tree_key
from rtslib.errors import kernel_error

# The kernel's files in an HBA dir; every other entry is a storage object dir.
HBA_FILES = frozenset({'hba_info', 'hba_mode'})

# Indexes below this are handed out lowest-free, as rtslib-fb does, so that small
# configurations look as rtslib-fb makes them.  Home indexes lie in
# [HOME_BASE, 2**31): rtslib-fb never picks one (it takes the lowest free below
# 2**20) and the kernel parses the HBA name "%s_%u" (u32; recorded: even larger
# ones are accepted), so no tool's choice collides with ours.
LAYOUT_LIMIT = 64
HOME_BASE = 1 << 20
HOME_SPAN = (1 << 31) - HOME_BASE

# Where a storage object remembers its HBA index: (tree, hba, name) -> index.
_hba_memo = {}

# Inside batch_lookups(): tree -> {'names': {(hba, name): index}, 'used': {index}}.
_batch = {}


def hba_dirs(fs):
    """[(prefix, index)] of the HBA directories under core/ (one listdir)."""
    out = []
    try:
        entries = fs.listdir('core')
    except OSError as e:
        raise kernel_error(e, 'list', 'the backstores (core/)') from None
    for entry in entries:
        prefix, _, index = entry.rpartition('_')
        if prefix and index.isdigit():
            out.append((prefix, int(index)))
    return out


@contextlib.contextmanager
def batch_lookups(fs):
    """One scan of core/ answers every storage-object lookup and free HBA index
    made inside (a restore creates thousands; each would otherwise rescan
    core/ to prove its name unused: quadratic)."""
    key = tree_key(fs)
    if key in _batch:
        yield
        return
    names, used = {}, set()
    for prefix, index in hba_dirs(fs):
        used.add(index)
        for name in fs.listdir(f'core/{prefix}_{index}'):
            if name not in HBA_FILES:
                names[(prefix, name)] = index
    _batch[key] = {'names': names, 'used': used}
    try:
        yield
    finally:
        _batch.pop(key, None)


def remember(fs, hba, name, index):
    tree = tree_key(fs)
    _hba_memo[(tree, hba, name)] = index
    batch = _batch.get(tree)
    if batch is not None:
        batch['names'][(hba, name)] = index
        batch['used'].add(index)


def forget(fs, hba, name):
    _hba_memo.pop((tree_key(fs), hba, name), None)
    batch = _batch.get(tree_key(fs))
    if batch is not None:
        batch['names'].pop((hba, name), None)


def forget_all():
    """Forget remembered HBA indexes (another process may have changed core/)."""
    _hba_memo.clear()


def home_index(hba, name):
    """The HBA index a new object `name` takes once the low indexes are used."""
    return HOME_BASE + zlib.crc32(f'{hba}/{name}'.encode()) % HOME_SPAN


def find_index(fs, prefix, name):
    """The index of the HBA holding `name`, or None.

    Costs one isdir for a remembered object or one at its home index;
    otherwise (objects in the low indexes, trees made by other tools, names
    that do not exist) one listdir of core/ and one access(2) per HBA of the
    same plugin, lowest index first (never a read of the tree).
    """
    batch = _batch.get(tree_key(fs))
    if batch is not None:
        return batch['names'].get((prefix, name))
    key = (tree_key(fs), prefix, name)
    home = home_index(prefix, name)
    for index in dict.fromkeys((_hba_memo.get(key), home)):
        if index is not None and fs.isdir(f'core/{prefix}_{index}/{name}'):
            _hba_memo[key] = index
            return index
    indexes = sorted(i for p, i in hba_dirs(fs) if p == prefix and i != home)
    hit = fs.first_dir([f'core/{prefix}_{i}/{name}' for i in indexes])
    if hit is None:
        return None
    index = int(hit.split('/')[1].rpartition('_')[2])
    _hba_memo[key] = index
    return index


def make_hba(fs, prefix, name, label):
    """mkdir the lowest HBA index no plugin uses, or past LAYOUT_LIMIT the home
    index (the lowest free one if another object holds that); retry if
    another process won.  Returns the index."""
    batch = _batch.get(tree_key(fs))
    # the batch's own set, not a copy: a copy per object made a restore quadratic
    used = batch['used'] if batch else {index for _, index in hba_dirs(fs)}
    lowest = 0
    home = home_index(prefix, name)
    while True:
        while lowest in used:
            lowest += 1
        index = home if lowest >= LAYOUT_LIMIT and home not in used else lowest
        try:
            fs.mkdir(f'core/{prefix}_{index}')
        except FileExistsError:
            used.add(index)
            continue
        except OSError as e:
            raise kernel_error(e, 'create', f'HBA core/{prefix}_{index} for {label}') \
                from None
        return index


def drop_hba(fs, prefix, index):
    """rmdir the HBA dir if empty of objects (other tools share HBAs)."""
    try:
        fs.rmdir(f'core/{prefix}_{index}')
    except OSError:
        return
    batch = _batch.get(tree_key(fs))
    if batch is not None:
        batch['used'].discard(index)
