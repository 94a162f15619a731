#!/usr/bin/env python3
"""Regenerate templates.json from the real-kernel recordings (run once, output committed).

    python3 rtslib/simkernel/data/gen_templates.py /work/shared/reference > \
        rtslib/simkernel/data/templates.json

A template is what the kernel puts in an object dir at mkdir: default sub-dirs and
attribute files with mode and value.  Values that depend on object state are
re-rendered by the simulator (rtslib/simkernel/render.py); here they keep the
value the kernel showed right after mkdir.  '<read error: E...>' rows keep
an empty value: rules.READ_ERRORS says when reading them fails.
"""
import json
import os
import sys

# template kind -> attributes.tsv kind of the probes recording it is taken from
SOURCES = {
    'hba': 'hba fileio_0 (right after mkdir)',
    'device': 'backstore fileio (right after mkdir, no control)',
    'device_user': 'backstore user/TCMU (control written, before enable)',
    'fabric_iscsi': 'iscsi fabric dir (right after mkdir)',
    'fabric_loopback': 'loopback fabric dir (right after mkdir)',
    'wwn_iscsi': 'iscsi target/wwn (right after mkdir)',
    'wwn_loopback': 'loopback wwn (right after mkdir)',
    'tpg_iscsi': 'iscsi tpg (right after mkdir)',
    'tpg_loopback': 'loopback tpg (right after mkdir)',
    'lun': 'iscsi lun (right after mkdir, not linked)',
    'portal_iscsi': 'iscsi portal (right after mkdir)',
    'acl_iscsi': 'iscsi node acl (right after mkdir)',
    'mapped_lun': 'iscsi mapped lun (right after mkdir, not linked)',
}

# default groups that hold no files (so attributes.tsv cannot show them); seen in
# the recorded trees (seed-workflow-tree.txt)
EXTRA_DIRS = {
    'root': ['core', 'core/alua', 'core/alua/lu_gps', 'core/alua/lu_gps/default_lu_gp'],
    'device': ['action', 'alua', 'statistics'],
    'device_user': ['action', 'alua', 'statistics'],
    'device_pscsi': ['action', 'alua', 'statistics'],
    'fabric_iscsi': [],
    'fabric_loopback': ['discovery_auth'],
    'fabric_generic': ['discovery_auth'],
    'wwn_loopback': ['fabric_statistics'],
    'wwn_generic': ['fabric_statistics'],
    'tpg_iscsi': ['acls', 'lun', 'np'],
    'tpg_loopback': ['acls', 'attrib', 'auth', 'lun', 'np', 'param'],
    'tpg_generic': ['acls', 'attrib', 'auth', 'lun', 'np', 'param'],
    'acl_generic': ['attrib', 'auth', 'param', 'fabric_statistics'],
    'lun': ['statistics'],
    'mapped_lun': ['statistics'],
}

# values the recorded stage had set that a fresh object does not have yet
# (TCMU was recorded after its control write)
# pSCSI passes ALUA and PR through (TRANSPORT_FLAG_PASSTHROUGH_*): both read 0
FRESH = {'device_user': {'attrib/dev_config': '\n', 'attrib/dev_size': '0\n'},
         'device_pscsi': {'attrib/alua_support': '0\n', 'attrib/pgr_support': '0\n',
                          # PR passthrough (SPC_PASSTHROUGH), no LU type until enabled
                          # (seen in the VM agent's real-kernel recording)
                          'pr/res_aptpl_active': '', 'pr/res_aptpl_metadata': '',
                          'pr/res_holder': 'Passthrough\n', 'pr/res_type': 'SPC_PASSTHROUGH\n',
                          'statistics/scsi_lu/dev_type': '127\n'}}

# pSCSI was not recorded: in the kernel it has only the passthrough attrib set
# (target_core_configfs.c passthrough_attrib_attrs); the rest is as fileio's.
PSCSI_ATTRIB = {'alua_support', 'pgr_support', 'hw_block_size', 'hw_max_sectors',
                'hw_pi_prot_type', 'hw_queue_depth', 'emulate_pr'}


def unescape(v):
    out, i = [], 0
    while i < len(v):
        if v[i] == '\\' and i + 1 < len(v):
            out.append({'n': '\n', 't': '\t', '0': '\0', '\\': '\\'}.get(v[i + 1], v[i + 1]))
            i += 2
        else:
            out.append(v[i])
            i += 1
    return ''.join(out)


def load_probes(ref):
    rows = {}
    with open(os.path.join(ref, 'kernel-6.1-probes', 'attributes.tsv')) as f:
        lines = [ln.rstrip('\n') for ln in f if not ln.startswith('#')]
    for ln in lines[1:]:
        kind, group, name, mode, value = ln.split('\t')
        if mode == 'link':
            continue
        rel = name if group == '.' else group + '/' + name
        if value.startswith('<read error') or value == '<write-only>':
            value = ''
        rows.setdefault(kind, []).append([rel, mode, unescape(value)])
    return rows


def load_root(ref):
    files = []
    with open(os.path.join(ref, 'kernel-6.1', 'tree-0-empty.txt')) as f:
        for ln in f:
            ln = ln.rstrip('\n')
            if ln.endswith('/'):
                continue
            path, mode, value = (ln.split(' ', 2) + [''])[:3]
            rel = path.split('/sys/kernel/config/target/', 1)[1]
            files.append([rel, mode, unescape(value)])
    return files


def dirs_of(files, extra):
    dirs = set(extra)
    for rel, _, _ in files:
        parts = rel.split('/')[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add('/'.join(parts[:i]))
    return sorted(dirs)


# fabric templates from tests/data/reference/kernel-6.1-fabrics (issue 16): configfs dir ->
# (recording name, target dir name, acl dir name or None, kinds recorded)
FABRICS = {
    'vhost': ('vhost', 'naa.5001405aaaaaaaa1', 'naa.5001405ccccccccc1'),
    'fc': ('tcm_fc', '20:00:00:11:22:33:44:55', '21:00:00:11:22:33:44:66'),
    'sbp': ('sbp', '0011223344556677', '0011223344556688'),
    'srpt': ('srpt', '0xfe80000000000000001600fffe000001', '0x00000000000000000011223344556677'),
    'qla2xxx': ('qla2xxx', None, None),
}
RELEASE = '6.1.0-57-amd64'    # the recording's kernel, rendered as the host's


def load_tree(path, prefix, skip=()):
    """Files (rel, mode, value) and dirs under prefix/ in a recorded tree file."""
    files, dirs = [], []
    with open(path) as f:
        for ln in f:
            ln = ln.rstrip('\n')
            if not ln.startswith(prefix + '/') or ' -> ' in ln:
                continue
            rest = ln[len(prefix) + 1:]
            if any(rest == s or rest.startswith(s + '/') for s in skip) or not rest:
                continue
            if rest.endswith('/'):
                dirs.append(rest[:-1])
                continue
            rel, mode, value = (rest.split(' ', 2) + [''])[:3]
            if value.startswith('<read error') or value == '<write-only>':
                value = ''
            files.append([rel, mode, unescape(value).replace(RELEASE, '{release}')])
    return sorted(files), sorted(dirs)


def fabric_templates(fabref):
    out = {}
    for cdir, (rec, wwn, acl) in FABRICS.items():
        stage = lambda name: os.path.join(fabref, f'{rec}-{name}.txt')  # noqa: E731
        if not os.path.exists(stage('fabric')):
            continue
        out['fabric_' + cdir] = load_tree(stage('fabric'), '/' + cdir,
                                          skip=[wwn] if wwn else [])
        if wwn is None:
            continue
        wwn_stage = stage('wwn') if os.path.exists(stage('wwn')) else stage('wwn-gid')
        out['wwn_' + cdir] = load_tree(wwn_stage, f'/{cdir}/{wwn}', skip=['tpgt_1'])
        out['tpg_' + cdir] = load_tree(stage('tpg'), f'/{cdir}/{wwn}/tpgt_1')
        out['acl_' + cdir] = load_tree(stage('acl'), f'/{cdir}/{wwn}/tpgt_1/acls/{acl}')
    out['fabric_qla2xxx_npiv'] = load_tree(os.path.join(fabref, 'qla2xxx-npiv.txt'),
                                           '/qla2xxx_npiv')
    return out


def main(ref):
    probes = load_probes(ref)
    files = {k: sorted(probes[src]) for k, src in SOURCES.items()}
    files['root'] = sorted(load_root(ref))
    files['device_pscsi'] = [list(r) for r in files['device']
                             if not r[0].startswith('attrib/') or r[0][7:] in PSCSI_ATTRIB]
    files['tg_pt_gp'] = [[r[0][len('alua/default_tg_pt_gp/'):], r[1], r[2]]
                         for r in files['device'] if r[0].startswith('alua/default_tg_pt_gp/')]
    files['lu_gp'] = [[r[0].split('/')[-1], r[1], r[2]] for r in files['root']
                      if '/default_lu_gp/' in r[0]]
    files['fabric_generic'] = []
    files['wwn_generic'] = [r for r in files['wwn_loopback']]
    files['tpg_generic'] = [r for r in files['tpg_loopback']
                            if r[0] not in ('address', 'nexus', 'transport_status')] + \
        [['enable', '644', '0\n']]
    files['acl_generic'] = [['tag', '644', '']]
    for kind, values in FRESH.items():
        files[kind] = [[rel, mode, values.get(rel, value)] for rel, mode, value in files[kind]]
    out = {k: {'dirs': dirs_of(v, EXTRA_DIRS.get(k, [])), 'files': v}
           for k, v in sorted(files.items())}
    fabref = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'tests',
                          'data', 'reference', 'kernel-6.1-fabrics')
    for kind, (tfiles, tdirs) in fabric_templates(fabref).items():
        out[kind] = {'dirs': sorted(set(tdirs) | set(dirs_of(tfiles, []))), 'files': tfiles}
    out = dict(sorted(out.items()))
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else '/work/shared/reference')
