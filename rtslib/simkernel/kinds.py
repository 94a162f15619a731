"""What each configfs path is: the object it belongs to and the part inside it.

Every LIO configfs path has a fixed meaning by position (core/HBA/DEVICE,
FABRIC/WWN/tpgt_N/lun/lun_N ...), so a path is classified from its text alone,
without reading the tree.  Templates (data/templates.json, generated from the
recordings) say which dirs and files the kernel makes in each kind of object.
"""
import functools
import json
import os

# kind -> {dir inside the object: kind of the objects a user may mkdir there}
CONTAINERS = {
    'root': {'': 'fabric', 'core': 'hba', 'core/alua/lu_gps': 'lu_gp'},
    'hba': {'': 'device'},
    'device': {'alua': 'tg_pt_gp'},
    'fabric': {'': 'wwn'},
    'wwn': {'': 'tpg'},
    'tpg': {'lun': 'lun', 'np': 'portal', 'acls': 'acl'},
    'acl': {'': 'mapped_lun'},
}
# kinds whose object dir may hold symlinks (configfs allow_link)
LINK_HOLDERS = ('lun', 'mapped_lun')


def _templates_path():
    return os.path.join(os.path.dirname(__file__), 'data', 'templates.json')


@functools.lru_cache(maxsize=None)
def templates_version():
    """Short hash of templates.json: template caches are per version."""
    import hashlib
    with open(_templates_path(), 'rb') as f:
        return hashlib.sha1(f.read()).hexdigest()[:12]


@functools.lru_cache(maxsize=None)
def templates():
    with open(_templates_path()) as f:
        raw = json.load(f)
    out = {}
    for name, t in raw.items():
        files = {rel: (int(mode, 8), value) for rel, mode, value in t['files']}
        out[name] = {'dirs': frozenset(t['dirs']), 'files': files}
    return out


def template_name(kind, flavour):
    if kind == 'device':
        return {'user': 'device_user', 'pscsi': 'device_pscsi'}.get(flavour, 'device')
    if kind in ('fabric', 'wwn', 'tpg', 'acl'):
        name = f'{kind}_{flavour}'
        return name if name in templates() else kind + '_generic'
    if kind == 'portal':
        return 'portal_iscsi'
    return kind


def hba_plugin(name):
    """'rd_mcp_0' -> ('rd_mcp', '0'); the kernel splits at the first '_' except
    for rd_mcp, whose own name has one."""
    if name.startswith('rd_mcp_'):
        return 'rd_mcp', name[len('rd_mcp_'):]
    if '_' not in name:
        return None, None
    plugin, index = name.split('_', 1)
    return plugin, index


class Node:
    """A path seen as (object dir, kind, flavour, part inside the object)."""

    __slots__ = ('obj_path', 'kind', 'flavour', 'sub', 'parts')

    def __init__(self, obj, kind, flavour, sub, parts):
        self.obj_path, self.kind, self.flavour, self.sub, self.parts = \
            obj, kind, flavour, sub, parts

    @property
    def path(self):
        return '/'.join(self.parts)

    @property
    def template(self):
        return templates()[template_name(self.kind, self.flavour)]

    @property
    def name(self):
        return self.obj_path.rsplit('/', 1)[-1]

    def __repr__(self):
        return f'Node({self.obj_path!r}, {self.kind}/{self.flavour}, {self.sub!r})'


def _child_flavour(child, parent_flavour, name):
    if child == 'fabric':
        return name
    if child == 'hba':
        return hba_plugin(name)[0] or ''
    if child in ('tg_pt_gp', 'lu_gp'):
        return ''
    return parent_flavour


def resolve(parts):
    """Node for a list of path components; None where nothing can exist."""
    kind, flavour, obj, sub = 'root', '', [], []
    for comp in parts:
        if kind == 'link':
            return None
        cand = '/'.join(sub + [comp])
        tmpl = templates()[template_name(kind, flavour)]
        if cand in tmpl['dirs'] or cand in tmpl['files']:
            sub.append(comp)
            continue
        here = '/'.join(sub)
        child = CONTAINERS.get(kind, {}).get(here)
        if child is None:
            if kind in LINK_HOLDERS and not sub:
                child = 'link'
            else:
                return None
        obj = obj + sub + [comp]
        flavour = _child_flavour(child, flavour, comp)
        kind, sub = child, []
    return Node('/'.join(obj), kind, flavour, '/'.join(sub), list(parts))


def split(path):
    """Root-relative path -> components; '..' and '.' are not allowed."""
    parts = [p for p in path.strip('/').split('/') if p]
    if any(p in ('.', '..') for p in parts):
        return None
    return parts


@functools.lru_cache(maxsize=None)
def default_children(kind, flavour, sub):
    """Names the kernel made directly in OBJ/sub (dirs and files)."""
    tmpl = templates()[template_name(kind, flavour)]
    prefix = sub + '/' if sub else ''
    names = set()
    for rel in list(tmpl['dirs']) + list(tmpl['files']):
        if rel.startswith(prefix) and '/' not in rel[len(prefix):]:
            names.add(rel[len(prefix):])
    return names
