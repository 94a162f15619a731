"""Files whose content follows object state, rendered from that state.

initial(): values fixed at mkdir (names, indexes, host facts) on top of the
template; dynamic(): values re-rendered whenever the object's state changes
(refresh).  Both return {path inside the object: content}.
"""
import math

from rtslib.simkernel import rules

NO_SESSION = 'No active iSCSI Session for Initiator Endpoint: %s\n'
SCSI_LU_STAT = 'statistics/scsi_lu/'


def fabric_name(fabric):
    return rules.FABRIC_NAME.get(fabric, fabric)


# -- values fixed at mkdir ------------------------------------------------------

def initial(fs, node, st):
    fn = _INITIAL.get(node.kind)
    return fn(fs, node, st) if fn else {}


def _root_initial(fs, node, st):
    host = fs.host()
    # target_init_dbroot: /etc/target when that directory exists, else /var/target
    etc = host.get('etc_target_exists') or '/etc/target' in host['dirs']
    return {'version': f"Target Engine Core ConfigFS Infrastructure v5.0 on Linux/x86_64 on "
                       f"{host['kernel_release']}\n",
            'dbroot': '/etc/target\n' if etc else '/var/target\n'}


def _hba_initial(fs, node, st):
    return {'hba_info': f"HBA Index: {st['index']} plugin: {node.flavour} version: v5.0\n"}


def _device_initial(fs, node, st):
    prod, rev = rules.PRODUCT.get(node.flavour, ('', ''))
    return {'wwn/product_id': prod + '\n', 'wwn/revision': rev + '\n'}


def _fabric_initial(fs, node, st):
    if node.flavour != 'iscsi':
        version = node.template['files'].get('version', (0, ''))[1]
        # fabric modules name the running kernel in their version file
        if '{release}' in version:
            return {'version': version.replace('{release}', fs.host()['kernel_release'])}
        return {}
    cpus = fs.host()['cpus']
    out = {'discovery_auth/' + k: v for k, v in st.get('discovery', {}).items() if v}
    out['cpus_allowed_list'] = f'0-{cpus - 1}\n' if cpus > 1 else '0\n'
    return out


def _wwn_initial(fs, node, st):
    if node.flavour != 'iscsi':
        return {}
    inst = f"{st['tiqn_index']}\n"
    base = 'fabric_statistics/'
    return {base + grp + '/inst': inst for grp in (
        'iscsi_instance', 'iscsi_login_stats', 'iscsi_logout_stats',
        'iscsi_sess_err', 'iscsi_tgt_attr')}


def _acl_initial(fs, node, st):
    if node.flavour == 'fc':
        return {'port_name': node.name + '\n'}
    if node.flavour != 'iscsi':
        return {}
    session = session_of(fs, node.obj_path)
    if session:
        return {'info': session_info(node.name, session)}
    # the kernel keeps initiator names in TRANSPORT_IQN_LEN (224) bytes with the NUL
    return {'info': NO_SESSION % node.name[:223]}


def session_of(fs, acl_path):
    """The logged-in session sim-host.json describes for the ACL at acl_path
    (<fabric>/<wwn>/tpgt_N/acls/<initiator>), or None ('sessions': [{target,
    tpgt, initiator, ...}], names as their configfs directories)."""
    _fabric, wwn, tpg, _acls, initiator = acl_path.split('/')[:5]
    for session in fs.host().get('sessions') or ():
        if session.get('target') == wwn and f"tpgt_{int(session.get('tpgt', 1))}" == tpg \
                and session.get('initiator') == initiator:
            return session
    return None


def _attached_port(fs, node, acl_path):
    """A mapped LUN's scsi_att_intr_port/{indx,port_ident} while its ACL's initiator
    is logged in: iSCSI gives its session id and ISID, other fabrics 0 and nothing
    (target_stat_iport_*_show)."""
    session = session_of(fs, acl_path)
    if not session:
        return {}
    initiator = acl_path.split('/')[4]
    iscsi = node.flavour == 'iscsi'
    index = session.get('sid', 1) if iscsi else 0
    sid = session.get('isid', '023d00000000') if iscsi else ''
    return {'statistics/scsi_att_intr_port/indx': f'{index}\n',
            'statistics/scsi_att_intr_port/port_ident': f'{initiator}+i+{sid}\n'}


def session_info(initiator, session):
    """An iSCSI ACL's info file with a logged-in session (lio_target_nacl_info_show);
    the kernel prints SCTP for any transport other than TCP (iSER included)."""
    transport = 'TCP' if session.get('transport', 'TCP').upper() == 'TCP' else 'SCTP'
    return ('InitiatorName: %s\nInitiatorAlias: %s\n'
            'LIO Session ID: %d   ISID: 0x%s  TSIH: %d  SessionType: Normal\n'
            'Session State: TARG_SESS_STATE_LOGGED_IN\n'
            '---------------------[iSCSI Session Values]-----------------------\n'
            '  CmdSN/WR  :  CmdSN/WC  :  ExpCmdSN  :  MaxCmdSN  :     ITT    :     TTT\n'
            ' 0x00000040   0x00000040   0x00000001   0x00000040   0x00000000   0x00000000\n'
            '----------------------[iSCSI Connections]-------------------------\n'
            'CID: 0  Connection State: TARG_CONN_STATE_LOGGED_IN\n'
            '   Address %s %s  StatSN: 0x00000001\n'
            % (initiator, session.get('alias', ''), session.get('sid', 1),
               session.get('isid', '023d00000000'), session.get('sid', 1),
               session.get('address', '127.0.0.1'), transport))


def _tpg_initial(fs, node, st):
    if node.flavour != 'loopback':
        return {}
    return {'address': f"{st['host_no']}:0:{st['tpgt']}\n"}


def _tg_pt_gp_initial(fs, node, st):
    return {'tg_pt_gp_id': '', 'members': ''}


def _lu_gp_initial(fs, node, st):
    return {'lu_gp_id': '', 'members': ''}


_INITIAL = {'root': _root_initial, 'hba': _hba_initial, 'device': _device_initial,
            'fabric': _fabric_initial, 'wwn': _wwn_initial, 'acl': _acl_initial,
            'tpg': _tpg_initial, 'tg_pt_gp': _tg_pt_gp_initial,
            'lu_gp': _lu_gp_initial}


# -- values that follow state -----------------------------------------------------

def dynamic(fs, node, st):
    fn = _DYNAMIC.get(node.kind)
    return fn(fs, node, st) if fn else {}


def _device_dynamic(fs, node, st):
    plugin, enabled = node.flavour, st.get('enabled', False)
    attrib = fs.read_attr_ints(node.obj_path, ('block_size', 'hw_block_size', 'hw_max_sectors'))
    out = {'enable': '1\n' if enabled else '0\n',
           'udev_path': (st['udev_path'] + '\n') if st.get('udev_path') else '',
           # passthrough (pscsi) devices get no LU group membership
           'alua_lu_gp': _lu_gp_text(fs, st) if enabled and plugin != 'pscsi' else '',
           'info': _device_info(fs, node, st, attrib)}
    out.update(_device_stats(fs, node, st))
    return out


def _lu_gp_text(fs, st):
    name = st.get('lu_gp', 'default_lu_gp')
    gp_id = 0 if name == 'default_lu_gp' else \
        fs.store.state('core/alua/lu_gps/' + name).get('id', 0)
    return f'LU Group Alias: {name}\nLU Group ID: {gp_id}\n'


def tg_member(member):
    # each entry is shown with its NUL terminator, as core_alua_show_tg_pt_gp_members does
    return member + '\n\0'


def _device_info(fs, node, st, attrib):
    p = st.get('params', {})
    plugin = node.flavour
    values = dict(status='ACTIVATED' if st.get('exports') else 'DEACTIVATED',
                  block_size=attrib.get('block_size', attrib.get('hw_block_size', 0)),
                  hw_max_sectors=attrib.get('hw_max_sectors', 0), fid=st.get('fid', 0))
    if plugin == 'fileio':
        values.update(fd_dev_name=p.get('fd_dev_name', ''),
                      fd_size=p.get('fd_dev_size', 0),
                      fd_mode='Buffered-WCE' if p.get('fd_buffered_io') == '1' else 'O_DSYNC',
                      fd_async_io=p.get('fd_async_io', 0))
    elif plugin == 'iblock':
        dev = st.get('bdev')
        values.update(
            ib_dev=f"iBlock device: {dev['name']}" if dev else '',
            ib_udev=f"  UDEV PATH: {p['udev_path']}" if p.get('udev_path') else '',
            readonly=p.get('readonly', 0),
            ib_major=(f"Major: {dev['major']} Minor: {dev['minor']}  CLAIMED: IBLOCK"
                      if dev else 'Major: 0 Minor: 0'))
    elif plugin == 'rd_mcp':
        pages = int(p.get('rd_pages', 0) or 0)
        values.update(rd_pages=pages, rd_nullio=p.get('rd_nullio', 0),
                      rd_makeup='rd_mcp',
                      sg_tables=math.ceil(pages / 2047) if st.get('enabled') else 0)
    elif plugin == 'user':
        values.update(dev_config=p.get('dev_config') or 'NULL', dev_size=p.get('dev_size', 0))
    elif plugin == 'pscsi':
        sdev = st.get('sdev')
        values.update(ch=p.get('scsi_channel_id', 0), tg=p.get('scsi_target_id', 0),
                      lun=p.get('scsi_lun_id', 0), host=p.get('scsi_host_id', 0),
                      inquiry=f"        Vendor: {sdev['vendor']:8} Model: {sdev['model']:16} Rev: "
                              f"{sdev['rev']:4}\n" if sdev else '')
    return (rules.INFO_STATUS + rules.INFO.get(plugin, '')).format(**values)


def _device_stats(fs, node, st):
    exported = bool(st.get('exports'))     # LU 'available' once a LUN exports it
    dev_index = f"{int(st.get('dev_index', 0))}\n"
    inst = f"{st['hba_inst']}\n"
    vend, prod, rev = fs.read_values(node.obj_path, ('wwn/vendor_id', 'wwn/product_id',
                                                'wwn/revision'))
    out = {'statistics/scsi_dev/indx': dev_index, 'statistics/scsi_dev/inst': inst,
           'statistics/scsi_dev/ports': f"{int(st.get('exports', 0))}\n",
           SCSI_LU_STAT + 'dev': dev_index, SCSI_LU_STAT + 'inst': inst,
           SCSI_LU_STAT + 'vend': vend.rstrip('\n').ljust(8)[:8] + '\n',
           SCSI_LU_STAT + 'prod': prod.rstrip('\n').ljust(16)[:16] + '\n',
           SCSI_LU_STAT + 'rev': rev.rstrip('\n').ljust(4)[:4] + '\n',
           SCSI_LU_STAT + 'status': 'available\n' if exported else 'notavailable\n',
           SCSI_LU_STAT + 'lu_name': (st.get('serial') or 'None') + '\n',
           'statistics/scsi_tgt_dev/indx': dev_index, 'statistics/scsi_tgt_dev/inst': inst,
           'statistics/scsi_tgt_dev/non_access_lus': '0\n' if exported else '1\n',
           'statistics/scsi_tgt_dev/status': 'activated' if exported else 'deactivated'}
    if 'creation_time' in st:
        out[SCSI_LU_STAT + 'creation_time'] = f"{st['creation_time']}\n"
    if node.flavour == 'pscsi':
        sdev = st.get('sdev')
        out[SCSI_LU_STAT + 'dev_type'] = f"{int(sdev['type'] if sdev else 127)}\n"
    return out


def tg_pt_gp_text(name, gp_id):
    return (f'TG Port Alias: {name}\nTG Port Group ID: {gp_id}\n'
            'TG Port Primary Access State: Active/Optimized\n'
            'TG Port Primary Access Status: None\n'
            'TG Port Secondary Access State: None\n'
            'TG Port Secondary Access Status: None\n')


def _lun_dynamic(fs, node, st):
    link = st.get('dev')
    files = node.template['files']
    if not link:
        return {rel: '' for rel in files}
    fab = node.flavour
    wwn, tpgt = st['wwn'], st['tpgt']
    dev_index = f"{link['dev_index']}\n"
    inst = f"{link['hba_inst']}\n"
    rtpi = st['rtpi']
    return {
        'alua_tg_pt_gp': tg_pt_gp_text(st.get('tg_pt_gp', 'default_tg_pt_gp'),
                                       st.get('tg_pt_gp_id', 0)),
        'alua_tg_pt_offline': '0\n', 'alua_tg_pt_status': '0\n',
        'alua_tg_pt_write_md': '0\n',
        'statistics/scsi_port/busy_count': '0\n', 'statistics/scsi_port/dev': dev_index,
        'statistics/scsi_port/indx': f'{rtpi}\n', 'statistics/scsi_port/inst': inst,
        'statistics/scsi_port/role': f"Device{link['dev_index']}\n",
        'statistics/scsi_tgt_port/dev': dev_index,
        'statistics/scsi_tgt_port/hs_in_cmds': '0\n',
        'statistics/scsi_tgt_port/in_cmds': '0\n',
        'statistics/scsi_tgt_port/indx': f'{rtpi}\n',
        'statistics/scsi_tgt_port/inst': inst,
        'statistics/scsi_tgt_port/name': f'{fabric_name(fab)}Port#{rtpi}\n',
        'statistics/scsi_tgt_port/port_index': f'{wwn}+t+{tpgt}\n',
        'statistics/scsi_tgt_port/read_mbytes': '0\n',
        'statistics/scsi_tgt_port/write_mbytes': '0\n',
        # the device's unit serial when set, else its vendor
        'statistics/scsi_transport/dev_name': f'{wwn}+{_serial_or_vendor(fs, link)}\n',
        'statistics/scsi_transport/device': f'scsiTransport{fabric_name(fab)}\n',
        'statistics/scsi_transport/indx': f"{st['tpg_inst']}\n",
        'statistics/scsi_transport/inst': inst,
        'statistics/scsi_transport/proto_id': f'{int(_proto_id(fs, fab, st))}\n',
    }


def _proto_id(fs, fab, lun_state):
    if fab in rules.TRANSPORT_PROTO:
        return rules.TRANSPORT_PROTO[fab]
    from rtslib.simkernel.fabric_names import proto_id
    wwn_obj = f"{fab}/{lun_state['wwn']}"
    found = proto_id(fab, fs.store.state(wwn_obj))
    return 0 if found is None else found


def _serial_or_vendor(fs, link):
    serial = fs.store.state(link['obj']).get('serial')
    if serial:
        return serial
    return fs.read_values(link['obj'], ('wwn/vendor_id',))[0].rstrip('\n') or 'LIO-ORG'


def _mapped_lun_dynamic(fs, node, st):
    lun = st.get('lun')
    files = node.template['files']
    if not lun:
        return {rel: '' for rel in files}
    a, b = 'statistics/scsi_att_intr_port/', 'statistics/scsi_auth_intr/'
    dev = f"{lun['dev_index']}\n"
    rtpi = f"{lun['rtpi']}\n"
    inst = f"{lun['tpg_inst']}\n"
    return {'write_protect': f"{int(st.get('wp', 0))}\n",
            a + 'dev': dev, a + 'inst': inst, a + 'port': rtpi,
            a + 'port_auth_indx': f"{st['acl_index']}\n",
            b + 'att_count': '1\n', b + 'creation_time': f"{st['creation_time']}\n",
            b + 'dev': dev, b + 'dev_or_port': '1\n', b + 'hs_num_cmds': '0\n',
            b + 'indx': f"{st['acl_index']}\n", b + 'inst': inst,
            b + 'intr_name': st['acl'][:223] + '\n', b + 'map_indx': '0\n',
            b + 'num_cmds': '0\n', b + 'port': rtpi, b + 'read_mbytes': '0\n',
            b + 'row_status': 'Ready\n', b + 'write_mbytes': '0\n',
            **_attached_port(fs, node, node.obj_path.rsplit('/', 1)[0])}


def _auth_target(fs, node, prefix):
    um, pm = fs.read_values(node.obj_path, (prefix + 'userid_mutual', prefix + 'password_mutual'))
    both = all(v.rstrip('\n') and not v.startswith('NULL') for v in (um, pm))
    return {prefix + 'authenticate_target': '1\n' if both else '0\n'}


def _tpg_dynamic(fs, node, st):
    if node.flavour == 'iscsi':
        return _auth_target(fs, node, 'auth/')
    if node.flavour in ('loopback', 'vhost'):
        return {'nexus': (st['nexus'] + '\n') if st.get('nexus') else ''}
    return {}


def _acl_dynamic(fs, node, st):
    return _auth_target(fs, node, 'auth/') if node.flavour == 'iscsi' else {}


def _fabric_dynamic(fs, node, st):
    return _auth_target(fs, node, 'discovery_auth/') if node.flavour == 'iscsi' else {}


def _wwn_dynamic(fs, node, st):
    if node.flavour != 'iscsi':
        return {}
    # iSCSI and iSER network portals of all the target's TPGs
    return {'fabric_statistics/iscsi_instance/portals': f"{int(st.get('nps', 0))}\n"}


_DYNAMIC = {'device': _device_dynamic, 'lun': _lun_dynamic,
            'mapped_lun': _mapped_lun_dynamic, 'tpg': _tpg_dynamic, 'acl': _acl_dynamic,
            'fabric': _fabric_dynamic, 'wwn': _wwn_dynamic}
