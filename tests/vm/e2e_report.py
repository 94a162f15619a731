"""Host side of the end-to-end VM checks (used by tests/test_vm_e2e.py, test_vm_peer.py): results of
checks_e2e / checks_peer, with the check's own log (logins, rejected logins, checksums) shown
in the test output."""
import pytest


_shown = set()


def show(request, name, lines):
    """Print the check's log lines in the test run's output, captured or not (once)."""
    if name in _shown:
        return
    _shown.add(name)
    capman = request.config.pluginmanager.getplugin('capturemanager')
    text = '\n'.join(['', '--- %s ---' % name] + ['  ' + ln for ln in lines])
    if capman is not None:
        with capman.global_and_fixture_disabled():
            print(text, flush=True)
    else:
        print(text, flush=True)


def e2e_check(vm, request, name):
    """The data of guest check `name` after printing its log; fails with the log and the
    guest traceback when the check failed."""
    results = vm.results()
    if name not in results:
        pytest.fail('check %s did not run in the VM (ran: %s)'
                    % (name, ', '.join(sorted(results))), pytrace=False)
    res = results[name]
    lines = (res.get('data') or {}).get('log', []) if isinstance(res.get('data'), dict) else []
    show(request, name, lines)
    if not res['ok']:
        pytest.fail('guest check %s failed:\n%s\n--- its log ---\n%s'
                    % (name, res['detail'], '\n'.join(lines)), pytrace=False)
    return res['data']


def lines_with(data, prefix):
    return [ln for ln in data['log'] if ln.startswith(prefix)]
