"""The open-iscsi initiator in the guest (iscsid + iscsiadm), and the data check.

iscsid runs once per boot; its node and discovery databases live in
/etc/iscsi (made writable by e2e_guest.writable_etc) and are wiped at the
start of each check so that no check sees another's records.
"""
import glob
import hashlib
import mmap
import os
import shutil
import time

from e2e_guest import INITIATOR, E2EFailure, expect, output, run, writable_etc

DB_DIRS = ('/etc/iscsi/nodes', '/etc/iscsi/send_targets', '/etc/iscsi/ifaces')
DATA_SIZE = 16 << 20


def _iscsid_running():
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                with open('/proc/%s/comm' % pid) as f:
                    if f.read().strip() == 'iscsid':
                        return True
            except OSError:
                continue
    return False


class Initiator:
    """iscsiadm wrapped: every attempt is logged as LOGIN OK / LOGIN REJECTED lines."""

    def __init__(self, log):
        self.log = log
        writable_etc()
        if not os.path.exists('/etc/iscsi/initiatorname.iscsi.e2e'):
            with open('/etc/iscsi/initiatorname.iscsi', 'w') as f:
                f.write('InitiatorName=%s\n' % INITIATOR)
            open('/etc/iscsi/initiatorname.iscsi.e2e', 'w').close()
        self.logout_all()
        for d in DB_DIRS:
            shutil.rmtree(d, ignore_errors=True)
        if not _iscsid_running():
            res = run(['modprobe', '-a', 'iscsi_tcp'])
            expect(res.returncode == 0, 'modprobe iscsi_tcp: ' + output(res))
            res = run(['iscsid'])
            expect(res.returncode == 0, 'iscsid did not start: ' + output(res))
            log('# iscsid started, initiator name %s' % INITIATOR)

    def adm(self, *args):
        return run(['iscsiadm'] + list(args), timeout=180)

    # -- ifaces: another initiator name or the iser transport ------------------
    def iface(self, name, initiator_name):
        """A tcp iface presenting another initiator name (an 'unknown' initiator)."""
        res = self.adm('-m', 'iface', '-I', name, '-o', 'new')
        expect(res.returncode == 0, 'iface new: ' + output(res))
        res = self.adm('-m', 'iface', '-I', name, '-o', 'update', '-n', 'iface.initiatorname',
                       '-v', initiator_name)
        expect(res.returncode == 0, 'iface update: ' + output(res))
        return name

    # -- discovery ---------------------------------------------------------------
    def discover(self, portal, ifaces=('default',), chap=None, expect_ok=True):
        """SendTargets discovery; chap=(user, secret) sets discovery.sendtargets.auth.*.

        All ifaces that will log in go in one discovery: a later discovery of
        the same portal drops the node records of ifaces it was not given.
        Returns the list of (portal, iqn) found; logs DISCOVERY OK/REJECTED.
        """
        iface_args = [a for i in ifaces for a in ('-I', i)]
        if chap is None:
            res = self.adm(*(['-m', 'discovery', '-t', 'st', '-p', portal] + iface_args))
        else:
            base = ['-m', 'discoverydb', '-t', 'st', '-p', portal] + iface_args
            self.adm(*(base + ['-o', 'new']))
            self.adm(*(base + ['-o', 'update', '-n', 'discovery.sendtargets.auth.authmethod',
                               '-v', 'CHAP', '-n', 'discovery.sendtargets.auth.username',
                               '-v', chap[0], '-n', 'discovery.sendtargets.auth.password',
                               '-v', chap[1]]))
            res = self.adm(*(base + ['--discover']))
        how = 'with CHAP user %s' % chap[0] if chap else 'without credentials'
        found = [tuple(line.split()) for line in res.stdout.splitlines() if ' iqn.' in line]
        if res.returncode == 0:
            self.log('DISCOVERY OK portal %s %s: %s' % (portal, how,
                                                       ', '.join(t for _, t in found)))
        else:
            self.log('DISCOVERY REJECTED portal %s %s: %s'
                     % (portal, how, _last_error(res)))
        if expect_ok is not None and (res.returncode == 0) != expect_ok:
            raise E2EFailure('discovery on %s %s: expected %s, got exit %d: %s'
                             % (portal, how, 'success' if expect_ok else 'rejection',
                                res.returncode, output(res)))
        return found

    # -- node settings and login ---------------------------------------------------
    def chap(self, iqn, portal, iface='default', user=None, secret=None, user_in=None,
             secret_in=None):
        """Node CHAP settings: (user, secret) the initiator proves, *_in the target proves."""
        settings = {'node.session.auth.authmethod': 'CHAP' if user else 'None',
                    'node.session.auth.username': user or '',
                    'node.session.auth.password': secret or '',
                    'node.session.auth.username_in': user_in or '',
                    'node.session.auth.password_in': secret_in or ''}
        # one iscsiadm for all settings: it takes several -n/-v pairs
        pairs = [a for key, value in settings.items() for a in ('-n', key, '-v', value)]
        res = self.adm(*(['-m', 'node', '-T', iqn, '-p', portal, '-I', iface, '-o', 'update']
                         + pairs))
        expect(res.returncode == 0, 'node update of CHAP settings: %s' % output(res))

    def login(self, iqn, portal, iface='default', expect_ok=True, why=''):
        """Log in; logs LOGIN OK / LOGIN REJECTED (why) and checks the expectation."""
        res = self.adm('-m', 'node', '-T', iqn, '-p', portal, '-I', iface, '--login')
        ok = res.returncode == 0
        tail = ' (%s)' % why if why else ''
        if ok:
            self.log('LOGIN OK %s portal %s iface %s%s' % (iqn, portal, iface, tail))
        else:
            self.log('LOGIN REJECTED%s %s portal %s iface %s: %s'
                     % (tail, iqn, portal, iface, _last_error(res)))
        if expect_ok is not None and ok != expect_ok:
            raise E2EFailure('login to %s on %s (iface %s)%s: expected %s, got exit %d: %s'
                             % (iqn, portal, iface, tail,
                                'success' if expect_ok else 'rejection', res.returncode,
                                output(res)))
        return ok

    def logout(self, iqn, portal, iface='default'):
        res = self.adm('-m', 'node', '-T', iqn, '-p', portal, '-I', iface, '--logout')
        expect(res.returncode == 0, 'logout %s: %s' % (iqn, output(res)))
        self.log('LOGOUT %s portal %s iface %s' % (iqn, portal, iface))

    def logout_all(self):
        if glob.glob('/sys/class/iscsi_session/session*'):
            self.adm('-m', 'node', '-U', 'all')

    def session_transport(self, iqn):
        """'tcp' or 'iser' for the logged-in session to iqn (from iscsiadm -m session)."""
        res = self.adm('-m', 'session')
        for line in res.stdout.splitlines():
            if iqn in line.split():
                return line.split(':')[0]
        return None

    # -- disks -----------------------------------------------------------------
    def disks(self, iqn, count, timeout=30):
        """{lun: '/dev/sdX'} for the session to iqn, once `count` disks are there."""
        end = time.time() + timeout
        while True:
            found = session_disks(iqn)
            if len(found) >= count or time.time() > end:
                break
            time.sleep(0.3)
        expect(len(found) >= count, 'session to %s shows %d disks, expected %d: %s'
               % (iqn, len(found), count, found))
        return found


def _last_error(res):
    lines = [ln for ln in output(res).splitlines() if 'iscsiadm:' in ln]
    return (lines[1] if len(lines) > 1 else lines[0] if lines else output(res)).strip()


def session_disks(iqn):
    """{lun number: /dev/sdX} of the iSCSI sessions to iqn (from sysfs)."""
    out = {}
    for sess in glob.glob('/sys/class/iscsi_session/session*'):
        try:
            with open(sess + '/targetname') as f:
                if f.read().strip() != iqn:
                    continue
        except OSError:
            continue
        dev = os.path.realpath(sess + '/device')
        out.update(scsi_disks(glob.glob(dev + '/target*/*:*:*:*')))
    return out


def scsi_disks(scsi_dev_dirs):
    """{lun: /dev/sdX} for sysfs SCSI device dirs (named H:C:T:L) that have a block disk."""
    out = {}
    for d in scsi_dev_dirs:
        blocks = glob.glob(d + '/block/*')
        if blocks and os.path.exists('/dev/' + os.path.basename(blocks[0])):
            out[int(os.path.basename(d).split(':')[-1])] = '/dev/' + os.path.basename(blocks[0])
    return out


def disk_bytes(dev):
    with open('/sys/block/%s/size' % os.path.basename(dev)) as f:
        return int(f.read()) * 512


def disk_model(dev):
    try:
        with open('/sys/block/%s/device/model' % os.path.basename(dev)) as f:
            return f.read().strip()
    except OSError:
        return '?'


def _aligned(size):
    return mmap.mmap(-1, size)         # page-aligned, as O_DIRECT needs


def write_random(dev, size=DATA_SIZE):
    """Write `size` random bytes with O_DIRECT; returns their sha256."""
    data = os.urandom(size)
    buf = _aligned(size)
    buf.write(data)
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
    try:
        written = os.write(fd, buf)
        os.fsync(fd)
    finally:
        os.close(fd)
    expect(written == size, 'short write on %s: %d of %d' % (dev, written, size))
    return hashlib.sha256(data).hexdigest()


def read_sha(dev, size=DATA_SIZE):
    """sha256 of the first `size` bytes read back with O_DIRECT (no page cache)."""
    buf = _aligned(size)
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    try:
        got = os.readv(fd, [buf])
    finally:
        os.close(fd)
    expect(got == size, 'short read on %s: %d of %d' % (dev, got, size))
    return hashlib.sha256(buf).hexdigest()


def round_trip(log, label, dev, size=DATA_SIZE):
    """16 MiB random write + read back with O_DIRECT; logs CHECKSUM and returns the sha."""
    t0 = time.time()
    wrote = write_random(dev, size)
    read = read_sha(dev, size)
    same = wrote == read
    log('CHECKSUM %s %s (%s) %d MiB sha256=%s %s (%.1fs)'
        % (label, dev, disk_model(dev), size >> 20, wrote,
           'write==read' if same else 'MISMATCH read sha256=' + read, time.time() - t0))
    expect(same, 'data read back from %s (%s) differs from what was written' % (dev, label))
    return wrote
