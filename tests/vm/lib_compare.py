"""Comparisons for the library's real-kernel checks (checks_lib.py, test_vm_lib.py).

Used on both sides: in the guest (masking secrets before results leave it)
and on the host (comparing with the simulator and with rtslib-fb).  No rtslib
import here; tree dumps come from tests/fidelity/dump.py and are normalised
with tests/fidelity/normalise.py first.
"""
import difflib
import hashlib
import json
import re

# -- configfs tree dumps (fidelity/dump.py lines) -------------------------------

# Kernel-global state whose value depends on what earlier checks of the boot
# did, not on the script under test: (path regex, why).
TREE_SKIP = [
    (r'^/dbroot$', 'the first RTSRoot of the boot points it at its preferred dir (ours '
                   '/etc/target, Debian rtslib-fb /etc/rtslib-fb-target); the kernel refuses '
                   'changes once a device was registered, so its value is history'),
    (r'^/iscsi/discovery_auth/', 'lives in iscsi_target_mod and survives the iscsi dir: the '
                                 'harness resets it (writing NULL) between checks; the scripts '
                                 'here do not touch it (fidelity workloads compare its rules)'),
]

# History-dependent values fidelity/normalise.py does not cover (yet), same form:
# (name, path regex, value regex, replacement, why).
TREE_NORMALISE = [
    ('device-index-role', r'/statistics/scsi_port/role$', r'^Device\d+', 'Device<n>',
     'the device index counts every storage object made since the module loaded'),
]

_FILE_LINE = re.compile(r'^(\S*) ([0-7]{3,4}) (.*)$')      # PATH MODE VALUE
_PASSWORD_LINE = re.compile(r'^(\S*/password\S*) ([0-7]{3,4}) (.*)$')


def digest(value):
    return 'sha256:' + hashlib.sha256(value.encode()).hexdigest()[:12]


def mask_tree(lines):
    """Dump lines with CHAP secrets (auth/password*, discovery_auth/password*) hashed
    (lines hashed already are kept: the guest hashes before results leave it)."""
    out = []
    for line in lines:
        m = _PASSWORD_LINE.match(line)
        if m and not m.group(3).startswith('sha256:'):
            line = '%s %s %s' % (m.group(1), m.group(2), digest(m.group(3)))
        out.append(line)
    return out


def tree_form(lines, generated):
    """Dump lines comparable across runs: normalised as the fidelity tests do, values a
    script generated at random (unit serials, link aliases, WWNs) replaced by their
    names from `generated` {name: value}, skipped files dropped, sorted."""
    from fidelity.normalise import normalise_dump
    pairs = sorted(((v, '<%s>' % k) for k, v in generated.items() if v),
                   key=lambda p: -len(p[0]))
    skip = [re.compile(path) for path, _why in TREE_SKIP]
    out = []
    for line in normalise_dump(mask_tree(lines)):
        path = line.split(' ', 1)[0]
        if any(p.search(path) for p in skip):
            continue
        m = _FILE_LINE.match(line)
        if m:
            value = m.group(3)
            for _name, pat, val, repl, _why in TREE_NORMALISE:
                if re.search(pat, m.group(1)):
                    value = re.sub(val, repl, value)
            line = '%s %s %s' % (m.group(1), m.group(2), value)
        for value, name in pairs:
            line = line.replace(value, name)
        out.append(line)
    return sorted(out)


def tree_diff(real, sim):
    """Unified diff lines (- real kernel, + simulator), empty when equal."""
    return [d for d in difflib.unified_diff(real, sim, 'real', 'sim', n=0, lineterm='')
            if not d.startswith(('---', '+++', '@@'))]


# -- rtslib dump() documents (saveconfig.json form) -----------------------------

def mask_doc(doc):
    """A dump() document with every value of a key holding 'password' hashed."""
    if isinstance(doc, dict):
        return {k: (digest(v) if 'password' in k and isinstance(v, str) and v else mask_doc(v))
                for k, v in doc.items()}
    if isinstance(doc, list):
        return [mask_doc(v) for v in doc]
    return doc


def canonical(doc):
    """Lists sorted by their items' JSON (list order is listing order, not meaning)."""
    if isinstance(doc, dict):
        return {k: canonical(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return sorted((canonical(v) for v in doc), key=lambda v: json.dumps(v, sort_keys=True))
    return doc


def _label(item):
    """How an element of a list is named in a difference's path."""
    if isinstance(item, dict):
        for key in ('name', 'wwn', 'node_wwn', 'tag', 'index', 'ip_address', 'tpg_lun'):
            if key in item:
                value = item[key]
                if key == 'ip_address':
                    value = '%s:%s' % (value, item.get('port'))
                return '%s=%s' % (key, value)
    return json.dumps(item, sort_keys=True)[:40]


def doc_diffs(ours, theirs, path=''):
    """[(path, ours, theirs)] where two canonical dump() documents differ.

    Lists are matched by their elements' labels (name, wwn, tag, ...), so one
    differing attribute shows as one entry, not as a whole missing object.
    """
    if isinstance(ours, dict) and isinstance(theirs, dict):
        out = []
        for key in sorted(set(ours) | set(theirs)):
            if key not in theirs:
                out.append(('%s/%s' % (path, key), ours[key], '<missing>'))
            elif key not in ours:
                out.append(('%s/%s' % (path, key), '<missing>', theirs[key]))
            else:
                out += doc_diffs(ours[key], theirs[key], '%s/%s' % (path, key))
        return out
    if isinstance(ours, list) and isinstance(theirs, list):
        a = {_label(v): v for v in ours}
        b = {_label(v): v for v in theirs}
        if len(a) != len(ours) or len(b) != len(theirs):
            return [] if ours == theirs else [(path, ours, theirs)]
        return doc_diffs(a, b, path)
    return [] if ours == theirs else [(path, ours, theirs)]


def unexplained(diffs, exceptions):
    """Differences whose path and values match no documented exception.

    An exception is (path regex, our value, rtslib-fb's value, reason); a value
    of None there matches any value."""
    out = []
    for path, ours, theirs in diffs:
        ok = False
        for pattern, want_ours, want_theirs, _why in exceptions:
            if re.search(pattern, path) and want_ours in (None, ours) and \
                    want_theirs in (None, theirs):
                ok = True
                break
        if not ok:
            out.append((path, ours, theirs))
    return out
