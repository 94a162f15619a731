"""targetcli-fb's command set on the simulator, in one batch: messages and the
resulting configfs tree."""
import os

import pytest

from cli_helpers import batch, cfs, dump_tree, read

T = '/iscsi/iqn.2003-01.org.example:t1'
ACL = f'{T}/tpg1/acls/iqn.1994-05.com.redhat:c1'

STEPS = [
    ('/backstores/ramdisk create name=r1 size=1M', 'Created ramdisk r1 with size 1M.'),
    ('/backstores/ramdisk/r1/alua create name=grp1 tag=7', 'Created ALUA TPG grp1.'),
    ('/backstores/ramdisk/r1/alua/grp1 set alua alua_access_state=1',
     "Parameter alua_access_state is now '1'."),
    ('/backstores/ramdisk/r1/alua ls', '[ALUA state: Active/non-optimized]'),
    ('/backstores/ramdisk/r1/alua delete grp1', 'Deleted ALUA TPG grp1.'),
    ('/backstores/user:rbd create name=u1 size=1M cfgstring=pool/img',
     'Created user-backed storage object u1 size 1048576.'),
    ('ls /backstores 1', '[Storage Objects: 1]'),
    ('/backstores/user:rbd delete u1', 'Deleted storage object u1.'),
    (f'/iscsi create {T[7:]}', f'Created target {T[7:]}.'),
    (f'{T} create 2', 'Created TPG 2.'),
    (f'{T} create tpg3', 'Created TPG 3.'),
    (f'{T}/tpg2 disable', 'The TPGT has been disabled.'),
    (f'{T}/tpg2 disable', 'The TPGT is already disabled.'),
    (f'{T}/tpg2 enable', 'The TPGT has been enabled.'),
    (f'{T} delete tpg3', 'Deleted TPGT 3.'),
    (f'{T}/tpg1/luns create /backstores/ramdisk/r1 lun=lun5', 'Created LUN 5.'),
    (f'{T}/tpg1/acls create iqn.1994-05.com.redhat:c1 add_mapped_luns=false',
     'Created Node ACL for iqn.1994-05.com.redhat:c1'),
    (f'{ACL} create 3 lun5 write_protect=true', 'Created Mapped LUN 3.'),
    (f'{ACL} ls', '[lun5 ramdisk/r1 (ro)]'),
    (f'{ACL} delete 3', 'Deleted Mapped LUN 3.'),
    (f'{T}/tpg1/luns/lun5 set alua alua_tg_pt_gp_name=default_tg_pt_gp',
     "Parameter alua_tg_pt_gp_name is now 'default_tg_pt_gp'."),
    (f'{T}/tpg1/portals/0.0.0.0:3260 disable_iser', 'iSER enable now: False'),
    (f'{T}/tpg1 set parameter MaxConnections=2', "Parameter MaxConnections is now '2'."),
    (f'{T}/tpg1 get parameter MaxConnections', 'MaxConnections=2 '),
    (f'{T}/tpg1 set attribute generate_node_acls=1',
     "Parameter generate_node_acls is now '1'."),
    ('/loopback create naa.5001405123456789', 'Created target naa.5001405123456789.'),
    ('/loopback/naa.5001405123456789/luns create /backstores/ramdisk/r1', 'Created LUN 0.'),
    ('bookmarks add here', 'Bookmarked / as here.'),
    ('@here version', 'targetcli version'),
    ('/ sessions', '(no open sessions)'),
    ('status', 'Status for /: '),
]


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    sim = tmp_path_factory.mktemp('cmds') / 'sim'
    done = batch(sim, [line for line, _ in STEPS])
    return sim, done


def test_every_command_succeeds_with_targetcli_fb_messages(run):
    sim, done = run
    assert (done.returncode, done.stderr) == (0, '')
    out = done.stdout
    position = 0
    for line, message in STEPS:
        found = out.find(message, position)
        assert found >= 0, (line, message, out[position:position + 300])
        position = found + len(message)


def test_the_tree_has_what_the_commands_made(run):
    sim, _ = run
    tpg = ('iscsi', 'iqn.2003-01.org.example:t1')
    assert sorted(n for n in os.listdir(cfs(sim, *tpg)) if n.startswith('tpgt_')) == \
        ['tpgt_1', 'tpgt_2']
    assert read(sim, *tpg, 'tpgt_2', 'enable') == '1'
    assert os.listdir(cfs(sim, *tpg, 'tpgt_1', 'lun')) == ['lun_5']
    assert os.listdir(cfs(sim, *tpg, 'tpgt_1', 'acls', 'iqn.1994-05.com.redhat:c1')) \
        .count('lun_3') == 0
    assert read(sim, *tpg, 'tpgt_1', 'param', 'MaxConnections') == '2'
    assert read(sim, *tpg, 'tpgt_1', 'np', '0.0.0.0:3260', 'iser') == '0'
    assert not any(name.startswith('user_') and os.listdir(cfs(sim, 'core', name))
                   for name in os.listdir(cfs(sim, 'core')))


def test_save_clear_restore_round_trip(run, tmp_path):
    sim, _ = run
    before = dump_tree(sim)
    saved = tmp_path / 'saved.json'
    done = batch(sim, [f'saveconfig {saved}', 'clearconfig confirm=true', 'ls /iscsi'])
    assert done.returncode == 0, done.stderr
    assert 'All configuration cleared' in done.stdout
    assert '[Targets: 0]' in done.stdout
    done = batch(sim, [f'restoreconfig {saved}'])
    assert done.returncode == 0, done.stderr
    after = dump_tree(sim)
    wanted = {k for k in before if '/lun/' in k or k.endswith(('/enable', '/udev_path'))}
    assert {k: after.get(k) for k in wanted if 'statistics' not in k} == \
        {k: before[k] for k in wanted if 'statistics' not in k}


def test_batch_from_a_file_reports_the_failing_line(run, tmp_path):
    from cli_helpers import cli
    sim, _ = run
    script = tmp_path / 'script.txt'
    script.write_text('# comment\n\nls /iscsi 1\n/nonexistent ls\npwd\n')
    done = cli(sim, options=('-f', str(script)))
    assert done.returncode == 1
    listed = done.stdout.splitlines()[:-2]          # then the save on exit's two lines
    assert '[Targets: 1]' in done.stdout and len(listed) == 2, done.stdout
    assert done.stderr.startswith('line 4: No such path /nonexistent')
    done = cli(sim, options=('-k', '-f', str(script)))
    assert done.returncode == 1 and done.stdout.splitlines()[-3] == '/'


def test_iser_on_an_address_without_rdma_fails_in_one_line(run):
    sim, _ = run
    portal = f'{T}/tpg1/portals/192.0.2.10:3262'
    done = batch(sim, [f'{T}/tpg1/portals create 192.0.2.10 3262', f'{portal} iser_enable'])
    assert done.returncode == 1
    assert 'iser operation has been enabled' not in done.stdout
    assert len(done.stderr.splitlines()) == 1 and 'RDMA' in done.stderr
    assert read(sim, 'iscsi', T[7:], 'tpgt_1', 'np', '192.0.2.10:3262', 'iser') == '0'


def test_pscsi_passes_a_scsi_device_through(tmp_path):
    sim = tmp_path / 'sim'
    done = batch(sim, ['/backstores/pscsi create name=pt dev=/dev/sdc', 'ls /backstores/pscsi'])
    assert (done.returncode, done.stderr) == (0, '')
    assert done.stdout.startswith('Created pscsi storage object pt using /dev/sdc\n')
    assert '/dev/sdc' in done.stdout.splitlines()[-3]      # then the save on exit
    assert any(os.path.isdir(cfs(sim, 'core', hba, 'pt'))
               for hba in os.listdir(cfs(sim, 'core')) if hba.startswith('pscsi_'))
