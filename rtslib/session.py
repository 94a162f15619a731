"""An initiator's session, as the kernel shows it in its node ACL's info file."""


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
