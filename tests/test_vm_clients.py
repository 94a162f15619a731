"""Real rtslib-fb clients on the real kernel (tests/vm/checks_clients.py): the
same workloads and assertions as tests/test_clients.py on the simulator."""
import pytest

import client_sources
from test_clients import obtain
from vm import client_workloads as cw
from vm_helpers import vm  # noqa: F401  (session fixture: one boot for all VM modules)

pytestmark = pytest.mark.vm
VM_CHECKS = ['clients.*']


def test_targetd_block_export_functions_on_the_real_kernel(vm):
    obtain(client_sources.targetd)
    cw.expect_targetd(vm.check('clients.targetd_block'))


def test_cinder_rtstool_on_the_real_kernel(vm):
    obtain(client_sources.cinder)
    data = vm.check('clients.cinder_rtstool')
    cw.expect_cinder_rtstool(data['steps'], data['device'])


def _without_serials(steps):
    """Steps as compared between libraries: generated unit serials aside."""
    out = {}
    for name, step in steps.items():
        step = dict(step)
        if 'tree' in step:
            tree = dict(step['tree'])
            tree['storage_objects'] = [so[:3] for so in tree['storage_objects']]
            step['tree'] = tree
        step.pop('output', None)       # rtslib-fb's warnings differ; rc and tree count
        out[name] = step
    return out


def test_cinder_rtstool_leaves_the_tree_debians_rtslib_fb_leaves(vm):
    """The same commands on Debian's rtslib-fb 2.1.75 in the same guest: every
    step leaves the same tree and exit status as on ours."""
    obtain(client_sources.cinder)
    ours = vm.check('clients.cinder_rtstool')
    peer = vm.check('clients.cinder_rtstool_on_debians_rtslib_fb')
    cw.expect_cinder_rtstool(peer['steps'], peer['device'])
    assert _without_serials(ours['steps']) == _without_serials(peer['steps'])
