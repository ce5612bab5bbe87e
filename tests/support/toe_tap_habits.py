"""Toe-tap sets of the wide ranges in which every person has one habit (tt_checked, tt_kicked,
tt_low_hover, tt_smooth, tt_steady_lift), analysed: what the habit tests of test_toe_tap_jolts.py,
test_toe_tap_kicks.py, test_toe_tap_low_hover.py and test_toe_tap_smooth_hover.py compare."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from heeltrack.analysis import analyze_trace_samples
from heeltrack.sim import motion, simulate_set
from heeltrack.sim.ranges import WIDE, Ranges
from heeltrack.trace import resample


def habit_ranges(habit: str) -> Ranges:
    """The wide ranges with every person having this habit and no other."""
    return Ranges(
        "wide",
        WIDE.spans,
        {
            **WIDE.probs,
            "tt_checked": 0.0,
            "tt_kicked": 0.0,
            "tt_low_hover": 0.0,
            "tt_smooth": 0.0,
            "tt_steady_lift": 0.0,
            habit: 1.0,
        },
    )


@cache
def habit_set(
    seed: int, habit: str, jolts_key: str
) -> tuple[int, list[float], list[float], list[float]]:
    """(taps done, taps counted (times), the habit's jolts (times, from the truth's jolts_key),
    taps done (times))."""
    trace, truth = simulate_set(seed, "toe_tap", ranges=habit_ranges(habit))
    done = next(s for s in truth["sets"] if s["exercise"] == "toe_tap")
    res = analyze_trace_samples(resample(trace, 100.0))
    reps = [r["t_s"] for s in res["sets"] if s["exercise"] == "toe_tap" for r in s["reps"]]
    return done["count"], reps, done[jolts_key], [r["t_s"] for r in done["reps"]]


def habit_path(
    seed: int, habit: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict, np.ndarray, float]:
    """The toe-tap set's truth, the sensor's path over the set's free segment (x, y, z in m,
    at motion.FS) and that segment's start (s)."""
    segments: list[tuple[float, np.ndarray]] = []
    free = motion.Builder.free_segment

    def keep(b: motion.Builder, ang: np.ndarray, off: np.ndarray) -> None:
        segments.append((b.t, off.copy()))
        free(b, ang, off)

    monkeypatch.setattr(motion.Builder, "free_segment", keep)
    _, truth = simulate_set(seed, "toe_tap", ranges=habit_ranges(habit))
    done = next(s for s in truth["sets"] if s["exercise"] == "toe_tap")
    t0, off = max(segments, key=lambda s: len(s[1]))
    return done, off, t0


def wide_tuning_set(seed: int) -> tuple[dict, list[tuple[str, int]]]:
    """A wide-range single toe-tap set: its truth and the (exercise, count) of every set the
    engine found in it."""
    trace, truth = simulate_set(seed, "toe_tap", ranges="wide")
    done = next(s for s in truth["sets"] if s["exercise"] == "toe_tap")
    sets = analyze_trace_samples(resample(trace, 100.0))["sets"]
    return done, [(s["exercise"], s["count"]) for s in sets]
