"""Validation of a saveconfig.json document (rtslib-fb's schema) before any change.

Every problem is reported with its JSON path, e.g.
  targets[0].tpgs[0].luns[1].storage_object: no storage object 'block/disk9' in storage_objects
so a user fixes the whole file in one go.  The field tables are the ones the
classes' dump() declares (rtslib/fields.py); the checks are one small walker
over them.
"""
import functools
import ipaddress
import re

from rtslib.alua import ALUATargetPortGroup
from rtslib.fabric import FabricModule
from rtslib.fields import ANY, ATTRS, BOOL, INT, NESTED, OPT_STR, PARAMS, STR
from rtslib.lun import LUN, MappedLUN
from rtslib.node_acl import NodeACL
from rtslib.portal import NetworkPortal
from rtslib.storage import StorageObject, backstore_classes, control_value_problem
from rtslib.target import TPG, Target

# (required fields, optional fields), as each class's dump() declares them; keys
# outside both are ignored, as rtslib-fb ignores them, except in storage objects
# (rtslib-fb refuses those)
FABRIC = FabricModule.SAVE_FIELDS
ALUA_TPG = ALUATargetPortGroup.SAVE_FIELDS
SO_COMMON = StorageObject.COMMON_FIELDS[0]
SO_NAMED = (SO_COMMON, {'*': ANY})     # what a storage object needs to be checked further
SO_PLUGINS = {cls.plugin: cls.save_fields() for cls in backstore_classes()}
SO_CLASSES = {cls.plugin: cls for cls in backstore_classes()}
# the seed's (and the kernel's) HBA names of the plugins
PLUGIN_ALIASES = {cls.hba: cls.plugin for cls in backstore_classes() if cls.hba != cls.plugin}
TARGET = Target.SAVE_FIELDS
TPG_FIELDS = TPG.SAVE_FIELDS
LUN_FIELDS = LUN.SAVE_FIELDS
PORTAL = NetworkPortal.SAVE_FIELDS
NODE_ACL = NodeACL.SAVE_FIELDS
MAPPED_LUN = MappedLUN.SAVE_FIELDS

SO_PATH = re.compile(r'^/backstores/([^/]+)/([^/]+)$')


@functools.lru_cache(maxsize=64)
def plugin_name(plugin):
    """Our canonical plugin name ('block' for the seed's 'iblock', 'user' for 'user:x')."""
    plugin = PLUGIN_ALIASES.get(plugin, plugin)
    return 'user' if plugin.startswith('user:') else plugin


def so_key(plugin, name):
    return f'{plugin_name(plugin)}/{name}'


def so_doc_key(so):
    """'plugin/name' of a storage object's document (parts it lacks are empty)."""
    return so_key(so.get('plugin', ''), so.get('name', ''))


def parse_so_ref(ref):
    """'/backstores/block/disk1' -> 'block/disk1', or None if malformed."""
    return _parse_so_ref(ref) if isinstance(ref, str) else None


@functools.lru_cache(maxsize=1 << 16)
def _parse_so_ref(ref):
    # cached: validation, the plan and apply each ask it of every LUN of a file
    m = SO_PATH.match(ref)
    return so_key(m.group(1), m.group(2)) if m else None


_PLAIN_SCALARS = frozenset({int, str})


def _scalars_ok(value):
    """A dict of numbers (not booleans) and strings: an attribute or parameter group."""
    if not isinstance(value, dict):
        return False
    # the types seen, not each value: a file holds tens of thousands of attributes
    return set(map(type, value.values())) <= _PLAIN_SCALARS or all(
        isinstance(v, (str, int)) and not isinstance(v, bool) for v in value.values())


# one check per kind of field (a dict: validation asks it of every field of a file)
TYPE_CHECKS = {
    ANY: lambda value: True,
    BOOL: lambda value: isinstance(value, bool) or (type(value) is int and value in (0, 1)),
    INT: lambda value: type(value) is int,
    STR: lambda value: isinstance(value, str),
    OPT_STR: lambda value: value is None or isinstance(value, str),
    ATTRS: _scalars_ok,
    PARAMS: _scalars_ok,
}


def _is_list(value):
    return isinstance(value, list)      # a nested list, checked by its own walker


def type_ok(kind, value):
    return TYPE_CHECKS.get(kind, _is_list)(value)


# the type most values of a kind have: when a value has exactly it, no check is called
USUAL_TYPE = {BOOL: bool, INT: int, STR: str, OPT_STR: str}

_rules_of = {}      # id(spec dict) -> (that dict, {field: rule})


def _rules(spec_part):
    """{field: (usual type, check)} of one half of a spec (module constants: made
    once each); a field of any type has the rule None: nothing to check."""
    held = _rules_of.get(id(spec_part))
    if held is None or held[0] is not spec_part:
        if len(_rules_of) > 64:     # a caller's own spec dicts: never a growing memo
            _rules_of.clear()
        held = _rules_of[id(spec_part)] = (spec_part, {
            key: None if kind == ANY else
            (USUAL_TYPE.get(kind, list if kind in NESTED else None),
             TYPE_CHECKS.get(kind, _is_list))
            for key, kind in spec_part.items()})
    return held[1]


_UNKNOWN = (object(), None)     # the rule of a field outside the spec


class Validator:
    """Collects every problem of one document; `existing_sos` / `fabrics` add
    what the running kernel knows (storage objects a LUN may name that are not
    in the file, fabric names that exist)."""

    def __init__(self, existing_sos=(), fabrics=None):
        self.problems = []
        # anything `in` answers (apply passes one that asks the kernel per key)
        self.existing_sos = existing_sos if hasattr(existing_sos, '__contains__') \
            else set(existing_sos)
        self.fabrics = set(fabrics) if fabrics is not None else None

    def problem(self, path, text):
        self.problems.append(f'{path}: {text}')

    def fields(self, path, obj, spec, strict=False):
        """Check required/optional fields of one object; False if unusable."""
        if not isinstance(obj, dict):
            self.problem(path, f'must be an object, not {_jtype(obj)}')
            return False
        required, optional = spec
        ok = True
        for key, rule in _rules(required).items():
            if key not in obj:
                self.problem(path, f"missing required field '{key}'")
                ok = False
            elif rule is not None and type(obj[key]) is not rule[0] and not rule[1](obj[key]):
                self.bad_type(f'{path}.{key}', required[key], obj[key])
                ok = False
        rules = _rules(optional)
        other = rules.get('*', _UNKNOWN)
        if other is None and len(rules) == 1:
            return ok       # {'*': ANY}: whatever else it holds
        for key, value in obj.items():
            rule = rules.get(key, other)
            if rule is None or type(value) is rule[0] or key in required:
                continue
            if rule is _UNKNOWN:
                if strict:
                    self.problem(f'{path}.{key}', 'unknown field')
            elif not rule[1](value):
                self.bad_type(f'{path}.{key}', optional.get(key, optional.get('*')), value)
        return ok

    def bad_type(self, path, kind, value):
        if kind in (ATTRS, PARAMS) and isinstance(value, dict):
            for k, v in value.items():
                if not type_ok(kind, {k: v}):
                    self.problem(f'{path}.{k}', f'must be a number or a string, not {_jtype(v)}')
            return
        want = {ATTRS: 'object', PARAMS: 'object'}.get(kind, kind)
        if want in NESTED:
            want = 'list'
        self.problem(path, f'must be {_article(want)} {want}, not {_jtype(value)}')

    def items(self, path, obj, key):
        """(path, item) for each element of list obj[key] (already type-checked)."""
        value = obj.get(key, [])
        if not isinstance(value, list):
            return []
        return [(f'{path}.{key}[{i}]', item) for i, item in enumerate(value)]

    def unique(self, seen, key, path, what):
        """path and what may be callables: formatted only for a duplicate."""
        if key in seen:
            self.problem(_now(path), f'duplicate {_now(what)} (also at {_now(seen[key])})')
        else:
            seen[key] = path

    # -- the document ---------------------------------------------------------

    def document(self, doc):
        if not isinstance(doc, dict):
            self.problem('(top)', f'must be a JSON object, not {_jtype(doc)}')
            return self.problems
        for key in ('fabric_modules', 'storage_objects', 'targets'):
            if key in doc and not isinstance(doc[key], list):
                self.problem(key, f'must be a list, not {_jtype(doc[key])}')
        seen = {}
        for path, fm in self.items('', doc, 'fabric_modules'):
            path = path.lstrip('.')
            if self.fields(path, fm, FABRIC, strict=True):
                self.unique(seen, fm['name'], path + '.name', f"fabric module '{fm['name']}'")
                self.known_fabric(path + '.name', fm['name'])
        sos = self.storage_objects(doc)
        self.targets(doc, sos)
        return self.problems

    def known_fabric(self, path, name):
        if self.fabrics is not None and name not in self.fabrics:
            self.problem(path, f"unknown fabric '{name}' (known: "
                               f"{', '.join(sorted(self.fabrics))})")

    def storage_objects(self, doc):
        """Check each storage object; return {'plugin/name': alua group names}."""
        sos, wwns = {}, {}
        seen = {}
        for path, so in self.items('', doc, 'storage_objects'):
            path = path.lstrip('.')
            if not self.fields(path, so, SO_NAMED):
                continue
            plugin = plugin_name(so['plugin'])
            if plugin not in SO_PLUGINS:
                self.problem(path + '.plugin', f"unknown plugin '{so['plugin']}' (known: "
                                               f"{', '.join(sorted(SO_PLUGINS))})")
                continue
            self.fields(path, so, SO_PLUGINS[plugin], strict=True)
            key = so_key(plugin, so['name'])
            self.unique(seen, key, path + '.name', f"storage object '{key}'")
            if isinstance(so.get('wwn'), str) and so['wwn']:
                self.unique(wwns, so['wwn'], path + '.wwn', f"wwn '{so['wwn']}'")
            self.size(path, so)
            self.control_path(path, so)
            sos[key] = self.alua_tpgs(path, so)
        return sos

    def size(self, path, so):
        if type(so.get('size')) is not int:
            return
        if so['size'] < 0:
            self.problem(path + '.size', 'must not be negative')
        elif SO_CLASSES[plugin_name(so['plugin'])].size_problem(so['size']):
            self.problem(path + '.size',
                         SO_CLASSES[plugin_name(so['plugin'])].size_problem(so['size']))

    def control_path(self, path, so):
        """A path the kernel would cut (comma, newline, too long) is refused
        here, before anything changes."""
        field, key = SO_CLASSES[plugin_name(so['plugin'])].CONTROL_PATH or (None, None)
        if isinstance(so.get(field), str) and control_value_problem(key, so[field]):
            self.problem(f'{path}.{field}', control_value_problem(key, so[field]))

    def alua_tpgs(self, path, so):
        names, ids = {}, {}
        for apath, tg in self.items(path, so, 'alua_tpgs'):
            if not self.fields(apath, tg, ALUA_TPG):
                continue
            self.unique(names, tg['name'], apath + '.name', f"ALUA group '{tg['name']}'")
            if type(tg.get('tg_pt_gp_id')) is int:
                self.unique(ids, tg['tg_pt_gp_id'], apath + '.tg_pt_gp_id',
                            f"tg_pt_gp_id {tg['tg_pt_gp_id']}")
            elif tg['name'] != 'default_tg_pt_gp':
                self.problem(apath, "missing required field 'tg_pt_gp_id'")
        return set(names) | {'default_tg_pt_gp'}

    def targets(self, doc, sos):
        seen = {}
        for path, t in self.items('', doc, 'targets'):
            path = path.lstrip('.')
            if not self.fields(path, t, TARGET):
                continue
            self.known_fabric(path + '.fabric', t['fabric'])
            self.unique(seen, (t['fabric'], t['wwn']), path + '.wwn',
                        f"target '{t['wwn']}' in fabric {t['fabric']}")
            tags = {}
            for tpath, tpg in self.items(path, t, 'tpgs'):
                if not self.fields(tpath, tpg, TPG_FIELDS):
                    continue
                if 'tag' in tpg:
                    self.unique(tags, tpg['tag'], tpath + '.tag', f"tpg tag {tpg['tag']!r}")
                self.tpg(tpath, tpg, sos)

    def tpg(self, path, tpg, sos):
        luns = {}
        for lpath, lun in self.items(path, tpg, 'luns'):
            if self.fields(lpath, lun, LUN_FIELDS):
                self.unique(luns, lun['index'], lpath + '.index', f"lun index {lun['index']}")
                self.lun_ref(lpath, lun, sos)
        portals = {}
        for ppath, portal in self.items(path, tpg, 'portals'):
            if self.fields(ppath, portal, PORTAL):
                self.portal(ppath, portal, portals)
        acls = {}
        for apath, acl in self.items(path, tpg, 'node_acls'):
            if not self.fields(apath, acl, NODE_ACL):
                continue
            self.unique(acls, acl['node_wwn'], apath + '.node_wwn',
                        f"node_acl '{acl['node_wwn']}'")
            mluns = acl.get('mapped_luns', [])
            mapped = {}
            for i, mlun in enumerate(mluns if isinstance(mluns, list) else []):
                self.mapped_lun(apath, i, mlun, mapped, luns)

    def mapped_lun(self, apath, i, mlun, mapped, luns):
        """The most numerous entry (one per ACL per LUN): its path is formatted only
        for a problem, and a well-formed one skips the generic field walk."""
        def mpath():
            return f'{apath}.mapped_luns[{i}]'
        if not _plain_mapped_lun(mlun) and not self.fields(mpath(), mlun, MAPPED_LUN):
            return
        self.unique(mapped, mlun['index'], lambda: mpath() + '.index',
                    lambda: f"mapped lun index {mlun['index']}")
        if mlun['tpg_lun'] not in luns:
            self.problem(mpath() + '.tpg_lun', f"no lun {mlun['tpg_lun']} in this tpg")

    def lun_ref(self, path, lun, sos):
        key = parse_so_ref(lun['storage_object'])
        if key is None:
            self.problem(path + '.storage_object', f"'{lun['storage_object']}' is not "
                                                   f"/backstores/<plugin>/<name>")
        elif key not in sos and key not in self.existing_sos:
            self.problem(path + '.storage_object',
                         f"no storage object '{key}' in storage_objects")
        elif key in sos and isinstance(lun.get('alua_tg_pt_gp_name'), str) \
                and lun['alua_tg_pt_gp_name'] not in sos[key]:
            self.problem(path + '.alua_tg_pt_gp_name', f"no ALUA group "
                                                       f"'{lun['alua_tg_pt_gp_name']}' in storage "
                                                       f"object '{key}'")

    def portal(self, path, portal, seen):
        ip, port = portal['ip_address'], portal['port']
        try:
            ipaddress.ip_address(ip.strip('[]'))
        except ValueError:
            self.problem(path + '.ip_address', f"'{ip}' is not an IP address")
        if not 0 < port < 65536:
            self.problem(path + '.port', f'{port} is not a port number (1-65535)')
        self.unique(seen, (ip.strip('[]'), port), path, f'portal {ip}:{port}')


def _now(text):
    return text() if callable(text) else text


def _plain_mapped_lun(mlun):
    """True if fields() would find nothing wrong with this mapped LUN (the usual case)."""
    if type(mlun) is not dict:
        return False
    wp, alias, tag = mlun.get('write_protect', 0), mlun.get('alias'), mlun.get('tag')
    return (type(mlun.get('index')) is int and type(mlun.get('tpg_lun')) is int
            and (wp is True or wp is False or (type(wp) is int and wp in (0, 1)))
            and (alias is None or type(alias) is str) and (tag is None or type(tag) is str))


def validate(doc, existing_sos=(), fabrics=None):
    """Every problem of `doc` as 'json.path: what is wrong' (empty list: valid)."""
    return Validator(existing_sos, fabrics).document(doc)


def _jtype(value):
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, (int, float)):
        return 'a number'
    if isinstance(value, str):
        return 'a string'
    if isinstance(value, list):
        return 'a list'
    return 'an object'


def _article(word):
    return 'an' if word[0] in 'aeiou' else 'a'
