"""Peers agree (issue 6 point 6): Debian's targetcli-fb / rtslib-fb read what our
targetcli built, and save files restore both ways into an identical tree.

Guest side: tests/vm/checks_peer.py, one check judging three parts on one
tree (needs the Debian package targetcli-fb on the host; tests/run installs it).
"""
import pytest

from vm.e2e_report import show
from vm_helpers import vm  # noqa: F401  (session fixture: one boot for all VM modules)

pytestmark = pytest.mark.vm
VM_CHECKS = ['peer.*']
CHECK = 'peer.peer_agrees'


def part(vm, request, name):
    """One part of the peer check, judged even when another part failed."""
    res = vm.results().get(CHECK)
    if res is None:
        pytest.fail('check %s did not run in the VM' % CHECK, pytrace=False)
    data = res.get('data') if isinstance(res.get('data'), dict) else {}
    show(request, CHECK, data.get('log', []))
    if name not in data:
        pytest.fail('guest check %s stopped before judging %s:\n%s'
                    % (CHECK, name, res['detail']), pytrace=False)
    return data[name]


def test_peer_ls_shows_the_objects_we_built(vm, request):
    ls = part(vm, request, 'ls')
    assert (ls['only_ours'], ls['only_theirs']) == ([], [])
    assert ls['objects'] >= 25     # backstores, 2 targets, ACL, LUNs, portals, loopback


def test_peer_saveconfig_restored_by_ours_is_identical(vm, request):
    res = part(vm, request, 'their_save_our_restore')
    assert res['diff'] == []
    assert res['entries'] > 100


def test_our_saveconfig_restored_by_peer_is_identical(vm, request):
    res = part(vm, request, 'our_save_their_restore')
    assert res['diff'] == []
    assert res['entries'] > 100
