"""The engine's impact measure for toe taps (snap: the acceleration's second difference)
tells a soft contact from a brisk swing, which the plain difference (jerk) cannot."""

from __future__ import annotations

import numpy as np

from heel.motion import toe_tap
from heel.motion.engine import Engine

RATE = 100.0
G_MG = 1000.0


def _blocks(vertical_mg: np.ndarray) -> list[tuple[int, int]]:
    """Feed a foot lying flat whose vertical acceleration (mg, gravity excluded) is given
    per sample; (snap_max, jerk_max) of every block."""
    eng = Engine()
    out = []
    for a in vertical_mg:
        n = eng.n
        eng.feed(0, 0, int(round(G_MG + a)), 0, 0, 0)
        if eng.n != n:
            out.append((eng.snap_max, eng.jerk_max))
    return out


def _bobbing_accel(amplitude_m: float, hz: float, seconds: float) -> np.ndarray:
    """Vertical acceleration (mg) of a foot bobbing up and down smoothly (a sine of the
    position, faded in and out over 0.3 s)."""
    t = np.arange(0.0, seconds, 1.0 / RATE)
    w = 2 * np.pi * hz
    fade = np.clip(np.minimum(t, seconds - t) / 0.3, 0.0, 1.0)
    fade = (1 - np.cos(np.pi * fade)) / 2
    return -amplitude_m * w * w * np.sin(w * t) * fade / 9.81 * G_MG


def test_a_brisk_swing_is_no_impact() -> None:
    # the foot lifted and lowered 7 cm three times a second: swings of 1.3 g
    rest = np.zeros(50)
    blocks = _blocks(np.concatenate([rest, _bobbing_accel(0.035, 3.0, 2.0), rest]))
    assert max(j for _, j in blocks) > 310  # the old impact threshold on the plain difference
    assert max(s for s, _ in blocks) < toe_tap._TAP_SNAP


def test_a_soft_contact_is_an_impact() -> None:
    # toes landing at 0.15 m/s, stopped in 20 ms: a 0.75 g deceleration pulse
    peak = 0.15 / 0.02 / 9.81 * G_MG
    pulse = np.array([0.0, peak, peak, 0.0])
    blocks = _blocks(np.concatenate([np.zeros(55), pulse, np.zeros(41)]))
    assert max(s for s, _ in blocks) >= toe_tap._TAP_SNAP
