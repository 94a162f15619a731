"""Writes to attribute files: parse like the kernel, refuse like the kernel.

write() finds the spec of the file (rules.ATTRS), parses the buffer, checks the
object's state and returns the new file content (None: nothing to store, the
object's rendered files change instead).
"""
import errno

from rtslib.simkernel import rules
from rtslib.simkernel.devices import DEVICE_ACTIONS
from rtslib.simkernel.fabrics import FABRIC_ACTIONS
from rtslib.simkernel.kinds import template_name
from rtslib.simkernel.parse import fail
from rtslib.simkernel.values import PARSERS

ACTIONS = dict(DEVICE_ACTIONS, **FABRIC_ACTIONS)


def write(fs, node, data):
    tname = template_name(node.kind, node.flavour)
    spec = rules.spec_for(tname, node.sub) or _default_spec(node)
    if node.kind == 'device' and (spec.get('export_lock') or spec.get('enabled_lock')):
        _check_locks(fs, node, spec, data)
    if spec['type'] == 'action':
        content = ACTIONS[spec['name']](fs, node, data, spec)
    else:
        content = PARSERS[spec['type']](data, spec)
    if content is not None:
        fs.store.set_value(node.path, content)
    if rules.needs_refresh(tname, node.sub):
        fs.refresh(node.obj_path)


def _default_spec(node):
    value = node.template['files'].get(node.sub, (0, ''))[1].rstrip('\n')
    if value.lstrip('-').isdigit():
        return dict(type='s32' if value.startswith('-') else 'u32',
                    min=-(1 << 31), max=(1 << 32) - 1)
    return dict(type='str')


def _check_locks(fs, node, spec, data):
    st = fs.store.state(node.obj_path)
    if spec.get('type') not in ('action',):
        PARSERS[spec['type']](data, spec)     # the kernel parses before it checks
    if spec.get('export_lock') and st.get('exports'):
        raise fail(errno.EINVAL)
    if spec.get('enabled_lock') and st.get('enabled'):
        raise fail(errno.EINVAL)

