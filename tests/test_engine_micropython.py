"""The engine in the MicroPython unix port: same events as CPython, no allocation per sample."""

from __future__ import annotations

import numpy as np

from heeltrack.analysis import (
    GAP_MARK,
    HOLE_MARK,
    RATE_MARK,
    encode_calls,
    engine_input,
    run_cpython,
    run_micropython,
)
from heeltrack.sim import simulate_set
from heeltrack.trace import Trace, read_trace, resample
from tests import kinematics as k
from tests.conftest import REAL_DIR
from tests.mp import run_mp
from tests.test_engine_synthetic import bouncing_heel_raises, heel_raises
from tests.test_heel_raise_sets import _drop
from tests.test_lost_samples import holed_at_rep

REAL = REAL_DIR / "gaitmap_imu_sample_left.csv"


def _circles(clockwise: bool):
    rot, _ = k.circles(6, 2.5, 18.0, clockwise)
    base = k.pitch_rotation(np.radians([-50.0]))[0]
    return k.decimate(*k.imu_from_rotations(rot, base=base))


def _calls(t, a, g):
    return engine_input(resample(Trace(t, a, g), 100.0))


def _session_calls():
    """Heel raises, a pause, circles both ways: many events of several kinds."""
    parts = [heel_raises(5, 22.0, 1.5), _circles(True), _circles(False)]
    calls = []
    for t, a, g in parts:
        calls += _calls(t, a, g)
    return calls


def test_micropython_gives_the_same_events_as_cpython(micropython_bin: str) -> None:
    calls = _session_calls()
    expected = run_cpython(calls)
    assert len(expected) >= 3 * 3  # three sets, each with start, reps, end
    assert run_micropython(calls) == expected


def test_real_walk_same_in_both_runtimes(micropython_bin: str) -> None:
    calls = engine_input(resample(read_trace(REAL), 100.0))
    assert run_micropython(calls) == run_cpython(calls)


def test_feed_allocates_nothing_in_steady_state(micropython_bin: str) -> None:
    calls = [c for c in _session_calls() if len(c) == 6]
    out = run_mp("engine_heap", "run", stdin=encode_calls(calls)).stdout.decode().split()
    allocated, starts, reps, ends = (int(x) for x in out)
    assert allocated == 0
    # the locked part included set starts, reps and set ends (the event path is covered)
    assert starts >= 2 and reps >= 8 and ends >= 1


def test_a_50_hz_source_same_in_both_runtimes(micropython_bin: str) -> None:
    # (the calls start with the source's rate, which lowers the toe-tap threshold)
    trace, _ = simulate_set(3, "toe_tap", ranges="default", rate_hz=50.0, jitter=True)
    calls = engine_input(resample(trace, 100.0))
    assert calls[0][0] == RATE_MARK
    expected = run_cpython(calls)
    assert len(expected) >= 3
    assert run_micropython(calls) == expected


def test_a_gap_mid_set_same_in_both_runtimes(micropython_bin: str) -> None:
    # 0.7 s of samples lost in a bouncing calf-raise set: the detectors restart, keeping
    # what the calf-raise one learnt (tests/test_heel_raise_sets.py)
    calls = _calls(*_drop(*bouncing_heel_raises(8, 3.0, 0.6), 9.0, 0.7))
    assert any(c[0] == GAP_MARK and c[1] >= 50 for c in calls)
    expected = run_cpython(calls)
    assert len(expected) >= 8 + 2
    assert run_micropython(calls) == expected


def test_a_hole_mid_set_same_in_both_runtimes(micropython_bin: str) -> None:
    # 0.15 s lost around a toe tap: the host tells the engine, and the tap still counts
    # (tests/test_lost_samples.py)
    calls = engine_input(resample(holed_at_rep("toe_tap", 1), 100.0))
    assert any(c[0] == HOLE_MARK for c in calls)
    expected = run_cpython(calls)
    assert len(expected) >= 10 + 2
    assert run_micropython(calls) == expected
