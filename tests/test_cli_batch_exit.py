"""How a targetcli session ends: a batch (stdin or -f) saves the configuration
on exit when auto_save_on_exit is true, as targetcli-fb does, and a one-shot
command does not (issue 19 item 4); a reader that closes the pipe early ends
the command quietly (item 5)."""
import json
import os
import subprocess
import sys

from cli_helpers import ROOT, cli, env_for, ok


def saved_names(simdir):
    path = simdir / 'etc' / 'target' / 'saveconfig.json'
    if not path.exists():
        return None
    return sorted(so['name'] for so in json.loads(path.read_text())['storage_objects'])


def test_batch_on_stdin_saves_on_exit(tmp_path):
    simdir = tmp_path / 'sim'
    done = cli(simdir, stdin='/backstores/ramdisk create name=r size=1M\n')
    assert done.returncode == 0, done.stderr
    assert 'Configuration saved to ' in done.stdout
    assert saved_names(simdir) == ['r']
    assert oct((simdir / 'etc' / 'target' / 'saveconfig.json').stat().st_mode & 0o777) == '0o600'


def test_batch_file_saves_on_exit_even_when_a_line_failed(tmp_path):
    """The save mirrors what the kernel holds at exit, as targetcli-fb's does."""
    simdir = tmp_path / 'sim'
    script = tmp_path / 'provision.txt'
    script.write_text('/backstores/ramdisk create r1 1M\n/backstores/ramdisk create r1 1M\n')
    done = cli(simdir, options=('-f', str(script)))
    assert done.returncode == 1
    assert saved_names(simdir) == ['r1']


def test_one_shot_does_not_save(tmp_path):
    simdir = tmp_path / 'sim'
    ok(simdir, '/backstores/ramdisk', 'create', 'r1', '1M')
    assert saved_names(simdir) is None


def test_batch_does_not_save_when_the_preference_is_off(tmp_path):
    simdir = tmp_path / 'sim'
    ok(simdir, 'set', 'global', 'auto_save_on_exit=false')
    done = cli(simdir, stdin='/backstores/ramdisk create r1 1M\n')
    assert done.returncode == 0, done.stderr
    assert saved_names(simdir) is None


def test_closed_pipe_ends_quietly(tmp_path):
    """`targetcli ls | head -1`: the reader is gone before the output is written."""
    simdir = tmp_path / 'sim'
    ok(simdir, '/backstores/ramdisk', 'create', 'r1', '1M')
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, '-m', 'targetcli', '--simulate', str(simdir),
                               'ls'], stdout=write_end, stderr=subprocess.PIPE, text=True,
                              env=env_for(tmp_path / 'home'), cwd=ROOT, timeout=120)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, '')
