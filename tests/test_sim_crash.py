"""A process killed half-way through a simulated configfs operation leaves the
simulated kernel as if the operation never started, as the real kernel's
operations are whole (kill -9 during restore, then a second restore, relies on it)."""
import os
import subprocess
import sys
import textwrap

import pytest

from rtslib.simkernel import SimConfigFS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SO = 'core/rd_mcp_0/ram1'
LUN = 'iscsi/iqn.2003-01.org.example:crash/tpgt_1/lun/lun_0'


def build(simdir):
    fs = SimConfigFS(str(simdir))
    fs.mkdir('core/rd_mcp_0')
    fs.mkdir(SO)
    fs.write(SO + '/control', 'rd_pages=8')
    fs.write(SO + '/enable', '1')
    for d in ('iscsi', 'iscsi/iqn.2003-01.org.example:crash',
              'iscsi/iqn.2003-01.org.example:crash/tpgt_1', LUN):
        fs.mkdir(d)
    return fs


def die_in(simdir, call, op):
    """Run `op` on the simulator in a child that dies (exit, no clean-up) when
    it reaches os.<call>: the state writes before it are done, the rest not."""
    code = textwrap.dedent(f'''
        import os, sys
        from rtslib.simkernel import SimConfigFS
        fs = SimConfigFS(sys.argv[1])
        fs.read('version')
        def die(*args, **kwargs):
            os._exit(9)
        os.{call} = die
        {op}
        ''')
    r = subprocess.run([sys.executable, '-c', code, str(simdir)],
                       env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True, text=True)
    assert r.returncode == 9, r.stderr


def test_link_killed_before_the_link_leaves_no_reference(tmp_path):
    build(tmp_path)
    die_in(tmp_path, 'symlink', f'fs.symlink({SO!r}, {LUN + "/x"!r})')
    fs = SimConfigFS(str(tmp_path))
    assert not fs.exists(LUN + '/x')
    assert 'lun_0' not in fs.read(SO + '/alua/default_tg_pt_gp/members')
    fs.rmdir(LUN)
    fs.rmdir(SO)            # no reference left behind: not EBUSY
    assert not fs.exists(SO)


def test_unlink_killed_before_the_unlink_keeps_the_reference(tmp_path):
    fs = build(tmp_path)
    fs.symlink(SO, LUN + '/x')
    die_in(tmp_path, 'unlink', f'fs.unlink({LUN + "/x"!r})')
    fs = SimConfigFS(str(tmp_path))
    assert fs.readlink(LUN + '/x') == SO
    assert 'lun_0' in fs.read(SO + '/alua/default_tg_pt_gp/members')
    with pytest.raises(OSError) as err:
        fs.rmdir(SO)        # still exported, as the link says
    assert err.value.errno == 16
    fs.unlink(LUN + '/x')
    fs.rmdir(SO)


def test_rmdir_killed_half_way_keeps_the_object(tmp_path):
    build(tmp_path)
    die_in(tmp_path, 'rename', f'fs.rmdir({LUN!r})')
    fs = SimConfigFS(str(tmp_path))
    assert fs.isdir(LUN) and 'alua_tg_pt_gp' in fs.listdir(LUN)
    fs.rmdir(LUN)
    assert not fs.exists(LUN)
