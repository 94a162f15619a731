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
                           '--smoke', '--out', str(out), '--json', str(raw)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(raw.read_text())
    assert [c['name'] for c in data['configs']] == ['1x1x1']
    assert incomplete_cells(data) == []
    assert table_problems(data, 'simulate') == []
    text = out.read_text()
    assert '<!-- bench:simulate -->' in text and 'SMOKE SIZES' in text
    assert 'targetcli-fb cannot run here' in text      # the peer is n/a, and says why
