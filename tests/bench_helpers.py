"""What a complete benchmark table is (shared by the simulator and VM smoke tests)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, 'scripts')
if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)

import bench_report  # noqa: E402  (scripts/ is not a package)
import bench_run     # noqa: E402


def incomplete_cells(data, tools=('ours', 'floor')):
    """['config/op/tool: why'] for every cell without a measurement (empty = complete)."""
    bad = []
    for cfg in data['configs']:
        for op in bench_run.OPS:
            for tool in tools:
                cell = cfg['ops'].get(op, {}).get(tool)
                if not cell or not cell['seconds'] or cell['errors']:
                    bad.append('%s/%s/%s: %s' % (cfg['name'], op, tool,
                                                 cell['errors'] if cell else 'not measured'))
    return bad


def table_problems(data, mode):
    """Rows or verdicts missing from the rendered section."""
    data['meta'].setdefault('mode', mode)
    text = bench_report.render(data)
    problems = ['row missing: %s' % bench_run.OP_TEXT[op] for op in bench_run.OPS
                if text.count('| %s |' % bench_run.OP_TEXT[op]) != len(data['configs'])]
    if '### Targets' not in text or text.count(' | met |') + text.count('MISSED') + \
            text.count('n/a') == 0:
        problems.append('no targets table')
    if 'FAIL' in text:
        problems.append('a command failed:\n' + text)
    return problems
