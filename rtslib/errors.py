"""The library's one exception tree, and the translation of kernel errno.

Every OSError that the configfs backend raises becomes exactly one
RTSLibError whose message names the object, says what the kernel refused
and what would be right.  The shell catches RTSLibError once, at its
boundary, and prints the message as one line.
"""
import errno

from rtslib.configfs import errno_name


class RTSLibError(Exception):
    """Generic rtslib error: the message is meant for the user."""


class RTSLibNotInCFS(RTSLibError):
    """The object does not exist in configfs (lookup of a missing object)."""


class RTSLibBrokenLink(RTSLibError):
    """A LUN or mapped LUN whose link to its storage object or TPG LUN is gone."""


class RTSLibALUANotSupported(RTSLibError):
    """The backstore does not support ALUA target port groups."""


class SpecError(RTSLibError):
    """A fabric spec file is broken; the message names the file and field."""


# rtslib-fb 2.2 spells these with an "Error" suffix; both names work.
RTSLibNotInCFSError = RTSLibNotInCFS
RTSLibALUANotSupportedError = RTSLibALUANotSupported


# cxgbit answers EINVAL or ENODEV for the same cause
_NO_CXGBIT = 'no Chelsio (cxgbit) offload device serves that portal'

# What an errno means for one kind of operation: (action, errno) -> hint.
# action is the verb passed by the object layer; None holds the fallbacks.
HINTS = {
    ('enable iSER on', errno.EADDRNOTAVAIL):
        'no RDMA device serves that address; use an address of an RDMA (IB/RoCE/iWARP) '
        'interface, or a wildcard/loopback portal',
    ('enable iSER on', errno.ENODEV):
        'no RDMA device serves that address (ib_isert found no device); load the RDMA '
        'driver or use another portal',
    ('enable iSER on', errno.EINVAL): 'the kernel accepts only 0 or 1',
    ('enable offload on', errno.EINVAL): _NO_CXGBIT,
    ('enable offload on', errno.ENODEV): _NO_CXGBIT,
    ('create', errno.EEXIST): 'it already exists',
    ('create', errno.ENAMETOOLONG): 'the name is too long for the kernel',
    ('create', errno.ENOENT): 'its parent does not exist',
    ('create', errno.EINVAL): 'the kernel rejected the name',
    ('create portal', errno.EINVAL):
        'the kernel refused the address: a wildcard portal (0.0.0.0 or [::]) and a specific '
        'address cannot share a port in one TPG',
    ('create target', errno.EINVAL):
        'the kernel rejected the name for this fabric (an iSCSI name is at most 223 '
        'characters; a hardware fabric takes only the ports it has)',
    ('create tpg', errno.EINVAL): 'the kernel rejected the tag (use 0-65535)',
    ('link', errno.ENODEV):
        'the storage object is not enabled; finish its configuration and enable it first',
    ('alua', errno.EINVAL): 'its storage object has no ALUA group of that name',
    ('configure', errno.EEXIST): 'that setting is already made and cannot change',
    ('configure', errno.EINVAL): 'the kernel rejected the control string',
    ('create', errno.EADDRINUSE): 'the address and port are already in use',
    ('delete', errno.EBUSY): 'it is in use; remove the LUNs or mapped LUNs that use it first',
    ('delete', errno.ENOTEMPTY): 'it still has children; delete them first',
    ('delete', errno.EPERM): 'the kernel made this directory itself and removes it with its parent',
    ('link', errno.EEXIST): 'it is already linked',
    ('link', errno.ENOENT): 'the link target does not exist',
    ('enable', errno.EEXIST): 'it is already enabled (a backstore enables once)',
    ('enable', errno.EINVAL): 'its device is not configured (write its control settings '
                              'and udev_path first)',
    ('enable', errno.ENOENT): 'its backing device or file does not exist',
    ('set the unit serial of', errno.EINVAL):
        'the serial cannot change while the storage object is exported by a LUN',
    (None, errno.EINVAL): 'the kernel rejected the value',
    (None, errno.EACCES): 'there is no such attribute, or it is read-only',
    (None, errno.EPERM): 'operation not permitted (are you root?)',
    (None, errno.ENOENT): 'it does not exist',
    (None, errno.EEXIST): 'it already exists',
    (None, errno.EBUSY): 'it is in use',
    (None, errno.ENODEV): 'the device it needs is not present',
    (None, errno.ENOSPC): 'the kernel is out of space for it',
    (None, errno.EOVERFLOW): 'the value is too long',
}


def user_message(err):
    """What a user is told of an error (the library's, or an OSError from a file):
    an OSError's strerror and file name, else its message.  None for anything else,
    which is an internal error."""
    if isinstance(err, OSError) and err.strerror:
        return err.strerror + (f': {err.filename}' if err.filename else '')
    if isinstance(err, (RTSLibError, OSError)):
        return str(err) or type(err).__name__
    return None


def kernel_error(err, action, what, key=None):
    """One RTSLibError for an OSError the kernel raised doing `action` on `what`.

    key picks the hint (e.g. 'create portal'); it falls back to its first word,
    then to the action, then to the errno alone."""
    keys = [k for k in (key, key.split()[0] if key else None, action) if k] + [None]
    hint = next((HINTS[(k, err.errno)] for k in keys if (k, err.errno) in HINTS),
                err.strerror or 'the kernel refused')
    return RTSLibError(f'Cannot {action} {what}: {hint} ({errno_name(err)})')
