"""plan: the ordered changes that bring the live configuration to a file.

plan = diff(dump(live, scope), file), both saveconfig documents (one model:
the dump that save writes).  The result is a list of Change, in the order
apply makes them: every delete first, children before parents (mapped LUNs,
LUNs, ACLs, portals, TPGs, targets, ALUA groups, storage objects), then
creates, links and sets, parents before children.

What is compared (decided where issue 17 is silent):
- Objects match by their identity (storage object plugin/name, target
  fabric/wwn, TPG tag, LUN and mapped LUN index, portal ip:port, ACL
  node_wwn, ALUA group name).  An object whose creation-time settings differ
  (a storage object's dev, size, wwn...; a LUN's storage object; a mapped
  LUN's tpg_lun; an ALUA group's tg_pt_gp_id) is deleted and created again,
  and the delete line says why.  A renamed object is a delete and a create.
- A storage object or target in the file is the whole truth about itself:
  its children not in the file are deleted.  Top-level objects not in the
  file are left alone unless clear_existing.
- Attributes and parameters the file leaves out are left as they are; CHAP
  settings and an ACL tag the file leaves out are empty (the dump leaves out
  empty ones).  LUN and mapped-LUN aliases (link names) are not compared.
"""
import functools
import json

from rtslib.saveconfig import schema

SECRETS = frozenset({'chap_password', 'chap_mutual_password', 'discovery_password',
                     'discovery_mutual_password'})
MASK = '********'
CHAP = ('chap_userid', 'chap_password', 'chap_mutual_userid', 'chap_mutual_password')
SHORT_CHAP = tuple(name[len('chap_'):] for name in CHAP)   # older files' names of them
# credentials before the switch that enforces them
DISCOVERY = ('discovery_userid', 'discovery_password', 'discovery_mutual_userid',
             'discovery_mutual_password', 'discovery_enable_auth')
# a storage object's dump keys that are not creation-time settings
SO_SETTABLE = ('name', 'plugin', 'attributes', 'alua_tpgs', 'exists', 'buffered_mode')
# what the kernel gives a new storage object's default_tg_pt_gp (core_alua_allocate_tg_pt_gp)
ALUA_DEFAULTS = {
    'alua_access_state': 0, 'alua_access_status': 0, 'alua_access_type': 3,
    'alua_write_metadata': 0, 'preferred': 0, 'nonop_delay_msecs': 100,
    'trans_delay_msecs': 0, 'implicit_trans_secs': 0, 'alua_support_offline': 1,
    'alua_support_standby': 1, 'alua_support_transitioning': 1,
    'alua_support_active_nonoptimized': 1, 'alua_support_unavailable': 1,
    'alua_support_active_optimized': 1}
DEFAULT_GROUP = 'default_tg_pt_gp'

# deletes run in this order (children first), creates and sets in the reverse
ORDER = ('mapped_lun', 'lun', 'node_acl', 'portal', 'tpg', 'target', 'alua_tpg',
         'storage_object', 'fabric')


class PlanError(Exception):
    """The plan cannot be made (an object outside the scope depends on a change)."""


class Change:
    """One step: op is create, link (a LUN or mapped LUN), delete or set.

    key locates the object (apply looks it up by it); data is the object's
    own document without children (create/link: from the file; delete: from
    the kernel, to put it back); setting/old/new describe a set."""

    __slots__ = ('op', 'kind', 'path', 'key', 'data', 'setting', 'old', 'new', 'note', 'to')

    def __init__(self, op, kind, path, key, data=None, setting=None, old=None, new=None,
                 note=None, to=None):
        self.op, self.kind, self.path, self.key = op, kind, path, key
        self.data, self.setting, self.old, self.new = data, setting, old, new
        self.note, self.to = note, to

    @property
    def secret(self):
        return self.setting is not None and self.setting[1] in SECRETS

    def label(self):
        """'attribute emulate_3pc', 'auth password', 'enable', ... (targetcli's words)."""
        group, name = self.setting
        if group:
            return f'{group[:-1]} {name}'
        if name.startswith('chap_'):
            return 'auth ' + name[len('chap_'):]
        if name == 'discovery_enable_auth':
            return 'discovery_auth enable'
        if name.startswith('discovery_'):
            return 'discovery_auth ' + name[len('discovery_'):]
        return name

    def text(self):
        if self.kind == 'tpg' and self.op != 'set' and not _has_tpgs(self.key[0]):
            # targetcli shows a fabric's only TPG as its target: say which one
            return f'{self.op} {self.path} tpg {self.key[2]}' + \
                (f' ({self.note})' if self.note else '')
        if self.op == 'set':
            if self.secret:
                return f'set {self.path} {self.label()} changed'
            return f'set {self.path} {self.label()}={_show(self.old)}->{_show(self.new)}'
        line = f'{self.op} {self.path}'
        if self.to:
            line += ' -> ' + self.to
        return line + (f' ({self.note})' if self.note else '')

    def as_json(self):
        d = {'op': self.op, 'kind': self.kind, 'path': self.path}
        if self.op == 'set':
            d['setting'] = self.label()
            if self.secret:
                d['changed'] = True
            else:
                d['old'], d['new'] = self.old, self.new
        if self.to:
            d['to'] = self.to
        if self.note:
            d['note'] = self.note
        return d

    def __repr__(self):
        return f'<Change {self.text()}>'


def _show(value):
    if value is None or value == '':
        return '(none)'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def summary(changes):
    n = len(changes)
    return f"{n} change{'' if n == 1 else 's'}"


def to_text(changes):
    """The plan as printed: one change a line, in apply order, then the count."""
    return '\n'.join([c.text() for c in changes] + [summary(changes)]) + '\n'


def differences(changes):
    """The plan read the other way, for a drift check: (path, what differs) pairs."""
    out, replaced = [], set()
    for c in changes:
        if c.op == 'delete':
            if c.note:
                replaced.add(c.path)
                out.append((c.path, 'differs: ' + c.note.split(': ', 1)[-1]))
            else:
                out.append((c.path, 'only in the kernel'))
        elif c.op == 'set':
            out.append((c.path, f'{c.label()} differs' if c.secret else
                        f'{c.label()}: kernel {_show(c.old)}, file {_show(c.new)}'))
        elif c.path not in replaced:
            out.append((c.path, 'only in the file'))
    return out


def diff_text(changes):
    lines = [f'{where}: {what}' for where, what in differences(changes)]
    n = len(lines)
    lines.append('in sync' if not n else f"{n} difference{'' if n == 1 else 's'}")
    return '\n'.join(lines) + '\n'


def diff_json(changes):
    diffs = [{'path': p, 'difference': d} for p, d in differences(changes)]
    return json.dumps({'differences': diffs, 'count': len(diffs)}, indent=2) + '\n'


def to_json(changes):
    return json.dumps({'changes': [c.as_json() for c in changes], 'count': len(changes)},
                      indent=2) + '\n'


# -- values ---------------------------------------------------------------------

def _boolish(value):
    if isinstance(value, str):
        return value.strip().lower() in ('1', 'true', 'yes', 'on')
    return bool(value)


def same(want, have):
    """Equal as the kernel sees them: 1 == '1' == True for flags, '' == None."""
    if want in (None, '') or have in (None, ''):
        return want in (None, '') and have in (None, '')
    if isinstance(want, bool) or isinstance(have, bool):
        try:
            return _boolish(want) == _boolish(have)
        except ValueError:
            return False
    return str(want) == str(have)


# -- normalising a document ----------------------------------------------------

def normalize(doc):
    """A copy of a (validated) document in the dump's own spelling: canonical
    plugin names and storage object references, chap_ names, TPG tags.  Only the
    dicts it respells are copied (the rest is shared with `doc`; nothing here or
    in apply changes them): a plan copies no attribute of thousands of objects."""
    doc = dict(doc)
    doc['storage_objects'] = [dict(so, plugin=schema.plugin_name(so['plugin']))
                              for so in doc.get('storage_objects', [])]
    doc['targets'] = [dict(t, tpgs=_normal_tpgs(t.get('tpgs', [])))
                      for t in doc.get('targets', [])]
    return doc


def _normal_tpgs(tpgs):
    tags = {tpg['tag'] for tpg in tpgs if 'tag' in tpg}
    free = (n for n in range(1, 65536) if n not in tags)
    out = []
    for tpg in tpgs:
        tpg = _chap_names(dict(tpg))
        if 'tag' not in tpg:
            tpg['tag'] = next(free)   # as TPG(target) would pick on an empty target
        if 'luns' in tpg:
            tpg['luns'] = [dict(lun, storage_object=so_path(
                schema.parse_so_ref(lun['storage_object']))) for lun in tpg['luns']]
        if 'node_acls' in tpg:
            tpg['node_acls'] = [_chap_names(dict(acl)) for acl in tpg['node_acls']]
        out.append(tpg)
    return out


def _chap_names(node):
    for short in SHORT_CHAP:
        if short in node:
            node.setdefault('chap_' + short, node.pop(short))
    return node


def so_path(key):
    return '/backstores/' + key


def masked_secrets(doc):
    """JSON paths of secrets that hold the export mask instead of a password, in a
    validated document (in the objects that have secrets: fabric modules, TPGs,
    ACLs; a walk of every LUN and attribute would cost a plan of thousands)."""
    def holders():
        for i, fm in enumerate(doc.get('fabric_modules', [])):
            yield f'fabric_modules[{i}]', fm
        for i, t in enumerate(doc.get('targets', [])):
            for j, tpg in enumerate(t.get('tpgs', [])):
                yield f'targets[{i}].tpgs[{j}]', tpg
                for k, acl in enumerate(tpg.get('node_acls', [])):
                    yield f'targets[{i}].tpgs[{j}].node_acls[{k}]', acl
    return [f'{path}.{name}: a masked secret ("{MASK}", from an export to stdout); '
            'put the real one in the file (export to a FILE keeps secrets)'
            for path, holder in holders() for name, value in holder.items()
            if (name in SECRETS or 'chap_' + name in SECRETS) and value == MASK]


# -- paths as targetcli shows them ----------------------------------------------

@functools.lru_cache(maxsize=None)     # asked for every change's path
def _has_tpgs(fabric):
    from rtslib import spec
    try:
        return 'tpgts' in spec.get(fabric)['features']
    except Exception:   # noqa: BLE001 - an unknown fabric is refused by validation
        return True


def so_ui_path(so):
    if so['plugin'] == 'user' and isinstance(so.get('config'), str):
        return f"/backstores/user:{so['config'].split('/', 1)[0]}/{so['name']}"
    return f"/backstores/{so['plugin']}/{so['name']}"


def target_path(fabric, wwn):
    return f'/{fabric}/{wwn}'


def tpg_path(fabric, wwn, tag):
    base = target_path(fabric, wwn)
    return f'{base}/tpg{tag}' if _has_tpgs(fabric) else base


# -- the diff -------------------------------------------------------------------

def _own(doc, children):
    """The object's own document: without its child lists."""
    return {k: v for k, v in doc.items() if k not in children}


def _by(items, key):
    return {key(item): item for item in items or []}


class Planner:
    def __init__(self, clear_existing=False):
        self.clear_existing = clear_existing
        self.deletes = {k: [] for k in ORDER}
        self.creates = {k: [] for k in ORDER}
        self.gone_sos = {}      # key -> reason, storage objects this plan deletes
        self.gone_alua = set()  # (so key, group) re-created
        self.so_paths = {}

    def changes(self):
        out = []
        for kind in ORDER:
            out.extend(self.deletes[kind])
        for kind in reversed(ORDER):
            out.extend(self.creates[kind])
        return out

    # -- helpers ------------------------------------------------------------
    def delete(self, kind, path, key, data, note=None):
        self.deletes[kind].append(Change('delete', kind, path, key, data, note=note))

    def create(self, kind, path, key, data, to=None):
        op = 'link' if to else 'create'
        self.creates[kind].append(Change(op, kind, path, key, data, to=to))

    def sets(self, kind, path, key, want, have, names, group=None, absent_empty=False):
        for name in names:
            if name not in want and not absent_empty:
                continue
            new, old = want.get(name), have.get(name)
            if new != old and not same(new, old):   # equal: the same to the kernel too
                self.creates[kind].append(Change('set', kind, path, key, setting=(group, name),
                                                 old=old, new='' if new is None else new))

    def group_sets(self, kind, path, key, want, have, group):
        w, h = want.get(group) or {}, have.get(group) or {}
        self.sets(kind, path, key, w, h, list(w), group)

    # -- fabrics --------------------------------------------------------------
    def fabrics(self, want, have):
        """want: file fabric documents; have: {name: live dump} of fabrics that
        the file names or (clear_existing) that have discovery auth on."""
        wanted = _by(want, lambda f: f['name'])
        for name, live in have.items():
            w = wanted.get(name)
            if w is None and not self.clear_existing:
                continue
            w = dict(w or {}, discovery_enable_auth=(w or {}).get('discovery_enable_auth',
                                                                  False))
            live = dict(live, discovery_enable_auth=live.get('discovery_enable_auth', False))
            self.sets('fabric', '/' + name, name, w, live, DISCOVERY, absent_empty=True)

    # -- storage objects ------------------------------------------------------
    def storage_objects(self, want, have):
        key = lambda so: schema.so_key(so['plugin'], so['name'])  # noqa: E731
        wanted, live = _by(want, key), _by(have, key)
        for k, so in live.items():
            self.so_paths[k] = so_ui_path(so)
        for k, so in wanted.items():
            self.so_paths[k] = so_ui_path(so)
        for k, so in live.items():
            if k not in wanted:
                if self.clear_existing:
                    self.gone_sos[k] = 'not in the file'
                    self.delete_so(k, so)
                continue
            reason = _fixed_change(wanted[k], so, SO_SETTABLE)
            if reason:
                self.gone_sos[k] = reason
                self.delete_so(k, so, f'to be created again: {reason}')
        for k, so in wanted.items():
            if k in live and k not in self.gone_sos:
                self.update_so(k, so, live[k])
            else:
                self.create_so(k, so)

    def delete_so(self, k, so, note=None):
        path = self.so_paths[k]
        for group in so.get('alua_tpgs', []):
            if group['name'] != DEFAULT_GROUP:
                self.delete('alua_tpg', f"{path}/alua/{group['name']}",
                            (k, group['name']), group)
        self.delete('storage_object', path, k, _own(so, ('alua_tpgs',)), note)

    def create_so(self, k, so):
        path = self.so_paths[k]
        self.create('storage_object', path, k, _own(so, ('alua_tpgs',)))
        for group in so.get('alua_tpgs', []):
            if group['name'] == DEFAULT_GROUP:
                if ALUA_DEFAULTS.items() <= group.items():
                    continue    # as the kernel makes it (every saved object's, mostly)
                self.sets('alua_tpg', f'{path}/alua/{DEFAULT_GROUP}', (k, DEFAULT_GROUP),
                          group, ALUA_DEFAULTS, [n for n in group if n in ALUA_DEFAULTS])
            else:
                self.create('alua_tpg', f"{path}/alua/{group['name']}",
                            (k, group['name']), group)

    def update_so(self, k, want, have):
        path = self.so_paths[k]
        self.group_sets('storage_object', path, k, want, have, 'attributes')
        wanted = _by(want.get('alua_tpgs'), lambda g: g['name'])
        live = _by(have.get('alua_tpgs'), lambda g: g['name'])
        for name, group in live.items():
            gpath = f'{path}/alua/{name}'
            if name == DEFAULT_GROUP:
                continue
            if name not in wanted:
                self.delete('alua_tpg', gpath, (k, name), group)
            elif not same(wanted[name].get('tg_pt_gp_id'), group.get('tg_pt_gp_id')):
                self.gone_alua.add((k, name))
                self.delete('alua_tpg', gpath, (k, name), group,
                            f"to be created again: tg_pt_gp_id {group.get('tg_pt_gp_id')}"
                            f"->{wanted[name].get('tg_pt_gp_id')}")
        for name, group in wanted.items():
            gpath = f'{path}/alua/{name}'
            if name in live and (k, name) not in self.gone_alua:
                names = [n for n in group if n not in ('name', 'tg_pt_gp_id')]
                self.sets('alua_tpg', gpath, (k, name), group, live[name], names)
            elif name != DEFAULT_GROUP:
                self.create('alua_tpg', gpath, (k, name), group)

    # -- targets --------------------------------------------------------------
    def targets(self, want, have):
        key = lambda t: (t['fabric'], t['wwn'])  # noqa: E731
        wanted, live = _by(want, key), _by(have, key)
        for k, t in live.items():
            if k not in wanted and self.clear_existing:
                self.delete_target(k, t)
        for k, t in wanted.items():
            if k in live:
                self.update_target(k, t, live[k])
            else:
                self.create_target(k, t)

    def delete_target(self, k, t):
        for tpg in t.get('tpgs', []):
            self.delete_tpg(k + (tpg['tag'],), tpg)
        self.delete('target', target_path(*k), k, _own(t, ('tpgs',)))

    def create_target(self, k, t):
        self.create('target', target_path(*k), k, _own(t, ('tpgs',)))
        for tpg in t.get('tpgs', []):
            self.create_tpg(k + (tpg['tag'],), tpg)

    def update_target(self, k, want, have):
        self.group_sets('target', target_path(*k), k, want, have, 'parameters')
        wanted = _by(want.get('tpgs'), lambda x: x['tag'])
        live = _by(have.get('tpgs'), lambda x: x['tag'])
        for tag, tpg in live.items():
            if tag not in wanted:
                self.delete_tpg(k + (tag,), tpg)
        for tag, tpg in wanted.items():
            if tag in live:
                self.update_tpg(k + (tag,), tpg, live[tag])
            else:
                self.create_tpg(k + (tag,), tpg)

    # -- TPGs -------------------------------------------------------------------
    TPG_CHILDREN = ('luns', 'portals', 'node_acls')

    def delete_tpg(self, k, tpg):
        path = tpg_path(*k)
        for acl in tpg.get('node_acls', []):
            self.delete_acl(k, acl)
        for lun in tpg.get('luns', []):
            self.delete_lun(k, lun)
        for portal in tpg.get('portals', []):
            self.delete('portal', self.portal_path(k, portal),
                        k + (portal['ip_address'], portal['port']), portal)
        self.delete('tpg', path, k, _own(tpg, self.TPG_CHILDREN))

    def delete_lun(self, k, lun, note=None):
        self.delete('lun', f"{tpg_path(*k)}/luns/lun{lun['index']}", k + (lun['index'],),
                    lun, note)

    def delete_acl(self, k, acl):
        for mlun in acl.get('mapped_luns', []):
            self.delete_mapped_lun(k, acl, mlun)
        self.delete('node_acl', self.acl_path(k, acl), k + (acl['node_wwn'],),
                    _own(acl, ('mapped_luns',)))

    def delete_mapped_lun(self, k, acl, mlun, note=None):
        self.delete('mapped_lun', f"{self.acl_path(k, acl)}/mapped_lun{mlun['index']}",
                    k + (acl['node_wwn'], mlun['index']), mlun, note)

    @staticmethod
    def acl_path(k, acl):
        return f"{tpg_path(*k)}/acls/{acl['node_wwn']}"

    @staticmethod
    def portal_path(k, portal):
        return f"{tpg_path(*k)}/portals/{portal['ip_address']}:{portal['port']}"

    def create_tpg(self, k, tpg):
        path = tpg_path(*k)
        self.create('tpg', path, k, _own(tpg, self.TPG_CHILDREN))
        for lun in tpg.get('luns', []):
            self.create_lun(k, lun)
        for portal in tpg.get('portals', []):
            self.create_portal(k, portal)
        for acl in tpg.get('node_acls', []):
            self.create_acl(k, acl)

    def create_lun(self, k, lun):
        path = f"{tpg_path(*k)}/luns/lun{lun['index']}"
        so_key = schema.parse_so_ref(lun['storage_object'])
        self.create('lun', path, k + (lun['index'],), lun, to=self.so_paths.get(
            so_key, lun['storage_object']))

    def create_portal(self, k, portal):
        self.create('portal', self.portal_path(k, portal),
                    k + (portal['ip_address'], portal['port']), portal)

    def create_acl(self, k, acl):
        self.create('node_acl', self.acl_path(k, acl), k + (acl['node_wwn'],),
                    _own(acl, ('mapped_luns',)))
        for mlun in acl.get('mapped_luns', []):
            self.create_mapped_lun(k, acl, mlun)

    def create_mapped_lun(self, k, acl, mlun):
        self.create('mapped_lun', f"{self.acl_path(k, acl)}/mapped_lun{mlun['index']}",
                    k + (acl['node_wwn'], mlun['index']), mlun,
                    to=f"{tpg_path(*k)}/luns/lun{mlun['tpg_lun']}")

    def update_tpg(self, k, want, have):
        path = tpg_path(*k)
        for group in ('attributes', 'parameters'):
            self.group_sets('tpg', path, k, want, have, group)
        self.sets('tpg', path, k, want, have, ('enable',))
        self.sets('tpg', path, k, want, have, CHAP, absent_empty=True)
        gone_luns = self.update_luns(k, want, have)
        self.update_portals(k, want, have)
        wanted = _by(want.get('node_acls'), lambda a: a['node_wwn'])
        live = _by(have.get('node_acls'), lambda a: a['node_wwn'])
        for wwn, acl in live.items():
            if wwn not in wanted:
                self.delete_acl(k, acl)
        for wwn, acl in wanted.items():
            if wwn in live:
                self.update_acl(k, acl, live[wwn], gone_luns)
            else:
                self.create_acl(k, acl)

    def update_portals(self, k, want, have):
        key = lambda p: (p['ip_address'], p['port'])  # noqa: E731
        wanted, live = _by(want.get('portals'), key), _by(have.get('portals'), key)
        for pk, portal in live.items():
            if pk not in wanted:
                self.delete('portal', self.portal_path(k, portal), k + pk, portal)
        for pk, portal in wanted.items():
            if pk in live:
                self.sets('portal', self.portal_path(k, portal), k + pk, portal, live[pk],
                          ('iser', 'offload'))
            else:
                self.create_portal(k, portal)

    def update_luns(self, k, want, have):
        """LUN changes of a TPG both sides have; returns the indexes deleted."""
        def why_again(lun, w):
            if w['storage_object'] != lun['storage_object']:
                return (f"to be linked again: storage_object {lun['storage_object']}"
                        f"->{w['storage_object']}")
            if schema.parse_so_ref(lun['storage_object']) in self.gone_sos:
                return f"to be linked again: {lun['storage_object']} is created again"
            return None
        return _relink(want.get('luns'), have.get('luns'), why_again,
                       lambda lun, note: self.delete_lun(k, lun, note),
                       lambda lun: self.create_lun(k, lun),
                       lambda w, h: self.lun_group(k, w, h))

    def lun_group(self, k, want, have):
        if 'alua_tg_pt_gp_name' not in want:
            return
        old = have.get('alua_tg_pt_gp_name')
        if (schema.parse_so_ref(want['storage_object']), old) in self.gone_alua:
            old = DEFAULT_GROUP     # the kernel moves members of a deleted group there
        if not same(want['alua_tg_pt_gp_name'], old):
            self.creates['lun'].append(Change(
                'set', 'lun', f"{tpg_path(*k)}/luns/lun{want['index']}",
                k + (want['index'],), setting=(None, 'alua_tg_pt_gp_name'), old=old,
                new=want['alua_tg_pt_gp_name']))

    def update_acl(self, k, want, have, gone_luns):
        apath, akey = self.acl_path(k, want), k + (want['node_wwn'],)
        self.group_sets('node_acl', apath, akey, want, have, 'attributes')
        self.sets('node_acl', apath, akey, want, have, ('tcq_depth',))
        self.sets('node_acl', apath, akey, want, have, ('tag',) + CHAP, absent_empty=True)
        def why_again(mlun, w):
            if w['tpg_lun'] != mlun['tpg_lun']:
                return f"to be linked again: tpg_lun {mlun['tpg_lun']}->{w['tpg_lun']}"
            if mlun['tpg_lun'] in gone_luns:
                return f"to be linked again: lun{mlun['tpg_lun']} is linked again"
            return None
        _relink(want.get('mapped_luns'), have.get('mapped_luns'), why_again,
                lambda mlun, note: self.delete_mapped_lun(k, have, mlun, note),
                lambda mlun: self.create_mapped_lun(k, want, mlun),
                lambda w, h: self.sets('mapped_lun', f"{apath}/mapped_lun{w['index']}",
                                       akey + (w['index'],), w, h, ('write_protect',)))


def _relink(wanted, live, why_again, delete, create, update):
    """Diff two lists of links (LUNs, mapped LUNs) by index: a link both sides have
    is deleted and made again when why_again(live, wanted) gives a reason, else
    updated in place; returns the indexes deleted."""
    wanted = _by(wanted, lambda x: x['index'])
    live = _by(live, lambda x: x['index'])
    gone = set()
    for index, have in live.items():
        w = wanted.get(index)
        note = None if w is None else why_again(have, w)
        if w is not None and note is None:
            continue
        gone.add(index)
        delete(have, note)
    for index, w in wanted.items():
        if index in gone or index not in live:
            create(w)
        else:
            update(w, live[index])
    return gone


def _fixed_change(want, have, settable):
    """'size 1048576->2097152' when a creation-time setting differs, else None."""
    for name, value in want.items():
        if name in settable or name not in have:
            continue
        if not same(value, have[name]):
            return f'{name} {_show(have[name])}->{_show(value)}'
    return None
