"""An iSCSI network portal: <tpg>/np/<ip>:<port>."""
import ipaddress

from rtslib import locks
from rtslib.errors import RTSLibError
from rtslib.fields import BOOL, INT, STR
from rtslib.node import CFSNode, made_or_reported, number_in


def portal_address(ip_address):
    """Validate an IP address; IPv6 goes in brackets as the kernel's np dir names."""
    text = str(ip_address).strip()
    bare = text[1:-1] if text.startswith('[') and text.endswith(']') else text
    try:
        addr = ipaddress.ip_address(bare)
    except ValueError:
        raise RTSLibError(f"Invalid portal address '{ip_address}': give an IPv4 address "
                          f"(e.g. 192.168.1.10) or an IPv6 one (e.g. [::1])") from None
    return f'[{addr.compressed}]' if addr.version == 6 else addr.compressed


class NetworkPortal(CFSNode):
    """An iSCSI network portal: <tpg>/np/<ip>:<port>."""

    _hint_kind = 'portal'
    def __init__(self, parent_tpg, ip_address, port=3260, mode='any', fs=None):
        if not isinstance(parent_tpg, TPG):
            raise RTSLibError('Invalid parent TPG')
        super().__init__(fs or parent_tpg.fs)
        self.parent_tpg = parent_tpg
        self._port = number_in(port, 'port', 1, 65535)
        self._ip_address = str(ip_address) if mode == 'listed' else portal_address(ip_address)
        if not parent_tpg.has_feature('nps') and mode != 'listed':
            raise RTSLibError(f'{parent_tpg._label()} has no network portals (fabric '
                              f'{parent_tpg.parent_target.fabric_module.name})')
        self._cfs_path = f'{parent_tpg.cfs_path}/np/{self._ip_address}:{self._port}'
        self._create_in_tpg(parent_tpg, mode)

    ip_address = property(lambda self: self._ip_address)
    port = property(lambda self: self._port)

    def _label(self):
        return f'portal {self._ip_address}:{self._port}'

    def __repr__(self):
        return f'<NetworkPortal {self._ip_address} port {self._port}>'

    def _get_flag(self, name):
        try:
            return bool(int(self._read_optional(self._path_of(name), '0').strip() or 0))
        except ValueError:
            return False

    def _set_flag(self, name, what, value):
        self._check_self()
        value = bool(int(value)) if isinstance(value, str) else bool(value)
        if not value and not self.fs.exists(self._path_of(name)):
            return  # older kernels have no such file: nothing to turn off
        self._write(name, str(int(value)), action=f'{"enable" if value else "disable"} {what} on')

    iser = property(lambda self: self._get_flag('iser'),
                    lambda self, v: self._set_flag('iser', 'iSER', v),
                    doc='iSER on this portal (the portal\'s iser file).')
    # the only offload the kernel has is Chelsio's, in the file cxgbit
    offload = property(lambda self: self._get_flag('cxgbit'),
                       lambda self, v: self._set_flag('cxgbit', 'offload', v),
                       doc='Hardware offload on this portal (the cxgbit file).')

    # the Datera API's names
    def _set_iser_attr(self, value):
        self.iser = value

    def _get_iser_attr(self):
        return self.iser

    def delete(self):
        with locks.tpg(self.parent_tpg):
            self._check_self()
            if self.iser:
                self.iser = False
            if self.offload:
                self.offload = False
            self._rmdir()

    SAVE_FIELDS = ({'ip_address': STR, 'port': INT}, {'iser': BOOL, 'offload': BOOL})

    def dump(self, warn=None):
        """A leaf: read whole or not at all (warn is not used)."""
        return {'port': self._port, 'ip_address': self._ip_address, 'iser': self.iser,
                'offload': self.offload}

    @classmethod
    def setup(cls, tpg, data, err_func):
        if 'ip_address' not in data or 'port' not in data:
            err_func(f"'ip_address' or 'port' missing from a portal in TPG {tpg.tag}")
            return None
        def make():
            portal = cls(tpg, data['ip_address'], data['port'])
            if data.get('iser'):
                portal.iser = True
            if data.get('offload'):
                portal.offload = True
            return portal
        return made_or_reported(
            err_func, f"Creating portal {data['ip_address']}:{data['port']} failed", make)


# A TPG and the objects below it refer to each other: these names are imported
# last, so that any of the modules can be imported first.
from rtslib.target import TPG  # noqa: E402
