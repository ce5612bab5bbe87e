"""Some people lift the foot from the floor onto the step at a steady 0.15-0.3 m/s (sim-b's legs
do): the accelerometer reads 1 g and the foot turns under 10 deg/s, as at rest, so the engine's
posture calls the blocks of the lift still. The dead reckoning used to stop its integration at
the first of them near the floor; the lift onto the step was then never measured, a run of taps
near the floor pose read as tapping the floor, and the set was lost. Now a quiet block is no stop
while the foot, set off from a rest, still moves as fast as it did (tests/test_deadreckon.py);
a lift slower than 0.15 m/s, or one that sped up or slowed down on its way, is still lost (a
known limit: README). The simulator's wide ranges draw such people (tt_steady_lift); here every
person is one."""

from __future__ import annotations

import numpy as np
import pytest

from heeltrack.sim import motion
from tests.support.toe_tap_habits import habit_path, habit_set, wide_tuning_set

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


def test_sets_of_steady_lifters_are_mostly_counted() -> None:
    exact = sum(
        len(reps) == done
        for done, reps, _, _ in (habit_set(s, "tt_steady_lift", "kick_jolts_s") for s in SEEDS)
    )
    # (measured: 20 of 32, 23 within one; 16 of 32 before the dead reckoning's steady-speed
    # rule. Not stopping the integration at any still-looking block before a landing while
    # the foot moves, near the floor too, found 2 more, but a default validation trace's
    # crossed leg then bobbed into a 14-rep calf-raise set: the rule now needs the stretch to
    # have set off from a rest and to keep its speed)
    assert exact >= 19


def test_a_steady_lifters_set_that_was_never_found_is_counted_tap_by_tap() -> None:
    # (a wide-range tuning set, 13 taps on a 10-12 cm step: not found before, its lift onto
    # the step stopped at its first still-looking block)
    done, counted = wide_tuning_set(51047)
    assert done["steady_lift"]
    assert counted == [("toe_tap", 13)]
