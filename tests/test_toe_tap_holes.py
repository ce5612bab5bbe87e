"""Samples a device lost (a FIFO overflow: 0.1-0.5 s) can hide a toe tap's 10-30 ms impact
whole. The host interpolates across a hole up to 0.25 s long and tells the engine where it is
(a record before its samples); within a running set, a tap 1.7-2.3 intervals after the last,
with the hole where the tap between was due, counts that tap too."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from heeltrack.analysis import GAP_MARK, HOLE_MARK, engine_input, events_to_sets, run_cpython
from heeltrack.sim import simulate_set
from heeltrack.trace import Trace, resample

# test seeds whose middle tap is lost with 0.15 s of samples around it
SEEDS = (1, 2, 9)


def _still(seconds: float = 20.0) -> Trace:
    t = np.arange(0.0, seconds, 0.01)
    acc = np.tile([0.0, 0.0, 1.0], (len(t), 1))
    return Trace(t, acc, np.zeros((len(t), 3)))


def _without(trace: Trace, t0: float, seconds: float) -> Trace:
    keep = (trace.t < t0) | (trace.t >= t0 + seconds)
    return Trace(trace.t[keep], trace.acc[keep], trace.gyro[keep])


def test_a_hole_is_announced_before_its_samples() -> None:
    calls = engine_input(resample(_without(_still(), 5.0, 0.15), 100.0))
    holes = [i for i, c in enumerate(calls) if c[0] == HOLE_MARK]
    assert len(holes) == 1
    assert 14 <= calls[holes[0]][1] <= 16
    assert holes[0] in range(495, 505)  # (after the samples before 5.0 s)
    assert all(c[0] != GAP_MARK for c in calls)


def test_a_lost_sample_is_no_hole_and_a_long_gap_is_a_gap() -> None:
    one = engine_input(resample(_without(_still(), 5.0, 0.01), 100.0))
    assert all(c[0] not in (HOLE_MARK, GAP_MARK) for c in one)
    long = engine_input(resample(_without(_still(), 5.0, 0.4), 100.0))
    assert all(c[0] != HOLE_MARK for c in long)
    assert any(c[0] == GAP_MARK for c in long)


@cache
def _set(seed: int) -> tuple[Trace, list[float]]:
    trace, truth = simulate_set(seed, "toe_tap", ranges="default")
    return trace, [r["t_s"] for r in truth["sets"][0]["reps"]]


def _counted(trace: Trace, tell_holes: bool = True) -> int:
    calls = engine_input(resample(trace, 100.0))
    if not tell_holes:
        calls = [c for c in calls if c[0] != HOLE_MARK]
    sets = events_to_sets(run_cpython(calls))
    return sum(s["count"] for s in sets if s["exercise"] == "toe_tap")


def holed_at_tap(seed: int) -> Trace:
    """The set with 0.15 s lost around its middle tap's impact."""
    trace, taps = _set(seed)
    return _without(trace, taps[len(taps) // 2] - 0.06, 0.15)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_tap_lost_in_a_hole_counts(seed: int) -> None:
    trace, taps = _set(seed)
    assert _counted(trace) == len(taps)
    holed = holed_at_tap(seed)
    assert _counted(holed, tell_holes=False) == len(taps) - 1  # the impact is gone
    assert _counted(holed) == len(taps)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_hole_between_taps_adds_none(seed: int) -> None:
    # (a known limit: a hole just where a tap was due while the person paused one interval
    # counts a tap that was not made; test seed 4 shows it when the hole is put there)
    trace, taps = _set(seed)
    k = len(taps) // 2
    mid = (taps[k] + taps[k + 1]) / 2
    assert _counted(_without(trace, mid - 0.075, 0.15)) == len(taps)
