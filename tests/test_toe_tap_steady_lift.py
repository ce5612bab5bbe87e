"""Some people lift the foot from the floor onto the step at a steady 0.15-0.3 m/s (sim-b's legs
do): the accelerometer reads 1 g and the foot turns under 10 deg/s, as at rest, so the engine's
posture calls the blocks of the lift still, and the dead reckoning stops its integration at the
first of them near the floor (10 cm up it no longer does while it has the foot moving:
tests/test_deadreckon.py). The lift onto the step is then never measured: a run of taps near the
floor pose reads as tapping the floor, and the set is lost. A known limit (README); the
simulator's wide ranges draw such people (tt_steady_lift); here every person is one."""

from __future__ import annotations

import numpy as np
import pytest

from heeltrack.sim import motion
from tests.support.toe_tap_habits import habit_path, habit_set

SEEDS = range(3400, 3432)


def test_a_steady_lifter_moves_the_foot_onto_the_step_at_a_steady_speed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done, off, t0 = habit_path(SEEDS[0], "tt_steady_lift", monkeypatch)
    assert done["steady_lift"]
    first = int(round((done["reps"][0]["t_s"] - t0) * motion.FS))
    top = int(np.argmax(off[:first, 2]))  # the hover before the first tap
    v = np.gradient(off[:top], axis=0) * motion.FS
    speed = np.linalg.norm(v, axis=1)
    a = np.linalg.norm(np.gradient(v, axis=0), axis=1) * motion.FS
    mid = slice(int(0.2 * top), int(0.8 * top))
    # moving all along the middle of the lift, at under 0.05 g: what a foot at rest reads
    assert speed[mid].min() > 0.1
    assert a[mid].max() < 0.5


def test_sets_of_steady_lifters_are_counted_about_half_the_time() -> None:
    exact = sum(
        len(reps) == done
        for done, reps, _, _ in (habit_set(s, "tt_steady_lift", "kick_jolts_s") for s in SEEDS)
    )
    # (measured: 16 of 32, 8 sets not found at all; also without the rule of the dead
    # reckoning above, which starts to apply only 10 cm up. Not stopping the integration at a
    # still-looking block before any landing while it has the foot moving, near the floor
    # too, found 2 more, but a default validation trace's crossed leg then bobbed into a
    # 14-rep calf-raise set)
    assert exact >= 15
