"""Builds the benchmark's configurations fast, with raw configfs operations.

Going through rtslib/configfs.py's backend (the same mkdir/write/symlink a
restore does, no object library, no tool) makes even 100,000 mapped LUNs
cheap to set up, and the tree is the same whichever tool is measured on it.

Storage objects rdI (ramdisk, 1 page, created in order I = 0..N-1, then the
probe), one HBA each, in one of two layouts:
- 'ours' (default): the HBA index our restore gives, as every boot with
  target.service leaves the tree: the lowest free one for the first
  LAYOUT_LIMIT, then the object's home index (rtslib.hba.home_index);
- 'fb' (config name suffix -fb): the lowest free index for every object, as
  targetcli-fb/rtslib-fb leave it, where a lookup by name cannot guess the
  HBA.
Targets iqn.2003-01.org.bench:tNNN with tpgt_1 enabled, lun_J -> rd(T*L+J),
ACLs iqn.2003-01.org.bench.init:aNNN mapping every LUN.  Every configuration
also holds the probe objects the one-shot commands work on: the ramdisk
`probe` (created last) and target PROBE_IQN with an empty tpgt_1.
"""
import time

import bench_floor
from rtslib.hba import LAYOUT_LIMIT, home_index

PROBE_IQN = 'iqn.2003-01.org.bench:probe'
PROBE_SO = 'probe'
PROBE_TPG = 'iscsi/%s/tpgt_1' % PROBE_IQN
TARGET_FMT = 'iqn.2003-01.org.bench:t%03d'
ACL_FMT = 'iqn.2003-01.org.bench.init:a%03d'


class Config:
    """One configuration: `targets` x `luns` LUNs, `acls` ACLs per target mapping every LUN."""

    def __init__(self, targets=0, luns=0, acls=0, layout='ours'):
        self.targets, self.luns, self.acls, self.layout = targets, luns, acls, layout

    @classmethod
    def parse(cls, text):
        """'0', '10x100' (targets x LUNs per target) or '10x100x100' (+ ACLs per target);
        a -fb suffix lays the storage objects out as rtslib-fb does."""
        base, fb = (text[:-3], 'fb') if text.endswith('-fb') else (text, 'ours')
        if base == '0':
            return cls(layout=fb)
        try:
            parts = [int(p) for p in base.split('x')]
        except ValueError:
            parts = []
        if len(parts) not in (2, 3) or min(parts) < 1:
            raise ValueError('configuration %r: use 0, TxL or TxLxA (positive numbers), '
                             'optionally with -fb' % text)
        return cls(*parts, layout=fb)

    @property
    def total_luns(self):
        return self.targets * self.luns

    @property
    def mapped_luns(self):
        return self.total_luns * self.acls

    @property
    def name(self):
        suffix = '-fb' if self.layout == 'fb' else ''
        if not self.targets:
            return '0' + suffix
        base = '%dx%d' % (self.targets, self.luns)
        return base + ('x%d' % self.acls if self.acls else '') + suffix

    def describe(self):
        if not self.targets:
            text = 'empty (probe objects only)'
        else:
            text = '{:,} LUNs ({} targets x {} LUNs)'.format(self.total_luns, self.targets,
                                                             self.luns)
        if self.acls:
            text += ', {} ACLs/target, {:,} mapped LUNs'.format(self.acls, self.mapped_luns)
        if self.layout == 'fb':
            text += "; storage objects in rtslib-fb's layout (lowest free HBA index each)"
        return text

    def hba_indexes(self):
        """HBA index of every storage object in creation order, the probe last."""
        used, out, lowest = set(), [], 0
        names = ['rd%d' % i for i in range(self.total_luns)] + [PROBE_SO]
        for name in names:
            while lowest in used:
                lowest += 1
            home = home_index('rd_mcp', name)
            ours = self.layout == 'ours' and lowest >= LAYOUT_LIMIT and home not in used
            out.append(home if ours else lowest)
            used.add(out[-1])
        return out

    def probe_hba(self):
        return 'rd_mcp_%d' % self.hba_indexes()[-1]


def serial(i):
    return '%08x-0000-4000-8000-%012x' % (i, i)


def make_so(fs, hba, name, index):
    fs.mkdir('core/' + hba)
    p = 'core/%s/%s' % (hba, name)
    fs.mkdir(p)
    fs.write(p + '/control', 'rd_pages=1')
    fs.write(p + '/enable', '1')
    fs.write(p + '/wwn/vpd_unit_serial', serial(index))
    return p


def make_target(fs, iqn, so_paths, acls):
    tpg = 'iscsi/%s/tpgt_1' % iqn
    fs.mkdir('iscsi/' + iqn)
    fs.mkdir(tpg)
    for j, so in enumerate(so_paths):
        fs.mkdir('%s/lun/lun_%d' % (tpg, j))
        fs.symlink(so, '%s/lun/lun_%d/%010x' % (tpg, j, j))
    for a in range(acls):
        acl = '%s/acls/%s' % (tpg, ACL_FMT % a)
        fs.mkdir(acl)
        for j in range(len(so_paths)):
            fs.mkdir('%s/lun_%d' % (acl, j))
            fs.symlink('%s/lun/lun_%d' % (tpg, j), '%s/lun_%d/%010x' % (acl, j, a * 100000 + j))
    fs.write(tpg + '/enable', '1')


def build(fs, config):
    """Clear the tree, then make `config` on it; returns seconds taken."""
    t0 = time.perf_counter()
    bench_floor.do_clear(fs)
    if not fs.isdir('iscsi'):
        fs.mkdir('iscsi')
    n = config.total_luns
    indexes = config.hba_indexes()
    so_paths = [make_so(fs, 'rd_mcp_%d' % indexes[i], 'rd%d' % i, i) for i in range(n)]
    make_so(fs, 'rd_mcp_%d' % indexes[n], PROBE_SO, n)
    for t in range(config.targets):
        make_target(fs, TARGET_FMT % t, so_paths[t * config.luns:(t + 1) * config.luns], config.acls)
    make_target(fs, PROBE_IQN, [], 0)
    return time.perf_counter() - t0
