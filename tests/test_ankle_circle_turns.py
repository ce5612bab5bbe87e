"""The ankle-circle detector's turns, block by block: the gyro vector (gy, gz) turning one
way round counts a circle per turn; wandering back and forth does not."""

from __future__ import annotations

import math

from heel.motion.ankle_circle import AnkleCircleDetector
from heel.motion.sets import KEY_CIRCLE_CW


class _Sets:
    def __init__(self) -> None:
        self.circles: list[tuple[int, int]] = []

    def candidate(self, key: int, t0: int, t1: int, t2: int, value: int) -> None:
        self.circles.append((key, t2))


class _Engine:
    """The block results the detector reads: bias-free gyro means, peaks, time."""

    def __init__(self) -> None:
        self.sets = _Sets()
        self.t = 0
        self.gy_c = 0
        self.gz_c = 0
        self.gyro_peak = 0
        self.jerk_max = 50


def _run(phases_turns: list[float], rate_ddps: int = 300) -> list[tuple[int, int]]:
    det = AnkleCircleDetector()
    e = _Engine()
    for p in phases_turns:
        e.t += 100
        e.gy_c = round(rate_ddps * math.cos(2 * math.pi * p))
        e.gz_c = round(rate_ddps * math.sin(2 * math.pi * p))
        e.gyro_peak = 2 * rate_ddps
        det.block(e)
    return e.sets.circles


def _circling(start: float, turns: float, blocks_per_turn: int = 20) -> list[float]:
    n = round(turns * blocks_per_turn)
    return [start + i / blocks_per_turn for i in range(1, n + 1)]


def test_clean_circles_count_one_per_turn_after_the_first_quarter() -> None:
    # the first circle needs a quarter turn more (the toe moving out from the centre)
    circles = _run([0.0] + _circling(0.0, 3.3))
    assert [k for k, _ in circles] == [KEY_CIRCLE_CW] * 3


def test_a_first_circle_after_some_wander_counts_too() -> None:
    # the leg settling before it circles turns the gyro vector back and forth (0.32 turn of
    # path, none net); the first circle has the same slack as the others (it had 1/8 turn
    # where the others have 3/8, and sim-b's first circles were lost)
    wander = [0.0, 0.08, 0.0, 0.08, 0.0]
    circles = _run(wander + _circling(0.0, 2.3))
    assert len(circles) == 2
    assert circles[0][1] == 100 * (len(wander) + 25)  # 1.25 turns into the circling


def test_wandering_back_and_forth_counts_nothing() -> None:
    swing = [0.0, 0.3, 0.0, 0.3] * 20  # a swinging crossed leg: back and forth
    assert _run(swing) == []
