"""portals/ of a TPG and its network portals."""
from targetcli.cshell import ExecutionError

from targetcli.ui_node import UIListing, UIRTSLibNode, finished_completions

DEFAULT_PORTAL_IP = '0.0.0.0'
DEFAULT_PORT = 3260


def _portal_ip(text):
    """(address for rtslib, address as messages show it); rtslib checks the syntax,
    this keeps targetcli-fb's message and shows IPv6 as typed, without brackets."""
    from rtslib import RTSLibError
    from rtslib.portal import portal_address
    try:
        ip = portal_address(text)
    except RTSLibError:
        raise ExecutionError(f"Invalid IP address {text}: give an IPv4 address such as "
                             "192.168.1.10 or an IPv6 address such as ::1") from None
    if not ip.startswith('['):
        return ip, ip
    bare = str(text).strip().strip('[]')
    return (f'[{bare}]' if bare == '::0' else ip), bare


def _portal_port(text):
    value = str(text)
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ExecutionError(f"Invalid IP port {text}: must be a number from 1 to 65535")
    return int(value)


def _is_wildcard(ip):
    return ip.strip('[]') in ('0.0.0.0', '::', '::0')




class UIPortal(UIRTSLibNode):
    """One network portal; iSER and offload are switched here."""

    def __init__(self, portal, parent):
        super().__init__(f"{portal.ip_address}:{portal.port}", portal, parent)

    def summary(self):
        if self._get('offload'):
            return ("OK, offload enabled", True)
        return ("OK, iser enabled" if self._get('iser') else "OK, iser disabled", True)

    def _get(self, what):
        from rtslib import RTSLibError
        try:
            return bool(getattr(self.rtsnode, what))
        except (RTSLibError, AttributeError):
            return False

    def _switch(self, what, value):
        """Set iser/offload; an 'on' that the kernel did not keep is an error.  iSER is
        checked first: what would make the kernel refuse it is said with its fix."""
        if what == 'iser' and value and not self._get('iser'):
            from rtslib import rdma
            problem = rdma.iser_problem(self.rtsnode.fs, self.rtsnode.ip_address)
            if problem:
                raise ExecutionError(f"Cannot enable iSER on portal {self.name}: {problem}")
        setattr(self.rtsnode, what, value)
        now = self._get(what)
        if now != value:
            hint = {'iser': 'an RDMA device on that address',
                    'offload': 'a Chelsio (cxgbit) offload device'}[what]
            raise ExecutionError(f"{what} stays {'on' if now else 'off'} on portal {self.name}: "
                                 f"the kernel did not take it (it needs {hint})")
        return now

    def ui_command_enable_iser(self, boolean='true'):
        '''
        Enables (boolean=true, the default) or disables iSER for this portal.
        '''
        value = self.ui_eval(boolean, 'bool', True, 'boolean')
        self.info(f"iSER enable now: {self._switch('iser', value)}")

    def ui_command_disable_iser(self):
        '''
        Disables iSER for this portal.
        '''
        self.info(f"iSER enable now: {self._switch('iser', False)}")

    def ui_command_iser_enable(self):
        '''
        Enables iSER for this portal (the seed page's form of enable_iser).
        '''
        self._switch('iser', True)
        self.info("iser operation has been enabled")

    def ui_command_iser_disable(self):
        '''
        Disables iSER for this portal.
        '''
        self._switch('iser', False)
        self.info("iser operation has been disabled")

    def ui_command_enable_offload(self, boolean='true'):
        '''
        Enables (boolean=true, the default) or disables offload (cxgbit) for
        this portal.
        '''
        value = self.ui_eval(boolean, 'bool', True, 'boolean')
        self.info(f"offload enable now: {self._switch('offload', value)}")

    def ui_command_disable_offload(self):
        '''
        Disables offload for this portal.
        '''
        self.info(f"offload enable now: {self._switch('offload', False)}")

    def ui_command_status(self):
        '''
        Displays whether iSER is on, which RDMA ports serve this portal's
        address, and, when iSER could not be enabled here, why and the
        command that fixes it.
        '''
        from rtslib import rdma
        portal = self.rtsnode
        self.info(f"iSER: {'enabled' if self._get('iser') else 'disabled'}")
        served = rdma.serving(portal.fs, portal.ip_address)
        for port in served:
            self.info(f"served by RDMA {port.line()}")
        problem = rdma.iser_problem(portal.fs, portal.ip_address)
        if problem:
            self.info(f"iSER not possible: {problem}")
        elif not served:
            self.info("no RDMA device serves this address; the kernel accepts iSER on it "
                      "(wildcard or loopback) but no RDMA initiator can reach it")
        else:
            self.info("ready for iSER")

    def ui_command_info(self):
        '''
        Displays the portal's address, port, and iSER/offload state.
        '''
        portal = self.rtsnode
        values = {'ip_address': portal.ip_address.strip('[]'), 'port': portal.port,
                  'iser': self._get('iser'), 'offload': self._get('offload')}
        for name, value in sorted(values.items()):
            self.info(f"{name}: {value}")


class UIPortals(UIListing):
    """portals/: the TPG's network portals."""

    dir_name, counted, listing = 'portals', 'Portals', 'network_portals'
    child_class = UIPortal
    tpg = property(lambda self: self.owner)

    def lookup(self, name):
        from rtslib import NetworkPortal
        ip, sep, port = name.rpartition(':')
        if not sep or not port.isdigit():
            return None
        return NetworkPortal(self.tpg, ip, int(port), mode='lookup')

    def _automatic_wildcard(self, port):
        """The default portal /iscsi create made, if it is still the only portal."""
        portals = list(self.tpg.network_portals)
        if len(portals) == 1 and _is_wildcard(portals[0].ip_address) \
                and int(portals[0].port) == port:
            return portals[0]
        return None

    def ui_command_create(self, ip_address=None, ip_port=None):
        '''
        Creates a Network Portal with the specified IP address and port. If
        the port is omitted, the default port 3260 is used. If the IP address
        is omitted, 0.0.0.0 (all IPv4 addresses) is used.

        A portal listening on all addresses blocks a specific address on the
        same port; if the only portal is the default 0.0.0.0:3260 made by
        `create` on the fabric, it is replaced by the new one (one line says
        so). Delete a wildcard portal you made yourself before adding a
        specific address on its port.
        '''
        from rtslib import NetworkPortal, RTSLibError, locks
        port = _portal_port(ip_port) if ip_port is not None else DEFAULT_PORT
        if ip_port is None:
            self.info(f"Using default IP port {port}")
        ip, shown_ip = _portal_ip(ip_address if ip_address is not None else DEFAULT_PORTAL_IP)
        if ip_address is None:
            self.info(f"Binding to INADDR_ANY ({DEFAULT_PORTAL_IP})")
        with locks.tpg(self.tpg):      # one process replaces the default portal
            old = None if _is_wildcard(ip) else self._automatic_wildcard(port)
            if old is not None:
                old.delete()
            try:
                portal = NetworkPortal(self.tpg, ip, port, mode='create')
            except RTSLibError:
                if old is not None:
                    NetworkPortal(self.tpg, old.ip_address, port, mode='create')
                raise
        if old is not None:
            self.info(f"Replaced the default portal {old.ip_address}:{port}, which listened "
                      f"on all IPs and would block {shown_ip}:{port}.")
        self.refresh()
        self.info(f"Created network portal {shown_ip}:{port}.")
        return self.new_node(UIPortal(portal, self))

    def ui_command_delete(self, ip_address, ip_port):
        '''
        Deletes the Network Portal with the specified IP address and port.
        '''
        from rtslib import NetworkPortal, RTSLibError
        ip, shown_ip = _portal_ip(ip_address)
        port = _portal_port(ip_port)
        try:
            portal = NetworkPortal(self.tpg, ip, port, mode='lookup')
        except RTSLibError:
            names = ', '.join(c.name for c in self.children) or 'none'
            raise ExecutionError(f"No network portal {shown_ip}:{port} in {self.path} "
                                 f"(portals: {names})") from None
        portal.delete()
        self.refresh()
        self.info(f"Deleted network portal {shown_ip}:{port}")

    def ui_complete_delete(self, parameters, text, current_param):
        pairs = [(p.ip_address.strip('[]'), str(p.port)) for p in self.tpg.network_portals]
        if current_param == 'ip_address':
            return finished_completions(sorted({ip for ip, _ in pairs if ip.startswith(text)}))
        if current_param == 'ip_port':
            ip = parameters.get('ip_address')
            return finished_completions(sorted({port for i, port in pairs
                                       if (ip is None or i == ip) and port.startswith(text)}))
        return []
