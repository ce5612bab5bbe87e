"""The engine on textbook motions whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from heel.motion.engine import Engine
from heeltrack.analysis import analyze_trace_samples
from heeltrack.trace import Trace, resample
from tests import kinematics as k


def analyze(t, acc, gyro, runtime="cpython"):
    return analyze_trace_samples(resample(Trace(t, acc, gyro), 100.0), runtime)["sets"]


@pytest.mark.parametrize("clockwise", [True, False])
@pytest.mark.parametrize("leg_pitch_deg", [-40.0, -70.0])  # leg extended: toes up
def test_circle_direction_follows_design_definition(clockwise: bool, leg_pitch_deg: float) -> None:
    rot, completions = k.circles(8, 2.0, 20.0, clockwise)
    base = k.pitch_rotation(np.radians([leg_pitch_deg]))[0]
    acc, gyro = k.imu_from_rotations(rot, base=base)
    t, a, g = k.decimate(acc, gyro)
    sets = analyze(t, a, g)
    assert len(sets) == 1
    s = sets[0]
    assert s["exercise"] == "ankle_circle"
    assert s["direction"] == ("cw" if clockwise else "ccw")
    assert abs(s["count"] - 8) <= 1


def _ramp(seconds: float) -> np.ndarray:
    """0 to 1 along a half cosine (at rest at both ends), at the internal rate."""
    return (1 - np.cos(np.linspace(0, np.pi, int(seconds * k.RATE)))) / 2


def _pitch_imu(parts: list[np.ndarray], peak_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Ideal accel and gyro at the internal rate of a foot pitching by peak_deg x the
    concatenated parts (positive: nose down)."""
    theta = np.radians(peak_deg) * np.concatenate(parts)
    return k.imu_from_rotations(k.pitch_rotation(theta))


def heel_raises(n: int, peak_deg: float, hold_s: float):
    """Standing still, then n heel raises: rise 1 s, hold, lower 1 s, 1.5 s flat."""
    rate = k.RATE
    parts = [np.zeros(int(3 * rate))]
    ramp = _ramp(1.0)
    for _ in range(n):
        parts += [ramp, np.ones(int(hold_s * rate)), ramp[::-1], np.zeros(int(1.5 * rate))]
    parts.append(np.zeros(int(12 * rate)))
    return k.decimate(*_pitch_imu(parts, peak_deg))


def test_heel_raises_counted_with_holds() -> None:
    t, a, g = heel_raises(6, 25.0, 2.0)
    sets = analyze(t, a, g)
    assert [(s["exercise"], s["count"]) for s in sets] == [("heel_raise", 6)]
    # within 80% of the peak sine: the hold plus the top of each cosine ramp
    sine = np.sin(np.radians(25.0) * (1 - np.cos(np.linspace(0, np.pi, 1000))) / 2)
    ramp_top = np.mean(sine >= 0.8 * sine.max()) * 1.0  # seconds of one 1 s ramp
    expected = 2.0 + 2 * ramp_top
    for rep in sets[0]["reps"]:
        assert rep["hold_s"] == pytest.approx(expected, abs=0.15)


def test_one_lone_rise_is_not_a_set() -> None:
    t, a, g = heel_raises(1, 25.0, 1.0)
    assert analyze(t, a, g) == []


def test_mounting_error_does_not_matter() -> None:
    t, a, g = heel_raises(5, 20.0, 1.0)
    tilt = np.radians(14.0)
    # board tilted 14 degrees about x and 10 about y on the foot
    rx = np.array([[1, 0, 0], [0, np.cos(tilt), -np.sin(tilt)], [0, np.sin(tilt), np.cos(tilt)]])
    ty = np.radians(-10.0)
    ry = np.array([[np.cos(ty), 0, np.sin(ty)], [0, 1, 0], [-np.sin(ty), 0, np.cos(ty)]])
    m = rx @ ry
    sets = analyze(t, a @ m, g @ m)
    assert [(s["exercise"], s["count"]) for s in sets] == [("heel_raise", 5)]


def feet_forward_then_tapping(tap_hz: float = 2.5, landing: bool = False):
    """Seated: flat 20 s, the leg stretched (toes up 20 deg, on the heel) held still 30 s,
    then straight back to the floor and tapping the toes there (heel down) for 8 s. With
    landing, the foot was put down hard (a 1.5 g jolt) just before it pivoted onto its heel."""
    rate = k.RATE
    ramp = _ramp(1.0)
    tap_t = np.arange(int(8 * rate)) / rate
    parts = [
        np.zeros(int(20 * rate)),
        -ramp,
        -np.ones(int(30 * rate)),
        -ramp[::-1],
        -0.3 * (1 - np.cos(2 * np.pi * tap_hz * tap_t)),  # 0 .. 12 deg toes up
        np.zeros(int(5 * rate)),
    ]
    acc, gyro = _pitch_imu(parts, 20.0)
    if landing:
        at = int(20 * rate) - int(0.05 * rate)
        acc[at : at + int(0.02 * rate), 2] += 1.5
    return k.decimate(acc, gyro)


def test_a_held_toes_up_pose_is_the_floor_only_until_the_foot_is_back() -> None:
    # 30 s still on the heel becomes the floor pose (the foot could have been strapped anew);
    # back at rest in the pose it had before, that is the floor again: rocking the toes
    # there is no heel raise, and the pose the foot rests in at the end is the floor
    t, a, g = feet_forward_then_tapping()
    _assert_back_on_the_floor(t, a, g)


def test_a_pose_pivoted_into_after_a_landing_is_held_not_landed_in() -> None:
    # the foot was put down (an impact), then pivoted onto its heel: it was put down into
    # the floor pose, not into the held one
    t, a, g = feet_forward_then_tapping(landing=True)
    _assert_back_on_the_floor(t, a, g)


def _assert_back_on_the_floor(t: np.ndarray, a: np.ndarray, g: np.ndarray) -> None:
    assert analyze(t, a, g) == []
    eng = Engine()
    mg = np.rint(a * 1000).astype(int).tolist()
    ddps = np.rint(g * 10).astype(int).tolist()
    for acc, gyro in zip(mg, ddps, strict=True):
        eng.feed(*acc, *gyro)
    p = eng.posture
    assert p.flat_changes == 2  # toes up adopted, then the old floor again
    assert abs(p.fx) < 20 and abs(p.fy) < 20 and abs(p.fz - 1000) < 20
    assert p.on_floor()


def bouncing_heel_raises(n: int, hold_s: float, turn_s: float):
    """Standing, then n raises to 16 deg held hold_s, the heel turning at 2 deg (not down
    on the floor) briskly, in turn_s, between them: a bouncing set with holds."""
    rate = k.RATE
    low, high = 2.0 / 16.0, 1.0
    rise = _ramp(0.6)
    turn = low + (high - low) * (1 + np.cos(np.linspace(0, 2 * np.pi, int(turn_s * rate)))) / 2
    parts = [np.zeros(int(3 * rate)), rise]
    for i in range(n):
        parts.append(np.ones(int(hold_s * rate)))
        parts.append(turn if i < n - 1 else rise[::-1])
    parts.append(np.zeros(int(12 * rate)))
    return k.decimate(*_pitch_imu(parts, 16.0))


def test_bouncing_raises_with_holds_are_each_counted() -> None:
    # every rep starts from the last one's end (the heel does not rest between them): a
    # rep that came down ends the way for the next, however long the set goes on
    t, a, g = bouncing_heel_raises(8, 3.0, 0.6)
    sets = analyze(t, a, g)
    assert [(s["exercise"], s["count"]) for s in sets] == [("heel_raise", 8)]
