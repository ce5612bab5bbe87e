"""A trace from a slower device (50 Hz) is upsampled to the engine's 100 Hz: a 10-30 ms toe
tap falls between its samples and its impact reads about a third as large, a heel strike's
about two thirds. The host tells the engine the source's rate (a record before the samples)
and the heel strikes' threshold follows, and the toe taps' within a running set or where the
toes come down off the floor pose; the board samples at 100 Hz and never sends it."""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

import numpy as np

from heel.motion.engine import Engine
from heel.motion.sets import KEY_TAP
from heel.motion.toe_tap import ToeTapDetector
from heeltrack.analysis import RATE_MARK, engine_input, events_to_sets, run_cpython
from heeltrack.sim import simulate_set
from heeltrack.trace import Trace, resample

SEEDS = range(1, 21)


def _trace(rate_hz: float) -> Trace:
    t = np.arange(0.0, 20.0, 1.0 / rate_hz)
    acc = np.tile([0.0, 0.0, 1.0], (len(t), 1))
    return Trace(t, acc, np.zeros((len(t), 3)))


def test_a_slower_source_is_announced_before_its_samples() -> None:
    calls = engine_input(resample(_trace(50.0), 100.0))
    assert calls[0] == (RATE_MARK, 50)
    assert all(c[0] != RATE_MARK for c in calls[1:])


def test_a_source_at_the_engine_s_rate_or_faster_is_not() -> None:
    for rate in (100.0, 200.0):
        assert all(c[0] != RATE_MARK for c in engine_input(resample(_trace(rate), 100.0)))


def test_the_engine_keeps_the_source_rate_across_a_long_gap() -> None:
    eng = Engine()
    assert not eng.tap_det._coarse
    assert eng.walk_det._strike == 750
    eng.source_rate(50)
    assert eng.tap_det._coarse
    assert eng.walk_det._strike == 450
    eng.gap(100000)  # (the detectors start again)
    assert eng.tap_det._coarse
    assert eng.walk_det._strike == 450
    eng.source_rate(100)
    assert not eng.tap_det._coarse
    assert eng.walk_det._strike == 750


@cache
def _counted_at_50_hz(exercise: str, ranges: str) -> tuple[int, int, int]:
    """(reps done, counted with the rate announced, counted without) over single sets of the
    exercise sampled at 50 Hz with jittered timestamps and dropped samples."""
    done = announced = unannounced = 0
    for seed in SEEDS:
        trace, truth = simulate_set(seed, exercise, ranges=ranges, rate_hz=50.0, jitter=True)
        calls = engine_input(resample(trace, 100.0))
        done += next(s for s in truth["sets"] if s["exercise"] == exercise)["count"]
        for keep_rate in (True, False):
            fed = [c for c in calls if keep_rate or c[0] != RATE_MARK]
            sets = events_to_sets(run_cpython(fed))
            n = sum(s["count"] for s in sets if s["exercise"] == exercise)
            if keep_rate:
                announced += n
            else:
                unannounced += n
    return done, announced, unannounced


def test_toe_taps_at_50_hz_are_counted_when_the_rate_is_known() -> None:
    done, announced, unannounced = _counted_at_50_hz("toe_tap", "default")
    # (measured: 191 of 208 with the rate announced, 167 without; 182 when a set had to
    # start with impacts of 180 mg, as at 100 Hz, off the floor pose too)
    assert 0.9 * done <= announced <= done
    assert announced - unannounced >= 0.06 * done


def _pending_after_impact(coarse: bool, in_set: bool, snap_mg: int, pitch: int = 300) -> bool:
    """Does a toe-tap detector take an impact of snap_mg for a possible tap, the foot pitched
    pitch (1000 * sin) from the floor pose?"""
    det = ToeTapDetector(coarse)
    posture = SimpleNamespace(
        still_run=0, still=False, has_flat=True, pitch_flat=pitch, roll_flat=0
    )
    dr = SimpleNamespace(known=False, elevation_mm=0, run=5, vz=0, vz_before=0)
    sets = SimpleNamespace(key=KEY_TAP if in_set else -1)
    for t, snap in ((10000, 20), (10100, snap_mg)):
        e = SimpleNamespace(
            t=t, gyro_peak=300, posture=posture, dr=dr, snap_max=snap, snap_t=t - 20, sets=sets
        )
        det.block(e)
    return det._pending


def test_the_coarse_threshold_holds_within_a_set_or_off_the_floor_pose() -> None:
    assert _pending_after_impact(coarse=True, in_set=True, snap_mg=150)
    # (100 mg within a set: at 120, default 50 Hz test sets 1-150 counted 48 exact, now 55)
    assert _pending_after_impact(coarse=True, in_set=True, snap_mg=110)
    assert not _pending_after_impact(coarse=True, in_set=True, snap_mg=90)
    # outside a set 120 mg, where the toes come down onto a step (17 deg) ...
    assert _pending_after_impact(coarse=True, in_set=False, snap_mg=150)
    assert not _pending_after_impact(coarse=True, in_set=False, snap_mg=110)
    # ... but a foot tapping at the floor pose (3 deg) starts a set only as clearly as at
    # 100 Hz: a seated fidget's weak impacts (sim-b's heel-down toe tapping at 50 Hz became
    # a 20-24-tap set when they could)
    assert not _pending_after_impact(coarse=True, in_set=False, snap_mg=150, pitch=50)
    assert _pending_after_impact(coarse=True, in_set=False, snap_mg=200, pitch=50)
    assert not _pending_after_impact(coarse=False, in_set=True, snap_mg=150)
    assert not _pending_after_impact(coarse=False, in_set=False, snap_mg=150)


def test_heel_walk_steps_at_50_hz_are_counted_when_the_rate_is_known() -> None:
    done, announced, unannounced = _counted_at_50_hz("heel_walk", "wide")
    # (measured: 192 of 208 with the rate announced, 181 without: soft strikes that read
    # 500-750 mg at 50 Hz, 1,000-1,400 at 100)
    assert 0.9 * done <= announced <= done
    assert announced - unannounced >= 0.04 * done
