"""A restore's cost grows with what it creates, not with its square: each new
storage object must not rescan every HBA to prove its name unused."""
from lib_helpers import CountingFS


def ramdisks(n):
    return {'fabric_modules': [], 'targets': [],
            'storage_objects': [{'plugin': 'ramdisk', 'name': f'ram{i}', 'size': 4096,
                                 'wwn': f'00000000-0000-0000-0000-{i:012d}'}
                                for i in range(n)]}


def restore_calls(simdir, n):
    """Backend calls of a boot-time restore of n ramdisks into an empty kernel."""
    from rtslib import RTSRoot
    from rtslib.simkernel import SimConfigFS
    counting = CountingFS(SimConfigFS(str(simdir)))
    RTSRoot(fs=counting).restore(ramdisks(n), clear_existing=True)
    assert len(list(RTSRoot(fs=counting).storage_objects)) == n
    return counting.calls


def test_restore_of_n_storage_objects_costs_n_not_n_squared(tmp_path):
    small, large = restore_calls(tmp_path / 'a', 20), restore_calls(tmp_path / 'b', 80)
    for op in ('isdir', 'listdir', 'read'):
        # per object the same calls, however many objects came before it
        assert large[op] / 80 <= 1.1 * small[op] / 20 + 0.5, (op, small, large)


def apply_calls(simdir, n):
    """Backend calls of an apply of n ramdisks to an empty kernel (issue 17)."""
    from rtslib import RTSRoot
    from rtslib.saveconfig.apply import apply
    from rtslib.simkernel import SimConfigFS
    counting = CountingFS(SimConfigFS(str(simdir)))
    apply(RTSRoot(fs=counting), ramdisks(n))
    assert len(list(RTSRoot(fs=counting).storage_objects)) == n
    return counting.calls


def test_apply_of_n_storage_objects_costs_n_not_n_squared(tmp_path):
    small, large = apply_calls(tmp_path / 'a', 20), apply_calls(tmp_path / 'b', 80)
    for op in ('isdir', 'listdir', 'read', 'first_dir'):
        assert large[op] / 80 <= 1.1 * small[op] / 20 + 0.5, (op, small, large)
