"""Some people's foot never holds still over the step between toe taps: it floats up a few mm
at the top of each lift and settles again. For the block its rotation and speed look still
the foot decelerates by 3-8% of g, and the dead reckoning took that block's acceleration for
gravity: the integration then drifted up at 0.3-1 m/s through the set (sim-b's tappers hover
so; their still moments over the step read 0.95-0.98 g where the whole set averages the rest's
1 g). The simulator's wide ranges draw such people (tt_smooth); here every person is one."""

from __future__ import annotations

import numpy as np
import pytest

from heeltrack.sim import motion
from tests.support.toe_tap_habits import habit_path, habit_set

SEEDS = range(3300, 3332)


def test_a_smooth_hoverer_floats_up_a_few_mm_and_decelerates_at_the_top(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed = SEEDS[0]
    done, path, _ = habit_path(seed, "tt_smooth", monkeypatch)
    plain, path0, _ = habit_path(seed, "tt_kicked", monkeypatch)  # (a habit that leaves it)
    z, z0 = path[:, 2], path0[:, 2]
    assert done["smooth_hover"] and not plain["smooth_hover"]
    bump = z - z0  # (every other draw is the same)
    assert bump.min() > -1e-9
    assert 0.3e-3 < bump.max() < 8e-3
    # one float over each hover between two taps
    rising = np.flatnonzero(np.diff((bump > 1e-5).astype(int)) == 1)
    assert len(rising) == done["count"] - 1
    # decelerating at its top by 0.3-0.8 m/s^2
    top = int(np.argmax(bump))
    accel = (bump[top - 5] - 2 * bump[top] + bump[top + 5]) * (motion.FS / 5) ** 2
    assert -0.85 < accel < -0.25


def test_sets_of_smooth_hoverers_are_counted() -> None:
    exact = sum(
        len(reps) == done
        for done, reps, _, _ in (habit_set(s, "tt_smooth", "kick_jolts_s") for s in SEEDS)
    )
    # (measured: 30 of 32, as before gravity was carried through the float: our engine's
    # contact judgement reads velocity changes, which a constant error leaves as they were)
    assert exact >= 29
