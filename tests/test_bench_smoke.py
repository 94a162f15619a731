"""The benchmark (scripts/bench.py, issue 7) still runs end to end at smoke size.

Simulator only, one run of tiny configurations; it checks that every command
of every configuration was measured for ours and for the raw floor and that
the table and the targets come out -- never how fast anything is.
"""
import json
import os
import subprocess
import sys

from bench_helpers import ROOT, incomplete_cells, table_problems


def test_bench_smoke_produces_a_complete_table(tmp_path):
    out, raw = tmp_path / 'results.md', tmp_path / 'bench.json'
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop('LIO_SIMULATE', None)
    proc = subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'bench.py'), '--simulate',
                           '--smoke', '--parallel', '2', '--out', str(out), '--json', str(raw)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(raw.read_text())
    assert [c['name'] for c in data['configs']] == ['1x1x1']
    assert incomplete_cells(data) == []
    assert table_problems(data, 'simulate') == []
    text = out.read_text()
    assert '<!-- bench:simulate -->' in text and 'SMOKE SIZES' in text
    assert 'targetcli-fb cannot run here' in text      # the peer is n/a, and says why
    # the parallel row (issue 19): both ways measured, every command done, tree whole
    for way in ('serial', 'parallel'):
        row = data['parallel']['tools']['ours'][way]
        assert (row['ok'], row['luns'], row['acls'], row['problems']) == (4, 2, 2, 0), row
    assert '<!-- bench:simulate-parallel -->' in text


def test_bench_layouts_match_the_tools_they_name(tmp_path):
    """The builder's 'ours' layout is where our library puts objects created in that
    order; '-fb' is the lowest free index each, as rtslib-fb gives."""
    import bench_build
    from rtslib import RDMCPStorageObject
    from rtslib.configfs import open_configfs
    fs = open_configfs(simulate=str(tmp_path / 'sim'))
    names = ['rd%d' % i for i in range(70)] + [bench_build.PROBE_SO]
    for name in names:
        RDMCPStorageObject(name, size=4096, fs=fs)
    made = {n: int(h.rpartition('_')[2]) for h in fs.listdir('core') if h.startswith('rd_mcp_')
            for n in fs.listdir('core/' + h) if n not in ('hba_info', 'hba_mode')}
    ours = bench_build.Config.parse('1x70')
    assert [made[n] for n in names] == ours.hba_indexes()
    assert max(ours.hba_indexes()) > 70          # past the first 64: home indexes
    fb = bench_build.Config.parse('1x70-fb')
    assert fb.name == '1x70-fb' and fb.hba_indexes() == list(range(71))
