"""The simulated machine (DIR/sim-host.json): modules, addresses, devices.

Defaults describe the VM the reference recordings were made on (only `lo`,
no RDMA, iscsi_target_mod and tcm_loop loadable, one loop device) plus a few
disks so that rtslib has something to export.  Tests edit the JSON file (or
pass overrides to SimConfigFS.configure_host) to describe another machine.
"""
import copy
import json
import os


def _disk(size, major, minor, name, ssd):
    """A block device's description; an SSD discards (UNMAP), a disk does not."""
    return {'size': size, 'major': major, 'minor': minor, 'name': name,
            'hw_max_sectors': 2560, 'nonrot': int(ssd), 'discard': ssd,
            'max_unmap_lba_count': 8388607 if ssd else 0,
            'unmap_granularity': 8 if ssd else 0,
            'max_write_same_len': 8388607 if ssd else 65535, 'hw_block_size': 512}


DEFAULT_HOST = {
    # fabric dir name -> kernel module; only these can be made by mkdir
    'fabric_modules': {'iscsi': 'iscsi_target_mod', 'loopback': 'tcm_loop'},
    # fabric dirs whose modules exist on disk but are not loaded by mkdir
    # (mkdir of their dir is EINVAL like an unknown name; listed for the reader)
    'absent_fabrics': ['srpt', 'qla2xxx', 'vhost', 'fc', 'sbp', 'xen-pvscsi',
                       'usb_gadget', 'efct'],
    'backstore_plugins': ['fileio', 'iblock', 'pscsi', 'rd_mcp', 'user'],
    'kernel_release': '6.1.0-56-amd64',
    # dbroot reads /etc/target when that directory exists at boot, else /var/target
    'etc_target_exists': True,
    'cpus': 2,
    'ip_addresses': ['127.0.0.1', '::1'],
    'rdma_addresses': [],          # local addresses with an RDMA device (iSER)
    # RDMA devices: {name: {node_guid, ports: {n: {state, link_layer, gid, netdev}}}}
    # (srpt takes each port's GUID and GID as target names)
    'rdma_devices': {},
    'netdev_addresses': {},        # {netdev: [address]} (ip_addresses lists them too)
    'kernel_modules': [],          # other loaded modules (ib_isert, rdma_rxe...)
    # logged-in initiators: [{target, tpgt, initiator, alias, sid, address,
    # transport}], names as their configfs directories; an iSCSI ACL made for one
    # shows the session in its info file, a mapped LUN made for one (any fabric)
    # in its scsi_att_intr_port statistics
    'sessions': [],
    'cxgbit_addresses': [],        # local addresses on Chelsio offload hardware
    'first_scsi_host': 6,          # host number tcm_loop's first SCSI host gets
    # directories that exist (fileio creates missing files only inside these)
    'dirs': ['/', '/tmp', '/var', '/var/tmp', '/var/lib', '/var/lib/target', '/srv',
             '/home', '/root', '/mnt', '/mnt/w', '/images'],
    'files': {'/mnt/w/file1': 67108864},
    # block devices: size in bytes, major/minor, kernel name, queue limits
    'block_devices': {
        '/dev/loop0': _disk(67108864, 7, 0, 'loop0', ssd=True),
        '/dev/sdb': _disk(1073741824, 8, 16, 'sdb', ssd=False),
        '/dev/sdc': _disk(2147483648, 8, 32, 'sdc', ssd=True),
        '/dev/vg0/lv1': _disk(536870912, 253, 0, 'dm-0', ssd=False),
    },
    # devices some other user holds open exclusively (mounted, in a VG...)
    'claimed_devices': [],
    # SCSI devices pscsi can pass through, by H:C:T:L
    'scsi_devices': {
        '2:0:0:0': {'dev': '/dev/sdb', 'type': 0, 'vendor': 'ATA',
                    'model': 'QEMU HARDDISK', 'rev': '2.5+'},
        '3:0:0:0': {'dev': '/dev/sdc', 'type': 0, 'vendor': 'ATA',
                    'model': 'QEMU HARDDISK', 'rev': '2.5+'},
    },
}


def load_host(path):
    """The host description; written with the defaults when missing."""
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        data = copy.deepcopy(DEFAULT_HOST)
        write_host(path, data)
        return data
    merged = copy.deepcopy(DEFAULT_HOST)
    merged.update(data)
    return merged


def write_host(path, data):
    tmp = f'{path}.tmp.{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write('\n')
    os.replace(tmp, path)


def is_local(host, addr):
    return addr in ('0.0.0.0', '::') or addr in host['ip_addresses'] or any(
        addr in addrs for addrs in host['netdev_addresses'].values())


def rdma_served(host):
    """Addresses an RDMA device serves: rdma_addresses, and those of the netdevs
    of rdma_devices' ports (netdev_addresses)."""
    netdevs = {p.get('netdev') for d in host['rdma_devices'].values()
               for p in d.get('ports', {}).values()}
    return set(host['rdma_addresses']) | {a for n in netdevs
                                          for a in host['netdev_addresses'].get(n, [])}


def is_loopback(addr):
    return addr == '::1' or addr.startswith('127.')


def dir_exists(host, path):
    path = path.rstrip('/') or '/'
    if path in host['dirs']:
        return True
    return any(f.startswith(path + '/') for f in host['files'])
