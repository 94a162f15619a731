"""Where the real rtslib-fb clients' code comes from at test time; none is committed.

    python3 tests/client_sources.py fetch     (tests/run's install step runs it)

- cinder's rtstool: the `cinder` sdist from PyPI (`pip download`), pinned, of
  which cinder/__init__.py, cinder/i18n.py and cinder/cmd/rtstool.py are kept;
  cinder.i18n needs oslo.i18n (tests/run installs it).
- targetd: published on no package registry this project's machines reach, so
  it is run when LIO_TARGETD_SRC names a checkout of open-iscsi/targetd; its
  targetd/*.py files are then copied here, so later runs (and the VM guest)
  have them too.

Both land in CACHE, a fixed path the VM guest gets too (checks_clients.py's
GUEST_TREES).  When a client cannot be had, ClientUnavailable says why and how.
"""
import glob
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

CACHE = '/var/cache/lio-py-tests/clients'
CINDER_VERSION = '29.0.0'
CINDER_FILES = ('cinder/__init__.py', 'cinder/i18n.py', 'cinder/cmd/__init__.py',
                'cinder/cmd/rtstool.py')
CINDER_DIR = os.path.join(CACHE, f'cinder-{CINDER_VERSION}')
TARGETD_DIR = os.path.join(CACHE, 'targetd')


class ClientUnavailable(RuntimeError):
    """A client's code could not be had; the message says how to get it."""


def _complete(top, files):
    return all(os.path.isfile(os.path.join(top, f)) for f in files)


def cinder():
    """A directory holding cinder/ (rtstool and what it imports), fetched once."""
    if not _complete(CINDER_DIR, CINDER_FILES):
        _fetch_cinder()
    # what cinder/__init__.py and cinder/i18n.py import (looked for, not imported here)
    missing = [m for m in ('eventlet', 'oslo_i18n') if importlib.util.find_spec(m) is None]
    if missing:
        raise ClientUnavailable(f"cinder's rtstool imports {', '.join(missing)}: pip install "
                                f'eventlet oslo.i18n (tests/run installs them)')
    return CINDER_DIR


def _fetch_cinder():
    os.makedirs(CACHE, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        res = subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps',
                              '--no-binary', ':all:', '-d', tmp, f'cinder=={CINDER_VERSION}'],
                             capture_output=True, text=True, check=False)
        sdists = glob.glob(os.path.join(tmp, 'cinder-*.tar.gz'))
        if res.returncode != 0 or not sdists:
            raise ClientUnavailable(f"cannot get cinder's rtstool: `pip download "
                                    f"cinder=={CINDER_VERSION} --no-deps --no-binary :all:` "
                                    f"failed: {(res.stderr or res.stdout).strip()[-500:]}")
        staging = os.path.join(tmp, 'cinder')
        with tarfile.open(sdists[0]) as tar:
            for rel in CINDER_FILES:
                member = tar.getmember(f'cinder-{CINDER_VERSION}/{rel}')
                data = tar.extractfile(member).read()
                os.makedirs(os.path.dirname(os.path.join(staging, rel)), exist_ok=True)
                with open(os.path.join(staging, rel), 'wb') as f:
                    f.write(data)
        shutil.rmtree(CINDER_DIR, ignore_errors=True)
        os.rename(staging, CINDER_DIR)


def targetd():
    """A directory holding targetd/ (block.py and what it imports)."""
    src = os.environ.get('LIO_TARGETD_SRC')
    if src:
        if not os.path.isfile(os.path.join(src, 'targetd', 'block.py')):
            raise ClientUnavailable(f'LIO_TARGETD_SRC={src} has no targetd/block.py: give a '
                                    f'checkout of open-iscsi/targetd')
        _copy_targetd(src)
    if not os.path.isfile(os.path.join(TARGETD_DIR, 'targetd', 'block.py')):
        raise ClientUnavailable('targetd is published on no package registry this machine '
                                'reaches (PyPI, Debian): set LIO_TARGETD_SRC to a checkout of '
                                'open-iscsi/targetd to run its block export functions')
    return TARGETD_DIR


def _copy_targetd(src):
    staging = tempfile.mkdtemp(dir=os.makedirs(CACHE, exist_ok=True) or CACHE)
    for rel in ('targetd', 'targetd/backends'):
        os.makedirs(os.path.join(staging, rel))
        for path in glob.glob(os.path.join(src, rel, '*.py')):
            shutil.copy(path, os.path.join(staging, rel))
    shutil.rmtree(TARGETD_DIR, ignore_errors=True)
    os.rename(staging, TARGETD_DIR)


def main(argv):
    if argv[1:] != ['fetch']:
        print('usage: python3 tests/client_sources.py fetch', file=sys.stderr)
        return 2
    status = 0
    for name, get in (('cinder rtstool', cinder), ('targetd', targetd)):
        try:
            print(f'client_sources: {name}: {get()}')
        except ClientUnavailable as e:
            print(f'client_sources: {name}: {e}', file=sys.stderr)
            status = status or (1 if get is cinder else 0)
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv))
