"""Builds the benchmark's configurations fast, with raw configfs operations.

Going through rtslib/configfs.py's backend (the same mkdir/write/symlink a
restore does, no object library, no tool) makes even 100,000 mapped LUNs
cheap to set up, and the tree is the same whichever tool is measured on it.

Layout, as targetcli-fb/rtslib-fb leave it (one HBA per storage object, so a
lookup by name cannot guess the HBA): storage objects core/rd_mcp_I/rdI
(ramdisk, 1 page), targets iqn.2003-01.org.bench:tNNN with tpgt_1 enabled,
lun_J -> rd(T*L+J), ACLs iqn.2003-01.org.bench.init:aNNN mapping every LUN.
Every configuration also holds the probe objects the one-shot commands work
on: core/rd_mcp_N/probe (last HBA) and target PROBE_IQN with an empty tpgt_1.
"""
import time

import bench_floor

PROBE_IQN = 'iqn.2003-01.org.bench:probe'
PROBE_SO = 'probe'
PROBE_TPG = 'iscsi/%s/tpgt_1' % PROBE_IQN
TARGET_FMT = 'iqn.2003-01.org.bench:t%03d'
ACL_FMT = 'iqn.2003-01.org.bench.init:a%03d'


class Config:
    """One configuration: `targets` x `luns` LUNs, `acls` ACLs per target mapping every LUN."""

    def __init__(self, targets=0, luns=0, acls=0):
        self.targets, self.luns, self.acls = targets, luns, acls

    @classmethod
    def parse(cls, text):
        """'0', '10x100' (targets x LUNs per target) or '10x100x100' (+ ACLs per target)."""
        if text == '0':
            return cls()
        parts = [int(p) for p in text.split('x')]
        if len(parts) not in (2, 3) or min(parts) < 1:
            raise ValueError('configuration %r: use 0, TxL or TxLxA (positive numbers)' % text)
        return cls(*parts)

    @property
    def total_luns(self):
        return self.targets * self.luns

    @property
    def mapped_luns(self):
        return self.total_luns * self.acls

    @property
    def name(self):
        if not self.targets:
            return '0'
        base = '%dx%d' % (self.targets, self.luns)
        return base + ('x%d' % self.acls if self.acls else '')

    def describe(self):
        if not self.targets:
            return 'empty (probe objects only)'
        text = '{:,} LUNs ({} targets x {} LUNs)'.format(self.total_luns, self.targets, self.luns)
        if self.acls:
            text += ', {} ACLs/target, {:,} mapped LUNs'.format(self.acls, self.mapped_luns)
        return text


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
    so_paths = [make_so(fs, 'rd_mcp_%d' % i, 'rd%d' % i, i) for i in range(n)]
    make_so(fs, 'rd_mcp_%d' % n, PROBE_SO, n)
    for t in range(config.targets):
        make_target(fs, TARGET_FMT % t, so_paths[t * config.luns:(t + 1) * config.luns], config.acls)
    make_target(fs, PROBE_IQN, [], 0)
    return time.perf_counter() - t0
