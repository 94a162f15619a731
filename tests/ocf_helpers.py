"""Running the OCF resource agent (scripts/ocf/lio-config) and Pacemaker's ocf-tester.

Used on the host (tests/test_ocf_agent.py, simulated kernel) and in the VM guest
(tests/vm/checks_ocf.py, real kernel), so plain Python: no pytest here.
ocf-tester and the OCF shell functions come from Debian's resource-agents
package, which tests/run unpacks (not installs) into RESOURCE_AGENTS.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGENT = os.path.join(ROOT, 'scripts', 'ocf', 'lio-config')
RESOURCE_AGENTS = os.environ.get('LIO_RESOURCE_AGENTS') or '/opt/lio-py-tests/resource-agents'
OCF_TESTER = os.path.join(RESOURCE_AGENTS, 'usr', 'sbin', 'ocf-tester')
OCF_ROOT = os.path.join(RESOURCE_AGENTS, 'usr', 'lib', 'ocf')
# OCF return codes (resource-agents' ocf-returncodes)
OCF_SUCCESS, OCF_ERR_GENERIC, OCF_ERR_ARGS, OCF_ERR_UNIMPLEMENTED = 0, 1, 2, 3
OCF_ERR_INSTALLED, OCF_ERR_CONFIGURED, OCF_NOT_RUNNING = 5, 6, 7


# A command through its module's main(), as an installed entry point runs it; the
# working directory is dropped from sys.path (-c puts it first) so only `src` counts.
ENTRY = 'import sys; del sys.path[0]; from %s import main; sys.exit(main())'


class MissingTool(RuntimeError):
    """ocf-tester or xmllint is not there (the message says how to get it)."""


def missing_tools():
    """None, or one line naming what to install."""
    if not os.access(OCF_TESTER, os.X_OK):
        return ('no %s: run `bash tests/run` (it unpacks Debian\'s resource-agents there), or '
                '`apt-get download resource-agents && dpkg -x resource-agents_*.deb DIR` and '
                'set LIO_RESOURCE_AGENTS=DIR' % OCF_TESTER)
    if not any(os.access(os.path.join(d, 'xmllint'), os.X_OK)
               for d in os.environ.get('PATH', '/usr/bin').split(os.pathsep)):
        return 'no xmllint (ocf-tester lints meta-data with it): apt-get install libxml2-utils'
    return None


def write_tools(bindir, python=sys.executable, src=ROOT, env=None):
    """targetctl, targetcli and python3 commands in bindir running the project in `src`
    with `python` (and `env` set), as an install puts them on PATH.  Returns the agent
    parameters naming them."""
    os.makedirs(bindir, exist_ok=True)
    scripts = {'targetctl': '"%s" -c "%s"' % (python, ENTRY % 'rtslib.saveconfig.cli'),
               'targetcli': '"%s" -c "%s"' % (python, ENTRY % 'targetcli.main'),
               'python3': '"%s"' % python}
    exports = ''.join('export %s="%s"\n' % kv for kv in sorted((env or {}).items()))
    for name, command in scripts.items():
        path = os.path.join(bindir, name)
        with open(path, 'w') as f:
            f.write('#!/bin/sh\n%sexport PYTHONPATH="%s"\nexec %s "$@"\n' % (exports, src, command))
        os.chmod(path, 0o755)
    return {k: os.path.join(bindir, n) for k, n in
            (('targetctl', 'targetctl'), ('targetcli', 'targetcli'), ('python', 'python3'))}


def agent_env(params, action=None, env=None, interval=None):
    """The environment Pacemaker gives the agent: OCF_ROOT, OCF_RESKEY_*, the action."""
    env = dict(os.environ if env is None else env, OCF_ROOT=OCF_ROOT,
               OCF_RESOURCE_INSTANCE='lio-test')
    env.update(('OCF_RESKEY_' + k, str(v)) for k, v in params.items())
    if action:
        env['__OCF_ACTION'] = action
    if interval is not None:
        env['OCF_RESKEY_CRM_meta_interval'] = str(interval)
    return env


def run_agent(action, params, env=None, interval=10000, timeout=600):
    """(exit status, output) of one agent action (interval=0: a probe)."""
    res = subprocess.run([AGENT, action], env=agent_env(params, action, env, interval),
                         capture_output=True, text=True, timeout=timeout,
                         stdin=subprocess.DEVNULL)
    return res.returncode, res.stdout + res.stderr


def ocf_tester(params, env=None, timeout=1800, on_line=None):
    """(exit status, output) of ocf-tester -v on the agent with these parameters;
    on_line(line) sees each output line as it comes (a slow guest shows progress)."""
    problem = missing_tools()
    if problem:
        raise MissingTool(problem)
    argv = [OCF_TESTER, '-v', '-n', 'lio-test']
    for key, value in params.items():
        argv += ['-o', '%s=%s' % (key, value)]
    if _others_can_reach(AGENT):
        return _run_tester(argv + [AGENT], env, timeout, on_line)
    # ocf-tester runs the agent as nobody too: a copy where every directory above
    # it can be entered (a clone in a private directory could not)
    public = tempfile.mkdtemp(prefix='lio-ocf-', dir='/tmp')
    try:
        os.chmod(public, 0o755)
        agent = shutil.copy(AGENT, public)
        os.chmod(agent, 0o755)
        return _run_tester(argv + [agent], env, timeout, on_line)
    finally:
        shutil.rmtree(public, ignore_errors=True)


def _others_can_reach(path):
    """Whether a user without privileges can enter every directory above path."""
    parent = os.path.dirname(os.path.abspath(path))
    while True:
        if not os.stat(parent).st_mode & 0o001:
            return False
        if parent == os.path.dirname(parent):
            return True
        parent = os.path.dirname(parent)


def _run_tester(argv, env, timeout, on_line):
    proc = subprocess.Popen(argv, env=agent_env({}, env=env), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    lines = []
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        for line in proc.stdout:
            lines.append(line)
            if on_line:
                on_line(line.rstrip('\n'))
    finally:
        timer.cancel()
        proc.wait()
    return proc.returncode, ''.join(lines)
