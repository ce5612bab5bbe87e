"""Strides of the sensor foot: normal walking (with turns) and stairs.

    >>> walk(b, steps=12, cadence=110, speed=1.3)    # sensor foot makes 6 strides
    >>> stairs(b, "up", steps=10)

One stride, from foot-flat to foot-flat: rest flat, heel-off (rocking about the ball of the
foot to the push-off pitch), swing (the foot travels to its next place, turning if asked),
landing on the heel (or forefoot on stairs down) with an impact, loading back to flat.
Pitch > 0 is toes down, so push-off gives +gy and the swing a large -gy.
"""

from __future__ import annotations

import numpy as np

from heeltrack.sim.motion import FS, Builder, keys, samples, smoothstep, wobble
from heeltrack.sim.rotations import PITCH, ROLL, YAW

DEG = np.pi / 180.0


def swing_positions(
    b: Builder,
    ang: np.ndarray,
    c0: np.ndarray,
    r0: np.ndarray,
    c1: np.ndarray,
    r1: np.ndarray,
    lift: float,
) -> np.ndarray:
    """Sensor path from 'foot point r0 at c0' to 'r1 at c1' (a moving virtual pivot) + lift."""
    n = len(ang)
    s = smoothstep(np.linspace(0.0, 1.0, n))[:, None]
    c = (1 - s) * c0[None, :] + s * c1[None, :]
    r = (1 - s) * r0[None, :] + s * r1[None, :]
    p = b.pivot(ang, c, r)
    p[:, 2] += lift * np.sin(np.linspace(0.0, np.pi, n)) ** 4
    return p


def stride(
    b: Builder,
    *,
    period: float,
    length: float,
    theta_off_deg: float,
    theta_land_deg: float,
    land: str = "heel",
    theta_mid_deg: float | None = None,
    dz: float = 0.0,
    turn_deg: float = 0.0,
    lift: float = 0.05,
    impact_g: float = 3.0,
    flat_frac: float = 0.16,
    off_frac: float = 0.30,
    swing_frac: float = 0.40,
    lead_frac: float = 0.4,
) -> float:
    """One stride from flat to flat; returns the time of the landing (impact)."""
    rng = b.rng
    load_frac = max(0.06, 1.0 - flat_frac - off_frac - swing_frac)
    b.still(flat_frac * period, sway_deg=0.1)
    # heel-off (rocking about the ball of the foot) and swing, as one block: the forward
    # travel starts `lead_frac` of the heel-off before toe-off, so the foot is already moving
    # when the toes leave the floor (as in real gait) instead of starting from rest
    th_off = theta_off_deg * DEG
    th_land = theta_land_deg * DEG
    roll_off = float(rng.uniform(3.0, 9.0)) * DEG * (1 if rng.random() < 0.8 else -1)
    t_off = off_frac * period
    ts = swing_frac * period
    n = samples(t_off + ts)
    m = n - samples(t_off)  # swing samples
    c0 = b.contact("mtp")
    yaw0 = b.yaw
    ang = b.channels(n)
    if theta_mid_deg is None:
        ang[:, PITCH] = keys(
            [0, t_off, t_off + 0.7 * ts, t_off + ts],
            [0.0, th_off, th_land, th_land],
            n,
            skew=[2.5, 0, 0],
        )
    else:
        ang[:, PITCH] = keys(
            [0, t_off, t_off + 0.45 * ts, t_off + ts],
            [0.0, th_off, theta_mid_deg * DEG, th_land],
            n,
            skew=[2.5, 0, 0],
        )
    ang[:, ROLL] = keys([0, t_off, t_off + 0.5 * ts], [0.0, roll_off, 0.0], n, skew=[2.5, 0])
    ang[n - m :, ROLL] += wobble(rng, m, float(rng.uniform(4.0, 10.0)) * DEG, 1.5, 3.0, 2)
    ang[n - m :, YAW] += turn_deg * DEG * smoothstep(np.linspace(0, 1, m))
    ang[n - m :, YAW] += wobble(rng, m, float(rng.uniform(3.0, 8.0)) * DEG, 1.5, 3.0, 2)
    mid_yaw = yaw0 + 0.5 * turn_deg * DEG
    b.floor = b.floor + length * np.array([np.cos(mid_yaw), np.sin(mid_yaw), 0.0])
    b.floor[2] += dz
    b.yaw = yaw0 + turn_deg * DEG
    c1 = b.contact(land)
    lead = lead_frac * t_off
    v = np.clip((np.arange(n) / FS - (t_off - lead)) / (ts + lead), 0.0, 1.0)
    sv = smoothstep(v)[:, None]
    c = (1 - sv) * c0[None, :] + sv * c1[None, :]
    r = (1 - sv) * b.geom.mtp[None, :] + sv * b.geom.point(land)[None, :]
    pos = b.pivot(ang, c, r)
    pos[:, 2] += lift * np.sin(np.pi * v) ** 4
    up = np.array([0.0, 0.0, 1.0])
    direction = up - (0.4 if land == "heel" else 0.15) * b.heading()
    width = float(rng.uniform(0.010, 0.025))
    hz = b.ring_hz()
    speed = b.contact_speed(impact_g, width, hz)
    t_land = b.strike(pos, b.t, speed, direction, width, min(0.3 * ts, 0.12), hz, 8.0 * impact_g)
    b.add(ang, pos)
    # loading: back to flat about the landing point
    b.pivot_segment(pitch=keys([0, load_frac * period], [th_land, 0.0]), contact=land)
    # the other foot lands about half a stride later; this foot feels it through the body
    felt = b.strap.transmit * impact_g * float(b.rx.uniform(0.7, 1.3))
    b.transmitted(t_land + 0.5 * period, felt, hz * float(b.rx.uniform(0.4, 0.8)), 5.0 * felt)
    return t_land


def walk(
    b: Builder,
    steps: int,
    cadence: float | None = None,
    speed: float | None = None,
    turns: bool = True,
    u_turn: bool = False,
) -> list[float]:
    """Normal walking: `steps` steps in all (the sensor foot makes steps//2 strides), with a
    few gentle turns and, if asked, a U-turn."""
    rng = b.rng
    t0 = b.t
    cadence = cadence or float(rng.uniform(100, 125))
    speed = speed or float(rng.uniform(1.0, 1.5)) * cadence / 110.0
    period = 120.0 / cadence
    strides = max(1, steps // 2)
    turn_plan = np.zeros(strides)
    if turns and strides >= 3:
        for _ in range(rng.integers(0, 3)):
            k = int(rng.integers(0, strides - 1))
            turn_plan[k : k + 2] += rng.choice([-1, 1]) * rng.uniform(15, 60)
    if u_turn and strides >= 4:  # turn back on the spot over 2-3 strides
        k = int(b.rx.integers(1, strides - 2))
        m = int(b.rx.integers(2, 4))
        turn_plan[k : k + m] += float(b.rx.choice([-1, 1]) * b.rx.uniform(150, 200)) / m
    lands = []
    for k in range(strides):
        p = period * rng.uniform(0.95, 1.05)
        lands.append(
            stride(
                b,
                period=p,
                length=speed * p * rng.uniform(0.93, 1.07),
                theta_off_deg=rng.uniform(40, 50),
                theta_land_deg=-rng.uniform(17, 25),
                turn_deg=float(turn_plan[k]),
                lift=rng.uniform(0.02, 0.06),
                impact_g=rng.uniform(2.5, 4.0),
                flat_frac=rng.uniform(0.03, 0.08),
                off_frac=rng.uniform(0.30, 0.36),
                swing_frac=rng.uniform(0.36, 0.40),
            )
        )
    b.still(rng.uniform(0.3, 0.8))
    b.label("walking", t0)
    return lands


def stairs(b: Builder, direction: str, steps: int) -> None:
    """Stairs up or down, one step per stair, sensor foot every other step."""
    rng = b.rng
    t0 = b.t
    rise = rng.uniform(0.15, 0.18)
    going = rng.uniform(0.25, 0.30)
    period = rng.uniform(0.9, 1.2)
    # wide ranges: half the flights start at 15-60 deg to the stairs and turn onto them
    turn = 0.0
    if b.ranges.wide and b.rx.random() < 0.5:
        turn = float(b.rx.choice([-1, 1]) * b.rx.uniform(15, 60))
    for _ in range(max(1, steps // 2)):
        p = period * rng.uniform(0.95, 1.05)
        first_turn, turn = turn, 0.0
        if direction == "up":
            stride(
                b,
                turn_deg=first_turn,
                period=p,
                length=2 * going,
                dz=2 * rise,
                land="heel",
                theta_off_deg=rng.uniform(18, 28),
                theta_land_deg=-rng.uniform(0, 8),
                theta_mid_deg=-rng.uniform(6, 15),
                lift=rng.uniform(0.06, 0.10),
                impact_g=rng.uniform(1.5, 3.0),
                flat_frac=0.18,
                off_frac=0.27,
                swing_frac=0.42,
            )
        else:
            stride(
                b,
                turn_deg=first_turn,
                period=p,
                length=2 * going,
                dz=-2 * rise,
                land="mtp",
                theta_off_deg=rng.uniform(30, 45),
                theta_land_deg=rng.uniform(20, 35),
                theta_mid_deg=-rng.uniform(10, 25),
                lift=rng.uniform(0.03, 0.06),
                impact_g=rng.uniform(2.0, 4.0),
                flat_frac=0.10,
                off_frac=0.22,
                swing_frac=0.40,
            )
    b.still(rng.uniform(0.3, 0.8))
    b.label("stairs_" + direction, t0)
