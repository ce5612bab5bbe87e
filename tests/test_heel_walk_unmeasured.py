"""Heel-walk steps whose stance shows no still moment, out of the stride's rhythm.

A brisk walker's heel may never be still in the stance, so the dead reckoning measures no
stretch ending at the strike; within a walk the stride's rhythm counts such a strike, but
not before the walk has a stride (its first steps) nor after a hesitation. Such a strike is
remembered, and when a later step's stretch is measured and began before it, the foot
travelled on through it: it counts if the stretch went a full step (15 cm) but less than a
normal walk's stride (90 cm) for each strike in it, on the level, about a stride apart, and
no toe-tap set is running (heel-first taps on a step are toes-up too, and their stretch
drifts about in place)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from heel.motion.heel_walk import HeelWalkDetector
from heel.motion.sets import KEY_TAP, KEY_WALK
from heeltrack.analysis import analyze_trace_samples
from heeltrack.sim import simulate_set
from heeltrack.trace import resample


class _Sets:
    def __init__(self, key: int = -1) -> None:
        self.key = key
        self.steps: list[int] = []

    def candidate(self, key: int, t_start: int, t: int, t_end: int, hold: int) -> None:
        assert key == KEY_WALK
        self.steps.append(t)


def _counted(
    strikes: list[int], step_t: int, start_t: int, travel: int, rise: int = 0
) -> list[int]:
    """Steps proposed when a step at step_t ends a stretch measured from start_t, after a
    step at 1000 and the remembered strikes."""
    det = HeelWalkDetector()
    e = SimpleNamespace(sets=_Sets())
    det._step(e, 1000)
    for t in strikes:
        det._remember(t)
    end = step_t + 300
    dr = SimpleNamespace(
        found_end_t=end, found_ms=end - start_t, found_travel_mm=travel, found_rise_mm=rise
    )
    det._steps_within(e, dr, step_t)
    det._step(e, step_t)
    return e.sets.steps[1:]


def test_strikes_inside_a_stretch_that_went_a_step_for_each_count() -> None:
    assert _counted([1900, 2800], 3700, 1300, 3 * 150) == [1900, 2800, 3700]
    assert _counted([1900], 2800, 1300, 2 * 150) == [1900, 2800]


def test_strikes_inside_a_stretch_too_short_for_a_step_each_do_not() -> None:
    assert _counted([1900, 2800], 3700, 1300, 3 * 150 - 1) == [3700]


def test_strikes_inside_a_stretch_that_went_a_normal_walks_stride_for_each_do_not() -> None:
    assert _counted([1900], 2800, 1300, 2 * 900) == [1900, 2800]
    assert _counted([1900], 2800, 1300, 2 * 900 + 1) == [2800]


def test_strikes_inside_a_stretch_that_rose_or_fell_like_a_step_up_do_not() -> None:
    assert _counted([1900], 2800, 1300, 400, rise=101) == [2800]
    assert _counted([1900], 2800, 1300, 400, rise=-100) == [1900, 2800]


def test_strikes_quicker_than_a_heel_walks_stride_do_not() -> None:
    assert _counted([1650], 2800, 1000, 400) == [2800]  # (0.65 s after the last step)
    assert _counted([2200], 2800, 1300, 400) == [2800]  # (0.6 s before the next)


def test_a_stretch_longer_than_a_slow_stride_per_strike_does_not() -> None:
    assert _counted([2400], 3800, 1050, 600) == [3800]  # (3.05 s for two strides)
    assert _counted([2400], 3800, 1100, 600) == [2400, 3800]  # (3 s)


def test_strikes_before_the_stretch_began_or_before_the_last_step_do_not() -> None:
    assert _counted([1900], 2800, 2000, 400) == [2800]
    assert _counted([900], 2800, 800, 400) == [2800]


def test_no_strike_is_remembered_within_a_toe_tap_set() -> None:
    det = HeelWalkDetector()
    dr = SimpleNamespace(stretch_over=lambda t: False, known=True, start_t=1000)
    for key, remembered in ((KEY_TAP, 0), (-1, 1)):
        e = SimpleNamespace(sets=_Sets(key), dr=dr, t=3000)
        det._unmeasured[:] = [0, 0, 0]
        det._await_t = 1900
        det._travelled(e)
        assert sum(1 for t in det._unmeasured if t) == remembered


def _counted_right(seed: int) -> bool:
    trace, truth = simulate_set(seed, "heel_walk", ranges="wide")
    done = next(s for s in truth["sets"] if s["exercise"] == "heel_walk")
    res = analyze_trace_samples(resample(trace, 100.0))
    return [(s["exercise"], s["count"]) for s in res["sets"]] == [("heel_walk", done["count"])]


# found by comparing the engine with and without each rule on wide test seeds 1-300 (283 ->
# 286 -> 287 exact, none lost): 10 and 109 lost a step, 35 a walk's first steps, taken for
# toe taps; 158 a step whose stance rocked
@pytest.mark.parametrize("seed", [10, 35, 109])
def test_heel_walks_whose_first_stances_show_no_still_moment_are_counted(seed: int) -> None:
    assert _counted_right(seed)


def test_a_heel_walk_whose_stance_rocks_before_it_has_a_stride_is_counted() -> None:
    assert _counted_right(158)


def _after_a_rocking_stance(travel: int, rocked: bool) -> list[int]:
    """Steps proposed for a strike at 2000 whose stance rocked (or not), its stretch measured."""
    det = HeelWalkDetector()
    e = SimpleNamespace(sets=_Sets(), t=2500)
    e.dr = SimpleNamespace(
        stretch_over=lambda t: True,
        found_travel_mm=travel,
        found_rise_mm=0,
        found_ms=900,
        found_end_t=2300,
    )
    det._rocked = rocked
    det._await_t = 2000
    det._travelled(e)
    return e.sets.steps


def test_a_stance_that_rocks_like_a_brisk_heels_counts_after_a_full_heel_walk_step() -> None:
    # a walk's first or second stance may rock 140-200 deg/s before the walk has a stride to
    # time it by (wide tuning sets 51065 and 51102: 192 -> 194 of 200 exact)
    assert _after_a_rocking_stance(100, rocked=False) == [2000]
    assert _after_a_rocking_stance(100, rocked=True) == []
    assert _after_a_rocking_stance(150, rocked=True) == [2000]
    assert _after_a_rocking_stance(900, rocked=True) == [2000]
    # (a normal walk's stride, 2.9 m in two strides, with a rocking stance: wide tuning
    # session 1030 after its heel walk)
    assert _after_a_rocking_stance(901, rocked=True) == []
