"""Declarative configuration on the real kernel (issue 17): a live open-iscsi session and its
data survive `targetctl apply` and the OCF agent's start/monitor cycle (guest side:
tests/vm/checks_apply.py, which logs every step, session ids and I/O counts)."""
import pytest

from vm.e2e_report import e2e_check, lines_with
from vm_helpers import vm  # noqa: F401  (session fixture: one boot for all VM modules)

pytestmark = pytest.mark.vm
VM_CHECKS = ['apply.*']


def test_session_and_data_survive_apply_of_new_lun_acl_and_other_target(vm, request):
    data = e2e_check(vm, request, 'apply.live_session_survives_apply')
    io = data['io']
    assert io['errors'] == [] and io['mismatches'] == 0 and io['blocks_changed_at_end'] == []
    assert io['round_trips'] > 40
    before, after = lines_with(data, 'SESSION before'), lines_with(data, 'SESSION after')
    assert before[0].split(':', 1)[1] == after[0].split(':', 1)[1]
    assert any('write==read' in ln for ln in lines_with(data, 'CHECKSUM'))


def test_ocf_agent_passes_ocf_tester_and_keeps_the_session(vm, request):
    data = e2e_check(vm, request, 'apply.ocf_agent_cycle')
    assert any('passed all tests' in ln for ln in lines_with(data, 'OCF-TESTER'))
    assert data['io']['errors'] == [] and data['io']['mismatches'] == 0
    cycle = lines_with(data, '$ lio-config')
    assert cycle[-5:] == ['$ lio-config stop  -> 0', '$ lio-config monitor  -> 7',
                          '$ lio-config start  -> 0', '$ lio-config monitor  -> 0',
                          '$ lio-config stop  -> 0']
