"""Samples a device lost (a FIFO overflow: 0.1-0.5 s) can hide a toe tap's 10-30 ms impact, or
a heel strike's, whole. The host interpolates across a hole up to 0.25 s long and tells the
engine where it is (a record before its samples); within a running set, a tap (or step) 1.7-2.3
intervals (strides) after the last, with the hole where the one between was due, counts that
one too."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from heeltrack.analysis import GAP_MARK, HOLE_MARK, engine_input, events_to_sets, run_cpython
from heeltrack.sim import simulate_set
from heeltrack.trace import Trace, resample

# test seeds whose middle tap (step) is lost with 0.15 s of samples around it
LOST = [("toe_tap", 1), ("toe_tap", 2), ("toe_tap", 9), ("heel_walk", 5), ("heel_walk", 8)]
LOST += [("heel_walk", 15)]


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
def _set(exercise: str, seed: int) -> tuple[Trace, list[float]]:
    trace, truth = simulate_set(seed, exercise, ranges="default")
    return trace, [r["t_s"] for r in truth["sets"][0]["reps"]]


def _counted(trace: Trace, exercise: str, tell_holes: bool = True) -> int:
    calls = engine_input(resample(trace, 100.0))
    if not tell_holes:
        calls = [c for c in calls if c[0] != HOLE_MARK]
    sets = events_to_sets(run_cpython(calls))
    return sum(s["count"] for s in sets if s["exercise"] == exercise)


def holed_at_rep(exercise: str, seed: int) -> Trace:
    """The set with 0.15 s lost around its middle tap's (step's) impact."""
    trace, reps = _set(exercise, seed)
    return _without(trace, reps[len(reps) // 2] - 0.06, 0.15)


@pytest.mark.parametrize(("exercise", "seed"), LOST)
def test_a_rep_lost_in_a_hole_counts(exercise: str, seed: int) -> None:
    trace, reps = _set(exercise, seed)
    assert _counted(trace, exercise) == len(reps)
    holed = holed_at_rep(exercise, seed)
    assert _counted(holed, exercise, tell_holes=False) == len(reps) - 1  # the impact is gone
    assert _counted(holed, exercise) == len(reps)


@pytest.mark.parametrize(("exercise", "seed"), LOST)
def test_a_hole_between_reps_adds_none(exercise: str, seed: int) -> None:
    # (a known limit: a hole just where a tap was due while the person paused one interval
    # counts a tap that was not made; toe-tap test seed 4 shows it when the hole is put there)
    trace, reps = _set(exercise, seed)
    k = len(reps) // 2
    mid = (reps[k] + reps[k + 1]) / 2
    assert _counted(_without(trace, mid - 0.075, 0.15), exercise) == len(reps)
