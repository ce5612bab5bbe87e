"""Everyday activities in which nothing may be counted; each labels itself on the Builder.

    >>> standing(b, 4.0); sway(b, 6.0); tiptoe(b); stomp(b); walk(b, 12)
    >>> sit_down(b); fidget(b, 10.0); legs_crossed(b, 15.0); stand_up(b)

Like the exercises, every function starts and ends with the foot flat on the floor at rest.
"""

from __future__ import annotations

import numpy as np

from heeltrack.sim.gait import walk
from heeltrack.sim.motion import FS, Builder, keys, samples, wobble
from heeltrack.sim.rotations import PITCH, ROLL, YAW  # noqa: F401

DEG = np.pi / 180.0
UP = np.array([0.0, 0.0, 1.0])
# DESIGN.md: a pause of more than about 10 s starts a new set (a little margin on "about")
TIPTOE_APART_S = 11.0


def standing(b: Builder, duration_s: float) -> None:
    b.still(duration_s, "standing", sway_deg=0.1)


def sitting(b: Builder, duration_s: float) -> None:
    b.still(duration_s, "sitting", sway_deg=0.05)


def sway(b: Builder, duration_s: float) -> None:
    """Weight shifting while standing: the foot rolls onto its edges and rocks a little."""
    rng = b.rng
    t0 = b.t
    n = samples(duration_s)
    pitch = wobble(rng, n, float(rng.uniform(1, 3)) * DEG, 0.15, 0.6, ramp_s=1.5)
    roll = wobble(rng, n, float(rng.uniform(1, 4)) * DEG, 0.15, 0.6, ramp_s=1.5)
    b.pivot_segment(pitch=pitch, roll=roll, contact="below")
    b.label("swaying", t0)


def tiptoe(b: Builder) -> None:
    """One quick rise onto the toes to reach something, no set.

    Rises less than ~10 s apart are consecutive reps of a heel-raise set by DESIGN.md's set
    rule, whatever the wearer had in mind: a tiptoe labelled as not-an-exercise waits that long
    after the last rise, so the truth never contradicts the definitions."""
    rng = b.rng
    wait = b.last_rise_s + TIPTOE_APART_S - b.t
    if wait > 0:
        standing(b, wait)
    t0 = b.t
    rise = float(rng.uniform(0.4, 0.9))
    hold = float(rng.uniform(0.5, 3.0))
    peak = float(rng.uniform(20, 40)) * DEG
    n = samples(2 * rise + hold + 0.3)
    pitch = keys([0, rise, rise + hold, 2 * rise + hold], [0, peak, peak, 0], n)
    pitch += wobble(rng, n, 2 * DEG, 0.5, 2.0) * (pitch / peak)
    b.pivot_segment(pitch=pitch, contact="mtp")
    b.label("tiptoe", t0)
    b.last_rise_s = b.t


def _lift_and_drop(
    b: Builder, height: float, up_s: float, down_s: float, impact_g: float, pitch_deg: float = 0
) -> None:
    n = samples(up_s + down_s + 0.15)
    oz = keys([0, up_s, up_s + down_s], [0, height, 0], n, skew=[-1.5, 0.0])
    ang = b.channels(n)
    ang[:, PITCH] = keys([0, up_s, up_s + down_s], [0, pitch_deg * DEG, 0], n)
    off = np.zeros((n, 3))
    off[:, 2] = oz
    t_hit = b.t + up_s + down_s
    b.free_segment(ang, off)
    b.impact(t_hit, impact_g, float(b.rng.uniform(0.01, 0.03)), UP, gyro_dps=5 * impact_g)


def stomp(b: Builder) -> None:
    """One to four stomps: the foot lifted flat and driven down hard."""
    rng = b.rng
    t0 = b.t
    for _ in range(int(rng.integers(1, 5))):
        _lift_and_drop(
            b,
            float(rng.uniform(0.08, 0.2)),
            float(rng.uniform(0.25, 0.45)),
            float(rng.uniform(0.2, 0.3)),
            float(rng.uniform(2.0, 5.0)),
            float(rng.uniform(-8, 8)),
        )
        b.still(float(rng.uniform(0.2, 0.8)))
    b.label("stomping", t0)


def _shuffle(b: Builder, dist: float, yaw_deg: float, dur: float) -> None:
    """Slide/step the foot to a spot `dist` ahead (negative: back), turning by yaw_deg."""
    n = samples(dur)
    ang = b.channels(n)
    yaw0 = b.yaw
    ang[:, YAW] = yaw0 + keys([0, dur], [0, yaw_deg * DEG], n)
    ang[:, PITCH] = keys([0, dur / 2, dur], [0, float(b.rng.uniform(-5, 5)) * DEG, 0], n)
    start = b.flat_pos()
    b.floor = b.floor + dist * b.heading() + b.rng.uniform(-0.03, 0.03) * np.array([0, 1.0, 0])
    b.yaw = yaw0 + yaw_deg * DEG
    s = keys([0, dur], [0, 1.0], n)[:, None]
    path = start[None, :] * (1 - s) + b.flat_pos()[None, :] * s
    path[:, 2] += float(b.rng.uniform(0.005, 0.03)) * np.sin(np.linspace(0, np.pi, n)) ** 4
    b.add(ang, path)


def sit_down(b: Builder) -> None:
    """Getting seated: the feet shuffle a little, the body's motion shakes the foot slightly."""
    t0 = b.t
    b.still(float(b.rng.uniform(0.3, 0.8)), sway_deg=0.3)
    _shuffle(
        b,
        float(b.rng.uniform(-0.1, 0.05)),
        float(b.rng.uniform(-10, 10)),
        float(b.rng.uniform(0.5, 0.9)),
    )
    b.still(float(b.rng.uniform(0.8, 1.5)), sway_deg=0.5)
    b.label("sit_down", t0)


def stand_up(b: Builder) -> None:
    t0 = b.t
    _shuffle(
        b,
        float(b.rng.uniform(-0.12, 0.0)),
        float(b.rng.uniform(-8, 8)),
        float(b.rng.uniform(0.4, 0.8)),
    )
    b.still(float(b.rng.uniform(0.8, 1.5)), sway_deg=0.5)
    b.label("stand_up", t0)


def _heel_bounce(b: Builder, dur: float) -> None:
    rng = b.rng
    n = samples(dur)
    f = float(rng.uniform(3, 6))
    amp = float(rng.uniform(3, 10)) * DEG
    t = np.arange(n) / FS
    freq = f * (1 + 0.08 * np.sin(2 * np.pi * 0.3 * t))
    phase = 2 * np.pi * np.cumsum(freq) / FS
    env = keys([0, 0.3, dur - 0.3, dur], [0, 1, 1, 0], n)
    pitch = amp * env * (1 - np.cos(phase)) / 2
    t0 = b.t
    b.pivot_segment(pitch=pitch, contact="mtp")
    bottoms = np.flatnonzero(np.diff(np.floor(phase / (2 * np.pi))) > 0)
    for i in bottoms:
        if env[i] > 0.5:
            b.impact(t0 + i / FS, float(rng.uniform(0.2, 0.8)), 0.015, UP)


def _toe_wag(b: Builder, dur: float) -> None:
    """Toes tapping on the floor with the heel down, irregular tempo."""
    rng = b.rng
    tk, vk = [0.0], [0.0]
    t = 0.0
    hits = []
    while t < dur - 1.0:
        up = float(rng.uniform(0.12, 0.3))
        down = float(rng.uniform(0.1, 0.25))
        tk += [t + up, t + up + down]
        vk += [-float(rng.uniform(8, 20)) * DEG, 0.0]
        t += up + down
        hits.append(t)
        t += float(rng.uniform(0.05, 0.8))
        tk.append(t)
        vk.append(0.0)
    n = samples(t + 0.2)
    t0 = b.t
    b.pivot_segment(pitch=keys(tk, vk, n), contact="heel")
    for h in hits:
        b.impact(t0 + h, float(rng.uniform(0.2, 0.8)), 0.015, UP)


def fidget(b: Builder, duration_s: float) -> None:
    """Seated fidgeting: heel jiggling, foot shuffles, tapping the foot on the floor."""
    rng = b.rng
    t0 = b.t
    end = t0 + duration_s
    while b.t < end - 1.0:
        left = end - b.t
        kind = rng.choice(["bounce", "shuffle", "wag", "flat_tap", "rest"])
        if kind == "bounce":
            _heel_bounce(b, float(min(left, rng.uniform(2, 8))))
        elif kind == "shuffle":
            _shuffle(
                b,
                float(rng.uniform(-0.15, 0.15)),
                float(rng.uniform(-12, 12)),
                float(rng.uniform(0.4, 0.8)),
            )
        elif kind == "wag":
            _toe_wag(b, float(min(left, rng.uniform(2, 6))))
        elif kind == "flat_tap":
            for _ in range(int(rng.integers(1, 4))):
                _lift_and_drop(
                    b,
                    float(rng.uniform(0.02, 0.05)),
                    float(rng.uniform(0.15, 0.3)),
                    float(rng.uniform(0.15, 0.25)),
                    float(rng.uniform(0.3, 1.0)),
                )
                b.still(float(rng.uniform(0.1, 1.2)))
        b.still(float(rng.uniform(0.3, 1.5)), sway_deg=0.2)
    b.label("fidgeting", t0)


def legs_crossed(b: Builder, duration_s: float) -> None:
    """Sitting with the legs crossed: the foot hangs in the air and swings a bit."""
    rng = b.rng
    t0 = b.t
    dur = max(duration_s, 4.0)
    move = float(rng.uniform(0.9, 1.5))
    n = samples(dur)
    env = keys([0, move, dur - move, dur], [0, 1, 1, 0], n)
    ang = b.channels(n)
    side = 1.0 if rng.random() < 0.5 else -1.0
    ang[:, PITCH] = env * float(rng.uniform(15, 40)) * DEG
    ang[:, ROLL] = env * side * float(rng.uniform(10, 30)) * DEG
    ang[:, YAW] += env * side * float(rng.uniform(5, 25)) * DEG
    t = np.arange(n) / FS
    f = float(rng.uniform(0.7, 1.5))
    swing_amp = (
        float(rng.uniform(2, 8))
        * DEG
        * keys([0, 0.3 * dur, 0.5 * dur, dur], [0, 1, float(rng.uniform(0.2, 1)), 0], n)
    )
    ang[:, PITCH] += swing_amp * np.sin(2 * np.pi * f * t) * env
    h = b.heading()
    fwd = float(rng.uniform(0.1, 0.3))
    lat = side * float(rng.uniform(0.05, 0.15))
    height = float(rng.uniform(0.3, 0.45))
    osc = 0.4 * swing_amp * np.sin(2 * np.pi * f * t) * env
    ox, oy, oz = (fwd + osc) * env, lat * env, height * env
    off = np.column_stack([ox * h[0] - oy * h[1], ox * h[1] + oy * h[0], oz])
    b.free_segment(ang, off)
    b.impact(b.t - 0.02, float(rng.uniform(0.1, 0.4)), 0.03, UP)
    b.label("legs_crossed", t0)


def standing_rest(b: Builder, duration_s: float) -> None:
    """A rest while standing: still, swaying, maybe a tiptoe or a few steps."""
    rng = b.rng
    end = b.t + duration_s
    while b.t < end - 1.0:
        left = end - b.t
        k = rng.choice(["still", "sway", "tiptoe", "walk"], p=[0.45, 0.35, 0.1, 0.1])
        if k == "still":
            standing(b, float(min(left, rng.uniform(2, 10))))
        elif k == "sway":
            sway(b, float(min(left, rng.uniform(3, 10))))
        elif k == "tiptoe":
            tiptoe(b)
        else:
            walk(b, int(rng.integers(4, 10)), turns=True)


def seated_rest(b: Builder, duration_s: float) -> None:
    """A rest while seated: sitting still, fidgeting, maybe crossing the legs."""
    rng = b.rng
    end = b.t + duration_s
    while b.t < end - 1.0:
        left = end - b.t
        k = rng.choice(["still", "fidget", "crossed"], p=[0.55, 0.3, 0.15])
        if k == "still":
            sitting(b, float(min(left, rng.uniform(3, 12))))
        elif k == "fidget" and left > 3:
            fidget(b, float(min(left, rng.uniform(3, 12))))
        elif left > 6:
            legs_crossed(b, float(min(left, rng.uniform(6, 20))))
        else:
            sitting(b, left)
