"""RDMA readiness on the simulator (issue 16 item 4): `iser/ info`, `srpt/ info`,
a portal's `status`, and iser_enable saying why it would fail, with the fix,
before the kernel is asked.  The simulated host's RDMA devices come from
sim-host.json (rdma_devices, netdev_addresses); tests/vm/checks_rdma.py checks
the same messages on the real kernel with and without a soft-RoCE device."""
import pytest

from cli_helpers import cli, configure_host, ok

IQN = 'iqn.2003-01.org.example:rdma'
TPG = f'/iscsi/{IQN}/tpg1'
RXE = {'rxe0': {'node_guid': '0016:00ff:fe00:0001', 'ports': {'1': {
    'gid': 'fe80:0000:0000:0000:0016:00ff:fe00:0001', 'link_layer': 'Ethernet',
    'netdev': 'veth0', 'state': '4: ACTIVE'}}}}


def portal(sim, address):
    ok(sim, f'{TPG}/portals', 'create', address)
    return f'{TPG}/portals/{address}:3260'


@pytest.fixture
def plain(tmp_path):
    """A host with addresses but no RDMA device (the VM before rdma link add)."""
    sim = tmp_path / 'sim'
    configure_host(sim, ip_addresses=['127.0.0.1', '::1', '10.16.0.2'],
                   netdev_addresses={'veth1': ['10.16.0.2']})
    ok(sim, '/iscsi', 'create', IQN)
    ok(sim, f'{TPG}/portals', 'delete', '0.0.0.0', '3260')
    return sim


@pytest.fixture
def soft_roce(plain):
    configure_host(plain, rdma_devices=RXE, kernel_modules=['rdma_rxe'],
                   ip_addresses=['127.0.0.1', '::1', '10.16.0.1', '10.16.0.2'],
                   netdev_addresses={'veth0': ['10.16.0.1'], 'veth1': ['10.16.0.2']})
    return plain


def test_iser_info_without_rdma_says_how_to_make_soft_roce(plain):
    out = ok(plain, '/iser', 'info')
    assert 'RDMA devices:\n  none' in out
    assert 'rdma link add rxe0 type rxe netdev IFACE' in out
    assert 'ib_isert loadable' in out and 'rdma_rxe loadable' in out


def test_iser_enable_without_rdma_device_names_the_fix_and_changes_nothing(plain):
    path = portal(plain, '10.16.0.2')
    done = cli(plain, path, 'iser_enable')
    assert done.returncode == 1
    assert 'this host has no RDMA device' in done.stderr
    assert 'modprobe rdma_rxe; rdma link add rxe0 type rxe netdev veth1' in done.stderr
    assert 'iser disabled' in ok(plain, 'ls', path)


def test_iser_enable_on_an_address_of_no_host_interface(plain):
    done = cli(plain, portal(plain, '192.0.2.10'), 'iser_enable')
    assert done.returncode == 1 and 'is not an address of this host' in done.stderr


def test_loopback_portal_takes_iser_as_the_kernel_does(plain):
    path = portal(plain, '127.0.0.1')
    assert 'iser operation has been enabled' in ok(plain, path, 'iser_enable')
    assert 'no RDMA initiator can reach it' in ok(plain, path, 'status')


def test_with_soft_roce_info_and_status_name_device_port_and_address(soft_roce):
    out = ok(soft_roce, '/iser', 'info')
    assert 'rxe0 port 1: ACTIVE, RoCE, netdev veth0, 10.16.0.1' in out
    assert 'rdma_rxe loaded' in out
    path = portal(soft_roce, '10.16.0.1')
    assert 'iser operation has been enabled' in ok(soft_roce, path, 'iser_enable')
    out = ok(soft_roce, path, 'status')
    assert 'iSER: enabled' in out and 'served by RDMA rxe0 port 1' in out
    assert 'ready for iSER' in out


def test_with_soft_roce_an_address_on_another_interface_is_refused(soft_roce):
    done = cli(soft_roce, portal(soft_roce, '10.16.0.2'), 'iser_enable')
    assert done.returncode == 1
    assert 'no RDMA device serves 10.16.0.2 (its interface veth1 has none)' in done.stderr
    assert 'rdma link add rxe0 type rxe netdev veth1' in done.stderr
    assert 'use an address of an RDMA netdev (10.16.0.1)' in done.stderr


def test_srpt_info_reports_the_ports(soft_roce):
    configure_host(soft_roce, fabric_modules={'iscsi': 'iscsi_target_mod',
                                              'loopback': 'tcm_loop', 'srpt': 'ib_srpt'})
    out = ok(soft_roce, '/srpt', 'info')
    assert 'Allowed WWNs list: ib.fe80000000000000001600fffe000001' in out
    assert 'rxe0 port 1: ACTIVE, RoCE, netdev veth0, 10.16.0.1' in out
    assert 'ib_srpt loaded' in out
