"""Replay both real-kernel recordings on the simulator: the seed workflow, then every
errors.tsv row in order, with the kernel's answer (OK / errno / value read back)."""
import pytest

from rtslib.simkernel import SimConfigFS
from sim_helpers import tmp_path  # noqa: F401  (sim dirs on tmpfs: much faster)
from sim_helpers import RECORDINGS, error_rows, run, seed_ops




def replay_seed(fs, recording):
    for line, op, failed in seed_ops(recording):
        result = run(fs, op)
        assert (result != 'OK') == failed, '%s: %s' % (line, result)


@pytest.mark.parametrize('recording', RECORDINGS)
def test_seed_workflow_then_errors_tsv(tmp_path, recording):
    fs = SimConfigFS(str(tmp_path / 'sim'))
    replay_seed(fs, recording)
    mismatches = []
    for text, op, expected in error_rows(recording):
        assert op is not None, 'cannot parse: %s' % text
        got = run(fs, op)
        if got != expected:
            mismatches.append('%s\n    kernel: %s\n    sim:    %s' % (text, expected, got))
    assert not mismatches, '%d rows differ:\n%s' % (len(mismatches), '\n'.join(mismatches))
