"""One VM boot per pytest session, shared by every tests/test_vm_*.py module.

Each test module lists the guest checks it needs in VM_CHECKS (names as in
tests/vm/README.md, 'module.*' for all of a module); the first test that asks
for results boots the VM once with the union of the checks of all collected
vm-marked tests, and later tests reuse those results.

LIO_VM_REUSE=1 reuses tests/vm/.work/results.json from the last boot instead
of booting (fast iteration on host-side comparisons; the file's age is printed).
"""
import json
import os
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from vm import harness  # noqa: E402

_cache = {}


def wanted_checks(session):
    names = []
    for item in session.items:
        if item.get_closest_marker('vm') is None:
            continue
        for name in getattr(item.module, 'VM_CHECKS', ()):
            if name not in names:
                names.append(name)
    return names or ['all']


def _reuse():
    path = os.path.join(os.environ.get('LIO_VM_WORKDIR') or harness.DEFAULT_WORKDIR, 'results.json')
    if not os.path.exists(path):
        raise harness.VMError('LIO_VM_REUSE=1 but there is no %s from an earlier boot' % path)
    age = time.time() - os.path.getmtime(path)
    print('\n[vm] LIO_VM_REUSE=1: using %s from %.0f s ago' % (path, age))
    with open(path) as f:
        return json.load(f)


def vm_results(session):
    """{check: result} from the session's one VM boot (boots on first call)."""
    if 'results' not in _cache and 'error' not in _cache:
        try:
            if os.environ.get('LIO_VM_REUSE') == '1':
                _cache['results'] = _reuse()
            else:
                _cache['results'] = harness.run_in_vm(wanted_checks(session))
        except harness.VMError as e:
            _cache['error'] = str(e)
    if 'error' in _cache:
        pytest.fail('real-kernel VM unavailable: %s' % _cache['error'], pytrace=False)
    return _cache['results']


def check_result(session, name):
    """The result of one guest check; fails the test with the guest's traceback if it failed."""
    results = vm_results(session)
    if name not in results:
        why = results.get(harness.TIMEOUT_RESULT, {}).get('detail', '')
        pytest.fail('check %s did not run in the VM%s (ran: %s)' % (
            name, ' (%s)' % why if why else '', ', '.join(sorted(results))), pytrace=False)
    res = results[name]
    if not res['ok']:
        pytest.fail('guest check %s failed:\n%s' % (name, res['detail']), pytrace=False)
    return res['data']


@pytest.fixture(scope='session')
def vm(request):
    """Access to the session's VM results: vm.check('smoke.kernel_and_modules') -> data."""
    class _VM:
        @staticmethod
        def check(name):
            return check_result(request.session, name)

        @staticmethod
        def results():
            return vm_results(request.session)
    return _VM
