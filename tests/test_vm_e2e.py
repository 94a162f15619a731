"""End to end on the real kernel (issue 6): our targetcli configures, real initiators use it.

Guest side: tests/vm/checks_e2e.py.  Each test prints its check's log: every
login (LOGIN OK / LOGIN REJECTED with the reason), discovery, and the
sha256 of the 16 MiB written and read back with O_DIRECT.
"""
import re

import pytest

from vm.e2e_report import e2e_check, lines_with
from vm_helpers import vm  # noqa: F401  (session fixture: one boot for all VM modules)

pytestmark = pytest.mark.vm
VM_CHECKS = ['e2e.*']
SHA = re.compile(r'sha256=([0-9a-f]{64}) write==read')


def test_tcp_login_and_data_on_fileio_block_ramdisk(vm, request):
    data = e2e_check(vm, request, 'e2e.tcp_fileio_block_ramdisk')
    assert len(lines_with(data, 'LOGIN OK')) == 1
    sums = lines_with(data, 'CHECKSUM')
    assert [ln.split()[1] for ln in sums] == ['fileio', 'block', 'ramdisk']
    assert all(SHA.search(ln) for ln in sums), sums
    # three different random payloads, three different disks
    assert len({SHA.search(ln).group(1) for ln in sums}) == 3


def test_chap_right_secret_in_wrong_secret_out_and_mutual(vm, request):
    data = e2e_check(vm, request, 'e2e.chap_acl_and_mutual')
    rejected = lines_with(data, 'LOGIN REJECTED')
    assert [ln.split(')')[0] for ln in rejected] == [
        'LOGIN REJECTED (no CHAP credentials', 'LOGIN REJECTED (wrong CHAP secret',
        'LOGIN REJECTED (wrong CHAP user', 'LOGIN REJECTED (wrong mutual CHAP secret']
    ok = lines_with(data, 'LOGIN OK')
    assert len(ok) == 2 and 'right CHAP secret' in ok[0] and 'mutual CHAP' in ok[1]
    assert SHA.search(lines_with(data, 'CHECKSUM')[0])


def test_chap_secrets_never_in_the_log(vm, request):
    data = e2e_check(vm, request, 'e2e.chap_acl_and_mutual')
    text = '\n'.join(data['log'])
    for secret in ('Alice-Secret-1', 'Target-Secret-2', 'Wrong-Secret-9', 'Wrong-Mutual-3'):
        assert secret not in text


def test_discovery_auth_enforced(vm, request):
    data = e2e_check(vm, request, 'e2e.discovery_auth')
    disc = [ln.split(':')[0] for ln in lines_with(data, 'DISCOVERY')]
    assert disc == ['DISCOVERY REJECTED portal 127.0.0.1 without credentials',
                    'DISCOVERY REJECTED portal 127.0.0.1 with CHAP user e2e-disc',
                    'DISCOVERY OK portal 127.0.0.1 with CHAP user e2e-disc',
                    'DISCOVERY OK portal 127.0.0.1 without credentials']
    assert len(lines_with(data, 'LOGIN OK')) == 1


def test_demo_mode_lets_unknown_initiator_in_and_off_keeps_it_out(vm, request):
    data = e2e_check(vm, request, 'e2e.demo_mode')
    logins = lines_with(data, 'LOGIN')
    assert logins[0].startswith('LOGIN OK') and 'demo mode on' in logins[0]
    assert [ln.startswith('LOGIN REJECTED (demo mode off') for ln in logins[1:]] == [True, True]
    assert SHA.search(lines_with(data, 'CHECKSUM')[0])


def test_iser_over_soft_roce(vm, request):
    data = e2e_check(vm, request, 'e2e.iser_soft_roce')
    assert '[OK, iser enabled]' in lines_with(data, 'LS')[0]
    assert lines_with(data, 'LOGIN OK')[0].endswith('iface iser (iSER over soft-RoCE)')
    assert lines_with(data, 'SESSION')[0].endswith('transport iser')
    assert SHA.search(lines_with(data, 'CHECKSUM')[0])


def test_iser_enable_without_rdma_device_says_why(vm, request):
    msg = e2e_check(vm, request, 'e2e.iser_without_rdma_device')['message']
    assert len(msg.splitlines()) == 1, msg
    assert 'RDMA' in msg.upper() and '10.77.0.2' in msg
    assert 'Traceback' not in msg and '[Errno' not in msg


def test_loopback_lun_is_a_local_scsi_disk(vm, request):
    data = e2e_check(vm, request, 'e2e.loopback_scsi_disk')
    assert re.fullmatch(r'\d+:0:\d+', data['address'])
    assert SHA.search(lines_with(data, 'CHECKSUM')[0])


def test_persistence_save_clear_targetctl_restore_keeps_data(vm, request):
    data = e2e_check(vm, request, 'e2e.persistence')
    assert data['save_mode'] == '0o600'
    assert lines_with(data, 'CLEARED')
    assert [ln for ln in lines_with(data, '$ /usr/bin/env targetctl')
            if ' restore  -> exit 0 (target.service)' in ln]
    assert lines_with(data, 'TREE after restore ==')
    after = lines_with(data, 'CHECKSUM after restore')
    assert len(after) == 2 and all('same as written before saveconfig' in ln for ln in after)
    assert len(lines_with(data, 'LOGIN OK')) == 2
