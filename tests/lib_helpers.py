"""Helpers for the rtslib tests: a call-counting backend wrapper and a tiny fake kernel.

The fake kernel (a RealConfigFS on a plain directory that makes the few
kernel-made files rtslib reads) lets library tests run without the
simulated kernel; tests of kernel behaviour use the simulator (LIO_SIMULATE).
"""
import collections
import os
import re
import shutil

from rtslib.configfs import RealConfigFS

OPS = ('exists', 'isdir', 'islink', 'listdir', 'mkdir', 'rmdir', 'read', 'write',
       'symlink', 'readlink', 'unlink', 'first_dir', 'writable')


class CountingFS:
    """Wraps a backend and counts calls per operation (and paths touched)."""

    def __init__(self, fs):
        self._fs = fs
        self.calls = collections.Counter()
        self.paths = []

    def __getattr__(self, name):
        attr = getattr(self._fs, name)
        if name not in OPS:
            return attr

        if name == 'first_dir':       # one probe per path it gets to
            return lambda paths: attr(self._probes(paths))

        def counted(*args):
            self.calls[name] += 1
            self.paths.append((name, args[0] if args else ''))
            return attr(*args)
        return counted

    def _probes(self, paths):
        for path in paths:
            self.calls['first_dir'] += 1
            self.paths.append(('first_dir', path))
            yield path

    def reset(self):
        self.calls.clear()
        self.paths.clear()

    @property
    def total(self):
        return sum(self.calls.values())


# kernel-made children per object kind: (regex on the new dir, files, subdirs)
_MADE = [
    (r'^core/[a-z_]+_\d+$', {'hba_info': 'HBA Index: 1 plugin: x version: v5.0\n'}, []),
    (r'^core/[a-z_]+_\d+/[^/]+$', {
        'control': '', 'enable': '0\n', 'udev_path': '', 'alias': '',
        'info': 'Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 0  HwMaxSectors: 0\n',
        'attrib/block_size': '512\n', 'attrib/emulate_write_cache': '0\n',
        'attrib/emulate_tpu': '0\n', 'attrib/hw_block_size': '512\n',
        'wwn/vpd_unit_serial': 'T10 VPD Unit Serial Number: \n',
        'alua/default_tg_pt_gp/tg_pt_gp_id': '0\n',
        'alua/default_tg_pt_gp/alua_access_type': 'Implicit and Explicit\n',
        'alua/default_tg_pt_gp/alua_access_status': 'None\n',
        'alua/default_tg_pt_gp/alua_access_state': '0\n',
        **{f'alua/default_tg_pt_gp/{n}': '0\n' for n in (
            'alua_write_metadata', 'preferred', 'nonop_delay_msecs', 'trans_delay_msecs',
            'implicit_trans_secs', 'alua_support_offline', 'alua_support_standby',
            'alua_support_transitioning', 'alua_support_active_nonoptimized',
            'alua_support_unavailable', 'alua_support_active_optimized',
            'alua_support_lba_dependent')}}, []),
    (r'^iscsi$', {'lio_version': 'x\n', 'discovery_auth/enforce_discovery_auth': '0\n',
                  'discovery_auth/userid': '\n', 'discovery_auth/password': '\n',
                  'discovery_auth/userid_mutual': '\n', 'discovery_auth/password_mutual': '\n',
                  'discovery_auth/authenticate_target': '0\n'}, []),
    (r'^iscsi/[^/]+$', {'param/cmd_completion_affinity': '-1\n'}, []),
    (r'^iscsi/[^/]+/tpgt_\d+$', {
        'enable': '0\n', 'attrib/authentication': '1\n', 'attrib/generate_node_acls': '0\n',
        'param/TargetAlias': 'LIO Target\n', 'auth/userid': '\n', 'auth/password': '\n',
        'auth/userid_mutual': '\n', 'auth/password_mutual': '\n',
        'auth/authenticate_target': '0\n'}, ['lun', 'np', 'acls']),
    (r'^loopback/[^/]+/tpgt_\d+$', {'attrib/fabric_prot_type': '0\n'}, ['lun']),
    (r'/lun/lun_\d+$', {'alua_tg_pt_gp': 'TG Port Alias: default_tg_pt_gp\n'}, []),
    (r'/np/[^/]+$', {'iser': '0\n', 'cxgbit': '0\n'}, []),
    (r'/acls/[^/]+$', {'cmdsn_depth': '64\n', 'tag': '', 'info': 'No active iSCSI Session\n',
                       'attrib/nopin_timeout': '15\n', 'param/MaxConnections': '1\n',
                       'auth/userid': '\n', 'auth/password': '\n', 'auth/userid_mutual': '\n',
                       'auth/password_mutual': '\n', 'auth/authenticate_target': '0\n'}, []),
    (r'/acls/[^/]+/lun_\d+$', {'write_protect': '0\n'}, []),
]


class FakeKernelFS(RealConfigFS):
    """A plain directory that makes the kernel's files on mkdir (no kernel rules)."""

    simulated = True

    def __init__(self, root):
        os.makedirs(os.path.join(root, 'core'), exist_ok=True)
        super().__init__(root)
        self._host = {'hostname': 'fakehost', 'block_devices': {'/dev/sdb': {'size': 1 << 30}},
                      'files': {}, 'scsi_devices': {}}

    def host(self):
        return self._host

    def mkdir(self, path):
        super().mkdir(path)
        for pattern, files, dirs in _MADE:
            if re.search(pattern, path):
                for name, value in files.items():
                    full = self.abspath(f'{path}/{name}')
                    os.makedirs(os.path.dirname(full), exist_ok=True)
                    with open(full, 'w') as f:
                        f.write(value)
                for name in dirs:
                    os.makedirs(self.abspath(f'{path}/{name}'), exist_ok=True)

    def write(self, path, value):
        if path.endswith('/control'):
            info = self.abspath(path[:-len('control')] + 'info')
            with open(info, 'a') as f:
                f.write(' ' + ' '.join(
                    f'{k}: {v}' for k, v in (kv.split('=', 1) for kv in value.split(','))))
            return
        if path.endswith('/wwn/vpd_unit_serial'):
            value = 'T10 VPD Unit Serial Number: ' + value
        with open(self.abspath(path), 'w') as f:
            f.write(value)

    def rmdir(self, path):
        """Kernel-made files go with their dir; user links and child objects must go first."""
        full = self.abspath(path)
        for entry in os.listdir(full):
            child = os.path.join(full, entry)
            if os.path.islink(child) or (os.path.isdir(child) and _has_user_dirs(child)):
                raise OSError(39, 'Directory not empty', full)
        shutil.rmtree(full)


def _has_user_dirs(path):
    """True if a kernel-made subdir (lun/, np/, acls/...) holds objects."""
    return any(os.path.isdir(os.path.join(path, e)) and
               os.path.basename(path) in ('lun', 'np', 'acls', 'alua_x')
               for e in os.listdir(path))


def sim_fs(simdir, **host):
    """The simulated kernel under simdir (LIO_SIMULATE is set by the simdir fixture),
    with host overrides (sim-host.json) applied."""
    from rtslib import configfs
    fs = configfs.default_fs()
    if host:
        fs.configure_host(**host)
    return fs
