"""The `sessions` command: open iSCSI sessions read from the node ACLs."""
from targetcli.cshell import ExecutionError


def _sessions(rtsroot):
    sessions = getattr(rtsroot, 'sessions', None)
    return list(sessions) if sessions is not None else []


def show_sessions(node, action, sid, source=None):
    """Print the sessions (of source: an object with .sessions, default all) as a
    list or in detail (action list|detail), or one session (sid)."""
    if action not in ('list', 'detail'):
        raise ExecutionError(f"action must be one of: list, detail (not {action})")
    if sid is not None and not str(sid).isdigit():
        raise ExecutionError(f"sid must be a number, '{sid}' given")
    found = _sessions(source if source is not None else node.get_root().rtsroot)
    if sid is not None:
        found = [s for s in found if int(s.get('id', -1)) == int(sid)]
        if not found:
            raise ExecutionError(f"no session found with sid {sid}")
    con = node.shell.con
    if not found:
        con.display("(no open sessions)")
        return
    for session in found:
        con.display(f"alias: {session.get('alias')}\tsid: {session.get('id')} type: "
                    f"{session.get('type')} session-state: {session.get('state')}")
        if action != 'detail':
            continue
        acl = session.get('parent_nodeacl')
        if acl is not None:
            con.display(f"    name: {acl.node_wwn}")
            for mlun in acl.mapped_luns:
                so = mlun.tpg_lun.storage_object
                mode = "r" if mlun.write_protect else "rw"
                con.display(f"    mapped-lun: {mlun.mapped_lun} backstore: "
                            f"{so.plugin}/{so.name} mode: {mode}")
        for conn in session.get('connections', ()):
            con.display(f"    address: {conn.get('address')} ({conn.get('transport')})  "
                        f"cid: {conn.get('cid')} connection-state: {conn.get('cstate')}")
