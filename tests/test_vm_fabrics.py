"""The fabrics beside iSCSI on the real kernel (issue 16): RDMA readiness with and
without a soft-RoCE device, SRP over soft-RoCE configured with our targetcli and
logged into by the kernel's ib_srp, vhost-scsi saved/cleared/restored by us and
read by Debian's targetcli-fb.  The fidelity of the simulated fabrics is in
test_vm_fidelity.py (workloads fabric-*)."""
import pytest

from vm_helpers import vm  # noqa: F401  (session fixture: one boot for all modules)

pytestmark = pytest.mark.vm
VM_CHECKS = ['rdma.*', 'srp.*', 'vhost.*']


def test_readiness_without_an_rdma_device(vm):
    data = vm.check('rdma.readiness_without_rdma')
    assert 'RDMA devices:\n  none' in data['info']
    assert 'this host has no RDMA device' in data['iser_enable']
    assert 'rdma link add rxe0 type rxe netdev veth-rdy0' in data['iser_enable']


def test_readiness_with_soft_roce(vm):
    data = vm.check('srp.readiness_with_soft_roce')
    assert 'rxe-fab0 port 1: ACTIVE, RoCE, netdev veth-fab0, 10.16.0.1' in data['iser_info']
    assert 'ib_srpt loaded' in data['srpt_info']
    assert 'ready for iSER' in data['status']
    assert 'rdma link add rxe0 type rxe netdev veth-fab1' in data['refused']


def test_srp_login_reads_back_what_it_wrote(vm):
    data = vm.check('srp.srp_login_with_our_targetcli')
    assert any(line.startswith('SRP LOGIN OK') for line in data['log'])
    assert any('CHECKSUM srp' in line and 'write==read' in line for line in data['log'])


def test_srp_session_shows_while_logged_in(vm):
    data = vm.check('srp.srp_login_with_our_targetcli')
    assert '(no open sessions)' in data['sessions_before']
    assert 'session-state: LOGGED_IN' in data['sessions'], data['sessions']
    assert f"name: {data['initiator']}" in data['sessions']
    assert 'mapped-lun: 0 backstore: fileio/srp1 mode: rw' in data['sessions']


def test_vhost_round_trip_and_targetcli_fb(vm):
    data = vm.check('vhost.vhost_round_trip_and_peer')
    assert data['compare']['ok']
    assert any('PEER targetcli-fb restored our save: same tree' in line for line in data['log'])
