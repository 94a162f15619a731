"""The interactive shell through a real terminal (pexpect): prompt, cd <,
tab completion, errors that keep the shell alive, history without secrets."""
import os
import re
import stat
import sys

import pexpect
import pytest

from cli_helpers import ROOT, env_for, read

PROMPT = r'> $'


@pytest.fixture
def shell(tmp_path):
    sim = tmp_path / 'sim'
    env = env_for(tmp_path / 'home')
    env['TERM'] = 'dumb'
    child = pexpect.spawn(sys.executable, ['-m', 'targetcli', '--simulate', str(sim)],
                          cwd=ROOT, env=env, encoding='utf-8', timeout=30,
                          dimensions=(40, 200))
    child.expect('For help on commands')
    child.expect(r'/> ')
    yield child, sim
    if child.isalive():
        child.sendline('exit')
        child.expect(pexpect.EOF)


def run(child, line, prompt=r'> '):
    """Output of one command (the terminal's echo of the typed line left out)."""
    child.sendline(line)
    child.expect(prompt)
    text = re.sub(r'\x1b\[[0-9;]*m', '', child.before)
    return text.split('\n', 1)[1] if '\n' in text else ''


def test_create_cd_back_and_errors_keep_the_shell(shell):
    child, sim = shell
    out = run(child, '/backstores/ramdisk create name=r1 size=1M')
    assert 'Created ramdisk r1 with size 1M.' in out
    out = run(child, 'cd /backstores/ramdisk/r1')
    out = run(child, 'pwd')
    assert '/backstores/ramdisk/r1' in out
    out = run(child, 'cd <')
    assert 'Taking you back to /.' in out
    out = run(child, '/nonexistent ls')
    assert 'No such path /nonexistent' in out
    out = run(child, 'pwd')
    assert out.strip().endswith('/')
    assert read(sim, 'core', 'rd_mcp_0', 'r1', 'enable') == '1'


def test_tab_completes_paths_commands_and_parameters(shell):
    child, _ = shell
    child.send('cd back\t')
    child.expect('backstores/')
    child.send('ramd\t')
    child.expect('ramdisk')
    child.sendline('')
    child.expect(r'/backstores/ramdisk> ')
    child.send('cre\t')
    child.expect('create ')
    child.send('na\t')
    child.expect('name=')
    child.sendline('r9 size=1M')
    child.expect('Created ramdisk r9')
    child.expect(r'> ')
    child.send('set glo\t')
    child.expect('global ')
    child.send('auto_cd\t')
    child.expect('auto_cd_after_create=')
    child.sendline('true')
    child.expect("Parameter auto_cd_after_create is now 'true'.")


def test_listing_completions_does_not_hang(shell):
    child, _ = shell
    child.send('cd /backstores/\t\t')
    child.expect('fileio')
    child.sendline('')
    child.expect(r'/backstores> ')


def test_history_log_and_screen_hold_no_secret(shell, tmp_path):
    child, sim = shell
    out = run(child, '/iscsi create iqn.2003-01.org.example:t1')
    acl = '/iscsi/iqn.2003-01.org.example:t1/tpg1/acls'
    run(child, f'{acl} create iqn.1994-05.com.redhat:c1')
    out = run(child, f'{acl}/iqn.1994-05.com.redhat:c1 set auth userid=u1 password=S3cretPass1')
    out += run(child, f'{acl}/iqn.1994-05.com.redhat:c1 get auth')
    out += run(child, f'{acl}/iqn.1994-05.com.redhat:c1 info')
    out += run(child, f'{acl}/iqn.1994-05.com.redhat:c1 set auth password=S3cretPass1 bogus=1')
    assert 'S3cretPass1' not in out
    child.sendline('exit')
    child.expect(pexpect.EOF)
    home = os.path.join(str(sim), 'root', '.targetcli')
    for name in ('history.txt', 'log.txt', 'prefs.json'):
        path = os.path.join(home, name)
        with open(path) as f:
            assert 'S3cretPass1' not in f.read(), name
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, name
    with open(os.path.join(home, 'history.txt')) as f:
        assert 'password=********' in f.read()
    assert not (tmp_path / 'home').exists()  # nothing written outside the sim dir
    # exit saved the configuration (auto_save_on_exit), secrets only there
    save = os.path.join(str(sim), 'etc', 'target', 'saveconfig.json')
    assert stat.S_IMODE(os.stat(save).st_mode) == 0o600
    with open(save) as f:
        assert 'S3cretPass1' in f.read()


def test_seed_walkthrough_typed_at_the_prompt(tmp_path):
    """The seed page's session, with auto_cd_after_create=true as it assumes."""
    from cli_helpers import SEED_IP, seed_host
    sim = tmp_path / 'sim'
    seed_host(sim)
    env = env_for(tmp_path / 'home')
    child = pexpect.spawn(sys.executable, ['-m', 'targetcli', '--simulate', str(sim)],
                          cwd=ROOT, env=env, encoding='utf-8', timeout=30,
                          dimensions=(40, 200))
    child.expect(r'/> ')
    run(child, 'set global auto_cd_after_create=true')
    run(child, 'cd backstores/')
    out = run(child, 'iblock/ create name=my_disk dev=/dev/sdb')
    assert 'Created block storage object my_disk using /dev/sdb.' in out
    assert 'Entering new node /backstores/block/my_disk' in out
    out = run(child, '/iscsi create')
    assert 'Created TPG 1.' in out
    tpg = out.split('Entering new node ')[1].split()[0]
    assert tpg.startswith('/iscsi/iqn.') and tpg.endswith('/tpg1')
    out = run(child, 'luns/ create /backstores/iblock/my_disk')
    assert 'Created LUN 0.' in out and f'Entering new node {tpg}/luns/lun0' in out
    out = run(child, 'cd <')
    assert f'Taking you back to {tpg}.' in out
    out = run(child, f'portals/ create {SEED_IP}')
    assert f'Created network portal {SEED_IP}:3260.' in out
    assert '[OK, iser disabled]' in run(child, 'ls')
    assert 'iser operation has been enabled' in run(child, 'iser_enable')
    assert '[OK, iser enabled]' in run(child, 'ls')
    assert f'Taking you back to {tpg}.' in run(child, 'cd <')
    out = run(child, 'set attribute authentication=0 demo_mode_write_protect=0 '
                     'generate_node_acls=1 cache_dynamic_acls=1')
    assert "Parameter cache_dynamic_acls is now '1'." in out
    out = run(child, 'acls/ create iqn.1991-05.com.microsoft:ibm-t410s')
    assert 'Created mapped LUN 0.' in out
    run(child, 'cd <')
    run(child, 'cd acls/iqn.1991-05.com.microsoft:ibm-t410s')
    out = run(child, 'set auth userid=iqn.1991-05.com.microsoft:ibm-t410s')
    out += run(child, 'set auth password=mytargetsecret')
    out += run(child, 'get auth')
    assert 'AUTH CONFIG GROUP' in out and 'mytargetsecret' not in out
    run(child, 'cd /iscsi')
    out = run(child, 'set discovery_auth enable=1 userid=mytargetuid password=mytargetsecret')
    assert "Parameter userid is now 'mytargetuid'." in out
    run(child, 'cd /')
    assert 'Configuration saved to' in run(child, 'saveconfig')
    out = run(child, 'set global auto_cd_after_create=false')
    assert "Parameter auto_cd_after_create is now 'false'." in out
    child.sendline('exit')
    child.expect(pexpect.EOF)
    assert read(sim, 'iscsi', tpg.split('/')[2], 'tpgt_1', 'np', f'{SEED_IP}:3260', 'iser') == '1'
