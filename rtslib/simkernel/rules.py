"""The kernel's rules as tables: how each attribute file parses what is written,
which writes are refused in which state, what enabling a device sets.

Attribute specs (by template kind, then path inside the object; '*' matches
the rest of a name):
  type   u32/s32: kstrtou32/kstrtos32 (base 0), value in [min, max] else EINVAL
         bool01: number that must be 0 or 1      kbool: kstrtobool (y/n/1/0/on/off)
         oneof: number in `values`               str: text, one newline dropped
         chap: CHAP secret (<= 255 bytes written, stored as written)
         param: iSCSI key (`values` list or `min`/`max` range, `yesno`)
         action: a handler in ACTIONS (rtslib/simkernel/writes.py: devices.py, fabrics.py)
  export_lock: EINVAL while a LUN links the device (the kernel's export_count)
  enabled_lock: EINVAL once the device is enabled (configured)
Files with no spec: numeric defaults parse as u32 (s32 if negative), other
text is stored as written minus one newline.
"""

U32 = (1 << 32) - 1


def u32(lo=0, hi=U32, **kw):
    return dict(type='u32', min=lo, max=hi, **kw)


def bool01(**kw):
    return dict(type='bool01', **kw)


def kbool(**kw):
    return dict(type='kbool', **kw)


def action(name, **kw):
    return dict(type='action', name=name, **kw)


def param(values=None, lo=None, hi=None, yesno=False, free=False):
    return dict(type='param', values=values, min=lo, max=hi, yesno=yesno, free=free)


CHAP = dict(type='chap')
AUTH = {'auth/userid': CHAP, 'auth/password': CHAP, 'auth/userid_mutual': CHAP,
        'auth/password_mutual': CHAP}

ISCSI_PARAMS = {
    'param/AuthMethod': param(values=['KRB5', 'SPKM1', 'SPKM2', 'SRP', 'CHAP', 'None']),
    'param/HeaderDigest': param(values=['CRC32C', 'None']),
    'param/DataDigest': param(values=['CRC32C', 'None']),
    'param/MaxConnections': param(lo=1, hi=65535),
    'param/TargetAlias': param(free=True),
    'param/InitialR2T': param(yesno=True),
    'param/ImmediateData': param(yesno=True),
    'param/MaxRecvDataSegmentLength': param(lo=512, hi=16777215),
    'param/MaxXmitDataSegmentLength': param(lo=512, hi=16777215),
    'param/MaxBurstLength': param(lo=512, hi=16777215),
    'param/FirstBurstLength': param(lo=512, hi=16777215),
    'param/DefaultTime2Wait': param(lo=0, hi=3600),
    'param/DefaultTime2Retain': param(lo=0, hi=3600),
    'param/MaxOutstandingR2T': param(lo=1, hi=65535),
    'param/DataPDUInOrder': param(yesno=True),
    'param/DataSequenceInOrder': param(yesno=True),
    'param/ErrorRecoveryLevel': param(lo=0, hi=2),
    'param/IFMarker': param(yesno=True),
    'param/OFMarker': param(yesno=True),
    'param/IFMarkInt': param(free=True),
    'param/OFMarkInt': param(free=True),
}

TPG_ISCSI = dict(AUTH, **ISCSI_PARAMS, **{
    'enable': action('tpg_enable'),
    'attrib/authentication': action('tpg_authentication'),
    'attrib/cache_dynamic_acls': bool01(),
    'attrib/default_cmdsn_depth': u32(1, 512),
    'attrib/default_erl': u32(0, 2),
    'attrib/demo_mode_discovery': bool01(),
    'attrib/demo_mode_write_protect': bool01(),
    'attrib/fabric_prot_type': u32(0, 3),
    'attrib/generate_node_acls': bool01(),
    'attrib/login_keys_workaround': bool01(),
    'attrib/login_timeout': u32(5, 30),
    'attrib/netif_timeout': u32(2, 15),
    'attrib/prod_mode_write_protect': bool01(),
    'attrib/t10_pi': bool01(),
    'attrib/tpg_enabled_sendtargets': bool01(),
})

ACL_ISCSI = dict(AUTH, **{
    'cmdsn_depth': action('cmdsn_depth'),
    'tag': dict(type='raw'),              # kept as written, shown with "%s"
    # -1 = inherit from the TPG (the default); kstrtos32, unlike the TPG's attribute
    'attrib/authentication': dict(type='s32', min=-1, max=1),
    'attrib/dataout_timeout': u32(2, 60),
    'attrib/dataout_timeout_retries': u32(1, 15),
    'attrib/default_erl': u32(0, 2),
    'attrib/nopin_response_timeout': u32(3, 60),
    'attrib/nopin_timeout': u32(3, 60),
    'attrib/random_datain_pdu_offsets': bool01(),
    'attrib/random_datain_seq_offsets': bool01(),
    'attrib/random_r2t_offsets': bool01(),
})

DEVICE = {
    'enable': action('dev_enable'),
    'control': action('dev_control'),
    'udev_path': action('dev_udev_path'),
    'alias': dict(type='str'),
    'alua_lu_gp': action('dev_lu_gp'),
    'attrib/block_size': dict(type='oneof', values=[512, 1024, 2048, 4096], export_lock=True),
    'attrib/queue_depth': action('dev_queue_depth', export_lock=True),
    'attrib/emulate_model_alias': action('dev_model_alias', export_lock=True),
    'attrib/pi_prot_type': action('dev_pi_prot_type'),
    'attrib/pi_prot_format': action('dev_pi_prot_format'),
    'attrib/pi_prot_verify': action('dev_pi_prot_verify'),
    'attrib/optimal_sectors': action('dev_optimal_sectors', export_lock=True),
    'attrib/emulate_write_cache': action('dev_write_cache'),
    'attrib/emulate_tpu': action('dev_unmap'),
    'attrib/emulate_tpws': action('dev_unmap'),
    'attrib/unmap_zeroes_data': action('dev_unmap', export_lock=True),
    'attrib/emulate_rest_reord': action('dev_rest_reord'),
    # deprecated: the kernel accepts and ignores anything
    'attrib/emulate_dpo': dict(type='ignore'), 'attrib/emulate_fua_read': dict(type='ignore'),
    'attrib/emulate_ua_intlck_ctrl': u32(0, 2, export_lock=True),
    'attrib/emulate_3pc': kbool(), 'attrib/emulate_caw': kbool(),
    'attrib/emulate_fua_write': kbool(), 'attrib/emulate_pr': kbool(),
    'attrib/emulate_tas': kbool(export_lock=True), 'attrib/enforce_pr_isids': kbool(),
    'attrib/force_pr_aptpl': kbool(export_lock=True), 'attrib/is_nonrot': kbool(),
    # fixed by the backend except for TCMU: a different value is ENOSYS
    'attrib/alua_support': action('dev_fixed_flag'),
    'attrib/pgr_support': action('dev_fixed_flag'),
    # TCMU (user) attributes
    'attrib/dev_config': action('user_dev_config', enabled_lock=True),
    'attrib/dev_size': action('user_dev_size', enabled_lock=True),
    'attrib/cmd_time_out': u32(export_lock=True),    # "while exports exist"
    # dev_config/dev_size on a configured TCMU device reconfigure it through
    # tcmu-runner; unverified without one, refused here
    'attrib/qfull_time_out': dict(type='s32', min=-1, max=(1 << 31) - 1),
    'attrib/nl_reply_supported': dict(type='s32', min=-128, max=127),
    'attrib/tmr_notification': kbool(),
    # wwn/: length and content are checked before the export lock
    'wwn/vpd_unit_serial': action('wwn_serial'),
    'wwn/vendor_id': action('wwn_ident', maxlen=8),
    'wwn/product_id': action('wwn_ident', maxlen=16),
    'wwn/revision': action('wwn_ident', maxlen=4),
    'wwn/company_id': action('wwn_company'),
    'alua/*': action('tg_pt_gp_attr'),
}

ATTRS = {
    # target_core_item_dbroot_store refuses any change once a fabric module has
    # registered (g_tf_list not empty) - with iscsi/tcm_loop loaded, always
    'root': {'dbroot': action('dbroot'),
             'core/alua/lu_gps/default_lu_gp/lu_gp_id': action('lu_gp_id')},
    'hba': {'hba_mode': u32(0, 1)},
    'device': DEVICE, 'device_user': DEVICE, 'device_pscsi': DEVICE,
    'tg_pt_gp': {'tg_pt_gp_id': action('tg_pt_gp_id'), '*': action('tg_pt_gp_attr')},
    'lu_gp': {'lu_gp_id': action('lu_gp_id')},
    'fabric_iscsi': dict(AUTH, **{
        'discovery_auth/userid': CHAP, 'discovery_auth/password': CHAP,
        'discovery_auth/userid_mutual': CHAP, 'discovery_auth/password_mutual': CHAP,
        'discovery_auth/enforce_discovery_auth': bool01(),
        'cpus_allowed_list': dict(type='str')}),
    'wwn_iscsi': {'param/cmd_completion_affinity': dict(type='s32', min=-1, max=4095)},
    'wwn_loopback': {'param/cmd_completion_affinity': dict(type='s32', min=-1, max=4095)},
    'tpg_iscsi': TPG_ISCSI,
    'fabric_srpt': {'discovery_auth/rdma_cm_port': u32(0, 65535)},
    'tpg_loopback': {'nexus': action('loop_nexus'),
                     'transport_status': action('loop_transport_status'),
                     'attrib/fabric_prot_type': u32(0, 3)},
    'tpg_generic': {'enable': action('tpg_enable')},   # kstrtobool: yes/on/1
    'tpg_vhost': {'nexus': action('vhost_nexus'),
                  'attrib/fabric_prot_type': dict(type='oneof', values=[0, 1, 3])},
    'tpg_sbp': {'enable': action('tpg_enable'), 'directory_id': action('sbp_directory_id'),
                'attrib/mgt_orb_timeout': u32(1, 127),
                'attrib/max_reconnect_timeout': u32(1, 32767),
                'attrib/max_logins_per_lun': u32(1, 127)},
    'tpg_srpt': {'enable': action('tpg_enable'),
                 # DEFAULT_MAX_RDMA_SIZE..MAX_SRPT_RDMA_SIZE, MIN_MAX_RSP_SIZE..
                 # MAX_SRPT_RSP_SIZE, MIN_SRPT_SQ_SIZE..MAX_SRPT_SRQ_SIZE (ib_srpt.h)
                 'attrib/srp_max_rdma_size': u32(65536, 1 << 24),
                 'attrib/srp_max_rsp_size': u32(36, 1024),
                 'attrib/srp_sq_size': u32(16, 65536),
                 'attrib/use_srq': bool01()},
    'lun': {'alua_tg_pt_gp': action('lun_tg_pt_gp'),
            'alua_tg_pt_offline': action('lun_alua_bool'),
            'alua_tg_pt_status': action('lun_alua_status'),
            'alua_tg_pt_write_md': action('lun_alua_bool')},
    'portal_iscsi': {'iser': action('portal_iser'), 'cxgbit': action('portal_cxgbit')},
    'acl_iscsi': ACL_ISCSI,
    'acl_generic': {'tag': dict(type='raw')},
    'mapped_lun': {'write_protect': action('mapped_lun_wp')},
}


# writes after which the object's rendered files must be re-rendered (by template;
# paths or prefixes); templates not listed re-render after every write
REFRESH_AFTER = {
    'device': ('enable', 'control', 'udev_path', 'alua_lu_gp', 'attrib/block_size',
               'attrib/emulate_model_alias', 'attrib/dev_config', 'attrib/dev_size', 'wwn/'),
    'tpg_iscsi': ('auth/',), 'acl_iscsi': ('auth/',), 'fabric_iscsi': ('discovery_auth/',),
}
REFRESH_AFTER['device_user'] = REFRESH_AFTER['device_pscsi'] = REFRESH_AFTER['device']


def needs_refresh(template, sub):
    prefixes = REFRESH_AFTER.get(template)
    return prefixes is None or sub.startswith(prefixes)


def spec_for(template, sub):
    table = ATTRS.get(template, {})
    if sub in table:
        return table[sub]
    for key, spec in table.items():
        if key.endswith('*') and sub.startswith(key[:-1]):
            return spec
    return None


# reading these fails with ENODEV while the object is not set up
# (kind -> (condition on the object's state, paths inside the object or '*'))
READ_ERRORS = {
    'lun': ('unlinked', '*'),                  # no backstore linked yet
    'mapped_lun': ('unlinked', 'statistics/'),  # no tpg lun linked yet
    'tpg_loopback': ('no_nexus', 'nexus'),
    'tpg_vhost': ('no_nexus', 'nexus'),
}
# these fail to read unless the ACL's initiator is logged in, even when linked
# (recorded so on 6.1, with and without an ib_srp login)
SESSION_ONLY = {
    'mapped_lun': ('statistics/scsi_att_intr_port/indx',
                   'statistics/scsi_att_intr_port/port_ident'),
}

# what a tcm_loop LUN looks like to pscsi (scsi_host of tcm_loop: max_sectors, can_queue)
TCM_LOOP_SCSI = {'vendor': 'LIO-ORG', 'rev': '4.0', 'type': 0, 'hw_max_sectors': 65528,
                 'queue_depth': 1024, 'hw_block_size': 512}

# VPD page 0x83 of a LIO device seen through tcm_loop (no unit serial set), as pscsi
# shows it under wwn/ once enabled; {proto} from PROTOCOL_NAMES
PSCSI_VPD_LOOP = {
    'vpd_assoc_logical_unit': 'T10 VPD Identifier Association: addressed logical unit\n'
                              'T10 VPD Identifier Type: T10 Vendor ID based\n'
                              'T10 VPD ASCII Device Identifier: {vendor:<8}\n',
    'vpd_assoc_scsi_target_device': 'T10 VPD Identifier Association: SCSI target device\n'
                                    'T10 VPD Identifier Type: SCSI name string\n'
                                    'T10 VPD UTF-8 Device Identifier: {wwn}\n',
    'vpd_assoc_target_port': 'T10 VPD Identifier Association: target port\n'
                             'T10 VPD Identifier Type: Relative target port identifier\n'
                             'T10 VPD Binary Device Identifier: 4{rtpi:08x}\n'
                             'T10 VPD Identifier Association: target port\n'
                             'T10 VPD Identifier Type: SCSI name string\n'
                             'T10 VPD UTF-8 Device Identifier: {wwn},t,0x{tpgt:04x}\n',
    'vpd_protocol_identifier': 'T10 VPD Protocol Identifier: {proto}\n' * 3,
}
PROTOCOL_NAMES = {'SAS': 'SAS Serial SCSI Protocol', 'FCP': 'Fibre Channel',
                  'iSCSI': 'Internet SCSI (iSCSI)'}

# backends with DIF protection (init_prot/format_prot) and with UNMAP setup
PROT_BACKENDS = ('fileio', 'rd_mcp', 'iblock')
FORMAT_PROT_BACKENDS = ('fileio', 'rd_mcp')
UNMAP_BACKENDS = ('fileio', 'iblock')

# device attribute values once `enable` configured the backend (per plugin);
# iblock's come from the host's block device (host.json block_devices)
ENABLED_ATTRIB = {
    'fileio': {'block_size': 512, 'hw_block_size': 512, 'hw_max_sectors': 16384,
               'hw_queue_depth': 128, 'queue_depth': 128, 'optimal_sectors': 16384,
               'max_unmap_block_desc_count': 1, 'max_unmap_lba_count': 8192,
               'max_write_same_len': 4096, 'unmap_granularity': 1},
    'rd_mcp': {'block_size': 512, 'hw_block_size': 512, 'hw_max_sectors': 4294967288,
               'hw_queue_depth': 128, 'queue_depth': 128, 'optimal_sectors': 4294967288,
               'is_nonrot': 1},
    'iblock': {'block_size': 512, 'hw_block_size': '@hw_block_size',
               'hw_max_sectors': '@hw_max_sectors', 'hw_queue_depth': 128,
               'queue_depth': 128, 'optimal_sectors': '@hw_max_sectors',
               'is_nonrot': '@nonrot', 'max_unmap_block_desc_count': 1,
               'max_unmap_lba_count': '@max_unmap_lba_count',
               'max_write_same_len': '@max_write_same_len',
               'unmap_granularity': '@unmap_granularity'},
    'user': {'hw_block_size': 512, 'hw_max_sectors': 128, 'hw_queue_depth': 128},
    'pscsi': {'hw_block_size': 512, 'hw_max_sectors': 2560, 'hw_queue_depth': 128},
}

# wwn/product_id and revision per plugin (TCMU leaves them empty)
PRODUCT = {'fileio': ('FILEIO', '4.0'), 'iblock': ('IBLOCK', '4.0'),
           'rd_mcp': ('RAMDISK-MCP', '4.0'), 'user': ('', ''), 'pscsi': ('', '')}

# backend `info` file, one format per plugin after the common status line
INFO_STATUS = ('Status: {status}  Max Queue Depth: 0  SectorSize: {block_size}  '
               'HwMaxSectors: {hw_max_sectors}\n')
INFO = {
    'fileio': ('        TCM FILEIO ID: {fid}        File: {fd_dev_name}  Size: {fd_size}  '
               'Mode: {fd_mode} Async: {fd_async_io}\n'),
    'iblock': ('        {ib_dev}{ib_udev}  readonly: {readonly}\n'
               '        {ib_major}\n'),
    'rd_mcp': ('        TCM RamDisk ID: {fid}  RamDisk Makeup: {rd_makeup}\n'
               '        PAGES/PAGE_SIZE: {rd_pages}*4096  SG_table_count: {sg_tables}  '
               'nullio: {rd_nullio} dummy: 0\n'),
    'user': ('        Config: {dev_config} Size: {dev_size} MaxDataAreaMB: 1024 '
             'DataPagesPerBlk: 1 CmdRingSizeMB: 8\n'),
    'pscsi': ('        SCSI Device Bus Location: Channel ID: {ch} Target ID: {tg} LUN: {lun}'
              ' Host ID: {host}\n{inquiry}'),
}

# control= keys each plugin understands (others are ignored, as the kernel does)
CONTROL_KEYS = {
    'fileio': ('fd_dev_name', 'fd_dev_size', 'fd_buffered_io', 'fd_async_io'),
    'iblock': ('udev_path', 'readonly', 'WWN'),
    'rd_mcp': ('rd_pages', 'rd_nullio', 'rd_dummy'),
    'user': ('dev_config', 'dev_size', 'hw_block_size', 'hw_max_sectors',
             'nl_reply_supported', 'max_data_area_mb', 'data_pages_per_blk',
             'cmd_ring_size_mb'),
    'pscsi': ('scsi_host_id', 'scsi_channel_id', 'scsi_target_id', 'scsi_lun_id',
              'udev_path'),
}

# name rules for mkdir, by kind of the new object (see objects.py, on_create)
MAX_ISCSI_WWN = 223       # ISCSI_IQN_LEN 224 with the NUL
LOOPBACK_PREFIXES = {'naa.': 'SAS', 'fc.': 'FCP', 'iqn.': 'iSCSI'}
MAX_TPGT = {'loopback': 31, 'vhost': 255}   # TL_TPGS_PER_HBA, VHOST_SCSI_MAX_TARGET - 1
FABRIC_NAME = {'iscsi': 'iSCSI'}   # fabric_name shown in alua members/statistics
TRANSPORT_PROTO = {'iscsi': 5, 'loopback': 6}
CMDSN_DEPTH_MAX = 512
