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
PROBE_TPG = f'iscsi/{PROBE_IQN}/tpgt_1'
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
            raise ValueError(f'configuration {text!r}: use 0, TxL or TxLxA (positive numbers), '
                             f'optionally with -fb')
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
        base = f'{self.targets}x{self.luns}'
        return base + (f'x{self.acls}' if self.acls else '') + suffix

    def describe(self):
        if not self.targets:
            text = 'empty (probe objects only)'
        else:
            text = f'{self.total_luns:,} LUNs ({self.targets} targets x {self.luns} LUNs)'
        if self.acls:
            text += f', {self.acls} ACLs/target, {self.mapped_luns:,} mapped LUNs'
        if self.layout == 'fb':
            text += "; storage objects in rtslib-fb's layout (lowest free HBA index each)"
        return text

    def hba_indexes(self):
        """HBA index of every storage object in creation order, the probe last."""
        used, out, lowest = set(), [], 0
        names = [f'rd{i}' for i in range(self.total_luns)] + [PROBE_SO]
        for name in names:
            while lowest in used:
                lowest += 1
            home = home_index('rd_mcp', name)
            ours = self.layout == 'ours' and lowest >= LAYOUT_LIMIT and home not in used
            out.append(home if ours else lowest)
            used.add(out[-1])
        return out

    def probe_hba(self):
        return f'rd_mcp_{self.hba_indexes()[-1]}'


def serial(i):
    return f'{i:08x}-0000-4000-8000-{i:012x}'


def make_so(fs, hba, name, index):
    fs.mkdir('core/' + hba)
    p = f'core/{hba}/{name}'
    fs.mkdir(p)
    fs.write(p + '/control', 'rd_pages=1')
    fs.write(p + '/enable', '1')
    fs.write(p + '/wwn/vpd_unit_serial', serial(index))
    return p


def make_target(fs, iqn, so_paths, acls):
    tpg = f'iscsi/{iqn}/tpgt_1'
    fs.mkdir('iscsi/' + iqn)
    fs.mkdir(tpg)
    for j, so in enumerate(so_paths):
        fs.mkdir(f'{tpg}/lun/lun_{j}')
        fs.symlink(so, f'{tpg}/lun/lun_{j}/{j:010x}')
    for a in range(acls):
        acl = f'{tpg}/acls/{ACL_FMT % a}'
        fs.mkdir(acl)
        for j in range(len(so_paths)):
            fs.mkdir(f'{acl}/lun_{j}')
            fs.symlink(f'{tpg}/lun/lun_{j}', f'{acl}/lun_{j}/{a * 100000 + j:010x}')
    fs.write(tpg + '/enable', '1')


def build(fs, config):
    """Clear the tree, then make `config` on it; returns seconds taken."""
    t0 = time.perf_counter()
    bench_floor.do_clear(fs)
    if not fs.isdir('iscsi'):
        fs.mkdir('iscsi')
    n = config.total_luns
    indexes = config.hba_indexes()
    so_paths = [make_so(fs, f'rd_mcp_{indexes[i]}', f'rd{i}', i) for i in range(n)]
    make_so(fs, f'rd_mcp_{indexes[n]}', PROBE_SO, n)
    for t in range(config.targets):
        make_target(fs, TARGET_FMT % t, so_paths[t * config.luns:(t + 1) * config.luns], config.acls)
    make_target(fs, PROBE_IQN, [], 0)
    return time.perf_counter() - t0
