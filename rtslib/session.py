"""An initiator's session, as the kernel shows it in its node ACL's info file
(iSCSI) or in a mapped LUN's attached-initiator port statistics (any fabric)."""

# a mapped LUN's statistics that the kernel answers only while the ACL's
# initiator is logged in (ENODEV otherwise): the session's index, and
# "<initiator>+i+<the fabric's session id, if it has one>"
PORT_FILES = ('scsi_att_intr_port/indx', 'scsi_att_intr_port/port_ident')


def parse(lines, acl):
    """rtslib-fb's session dict from the lines of <acl>/info, or None (no session)."""
    if not lines or lines[0].startswith('No active'):
        return None
    session = {'parent_nodeacl': acl, 'connections': []}
    for line in lines:
        if line.startswith('InitiatorAlias:'):
            session['alias'] = line.split(':', 1)[1].strip()
        elif line.startswith('LIO Session ID:'):
            session['id'] = int(line.split(':')[1].split()[0])
            session['type'] = line.split('SessionType:')[1].split()[0].strip()
        elif 'TARG_SESS_STATE_' in line:
            session['state'] = line.split('_STATE_')[1].split()[0]
        elif 'TARG_CONN_STATE_' in line:
            session['connections'].append({
                'cid': int(line.split(':')[1].split()[0]),
                'cstate': line.split('_STATE_')[1].split()[0]})
        elif 'Address' in line and session['connections']:
            parts = line.split()
            session['connections'][-1].update(address=parts[1], transport=parts[2])
    return session


def from_port(index, port_ident, acl):
    """rtslib-fb's session dict from a mapped LUN's port statistics (PORT_FILES'
    texts, None where unreadable), or None (no session)."""
    if port_ident is None or '+i+' not in port_ident:
        return None
    index = (index or '').strip()
    return {'parent_nodeacl': acl, 'alias': '', 'id': int(index) if index.isdigit() else 0,
            'type': 'Normal', 'state': 'LOGGED_IN', 'connections': []}
