"""The fabrics beside iSCSI in the shell (issue 16): spec files that break,
user spec files, which fabrics are listed, and what a missing one says."""
import json
import os
import shutil

import pytest

from cli_helpers import cli, configure_host, env_for, ok

SPEC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'spec')


def run_env(simdir, *args, **env):
    import subprocess
    import sys
    full = dict(env_for(os.path.join(str(simdir), '..', 'home')), **env)
    return subprocess.run([sys.executable, '-m', 'targetcli', '--simulate', str(simdir), *args],
                          capture_output=True, text=True, env=full, timeout=120)


@pytest.fixture
def spec_copy(tmp_path):
    d = tmp_path / 'spec'
    shutil.copytree(SPEC, d)
    return d


def test_a_malformed_spec_disables_only_its_fabric(tmp_path, spec_copy):
    sim = tmp_path / 'sim'
    doc = json.loads((spec_copy / 'loopback.json').read_text())
    doc['features'] = ['acls', 'teleport']
    (spec_copy / 'loopback.json').write_text(json.dumps(doc))
    done = run_env(sim, 'ls', LIO_SPEC_DIR=str(spec_copy))
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1, done.stderr
    assert 'loopback.json' in warnings[0] and "field 'features'" in warnings[0]
    assert 'o- iscsi' in done.stdout and 'o- loopback' not in done.stdout
    done = run_env(sim, '/loopback', 'create', LIO_SPEC_DIR=str(spec_copy))
    assert done.returncode == 1
    assert 'loopback.json' in done.stderr and 'Traceback' not in done.stderr
    done = run_env(sim, '/iscsi', 'create', LIO_SPEC_DIR=str(spec_copy))
    assert done.returncode == 0, done.stderr


def test_user_spec_files_add_a_fabric(tmp_path):
    sim = tmp_path / 'sim'
    user = sim / 'etc' / 'target' / 'fabrics.d'
    user.mkdir(parents=True)
    (user / 'myfabric.json').write_text(json.dumps({
        'name': 'myfabric', 'configfs_dir': 'myfab', 'kernel_module': 'my_target',
        'wwn_types': ['naa'], 'features': ['acls']}))
    configure_host(sim, fabric_modules={'iscsi': 'iscsi_target_mod', 'loopback': 'tcm_loop',
                                        'myfab': 'my_target'})
    assert 'o- myfabric' in ok(sim, 'ls')
    other = tmp_path / 'elsewhere'
    other.mkdir()
    (other / 'second.json').write_text(json.dumps({
        'name': 'second', 'configfs_dir': 'myfab', 'kernel_module': 'my_target',
        'wwn_types': ['naa'], 'features': []}))
    done = run_env(sim, 'ls', LIO_USER_SPEC_DIRS=str(other))
    assert done.returncode == 0 and 'o- second' in done.stdout and 'o- myfabric' in done.stdout


def test_a_missing_fabric_names_the_module_to_load(tmp_path):
    sim = tmp_path / 'sim'
    done = cli(sim, '/vhost', 'create')
    assert done.returncode == 1
    assert 'vhost_scsi' in done.stderr and 'sim-host.json' in done.stderr
    done = cli(sim, 'cd', '/srpt')
    assert 'ib_srpt' in done.stderr
    assert 'ib_srpt' not in cli(sim, 'cd', '/nosuchthing').stderr
