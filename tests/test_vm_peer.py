"""Peers agree (issue 6 point 6): Debian's targetcli-fb / rtslib-fb read what our
targetcli built, and save files restore both ways into an identical tree.

Guest side: tests/vm/checks_peer.py (needs the Debian package targetcli-fb on
the host, which tests/run installs).
"""
import pytest

from vm.e2e_report import e2e_check, lines_with
from vm_helpers import vm  # noqa: F401  (session fixture: one boot for all VM modules)

pytestmark = pytest.mark.vm
VM_CHECKS = ['peer.*']


def test_peer_ls_shows_the_objects_we_built(vm, request):
    data = e2e_check(vm, request, 'peer.peer_ls_shows_our_objects')
    assert data['objects'] >= 25          # backstores, 2 targets, ACL, LUNs, portals, loopback
    assert lines_with(data, 'LS ours')[0].endswith('only ours: []; only theirs: []')


def test_peer_saveconfig_restored_by_ours_is_identical(vm, request):
    data = e2e_check(vm, request, 'peer.peer_save_restored_by_ours')
    assert lines_with(data, 'TREE after restore == tree before save')
    assert data['entries'] > 100


def test_our_saveconfig_restored_by_peer_is_identical(vm, request):
    data = e2e_check(vm, request, 'peer.our_save_restored_by_peer')
    assert lines_with(data, 'TREE after restore == tree before save')
    assert data['entries'] > 100
