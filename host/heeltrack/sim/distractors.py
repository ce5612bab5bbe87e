"""Everyday activities in which nothing may be counted; each labels itself on the Builder.

    >>> standing(b, 4.0); sway(b, 6.0); tiptoe(b); stomp(b); walk(b, 12)
    >>> sit_down(b); fidget(b, 10.0); legs_crossed(b, 15.0); stand_up(b)
    >>> weight_shift(b, 8.0); shuffle(b); foot_adjust(b); feet_tucked(b, 20.0)

Like the exercises, every function starts and ends with the foot flat on the floor at rest.
Contacts are kinematic (Builder.strike): the foot arrives with a speed and stops.
"""

from __future__ import annotations

import numpy as np

from heeltrack.sim.gait import walk
from heeltrack.sim.motion import FS, Builder, arrive, decel_peak, keys, samples, taper, wobble
from heeltrack.sim.rotations import PITCH, ROLL, YAW

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


def _apart_from_rises(b: Builder) -> None:
    """Rises less than ~10 s apart are consecutive reps of a heel-raise set by DESIGN.md's set
    rule, whatever the wearer had in mind: a rise labelled as not-an-exercise waits that long
    after the last rise, so the truth never contradicts the definitions."""
    wait = b.last_rise_s + TIPTOE_APART_S - b.t
    if wait > 0:
        standing(b, wait)


def tiptoe(b: Builder) -> None:
    """One quick rise onto the toes to reach something, no set (see _apart_from_rises)."""
    rng = b.rng
    _apart_from_rises(b)
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
    width = float(b.rng.uniform(0.01, 0.03))
    hz = b.ring_hz()
    hit = samples(up_s + down_s)
    speed = b.contact_speed(impact_g, width, hz)
    b.strike(off[: hit + 1], b.t, speed, UP, width, 0.8 * down_s, hz, 5 * impact_g)
    b.free_segment(ang, off)


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
    bottoms = np.flatnonzero(np.diff(np.floor(phase / (2 * np.pi))) > 0)
    lever = float(np.linalg.norm(b.geom.heel - b.geom.mtp))
    for i in bottoms:
        if env[i] > 0.5:  # the heel drops onto the floor: the pitch stops within 15 ms
            amp_g = float(rng.uniform(0.2, 0.8))
            hz = b.ring_hz()
            speed = b.contact_speed(amp_g, 0.015, hz)
            ic = arrive(pitch[: i + 1], -speed / lever, 0.015, 0.35 / f)
            b.impact(t0 + ic / FS, decel_peak(speed, 0.015), UP, hz)
    b.pivot_segment(pitch=pitch, contact="mtp")


def _toe_wag(b: Builder, dur: float) -> None:
    """Toes tapping on the floor with the heel down: an irregular tempo, or (wide ranges)
    tapping along to music, a steady 1.7-3.3 Hz without a pause on the floor."""
    rng = b.rng
    tk, vk = [0.0], [0.0]
    t = 0.0
    hits: list[tuple[float, float]] = []
    steady = b.ranges.wide and b.rx.random() < 0.5
    if steady:
        cycle = float(b.rx.uniform(0.3, 0.6))
        lift = float(b.rx.uniform(5, 15))
    while t < dur - 1.0:
        if steady:
            up = cycle * 0.55 * float(rng.uniform(0.92, 1.08))
            down = cycle * 0.45 * float(rng.uniform(0.92, 1.08))
            angle = lift * float(rng.uniform(0.85, 1.15))
        else:
            up = float(rng.uniform(0.12, 0.3))
            down = float(rng.uniform(0.1, 0.25))
            angle = float(rng.uniform(8, 20))
        tk += [t + up, t + up + down]
        vk += [-angle * DEG, 0.0]
        t += up + down
        hits.append((t, down))
        if not steady:
            t += float(rng.uniform(0.05, 0.8))
            tk.append(t)
            vk.append(0.0)
    n = samples(t + 0.2)
    t0 = b.t
    pitch = keys(tk, vk, n)
    lever = float(np.linalg.norm(b.geom.toe - b.geom.heel))
    for h, down in hits:  # the forefoot slaps the floor: the pitch stops within 15 ms
        amp_g = float(rng.uniform(0.2, 0.8))
        hz = b.ring_hz()
        speed = b.contact_speed(amp_g, 0.015, hz)
        ic = arrive(pitch[: samples(h) + 1], speed / lever, 0.015, 0.8 * down)
        b.impact(t0 + ic / FS, decel_peak(speed, 0.015), UP, hz)
    b.pivot_segment(pitch=pitch, contact="heel")


def fidget(b: Builder, duration_s: float) -> None:
    """Seated fidgeting: heel jiggling, foot shuffles, tapping the foot on the floor."""
    rng = b.rng
    t0 = b.t
    end = t0 + duration_s
    while b.t < end - 1.0:
        left = end - b.t
        kind = rng.choice(["bounce", "shuffle", "wag", "flat_tap", "rest"])
        if b.ranges.wide and b.rx.random() < 0.4:
            kind = b.rx.choice(["wiggle", "edge_roll", "slide"])
        if kind == "wiggle":
            _wiggle(b, float(min(left, b.rx.uniform(1.5, 5))))
        elif kind == "edge_roll":
            _edge_roll(b, int(b.rx.integers(1, 4)))
        elif kind == "slide":
            _slide(b)
        elif kind == "bounce":
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
    if b.ranges.wide and b.rx.random() < 0.5:
        # the knee bounces: the dangling foot bobs up and down for a while, in a plane
        fb = float(b.rx.uniform(1.0, 2.5))
        bob = keys([0, 0.3 * dur, 0.4 * dur, 0.7 * dur, 0.8 * dur], [0, 0, 1, 1, 0], n)
        z_amp = float(b.rx.uniform(0.01, 0.05))
        oz = oz + z_amp * bob * np.sin(2 * np.pi * fb * t) * env
        ang[:, PITCH] += 2.0 * z_amp * bob * np.sin(2 * np.pi * fb * t + 0.5) * env
    off = np.column_stack([ox * h[0] - oy * h[1], ox * h[1] + oy * h[0], oz])
    amp = float(rng.uniform(0.1, 0.4))
    hz = b.ring_hz()
    b.strike(off, b.t, b.contact_speed(amp, 0.03, hz), UP, 0.03, 0.4, hz)
    b.free_segment(ang, off)
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


# ------------------------------------------------------------- the wide ranges' distractors
def _wiggle(b: Builder, dur: float) -> None:
    """Foot wiggle: the forefoot swings side to side about the heel (1-3 Hz, 5-15 deg)."""
    rx = b.rx
    n = samples(dur)
    t = np.arange(n) / FS
    env = keys([0, 0.4, dur - 0.4, dur], [0, 1, 1, 0], n)
    f = float(rx.uniform(1.0, 3.0))
    yaw = float(rx.uniform(5, 15)) * DEG * env * np.sin(2 * np.pi * f * t)
    lift = -float(rx.uniform(2, 8)) * DEG * env  # the toes off the floor a little
    b.pivot_segment(pitch=lift, extra={YAW: b.yaw + yaw}, contact="heel")


def _edge_roll(b: Builder, times: int) -> None:
    """Rolling the foot onto its outer edge and back (ankle inversion), a few times."""
    rx = b.rx
    tk, vk = [0.0], [0.0]
    t = 0.0
    for _ in range(times):
        t += float(rx.uniform(0.4, 1.0))
        tk.append(t)
        vk.append(float(rx.choice([-1, 1]) * rx.uniform(5, 15)) * DEG)
        t += float(rx.uniform(0.2, 1.5))
        tk.append(t)
        vk.append(vk[-1])
        t += float(rx.uniform(0.4, 1.0))
        tk.append(t)
        vk.append(0.0)
    b.pivot_segment(roll=keys(tk, vk), contact="below")


def _slide(b: Builder) -> None:
    """The foot slides forward or back on the floor; friction makes it buzz a little."""
    rx = b.rx
    dur = float(rx.uniform(0.5, 1.2))
    n = samples(dur)
    start = b.flat_pos()
    dist = float(rx.uniform(-0.2, 0.2))
    b.floor = b.floor + dist * b.heading()
    s = keys([0, dur], [0, 1.0], n)[:, None]
    path = start[None, :] * (1 - s) + b.flat_pos()[None, :] * s
    buzz = wobble(rx, n, 0.0004, 8.0, 20.0, 3, ramp_s=0.15)  # stick-slip, under a mm
    path[:, 2] += 0.5 * buzz + 0.0002 * taper(n, 0.15)
    b.add(b.channels(n), path)


def weight_shift(b: Builder, duration_s: float) -> None:
    """Standing, shifting the weight from foot to foot; sometimes one relaxed heel lift
    (3-11 deg, the knee bending) as the weight leaves this foot."""
    rx = b.rx
    t0 = b.t
    if rx.random() < 0.5:
        _apart_from_rises(b)
        t0 = b.t
        lift = float(rx.uniform(3, 11)) * DEG
        up = float(rx.uniform(0.6, 1.5))
        hold = float(rx.uniform(0.5, 3.0))
        down = float(rx.uniform(0.6, 1.5))
        n = samples(up + hold + down + 0.3)
        pitch = keys([0, up, up + hold, up + hold + down], [0, lift, lift, 0], n)
        roll = wobble(rx, n, float(rx.uniform(1, 3)) * DEG, 0.2, 0.8)
        b.pivot_segment(pitch=pitch, roll=roll, contact="mtp")
        b.last_rise_s = b.t
    n = samples(max(duration_s - (b.t - t0), 2.0))
    pitch = wobble(rx, n, float(rx.uniform(1, 3)) * DEG, 0.15, 0.5, ramp_s=1.0)
    roll = wobble(rx, n, float(rx.uniform(2, 6)) * DEG, 0.15, 0.5, ramp_s=1.0)
    b.pivot_segment(pitch=pitch, roll=roll, contact="below")
    b.label("weight_shift", t0)


def shuffle(b: Builder) -> None:
    """Standing: one to three small repositioning steps of this foot."""
    rx = b.rx
    t0 = b.t
    for _ in range(int(rx.integers(1, 4))):
        _shuffle(
            b,
            float(rx.uniform(-0.15, 0.2)),
            float(rx.uniform(-25, 25)),
            float(rx.uniform(0.4, 0.8)),
        )
        b.still(float(rx.uniform(0.3, 1.0)), sway_deg=0.2)
    b.label("shuffle", t0)


def foot_adjust(b: Builder) -> None:
    """The foot lifted a little, turned or moved a few cm, and set down again."""
    rx = b.rx
    t0 = b.t
    dur = float(rx.uniform(0.5, 1.0))
    n = samples(dur + 0.1)
    ang = b.channels(n)
    yaw0 = b.yaw
    turn = float(rx.uniform(-20, 20)) * DEG
    ang[:, YAW] = yaw0 + keys([0, dur], [0, turn], n)
    ang[:, ROLL] = keys([0, dur / 2, dur], [0, float(rx.uniform(-6, 6)) * DEG, 0], n)
    start = b.flat_pos()
    b.floor = b.floor + float(rx.uniform(-0.08, 0.08)) * b.heading()
    b.yaw = yaw0 + turn
    s = keys([0, dur], [0, 1.0], n)[:, None]
    path = start[None, :] * (1 - s) + b.flat_pos()[None, :] * s
    path[:, 2] += float(rx.uniform(0.01, 0.04)) * np.sin(np.pi * np.clip(s[:, 0], 0, 1)) ** 2
    hz = b.ring_hz()
    speed = float(rx.uniform(0.05, 0.25))
    b.strike(path[: samples(dur) + 1], b.t, speed, UP, 0.02, 0.3 * dur, hz)
    b.add(ang, path)
    b.still(float(rx.uniform(0.3, 1.0)), sway_deg=0.2)
    b.label("foot_adjust", t0)


def _restless(rx: np.random.Generator, lo_deg: float, hi_deg: float) -> float:
    """How much a resting seated foot drifts, log-uniform: a relaxed leg whose heel or ball
    rests on the floor can be as still as the sensor's noise, a restless one wanders."""
    return float(np.exp(rx.uniform(np.log(lo_deg), np.log(hi_deg))))


def feet_tucked(b: Builder, duration_s: float) -> None:
    """Seated with the feet pulled back under the chair: the heel up 20-45 deg for 8-45 s."""
    rx = b.rx
    _apart_from_rises(b)
    t0 = b.t
    lift = float(rx.uniform(20, 45)) * DEG
    move = float(rx.uniform(0.8, 1.5))
    dur = max(duration_s, 2 * move + 1)
    n = samples(dur)
    pitch = keys([0, move, dur - move, dur], [0, lift, lift, 0], n)
    env = pitch / lift
    pitch += wobble(rx, n, _restless(rx, 0.05, 2) * DEG, 0.1, 0.6) * env
    roll = wobble(rx, n, _restless(rx, 0.1, 4) * DEG, 0.1, 0.5) * env
    b.pivot_segment(pitch=pitch, roll=roll, contact="mtp")
    b.last_rise_s = b.t
    b.label("sit_feet_tucked", t0)


def foot_forward(b: Builder, duration_s: float) -> None:
    """Seated with the leg stretched: the foot rests on its heel, toes up, for 8-45 s."""
    rx = b.rx
    t0 = b.t
    toes_up = float(rx.uniform(8, 30)) * DEG
    move = float(rx.uniform(0.8, 1.5))
    dur = max(duration_s, 2 * move + 1)
    n = samples(dur)
    pitch = keys([0, move, dur - move, dur], [0, -toes_up, -toes_up, 0], n)
    env = -pitch / toes_up
    pitch += wobble(rx, n, _restless(rx, 0.05, 2) * DEG, 0.1, 0.6) * env
    yaw = b.yaw + wobble(rx, n, _restless(rx, 0.1, 8) * DEG, 0.1, 0.4) * env
    b.pivot_segment(pitch=pitch, extra={YAW: yaw}, contact="heel")
    b.label("sit_foot_forward", t0)


def other_leg(b: Builder, duration_s: float, exercise: str) -> None:
    """Seated, this foot resting while the other leg does its round of toe taps or circles:
    the other foot's taps reach this one as small transients (a few hundredths of a g)."""
    t0 = b.t
    b.still(duration_s, sway_deg=0.1)
    if exercise == "toe_tap":
        rx = b.rx
        period = float(rx.uniform(0.5, 1.5))
        t = t0 + float(rx.uniform(1.0, 2.0))
        while t < b.t - 1.0:
            b.transmitted(t, float(rx.uniform(0.01, 0.06)), float(rx.uniform(10, 30)), 0.5)
            t += period * float(rx.uniform(0.85, 1.15))
    b.label("other_leg_" + exercise, t0)
