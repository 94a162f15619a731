#!/usr/bin/env python3
"""The raw floor of the benchmark: the configfs operations a command cannot avoid.

Each mode does only the mkdir/write/symlink (restore, create), the reads
(ls, saveconfig, one node) or the unlink/rmdir (clearconfig, delete) that the
matching targetcli command must do, with no object library: on a real kernel
plain syscalls (nothing from this project is imported), on the simulator the
simulated kernel's own backend (there it *is* the kernel).  bench.py runs it
as a separate process, exactly like the tools it is compared with.

    bench_floor.py [--simulate DIR] MODE [ARGS]
      replay read|change TRACE [OUT]   the same reads or changes our tool made
                            (recorded by bench_trace.py), without its existence checks
      ls | save OUT | clear | restore FILE | node PATH | create TPG SO_DIR
      | delete TPG | set TPG      an independent minimal version of each command
"""
import json
import os
import sys

REAL_ROOT = '/sys/kernel/config/target'
HBA_PREFIX = {'ramdisk': 'rd_mcp', 'fileio': 'fileio', 'block': 'iblock',
              'pscsi': 'pscsi', 'user': 'user'}
PLUGIN_OF = {v: k for k, v in HBA_PREFIX.items()}
# saveconfig names of auth files (rtslib-fb schema) -> configfs file names
AUTH_FILES = {'chap_userid': 'userid', 'chap_password': 'password',
              'chap_mutual_userid': 'userid_mutual', 'chap_mutual_password': 'password_mutual'}
DISCOVERY_FILES = {'discovery_userid': 'userid', 'discovery_password': 'password',
                   'discovery_mutual_userid': 'userid_mutual',
                   'discovery_mutual_password': 'password_mutual'}
NOT_FABRICS = ('core',)


class RawFS:
    """Bare syscalls on a configfs mount (no project code, no checks)."""

    def __init__(self, root=REAL_ROOT):
        self.root = root

    def listdir(self, path):
        return sorted(os.listdir(self.root + '/' + path))

    def read(self, path):
        with open(self.root + '/' + path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def write(self, path, value):
        fd = os.open(self.root + '/' + path, os.O_WRONLY)
        try:
            os.write(fd, value.encode())
        finally:
            os.close(fd)

    def mkdir(self, path):
        os.mkdir(self.root + '/' + path)

    def rmdir(self, path):
        os.rmdir(self.root + '/' + path)

    def symlink(self, target, link):
        os.symlink(self.root + '/' + target, self.root + '/' + link)

    def readlink(self, path):
        return os.readlink(self.root + '/' + path)

    def unlink(self, path):
        os.unlink(self.root + '/' + path)

    def isdir(self, path):
        return os.path.isdir(self.root + '/' + path)

    def exists(self, path):
        return os.path.lexists(self.root + '/' + path)

    def islink(self, path):
        return os.path.islink(self.root + '/' + path)


def open_fs(simulate):
    if not simulate:
        return RawFS()
    from rtslib.configfs import open_configfs   # the simulated kernel, nothing above it
    return open_configfs(simulate=simulate)


def try_read(fs, path):
    try:
        return fs.read(path).rstrip('\n')
    except OSError:
        return None


def link_in(fs, path):
    """(name, target) of the one symlink in a LUN or mapped-LUN dir, or (None, None)."""
    for name in fs.listdir(path):
        if fs.islink(path + '/' + name):
            return name, fs.readlink(path + '/' + name)
    return None, None


def read_group(fs, path):
    """{file: value} for every readable file of an attribute group (attrib/, param/, auth/)."""
    out = {}
    for name in fs.listdir(path):
        val = try_read(fs, path + '/' + name)
        if val is not None:
            out[name] = val
    return out


def fabrics(fs):
    return [d for d in fs.listdir('') if d not in NOT_FABRICS and fs.isdir(d)]


def storage_dirs(fs):
    """[(hba, name)] of every storage object."""
    out = []
    for hba in fs.listdir('core'):
        if hba.rsplit('_', 1)[0] in PLUGIN_OF:
            out += [(hba, so) for so in fs.listdir('core/' + hba) if fs.isdir(f'core/{hba}/{so}')]
    return out


def tpgs(fs):
    """[(fabric, wwn, tpgt_dir)] of every TPG."""
    out = []
    for fab in fabrics(fs):
        for wwn in fs.listdir(fab):
            if fs.isdir(f'{fab}/{wwn}') and wwn not in ('discovery_auth',):
                out += [(fab, wwn, t) for t in fs.listdir(f'{fab}/{wwn}') if t.startswith('tpgt_')]
    return out


# ---- reads: ls ----------------------------------------------------------------

def ls_tpg(fs, path, lines):
    """The reads behind one TPG's subtree in `ls`: its status, LUNs, ACLs, portals."""
    lines.append(f"{path} [{try_read(fs, path + '/enable')} "
                 f"{try_read(fs, path + '/attrib/generate_node_acls')} "
                 f"{try_read(fs, path + '/attrib/authentication')}]")
    for lun in fs.listdir(path + '/lun'):
        _, dest = link_in(fs, f'{path}/lun/{lun}')
        lines.append(f"  {lun} [{dest} {try_read(fs, f'{path}/lun/{lun}/alua_tg_pt_gp')}]")
    for acl in fs.listdir(path + '/acls'):
        mluns = [m for m in fs.listdir(f'{path}/acls/{acl}') if m.startswith('lun_')]
        lines.append(f'  {acl} [Mapped LUNs: {len(mluns)}]')
        for m in mluns:
            mp = f'{path}/acls/{acl}/{m}'
            _, dest = link_in(fs, mp)
            lines.append(f"    {m} [{dest} {try_read(fs, mp + '/write_protect')}]")
    for np in fs.listdir(path + '/np'):
        lines.append(f"  {np} [{try_read(fs, f'{path}/np/{np}/iser')}]")


def do_ls(fs):
    lines = []
    for hba, so in storage_dirs(fs):
        p = f'core/{hba}/{so}'
        lines.append(f"{so} [{try_read(fs, p + '/info')} {try_read(fs, p + '/udev_path')}]")
        for gp in fs.listdir(p + '/alua'):
            lines.append(f"  {gp} [{try_read(fs, f'{p}/alua/{gp}/alua_access_state')}]")
    for fab in fabrics(fs):
        if fs.isdir(fab + '/discovery_auth'):
            lines.append(f"{fab} [{try_read(fs, fab + '/discovery_auth/enforce_discovery_auth')}]")
    for fab, wwn, tpg in tpgs(fs):
        ls_tpg(fs, f'{fab}/{wwn}/{tpg}', lines)
    print('\n'.join(lines))


def do_node(fs, path):
    lines = []
    ls_tpg(fs, path, lines)
    print('\n'.join(lines))


# ---- reads: saveconfig ----------------------------------------------------------

def dump_so(fs, hba, name):
    p = f'core/{hba}/{name}'
    alua = []
    for gp in fs.listdir(p + '/alua'):
        alua.append(dict(read_group(fs, f'{p}/alua/{gp}'), name=gp))
    return {'name': name, 'plugin': PLUGIN_OF[hba.rsplit('_', 1)[0]], 'info': try_read(fs, p + '/info'),
            'udev_path': try_read(fs, p + '/udev_path'),
            'wwn': try_read(fs, p + '/wwn/vpd_unit_serial'),
            'attributes': read_group(fs, p + '/attrib'), 'alua_tpgs': alua}


def dump_acl(fs, path, name):
    p = path + '/acls/' + name
    mluns = []
    for m in fs.listdir(p):
        if m.startswith('lun_'):
            alias, dest = link_in(fs, p + '/' + m)
            mluns.append({'index': m, 'alias': alias, 'tpg_lun': dest,
                          'write_protect': try_read(fs, p + '/' + m + '/write_protect')})
    return {'node_wwn': name, 'attributes': read_group(fs, p + '/attrib'),
            'auth': read_group(fs, p + '/auth'), 'tag': try_read(fs, p + '/tag'),
            'mapped_luns': mluns}


def dump_tpg(fs, path):
    luns = []
    for lun in fs.listdir(path + '/lun'):
        alias, dest = link_in(fs, path + '/lun/' + lun)
        luns.append({'index': lun, 'alias': alias, 'storage_object': dest,
                     'alua': try_read(fs, path + '/lun/' + lun + '/alua_tg_pt_gp')})
    portals = [{'portal': np, 'iser': try_read(fs, path + '/np/' + np + '/iser')}
               for np in fs.listdir(path + '/np')]
    return {'tag': path, 'enable': try_read(fs, path + '/enable'),
            'attributes': read_group(fs, path + '/attrib'),
            'parameters': read_group(fs, path + '/param'),
            'auth': read_group(fs, path + '/auth'), 'luns': luns, 'portals': portals,
            'node_acls': [dump_acl(fs, path, a) for a in fs.listdir(path + '/acls')]}


def do_save(fs, out):
    doc = {'storage_objects': [dump_so(fs, h, n) for h, n in storage_dirs(fs)],
           'fabric_modules': [], 'targets': []}
    for fab in fabrics(fs):
        if fs.isdir(fab + '/discovery_auth'):
            doc['fabric_modules'].append(dict(read_group(fs, fab + '/discovery_auth'), name=fab))
    for fab, wwn, tpg in tpgs(fs):
        target = {'fabric': fab, 'wwn': wwn,
                  'parameters': (read_group(fs, f'{fab}/{wwn}/param')
                                 if fs.isdir(f'{fab}/{wwn}/param') else {})}
        target['tpgs'] = [dump_tpg(fs, f'{fab}/{wwn}/{tpg}')]
        doc['targets'].append(target)
    with open(out, 'w') as f:
        json.dump(doc, f, indent=2, sort_keys=True)


# ---- writes: restore, create, set -----------------------------------------------

def ignore(op, *args):
    """rtslib-fb's restore also writes read-only/refused attributes and ignores the error."""
    try:
        op(*args)
    except OSError:
        pass


def write_group(fs, path, values, names=None):
    for key, val in values.items():
        name = (names or {}).get(key, key)
        if isinstance(val, bool):
            val = int(val)
        ignore(fs.write, f'{path}/{name}', str(val))


def restore_so(fs, so, index):
    hba = f"{HBA_PREFIX[so['plugin']]}_{index}"
    p = f"core/{hba}/{so['name']}"
    fs.mkdir('core/' + hba)
    fs.mkdir(p)
    if so['plugin'] == 'ramdisk':
        ctl = f"rd_pages={max(1, so.get('size', 4096) // 4096)}"
        fs.write(p + '/control', ctl + (',rd_nullio=1' if so.get('nullio') else ''))
    elif so['plugin'] == 'fileio':
        fs.write(p + '/control', f"fd_dev_name={so['dev']},fd_dev_size={so['size']}"
                 + (',fd_buffered_io=1' if so.get('write_back') else ''))
        fs.write(p + '/udev_path', so['dev'])
    elif so['plugin'] == 'block':
        fs.write(p + '/control', f"udev_path={so['dev']}")
        fs.write(p + '/udev_path', so['dev'])
    fs.write(p + '/enable', '1')
    if so.get('wwn'):
        ignore(fs.write, p + '/wwn/vpd_unit_serial', so['wwn'])
    write_group(fs, p + '/attrib', so.get('attributes', {}))
    for gp in so.get('alua_tpgs', []):
        gpath = f"{p}/alua/{gp['name']}"
        if gp['name'] != 'default_tg_pt_gp':
            fs.mkdir(gpath)
            fs.write(gpath + '/tg_pt_gp_id', str(gp['tg_pt_gp_id']))
        write_group(fs, gpath, {k: v for k, v in gp.items() if k not in ('name', 'tg_pt_gp_id')})
    return f"/backstores/{so['plugin']}/{so['name']}", p


def restore_tpg(fs, tpath, tpg, so_dirs):
    path = f"{tpath}/tpgt_{tpg['tag']}"
    fs.mkdir(path)
    write_group(fs, path + '/attrib', tpg.get('attributes', {}))
    write_group(fs, path + '/param', tpg.get('parameters', {}))
    write_group(fs, path + '/auth', {k: v for k, v in tpg.items() if k in AUTH_FILES}, AUTH_FILES)
    for lun in tpg.get('luns', []):
        lp = f"{path}/lun/lun_{lun['index']}"
        fs.mkdir(lp)
        fs.symlink(so_dirs[lun['storage_object']], f"{lp}/{lun['alias']}")
    for portal in tpg.get('portals', []):
        ip = portal['ip_address']
        np = f"{path}/np/{f'[{ip}]' if ':' in ip else ip}:{portal['port']}"
        fs.mkdir(np)
        if portal.get('iser'):
            fs.write(np + '/iser', '1')
    for acl in tpg.get('node_acls', []):
        ap = f"{path}/acls/{acl['node_wwn']}"
        fs.mkdir(ap)
        write_group(fs, ap + '/attrib', acl.get('attributes', {}))
        write_group(fs, ap + '/auth', {k: v for k, v in acl.items() if k in AUTH_FILES}, AUTH_FILES)
        for m in acl.get('mapped_luns', []):
            mp = f"{ap}/lun_{m['index']}"
            fs.mkdir(mp)
            fs.symlink(f"{path}/lun/lun_{m['tpg_lun']}", f"{mp}/{m['alias']}")
            fs.write(mp + '/write_protect', '1' if m.get('write_protect') else '0')
    if tpg.get('enable'):
        fs.write(path + '/enable', '1')


def do_restore(fs, filename):
    with open(filename) as f:
        doc = json.load(f)
    so_dirs = {}
    for i, so in enumerate(doc.get('storage_objects', [])):
        key, path = restore_so(fs, so, i)
        so_dirs[key] = path
    made = set(fs.listdir(''))
    for fm in doc.get('fabric_modules', []):
        if fm['name'] not in made:
            fs.mkdir(fm['name'])
            made.add(fm['name'])
        write_group(fs, fm['name'] + '/discovery_auth',
                    {k: v for k, v in fm.items() if k in DISCOVERY_FILES}, DISCOVERY_FILES)
        if 'discovery_enable_auth' in fm:
            fs.write(fm['name'] + '/discovery_auth/enforce_discovery_auth',
                     '1' if fm['discovery_enable_auth'] else '0')
    for t in doc.get('targets', []):
        if t['fabric'] not in made:
            fs.mkdir(t['fabric'])
            made.add(t['fabric'])
        tpath = f"{t['fabric']}/{t['wwn']}"
        fs.mkdir(tpath)
        write_group(fs, tpath + '/param', t.get('parameters', {}))
        for tpg in t.get('tpgs', []):
            restore_tpg(fs, tpath, tpg, so_dirs)


def do_create(fs, tpg, so_dir):
    fs.mkdir(tpg + '/lun/lun_0')
    fs.symlink(so_dir, tpg + '/lun/lun_0/floorlnk0')


def do_delete(fs, tpg):
    name, _ = link_in(fs, tpg + '/lun/lun_0')
    fs.unlink(f'{tpg}/lun/lun_0/{name}')
    fs.rmdir(tpg + '/lun/lun_0')


def do_set(fs, tpg):
    fs.write(tpg + '/attrib/authentication', '0')


# ---- removes: clearconfig ---------------------------------------------------------

def clear_tpg(fs, path):
    for acl in fs.listdir(path + '/acls'):
        ap = path + '/acls/' + acl
        for m in fs.listdir(ap):
            if m.startswith('lun_'):
                name, _ = link_in(fs, ap + '/' + m)
                if name:
                    fs.unlink(f'{ap}/{m}/{name}')
                fs.rmdir(ap + '/' + m)
        fs.rmdir(ap)
    for lun in fs.listdir(path + '/lun'):
        name, _ = link_in(fs, path + '/lun/' + lun)
        if name:
            fs.unlink(f'{path}/lun/{lun}/{name}')
        fs.rmdir(path + '/lun/' + lun)
    for np in fs.listdir(path + '/np'):
        fs.rmdir(path + '/np/' + np)
    fs.rmdir(path)


def do_clear(fs):
    for fab, wwn, tpg in tpgs(fs):
        clear_tpg(fs, f'{fab}/{wwn}/{tpg}')
    for fab in fabrics(fs):
        for wwn in fs.listdir(fab):
            if fs.isdir(f'{fab}/{wwn}') and wwn != 'discovery_auth':
                fs.rmdir(f'{fab}/{wwn}')
    for hba, so in storage_dirs(fs):
        for gp in fs.listdir(f'core/{hba}/{so}/alua'):
            if gp != 'default_tg_pt_gp':
                fs.rmdir(f'core/{hba}/{so}/alua/{gp}')
        fs.rmdir(f'core/{hba}/{so}')
    for hba in fs.listdir('core'):
        if hba.rsplit('_', 1)[0] in PLUGIN_OF:
            fs.rmdir('core/' + hba)


# ---- replay: exactly the configfs calls our tool made (bench_trace.py) ----------------

# A raw script knows the layout: it makes no existence checks (isdir/islink/exists), only
# the content reads of a read command or the changes of a changing command.
KEEP = {'read': ('read', 'listdir', 'readlink'),
        'change': ('mkdir', 'write', 'symlink', 'rmdir', 'unlink')}


def do_replay(fs, kind, trace_file, out=None):
    """Make the same reads (kind 'read') or changes (kind 'change') in the same order."""
    with open(trace_file) as f:
        trace = json.load(f)
    keep = KEEP[kind]
    got = []
    for name, args, _ in trace:
        if name not in keep:
            continue
        try:
            result = getattr(fs, name)(*args)
        except OSError:
            continue
        if name in ('read', 'listdir', 'readlink'):
            got.append(result)
    if out:
        with open(out, 'w') as f:
            json.dump(got, f)
    else:
        sys.stdout.write(''.join(v if isinstance(v, str) else ' '.join(v) for v in got))


MODES = {'replay': do_replay, 'ls': do_ls, 'save': do_save, 'clear': do_clear, 'restore': do_restore,
         'node': do_node, 'create': do_create, 'delete': do_delete, 'set': do_set}


def main(argv):
    simulate = None
    if argv[:1] == ['--simulate']:
        simulate, argv = argv[1], argv[2:]
    if not argv or argv[0] not in MODES:
        print(f"usage: bench_floor.py [--simulate DIR] {'|'.join(MODES)} [ARGS]", file=sys.stderr)
        return 2
    try:
        MODES[argv[0]](open_fs(simulate), *argv[1:])
    except OSError as e:
        print(f'bench_floor {argv[0]}: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
