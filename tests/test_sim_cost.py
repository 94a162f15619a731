"""Creating a LUN costs the same on a big tree as on a small one: the simulator
reads no directory listing and opens no more files when there are more objects.
(Counting calls, not timing.)"""
import builtins
import os
from unittest import mock

from rtslib.simkernel import SimConfigFS
from sim_helpers import tmp_path  # noqa: F401  (sim dirs on tmpfs: much faster)

TPG = 'iscsi/iqn.2003-01.org.example:cost/tpgt_1'


def build(root, luns):
    fs = SimConfigFS(str(root))
    fs.mkdir('core/rd_mcp_0')
    fs.mkdir('core/rd_mcp_0/ram1')
    fs.write('core/rd_mcp_0/ram1/control', 'rd_pages=8\n')
    fs.write('core/rd_mcp_0/ram1/enable', '1\n')
    fs.mkdir('iscsi')
    fs.mkdir('iscsi/iqn.2003-01.org.example:cost')
    fs.mkdir(TPG)
    fs.mkdir(TPG + '/acls/iqn.1994-05.com.example:host')
    for i in range(luns):
        add_lun(fs, i)
    return fs


def add_lun(fs, i):
    fs.mkdir('%s/lun/lun_%d' % (TPG, i))
    fs.symlink('core/rd_mcp_0/ram1', '%s/lun/lun_%d/ram1' % (TPG, i))
    acl = TPG + '/acls/iqn.1994-05.com.example:host'
    fs.mkdir('%s/lun_%d' % (acl, i))
    fs.symlink('%s/lun/lun_%d' % (TPG, i), '%s/lun_%d/m' % (acl, i))


def count_calls(fn):
    counts = {}

    def counting(name, real):
        def wrapper(*args, **kwargs):
            counts[name] = counts.get(name, 0) + 1
            return real(*args, **kwargs)
        return wrapper
    targets = [(os, 'listdir'), (os, 'scandir'), (os, 'walk'), (os, 'open'),
               (builtins, 'open'), (os, 'rename'), (os, 'replace')]
    patches = [mock.patch.object(mod, name, counting(name, getattr(mod, name)))
               for mod, name in targets]
    for p in patches:
        p.start()
    try:
        fn()
    finally:
        for p in patches:
            p.stop()
    return counts


def test_lun_create_cost_does_not_grow(tmp_path):
    small = build(tmp_path / 'small', 2)
    big = build(tmp_path / 'big', 200)
    cost_small = count_calls(lambda: add_lun(small, 2))
    cost_big = count_calls(lambda: add_lun(big, 200))
    assert cost_small.get('listdir', 0) + cost_small.get('scandir', 0) == 0
    assert cost_small == cost_big
    # and the state the next LUN needs is as big as before
    lun_state = big.store.state(TPG + '/lun/lun_200')
    assert big.store.state(TPG + '/lun/lun_2') is not None
    assert lun_state['rtpi'] == 201


def test_members_file_lists_every_lun(tmp_path):
    fs = build(tmp_path / 'sim', 3)
    members = fs.read('core/rd_mcp_0/ram1/alua/default_tg_pt_gp/members')
    assert members.split('\0')[:-1] == [
        'iSCSI/iqn.2003-01.org.example:cost/tpgt_1/lun_%d\n' % i for i in range(3)]
    fs.unlink(TPG + '/acls/iqn.1994-05.com.example:host/lun_1/m')
    fs.unlink(TPG + '/lun/lun_1/ram1')
    members = fs.read('core/rd_mcp_0/ram1/alua/default_tg_pt_gp/members')
    assert 'lun_1\n' not in members and members.count('\0') == 2
