"""targetcli on the real kernel (guest side in tests/vm/checks_cli.py): the
README's walkthrough of the seed page's iSER example runs as one-shot commands,
every one exits 0, `ls` shows the iSER portal, and the configfs tree it leaves
is the tree the same commands leave on the simulator told the guest's facts
(generated IQN, unit serial and link aliases named, history-dependent values
normalised as in tests/fidelity/normalise.py and vm/lib_compare.py).
"""
import pytest

from cli_helpers import cli
from fidelity.dump import dump_lines
from fidelity.hostfacts import make_sim
from vm.checks_cli import WALKTHROUGH, generated, run_walkthrough
from vm.lib_compare import mask_tree, tree_diff, tree_form
from vm_helpers import vm  # noqa: F401  (session fixture: one boot for all VM modules)

pytestmark = pytest.mark.vm
VM_CHECKS = ['cli.*']

# lib_compare.TREE_SKIP drops discovery auth (kernel-global history); these
# files the walkthrough itself sets, so they are compared.
DISCOVERY_SET = ('userid', 'password', 'enforce_discovery_auth')


def _failed(steps):
    return ['%s -> exit %d: %s' % (s['cmd'], s['rc'], s['out']) for s in steps if s['rc']]


@pytest.fixture(scope='module')
def real(vm):
    return vm.check('cli.walkthrough')


def test_walkthrough_runs_on_the_real_kernel(real):
    steps = real['steps']
    assert [s['cmd'].split(' ')[-1] for s in steps][-2:] == ['ls', 'saveconfig']
    assert len(steps) == len(WALKTHROUGH)
    assert not _failed(steps), '\n'.join(_failed(steps))
    ls = steps[-2]['out']
    assert '127.0.0.1:3260' in ls and '[OK, iser enabled]' in ls, ls
    assert '0.0.0.0:3260' not in ls, 'the automatic portal was not replaced:\n' + ls
    assert all('mytargetsecret' not in s['out'] for s in steps)
    assert real['saved']['mode'] == '0o600'
    assert real['saved']['portals'] == [['127.0.0.1', 3260, True]]
    assert real['saved']['discovery_auth'] == [['iscsi', True, 'mytargetuid']]


def test_walkthrough_tree_on_the_real_kernel_is_the_simulators(real, simdir):
    fs = make_sim(simdir, real['facts'])

    def run(argv):
        done = cli(simdir, *argv)
        return done.returncode, done.stdout + done.stderr
    steps = run_walkthrough(run, lambda: fs.listdir('iscsi'))
    assert not _failed(steps), 'on the simulator:\n' + '\n'.join(_failed(steps))
    sim = mask_tree(dump_lines(fs))
    assert sorted(generated(sim)) == sorted(real['generated']) == [
        'lun_alias', 'mapped_lun_alias', 'target_wwn', 'unit_serial']
    a = tree_form(real['tree'], real['generated'])
    b = tree_form(sim, generated(sim))
    assert len(a) > 300
    assert '/iscsi/<target_wwn>/tpgt_1/np/127.0.0.1:3260/iser 644 1\\n' in a
    diff = tree_diff(a, b)
    assert not diff, 'walkthrough tree, - real kernel, + simulator:\n' + '\n'.join(diff)
    wanted = ['/iscsi/discovery_auth/' + name for name in DISCOVERY_SET]
    discovery = sorted(line for line in real['tree'] if line.split(' ')[0] in wanted)
    assert len(discovery) == 3
    assert discovery == sorted(line for line in sim if line.split(' ')[0] in wanted)
