"""The simulator's tree after each recording's seed workflow equals the kernel's dump,
except for values listed in HOST_SPECIFIC (with the reason)."""
import re

import pytest

from rtslib.simkernel import SimConfigFS
from sim_helpers import tmp_path  # noqa: F401  (sim dirs on tmpfs: much faster)
from sim_helpers import (dump, error_rows, kernel61_stages, recorded_tree,
                         run, seed_ops)



# path pattern -> why its value cannot match a recording made on another machine
HOST_SPECIFIC = {
    r'/statistics/scsi_lu/creation_time$': 'jiffies since boot when the device was enabled',
    r'/statistics/scsi_auth_intr/creation_time$': 'jiffies since boot at mapping time',
    r'^/sys/kernel/config/target/loopback/.*/scsi_tgt_port/in_cmds$':
        'commands the guest SCSI layer sent to the tcm_loop disk',
    r'/rd_mcp_0/ram1/statistics/scsi_lu/num_cmds$':
        'commands the guest SCSI layer sent to the tcm_loop disk (ram1 is exported there)',
}
_PATTERNS = [re.compile(p) for p in HOST_SPECIFIC]
STYLE = {'kernel-6.1': 'dump.py', 'kernel-6.1-probes': 'probes'}


def normalise(line, style):
    sep = '\t' if style == 'probes' else ' '
    if ' -> ' in line or line.endswith('/'):
        return line
    path, mode, value = (line.split(sep, 2) + ['', ''])[:3]
    if any(p.search(path) for p in _PATTERNS):
        value = '<host-specific>'
    return sep.join((path, mode, value))


@pytest.mark.parametrize('recording', sorted(STYLE))
def test_tree_after_seed_workflow(tmp_path, recording):
    fs = SimConfigFS(str(tmp_path / 'sim'))
    for line, op, failed in seed_ops(recording):
        run(fs, op)
    style = STYLE[recording]
    got = [normalise(ln, style) for ln in dump(fs, style)]
    want = [normalise(ln, style) for ln in recorded_tree(recording)]
    missing = [ln for ln in want if ln not in set(got)]
    extra = [ln for ln in got if ln not in set(want)]
    assert not missing and not extra, 'kernel only:\n  %s\nsim only:\n  %s' % (
        '\n  '.join(missing[:40]), '\n  '.join(extra[:40]))
    assert got == want        # same order too (os.walk order, sorted)


def _replay(fs, recording, count=None):
    for line, op, failed in seed_ops(recording)[:count]:
        run(fs, op)


def _compare(got, want, style):
    got = [normalise(ln, style) for ln in got]
    want = [normalise(ln, style) for ln in want]
    missing = [ln for ln in want if ln not in set(got)]
    extra = [ln for ln in got if ln not in set(want)]
    assert not missing and not extra, 'kernel only:\n  %s\nsim only:\n  %s' % (
        '\n  '.join(missing[:40]), '\n  '.join(extra[:40]))
    assert got == want


@pytest.mark.parametrize('name', sorted(kernel61_stages()))
def test_kernel61_stage_trees(tmp_path, name):
    fs = SimConfigFS(str(tmp_path / 'sim'))
    _replay(fs, 'kernel-6.1', kernel61_stages()[name])
    _compare(dump(fs), recorded_tree('kernel-6.1', name), 'dump.py')


def test_kernel61_tree_after_all_probes(tmp_path):
    fs = SimConfigFS(str(tmp_path / 'sim'))
    _replay(fs, 'kernel-6.1')
    for _, op, _ in error_rows('kernel-6.1'):
        run(fs, op)
    _compare(dump(fs), recorded_tree('kernel-6.1', 'tree-after-probes.txt'), 'dump.py')
