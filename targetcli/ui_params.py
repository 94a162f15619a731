"""What the TPG and node ACL nodes share: CHAP names and iSCSI parameter descriptions."""
from rtslib.node import AUTH_PARAMS  # noqa: F401 (the CHAP settings, as rtslib names them)

# the seed page (Datera's targetcli) names the TPG's mutual CHAP this way
AUTH_ALIASES = {('auth', 'userid_mutual'): 'mutual_userid',
                ('auth', 'password_mutual'): 'mutual_password'}

# iSCSI parameters of a TPG or a node ACL: name -> (type, help)
ISCSI_PARAMETERS = {
    'DataPDUInOrder': ('yesno', 'If set to Yes, the data PDUs within sequences must be '
                                'in order.'),
    'DataSequenceInOrder': ('yesno', 'If set to Yes, the data sequences must be in order.'),
    'DefaultTime2Retain': ('number', 'Maximum time, in seconds, after an initial wait, '
                                     'before which an active task reassignment is still '
                                     'possible after an unexpected connection termination '
                                     'or a connection reset.'),
    'DefaultTime2Wait': ('number', 'Minimum time, in seconds, to wait before attempting '
                                   'an explicit/implicit logout or an active task '
                                   'reassignment after an unexpected connection '
                                   'termination or a connection reset.'),
    'ErrorRecoveryLevel': ('number', 'Recovery levels represent a combination of '
                                     'recovery capabilities.'),
    'FirstBurstLength': ('number', 'Maximum amount in bytes of unsolicited data an '
                                   'initiator may send.'),
    'InitialR2T': ('yesno', 'If set to No, the default use of R2T (Ready To Transfer) '
                            'is disabled.'),
    'MaxBurstLength': ('number', 'Maximum SCSI data payload in bytes in a Data-In or a '
                                 'solicited Data-Out iSCSI sequence.'),
    'MaxConnections': ('number', 'Maximum number of connections acceptable.'),
    'MaxOutstandingR2T': ('number', 'Maximum number of outstanding R2Ts per task.'),
    'MaxRecvDataSegmentLength': ('number', 'Maximum data segment length in bytes the '
                                           'target can receive in an iSCSI PDU.'),
    'MaxXmitDataSegmentLength': ('number', 'Outgoing MaxRecvDataSegmentLength sent over '
                                           'the wire during iSCSI login response.'),
    'TargetAlias': ('string', 'Human-readable target name or description.'),
}
