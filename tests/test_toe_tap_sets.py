"""A toe-tap set ends when the foot goes off to do something else: the seated person crosses
the legs for a few seconds, then taps the toes on the floor (heel down) out of habit. Those
taps are no continuation of the set, however steady their rhythm."""

from __future__ import annotations

import numpy as np
import pytest

from heeltrack.analysis import analyze_trace_samples
from heeltrack.sim import distractors as d
from heeltrack.sim import simulate_set
from heeltrack.sim.session import _Sim, run_activity
from heeltrack.trace import resample


def _set_then_fidget(seed: int) -> tuple[int, int, list[float]]:
    """(taps done, taps counted, reps counted more than 2 s after the set ended)."""
    s = _Sim(seed, "default")
    s.seated = True
    d.sitting(s.b, 4.0)
    s.exercise("toe_tap")
    d.legs_crossed(s.b, 7.0)
    d._toe_wag(s.b, 6.0)
    d.sitting(s.b, 12.0)
    trace, truth, _ = s.finish(100.0, False)
    sets = analyze_trace_samples(resample(trace, 100.0))["sets"]
    done = truth["sets"][0]
    late = [r["t_s"] for x in sets for r in x["reps"] if r["t_s"] > done["end_s"] + 2.0]
    counted = sum(x["count"] for x in sets if x["exercise"] == "toe_tap")
    return done["count"], counted, late


@pytest.mark.parametrize("seed", range(1, 11))
def test_taps_after_a_pause_elsewhere_do_not_continue_the_set(seed: int) -> None:
    done, counted, late = _set_then_fidget(seed)
    assert late == []
    assert abs(counted - done) <= 1


def _first_tap_counted(seed: int) -> tuple[float, float, bool, int, int]:
    """(first interval, second interval, first tap counted, taps done, taps counted)."""
    trace, truth = simulate_set(seed, "toe_tap", ranges="wide")
    done = [s for s in truth["sets"] if s["exercise"] == "toe_tap"][0]
    taps = [r["t_s"] for r in done["reps"]]
    sets = analyze_trace_samples(resample(trace, 100.0))["sets"]
    got = [r["t_s"] for x in sets if x["exercise"] == "toe_tap" for r in x["reps"]]
    counted = any(abs(g - taps[0]) < 0.15 for g in got)
    return taps[1] - taps[0], taps[2] - taps[1], counted, done["count"], len(got)


# wide-range sets whose foot hovered after the first tap (found by scanning seeds 1-199 for a
# first interval at least 2.5x the second; the rhythm rule refuses such a run's first tap)
@pytest.mark.parametrize("seed", [46, 144])
def test_a_set_that_starts_slowly_keeps_its_first_tap(seed: int) -> None:
    first_iv, second_iv, counted, done, got = _first_tap_counted(seed)
    assert first_iv > 2.5 * second_iv  # the case this is about
    assert counted
    assert got == done


# wide-range sets whose first tap reads 10-20 degrees steeper than the later ones (the pose
# at contact right after the lift is less sure), but which dead reckoning saw landing on the
# step: the run's first taps count though they look like another surface
@pytest.mark.parametrize("seed", [3, 8])
def test_first_taps_seen_landing_on_the_step_count(seed: int) -> None:
    _, _, counted, done, got = _first_tap_counted(seed)
    assert counted
    assert got == done


def _early_swing_dps(seed: int) -> tuple[float, int, int]:
    """(peak gyro in deg/s, L1, over the second before each of the set's first four taps;
    taps done; taps counted) of a wide-range toe-tap trace."""
    trace, truth = simulate_set(seed, "toe_tap", ranges="wide")
    done = [s for s in truth["sets"] if s["exercise"] == "toe_tap"][0]
    l1 = np.abs(trace.gyro).sum(axis=1)
    peak = max(
        float(l1[(trace.t > r["t_s"] - 1.0) & (trace.t < r["t_s"] - 0.1)].max())
        for r in done["reps"][:4]
    )
    sets = analyze_trace_samples(resample(trace, 100.0))["sets"]
    return peak, done["count"], sum(x["count"] for x in sets if x["exercise"] == "toe_tap")


# the first taps after a brisk lift onto the step (found by comparing counts on test seeds
# 1-300 before and after: 243 -> 248 exact, none lost; re-found when low hoverers joined the
# wide ranges: the sets over 100 deg/s counted exactly only with the brisk lift allowed are
# 45, 148, 162 and 168); a stair's push-off, as brisk, stays out (the stairs test below)
@pytest.mark.parametrize("seed", [148, 162, 168])
def test_taps_right_after_a_brisk_lift_onto_the_step_count(seed: int) -> None:
    peak, done, counted = _early_swing_dps(seed)
    assert peak > 100.0  # the case this is about: over the 70 deg/s a tap's second allows
    assert counted == done


def _stairs_after_standing_up(seed: int) -> list[tuple[str, int]]:
    s = _Sim(seed, "default")
    d.sitting(s.b, 3.0)
    d.stand_up(s.b)
    run_activity(s, "stairs_up", 8.0)
    d.standing(s.b, 3.0)
    trace, _, _ = s.finish(100.0, False)
    sets = analyze_trace_samples(resample(trace, 100.0))["sets"]
    return [(x["exercise"], x["count"]) for x in sets]


# each stair's foot lands above the floor it left, as a tap on a step does, and pushes off
# as briskly as a lift onto the step: seed 44 counted three taps when push-offs passed
@pytest.mark.parametrize("seed", range(40, 48))
def test_a_stairs_push_off_is_no_brisk_tap(seed: int) -> None:
    assert _stairs_after_standing_up(seed) == []
