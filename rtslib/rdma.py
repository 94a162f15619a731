"""RDMA readiness for iSER and SRP: the host's RDMA ports, their netdevs and
addresses, the kernel modules iSER and SRP need, and why an iSER portal
would fail before the kernel is asked (issue 16 item 4).

Nothing here loads a module or changes the host.  A real host is read from
/sys/class/infiniband, /sys/module and `ip -o addr`; a simulated one from
DIR/sim-host.json ('rdma_devices', 'netdev_addresses', 'ip_addresses',
'rdma_addresses', 'kernel_modules').
"""
import ipaddress
import os
import subprocess

from rtslib import devices

MODULES = ('ib_isert', 'ib_srpt', 'rdma_rxe')
SOFT_ROCE = 'rdma link add rxe0 type rxe netdev {netdev}'
WILDCARDS = ('0.0.0.0', '::')
# what a port's description holds -> its file under the port's sysfs dir
PORT_FILES = {'state': 'state', 'link_layer': 'link_layer', 'gid': 'gids/0',
              'netdev': 'gid_attrs/ndevs/0'}


class Port:
    """One RDMA port: device, port number, state, link layer, netdev, GID, addresses."""

    def __init__(self, device, port, info, addresses):
        self.device, self.port = device, port
        self.state = (info.get('state') or '').split(':')[-1].strip() or 'UNKNOWN'
        self.link_layer = info.get('link_layer') or 'unknown'
        self.netdev = info.get('netdev') or None
        self.gid = info.get('gid') or ''
        self.addresses = list(addresses)

    def line(self):
        kind = 'RoCE' if self.link_layer == 'Ethernet' else self.link_layer
        addrs = ', '.join(self.addresses) or 'no addresses'
        return (f"{self.device} port {self.port}: {self.state}, {kind}, netdev "
                f"{self.netdev or '(none)'}, {addrs}")


def _bare(addr):
    return str(addr).strip('[]')


def _sim_ports(host):
    by_netdev = host.get('netdev_addresses') or {}
    ports = []
    for dev, info in sorted((host.get('rdma_devices') or {}).items()):
        for num, pinfo in sorted(info.get('ports', {}).items()):
            ports.append(Port(dev, num, pinfo, by_netdev.get(pinfo.get('netdev'), [])))
    if not ports and host.get('rdma_addresses'):
        # older host descriptions only list the addresses iSER works on
        ports.append(Port('rdma0', '1', {'state': '4: ACTIVE', 'link_layer': 'Ethernet',
                                          'netdev': 'rdma-netdev'}, host['rdma_addresses']))
    return ports


def interface_addresses():
    """{netdev: [address]} of this host (`ip -o addr`), {} when ip is missing."""
    try:
        out = subprocess.run(['ip', '-o', 'addr', 'show'], capture_output=True, text=True,
                             timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    found = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] in ('inet', 'inet6'):
            found.setdefault(fields[1], []).append(fields[3].split('/')[0])
    return found


def _real_ports():
    base, ports = '/sys/class/infiniband', []
    addresses = None
    for dev in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        for num in sorted(os.listdir(f'{base}/{dev}/ports')):
            pdir = f'{base}/{dev}/ports/{num}'
            info = {key: devices.read_sys(f'{pdir}/{name}') for key, name in PORT_FILES.items()}
            if addresses is None:
                addresses = interface_addresses()
            ports.append(Port(dev, num, info, addresses.get(info['netdev'], [])))
    return ports


def ports(fs):
    """Every RDMA port of the host."""
    host = devices.sim_host(fs)
    return _sim_ports(host) if host is not None else _real_ports()


def module_states(fs):
    """{module: 'loaded' | 'loadable' | 'not installed'} for MODULES."""
    host = devices.sim_host(fs)
    out = {}
    for module in MODULES:
        if host is not None:
            loaded = module in set((host.get('fabric_modules') or {}).values()) | \
                set(host.get('kernel_modules') or ()) or \
                (module == 'rdma_rxe' and any(d.startswith('rxe')
                                              for d in host.get('rdma_devices') or {}))
            out[module] = 'loaded' if loaded else 'loadable'
        elif os.path.isdir('/sys/module/' + module):
            out[module] = 'loaded'
        else:
            out[module] = 'loadable' if devices.module_present(fs, '', module) \
                else 'not installed'
    return out


def local_addresses(fs):
    """{address: netdev or None} of every address of the host."""
    host = devices.sim_host(fs)
    if host is not None:
        out = {a: None for a in host.get('ip_addresses') or ()}
        for netdev, addrs in (host.get('netdev_addresses') or {}).items():
            out.update({a: netdev for a in addrs})
        for port in _sim_ports(host):
            out.update({a: port.netdev for a in port.addresses})
        return out
    return {a: dev for dev, addrs in interface_addresses().items() for a in addrs}


def serving(fs, address, all_ports=None):
    """The RDMA ports that serve a portal address (every port for a wildcard)."""
    address = _bare(address)
    all_ports = ports(fs) if all_ports is None else all_ports
    if address in WILDCARDS:
        return all_ports
    return [p for p in all_ports if address in p.addresses]


def iser_problem(fs, address):
    """Why iSER on a portal of this address would fail, with the command that fixes
    it, or None when it should work.  The kernel accepts iSER on a wildcard and a
    loopback address without any RDMA device (seen on 6.1)."""
    address = _bare(address)
    try:
        loopback = ipaddress.ip_address(address).is_loopback
    except ValueError:
        loopback = False
    modules = module_states(fs)
    if modules['ib_isert'] == 'not installed':
        return ('kernel module ib_isert (the iSER target) is not installed; install the '
                'kernel modules package that has it, then: modprobe ib_isert')
    if address in WILDCARDS or loopback:
        return None
    all_ports = ports(fs)
    if serving(fs, address, all_ports):
        return None
    local = local_addresses(fs)
    rdma_addresses = sorted({a for p in all_ports for a in p.addresses})
    use = f"use an address of an RDMA netdev ({', '.join(rdma_addresses)})" \
        if rdma_addresses else None
    if address not in local:
        return (f'{address} is not an address of this host; '
                + (use or 'give the portal an address of an RDMA netdev'))
    netdev = local[address]
    add = SOFT_ROCE.format(netdev=netdev or 'IFACE')
    if not all_ports:
        soft = ('modprobe rdma_rxe; ' if modules['rdma_rxe'] != 'loaded' else '') + add
        return (f'this host has no RDMA device; load your RDMA NIC\'s driver, or for '
                f'soft-RoCE on {netdev or "its interface"}: {soft}')
    where = f'its interface {netdev}' if netdev else 'its interface'
    return (f'no RDMA device serves {address} ({where} has none): {add}'
            + (f', or {use}' if use else ''))


def report(fs, module=None):
    """Lines for `iser/ info` and `srpt/ info`: RDMA ports and module states."""
    lines = ['RDMA devices:']
    all_ports = ports(fs)
    lines += ['  ' + p.line() for p in all_ports] or [
        '  none (load your RDMA NIC\'s driver, or soft-RoCE: modprobe rdma_rxe; '
        + SOFT_ROCE.format(netdev='IFACE') + ')']
    states = module_states(fs)
    lines.append('Kernel modules: ' + ', '.join(f'{m} {s}' for m, s in states.items()
                                                 if module is None or m in (module, 'rdma_rxe')))
    return lines
