"""The seed page's walkthrough as one-shot targetcli commands on the simulator,
checked in the resulting configfs tree."""
import os
import re
import stat

import pytest

from cli_helpers import SEED_IP, batch, cfs, cli, created_iqn, ok, read, seed_host

INITIATOR = 'iqn.1991-05.com.microsoft:ibm-t410s'


@pytest.fixture
def seed(tmp_path):
    """A simulated machine after the seed's backstore + target + portal steps."""
    sim = tmp_path / 'sim'
    seed_host(sim)
    out = ok(sim, '/backstores/iblock', 'create', 'name=my_disk', 'dev=/dev/sdb')
    assert out == "Created block storage object my_disk using /dev/sdb.\n"
    out = ok(sim, '/iscsi', 'create')
    iqn = created_iqn(out)
    assert "Created TPG 1.\n" in out
    assert "Created default portal listening on all IPs (0.0.0.0), port 3260." in out
    return sim, iqn


def test_auto_add_default_portal_false_keeps_working(tmp_path):
    sim = tmp_path / 'sim'
    assert ok(sim, 'set', 'global', 'auto_add_default_portal=false') == \
        "Parameter auto_add_default_portal is now 'false'.\n"
    iqn = created_iqn(ok(sim, '/iscsi', 'create'))
    assert os.listdir(cfs(sim, 'iscsi', iqn, 'tpgt_1', 'np')) == []
    assert ok(sim, f'/iscsi/{iqn}/tpg1/portals', 'create', '127.0.0.1') == \
        "Using default IP port 3260\nCreated network portal 127.0.0.1:3260.\n"


def test_seed_walkthrough(seed):
    sim, iqn = seed
    tpg = f'/iscsi/{iqn}/tpgt1'
    assert read(sim, 'core', 'iblock_0', 'my_disk', 'udev_path') == '/dev/sdb'
    assert read(sim, 'core', 'iblock_0', 'my_disk', 'enable') == '1'
    assert os.path.isdir(cfs(sim, 'iscsi', iqn, 'tpgt_1', 'np', '0.0.0.0:3260'))

    # the automatic wildcard portal on 3260 would block the seed's address: replaced
    lines = ok(sim, f'{tpg}/portals/', 'create', SEED_IP).splitlines()
    assert lines[0] == "Using default IP port 3260"
    assert lines[-1] == f"Created network portal {SEED_IP}:3260."
    assert sum('default portal' in line for line in lines) == 1
    assert sorted(os.listdir(cfs(sim, 'iscsi', iqn, 'tpgt_1', 'np'))) == [f'{SEED_IP}:3260']
    portal = f'{tpg}/portals/{SEED_IP}:3260'
    assert ok(sim, portal, 'ls').splitlines()[0].endswith('[OK, iser disabled]')
    assert ok(sim, portal, 'iser_enable') == "iser operation has been enabled\n"
    assert read(sim, 'iscsi', iqn, 'tpgt_1', 'np', f'{SEED_IP}:3260', 'iser') == '1'
    assert ok(sim, portal, 'ls').splitlines()[0].endswith('[OK, iser enabled]')

    assert ok(sim, f'{tpg}/luns/', 'create', '/backstores/iblock/my_disk') == "Created LUN 0.\n"
    link = cfs(sim, 'iscsi', iqn, 'tpgt_1', 'lun', 'lun_0')
    assert any(os.path.islink(os.path.join(link, n)) for n in os.listdir(link))

    out = ok(sim, tpg, 'set', 'attribute', 'authentication=0', 'demo_mode_write_protect=0',
             'generate_node_acls=1', 'cache_dynamic_acls=1')
    assert out.splitlines() == ["Parameter authentication is now '0'.",
                                "Parameter demo_mode_write_protect is now '0'.",
                                "Parameter generate_node_acls is now '1'.",
                                "Parameter cache_dynamic_acls is now '1'."]
    for name, value in (('authentication', '0'), ('demo_mode_write_protect', '0'),
                        ('generate_node_acls', '1'), ('cache_dynamic_acls', '1')):
        assert read(sim, 'iscsi', iqn, 'tpgt_1', 'attrib', name) == value

    out = ok(sim, f'{tpg}/acls/', 'create', INITIATOR)
    assert out == f"Created Node ACL for {INITIATOR}\nCreated mapped LUN 0.\n"
    acl = f'{tpg}/acls/{INITIATOR}'
    assert os.path.isdir(cfs(sim, 'iscsi', iqn, 'tpgt_1', 'acls', INITIATOR, 'lun_0'))
    assert ok(sim, acl, 'status') == f"Status for {acl.replace('tpgt1', 'tpg1')}: " \
                                     "Mapped LUNs: 1\n"

    out = ok(sim, acl, 'set', 'auth', f'userid={INITIATOR}', 'password=mytargetsecret',
             f'mutual_userid={iqn}', 'mutual_password=mymutualsecret')
    assert out.splitlines() == [f"Parameter userid is now '{INITIATOR}'.",
                                "Parameter password is now '********'.",
                                f"Parameter mutual_userid is now '{iqn}'.",
                                "Parameter mutual_password is now '********'."]
    auth = ('iscsi', iqn, 'tpgt_1', 'acls', INITIATOR, 'auth')
    assert read(sim, *auth, 'password') == 'mytargetsecret'
    assert read(sim, *auth, 'password_mutual') == 'mymutualsecret'
    shown = ok(sim, acl, 'get', 'auth')
    assert 'password=********' in shown and 'mytargetsecret' not in shown
    assert ok(sim, acl, 'get', 'auth', 'password', 'show_secrets=true') == \
        "password=mytargetsecret \n"

    out = ok(sim, tpg, 'set', 'auth', 'userid=rts-user', 'password=b492785e-bc91-4710',
             'userid_mutual=mutual-rts-user', 'password_mutual=aeae2e26-f043-42a7')
    assert "Parameter userid_mutual is now 'mutual-rts-user'." in out
    assert 'b492785e' not in out and 'aeae2e26' not in out
    tauth = ('iscsi', iqn, 'tpgt_1', 'auth')
    assert read(sim, *tauth, 'userid_mutual') == 'mutual-rts-user'
    assert read(sim, *tauth, 'password_mutual') == 'aeae2e26-f043-42a7'

    out = ok(sim, '/iscsi', 'set', 'discovery_auth', 'enable=1', 'userid=mytargetuid',
             'password=mytargetsecret', 'mutual_userid=mymutualuid',
             'mutual_password=mymutualsecret')
    assert "Parameter enable is now '1'." in out
    assert read(sim, 'iscsi', 'discovery_auth', 'enforce_discovery_auth') == '1'
    assert read(sim, 'iscsi', 'discovery_auth', 'userid_mutual') == 'mymutualuid'

    out = ok(sim, '/saveconfig')
    save = os.path.join(str(sim), 'etc', 'target', 'saveconfig.json')
    assert out == f"Configuration saved to {save}\n"
    assert stat.S_IMODE(os.stat(save).st_mode) == 0o600
    with open(save) as f:
        assert 'mytargetsecret' in f.read()

    tree = ok(sim, 'ls').splitlines()
    assert tree[0].startswith('o- / ') and tree[0].endswith('[...]')
    assert any(re.search(rf'o- {SEED_IP}:3260 \.+ \[OK, iser enabled\]$', line)
               for line in tree)
    assert any('o- my_disk ' in line and '/dev/sdb' in line for line in tree)
    assert all(len(line) == 132 for line in tree if ' ..' in line)


def test_seed_walkthrough_as_one_batch(tmp_path):
    sim = tmp_path / 'sim'
    seed_host(sim)
    first = batch(sim, ['set global auto_cd_after_create=false',
                        '/backstores/iblock create name=my_disk dev=/dev/sdb',
                        '/iscsi create'])
    assert first.returncode == 0, first.stderr
    iqn = created_iqn(first.stdout)
    done = batch(sim, [
        f'cd /iscsi/{iqn}/tpgt1',
        f'portals/ create {SEED_IP}',
        f'cd portals/{SEED_IP}:3260',
        'iser_enable',
        'cd ../..',
        'luns/ create /backstores/iblock/my_disk',
        'set attribute authentication=0 demo_mode_write_protect=0 generate_node_acls=1 '
        'cache_dynamic_acls=1',
        f'acls/ create {INITIATOR}',
        f'cd acls/{INITIATOR}',
        f'set auth userid={INITIATOR}',
        'set auth password=mytargetsecret',
        'get auth',
        'cd /iscsi',
        'set discovery_auth enable=1 userid=mytargetuid password=mytargetsecret',
        'get discovery_auth',
        '/saveconfig',
    ])
    assert done.returncode == 0, done.stderr
    assert "iser operation has been enabled" in done.stdout
    assert 'mytargetsecret' not in done.stdout + done.stderr
    assert read(sim, 'iscsi', iqn, 'tpgt_1', 'acls', INITIATOR, 'auth', 'password') == \
        'mytargetsecret'


def test_iser_info_prints_the_fabric_facts(tmp_path):
    out = ok(tmp_path / 'sim', 'iser/', 'info').splitlines()
    assert out[0] == "Fabric module name: iser"
    assert out[1].startswith("ConfigFS path: ")
    assert "Allowed WWNs list type: iqn" in out
    assert any(line.startswith("Fabric module specfile: ") for line in out)
    assert "Fabric module features: discovery_auth, acls, acls_auth, nps, tpgts" in out
    # the seed page's six lines, then the RDMA readiness report (issue 16)
    assert out[5] == "Corresponding kernel module: iscsi_target_mod"
    assert out[6] == "RDMA devices:"


def test_seed_ls_of_an_empty_machine_lists_backstores_and_fabrics(tmp_path):
    out = ok(tmp_path / 'sim', 'ls').splitlines()
    names = [re.search(r'o- (\S+)', line).group(1) for line in out]
    assert names[:6] == ['/', 'backstores', 'block', 'fileio', 'pscsi', 'ramdisk']
    assert 'iscsi' in names and 'loopback' in names
    assert any(line.endswith('[Storage Objects: 0]') for line in out)
    assert any(' iscsi ' in line and line.endswith('[Targets: 0]') for line in out)


def test_caret_and_quotes_are_kept_byte_for_byte(seed):
    sim, iqn = seed
    acl = f'/iscsi/{iqn}/tpg1/acls/{INITIATOR}'
    ok(sim, f'/iscsi/{iqn}/tpg1/acls', 'create', INITIATOR)
    for secret in ('ab^cd', 'a b"c', "x'y=z;&|$(id)"):
        assert ok(sim, acl, 'set', 'auth', f'password={secret}') == \
            "Parameter password is now '********'.\n"
        assert read(sim, 'iscsi', iqn, 'tpgt_1', 'acls', INITIATOR, 'auth', 'password') == \
            secret
    done = batch(sim, [f'{acl} set auth userid="spaced user" password=ab^cd'])
    assert done.returncode == 0, done.stderr
    assert read(sim, 'iscsi', iqn, 'tpgt_1', 'acls', INITIATOR, 'auth', 'userid') == \
        'spaced user'


def test_one_string_one_shot_is_split_like_a_line(tmp_path):
    sim = tmp_path / 'sim'
    assert ok(sim, '/backstores/ramdisk create name=r1 size=1M') == \
        "Created ramdisk r1 with size 1M.\n"
    assert read(sim, 'core', 'rd_mcp_0', 'r1', 'enable') == '1'


def test_bare_path_prints_nothing_and_succeeds(tmp_path):
    done = cli(tmp_path / 'sim', '/backstores')
    assert (done.returncode, done.stdout, done.stderr) == (0, '', '')
