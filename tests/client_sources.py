"""Where the real rtslib-fb clients' code comes from at test time; none is committed.

    python3 tests/client_sources.py fetch     (tests/run's install step runs it)

- cinder's rtstool: the `cinder` sdist from PyPI (`pip download`), pinned, of
  which cinder/__init__.py, cinder/i18n.py and cinder/cmd/rtstool.py are kept;
  cinder.i18n needs oslo.i18n (tests/run installs it).
- targetd: published on no package registry (not PyPI, not Debian), so the
  files its block export functions need are committed, unchanged, under
  tests/third_party/targetd (its README says from which commit);
  LIO_TARGETD_SRC names another checkout of open-iscsi/targetd to run instead,
  whose targetd/*.py files are then copied here, so the VM guest has them too.

Fetched and copied clients land in a cache in the VM harness's work dir (tests/vm/.work/clients,
or under LIO_VM_WORKDIR; gitignored), which the VM guest reads at the same
path.  When a client cannot be had, ClientUnavailable says why and how.
"""
import glob
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CINDER_VERSION = '29.0.0'
CINDER_FILES = ('cinder/__init__.py', 'cinder/i18n.py', 'cinder/cmd/__init__.py',
                'cinder/cmd/rtstool.py')


def cache_dir(vm_work=None):
    """Where fetched clients live: vm_work (the guest passes its harness work
    dir's parent), else the harness's work dir as tests/vm/harness.py picks it."""
    top = vm_work or os.environ.get('LIO_VM_WORKDIR') or \
        os.path.join(REPO, 'tests', 'vm', '.work')
    return os.path.join(top, 'clients')


class ClientUnavailable(RuntimeError):
    """A client's code could not be had; the message says how to get it."""


def _complete(top, files):
    return all(os.path.isfile(os.path.join(top, f)) for f in files)


def cinder(cache=None):
    """A directory holding cinder/ (rtstool and what it imports), fetched once."""
    cache = cache or cache_dir()
    top = os.path.join(cache, f'cinder-{CINDER_VERSION}')
    if not _complete(top, CINDER_FILES):
        _fetch_cinder(cache, top)
    # what cinder/__init__.py and cinder/i18n.py import (looked for, not imported here)
    missing = [m for m in ('eventlet', 'oslo_i18n') if importlib.util.find_spec(m) is None]
    if missing:
        raise ClientUnavailable(f"cinder's rtstool imports {', '.join(missing)}: pip install "
                                f'eventlet oslo.i18n (tests/run installs them)')
    return top


def _fetch_cinder(cache, top):
    os.makedirs(cache, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
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
        shutil.rmtree(top, ignore_errors=True)
        os.rename(staging, top)


def targetd(cache=None):
    """A directory holding targetd/ (block.py and what it imports)."""
    src = os.environ.get('LIO_TARGETD_SRC')
    if not src:
        return os.path.join(REPO, 'tests', 'third_party', 'targetd')
    if not os.path.isfile(os.path.join(src, 'targetd', 'block.py')):
        raise ClientUnavailable(f'LIO_TARGETD_SRC={src} has no targetd/block.py: give a '
                                f'checkout of open-iscsi/targetd')
    top = os.path.join(cache or cache_dir(), 'targetd')
    _copy_targetd(src, top)
    return top


def _copy_targetd(src, top):
    os.makedirs(os.path.dirname(top), exist_ok=True)
    staging = tempfile.mkdtemp(dir=os.path.dirname(top))
    for rel in ('targetd', 'targetd/backends'):
        os.makedirs(os.path.join(staging, rel))
        for path in glob.glob(os.path.join(src, rel, '*.py')):
            shutil.copy(path, os.path.join(staging, rel))
    shutil.rmtree(top, ignore_errors=True)
    os.rename(staging, top)


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
            status = 1
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv))
