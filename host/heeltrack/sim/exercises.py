"""The four exercises as kinematics, each returning its truth set (DESIGN.md contract 2).

    >>> s = heel_raise_set(b, person)     # b: motion.Builder, foot flat at rest
    >>> s["count"], s["reps"][0]["hold_s"]

Each set starts and ends with the foot flat on the floor at rest. Rep-to-rep variability:
tempo, amplitude and hold vary by about +-15-20 %, with the occasional hesitation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from heeltrack.sim.gait import swing_positions
from heeltrack.sim.motion import FS, Builder, keys, samples, smoothstep, wobble
from heeltrack.sim.rotations import CPITCH, CROLL, CYAW, PITCH, ROLL, YAW, chain

DEG = np.pi / 180.0
LEAD = 0.3  # turns in which a circle grows from nothing (and shrinks at the end)
Person = dict[str, Any]


def _var(rng: np.random.Generator, x: float, rel: float = 0.17) -> float:
    return float(x * rng.uniform(1 - rel, 1 + rel))


def _r(x: float) -> float:
    return round(float(x), 3)


# ---------------------------------------------------------------------------------- heel raise
def heel_raise_set(b: Builder, person: Person) -> dict:
    """Calf raises: both heels up about the ball of the foot, hold, down, pause."""
    rng = b.rng
    reps = int(rng.integers(5, 16))
    tk: list[float] = [0.0]
    vk: list[float] = [0.0]
    windows = []  # (start, end) of each rep, s from set start
    tops = []  # (top start, top end) for the hold wobble
    t = 0.0
    for _ in range(reps):
        peak = float(np.clip(_var(rng, person["raise_deg"]), 12, 40)) * DEG
        rise = float(np.clip(_var(rng, person["rise_s"], 0.2), 0.5, 2.0))
        lower = float(np.clip(_var(rng, person["lower_s"], 0.2), 0.5, 2.0))
        hold = float(np.clip(_var(rng, person["hold_s"], 0.25), 0.0, 6.0))
        if rng.random() < 0.15:
            hold = float(rng.uniform(0.0, 0.3))  # no real hold on this one
        pause = float(np.clip(_var(rng, person["pause_s"], 0.3), 0.3, 3.0))
        start = t
        if rng.random() < 0.08:  # hesitation halfway up
            half = float(rng.uniform(0.3, 0.6))
            tk += [t + rise / 2, t + rise / 2 + float(rng.uniform(0.2, 0.5))]
            vk += [peak * half, peak * half]
            t = tk[-1] + rise / 2
        else:
            t += rise
        tk.append(t)
        vk.append(peak)
        tops.append((t, t + hold))
        t += hold
        tk.append(t)
        # the top drifts a little during a hold; without a hold a drift would be a jolt
        drift = float(rng.uniform(-0.03, 0.03)) * min(1.0, hold / 1.0)
        vk.append(peak * (1.0 + drift))
        t += lower
        tk.append(t)
        vk.append(0.0)
        windows.append((start, t))
        t += pause
        tk.append(t)
        vk.append(0.0)
    n = samples(t)
    pitch = keys(tk, vk, n)
    lift = np.clip(pitch / max(vk), 0.0, 1.0)  # 0 when flat: wobble only with the heel up
    amp = float(rng.uniform(1.0, 3.0)) * DEG
    pitch = pitch + wobble(rng, n, amp, 0.3, 1.5) * lift
    roll = wobble(rng, n, float(rng.uniform(1.0, 3.0)) * DEG, 0.2, 1.0) * lift
    t0 = b.t
    ang = b.pivot_segment(pitch=pitch, roll=roll, contact="mtp")
    # truth from the kinematics: heel height over the flat floor
    rot = chain(ang)[0]
    pos = b.pos[-1]
    heel_z = pos[:, 2] + rot[:, 2, :] @ b.geom.heel
    heel_z -= heel_z[0]
    out = []
    for ws, we in windows:
        i0, i1 = int(ws * FS), min(int(we * FS) + 1, n)
        seg = heel_z[i0:i1]
        k = int(np.argmax(seg))
        above = seg >= 0.8 * seg[k]
        a = k
        while a > 0 and above[a - 1]:
            a -= 1
        e = k
        while e < len(seg) - 1 and above[e + 1]:
            e += 1
        out.append({"t_s": _r(t0 + (i0 + (a + e) / 2) / FS), "hold_s": _r((e - a) / FS)})
    b.last_rise_s = t0 + windows[-1][1]
    return {
        "exercise": "heel_raise",
        "start_s": _r(t0 + windows[0][0]),
        "end_s": _r(t0 + windows[-1][1]),
        "count": reps,
        "reps": out,
    }


# ----------------------------------------------------------------------------------- heel walk
def heel_walk_set(b: Builder, person: Person) -> dict:
    """Walking on the heels, toes up all the time; the sensor foot lands every other step."""
    rng = b.rng
    steps = int(rng.integers(5, 16))
    dorsi = float(rng.uniform(10, 30)) * DEG
    period = 120.0 / person["hw_cadence"]
    # dorsiflex the foot about the heel
    b.pivot_segment(pitch=keys([0, float(rng.uniform(0.5, 1.0))], [0.0, -dorsi]), contact="heel")
    t_start = b.t
    contacts = []
    for _ in range(steps):
        p = _var(rng, period, 0.17)
        ts = p * float(rng.uniform(0.38, 0.48))
        n = samples(ts)
        ang = b.channels(n)
        extra = float(rng.uniform(0, 8)) * DEG
        ang[:, PITCH] = -dorsi - extra * np.sin(np.linspace(0, np.pi, n)) ** 4
        ang[:, ROLL] = wobble(rng, n, float(rng.uniform(1, 4)) * DEG, 1.0, 3.0, 2)
        c0 = b.contact("heel")
        step = float(np.clip(_var(rng, person["hw_step"], 0.12), 0.2, 0.45))
        b.floor = b.floor + 2 * step * b.heading()
        lift = float(rng.uniform(0.02, 0.05))
        b.add(ang, swing_positions(b, ang, c0, b.geom.heel, b.contact("heel"), b.geom.heel, lift))
        contacts.append(b.t)
        up = np.array([0.0, 0.0, 1.0])
        b.impact(
            b.t,
            float(rng.uniform(1.5, 4.0)),
            float(rng.uniform(0.010, 0.025)),
            up - 0.3 * b.heading(),
            gyro_dps=20.0,
        )
        # stance on the heel while the other foot steps: small rocking and roll wobble
        m = samples(p - ts + (float(rng.uniform(0.3, 1.0)) if rng.random() < 0.07 else 0.0))
        rock = wobble(rng, m, float(rng.uniform(0.5, 2.0)) * DEG, 0.8, 2.0, 2)
        b.pivot_segment(
            pitch=-dorsi + rock, roll=wobble(rng, m, 2 * DEG, 0.5, 2.0, 2), contact="heel"
        )
    end = contacts[-1] + 0.2
    b.pivot_segment(pitch=keys([0, float(rng.uniform(0.5, 1.0))], [-dorsi, 0.0]), contact="heel")
    return {
        "exercise": "heel_walk",
        "start_s": _r(t_start),
        "end_s": _r(end),
        "count": steps,
        "reps": [{"t_s": _r(c)} for c in contacts],
    }


# ------------------------------------------------------------------------------------ toe tap
def toe_tap_set(b: Builder, person: Person) -> dict:
    """Seated: lift the foot, tap the toes on a stool again and again, put the foot down."""
    rng = b.rng
    taps = int(rng.integers(6, 16))
    stool_h = person["stool_h"]
    stool_d = person["stool_d"]
    gap_mean = float(rng.uniform(0.02, 0.08))
    pitch_c = float(rng.uniform(5, 20)) * DEG  # toes down at contact
    # sensor offset (foot frame, heading applied later) when the toes touch the stool top
    toe = b.geom.toe

    def sensor_offset(pitch: float, toe_xz: tuple[float, float]) -> np.ndarray:
        c, s = np.cos(pitch), np.sin(pitch)
        rt = np.array([c * toe[0] + s * toe[2], -s * toe[0] + c * toe[2]])  # R_y(pitch) toe
        flat_toe = np.array([toe[0], toe[2]])
        return np.array(toe_xz) + flat_toe - rt

    contact = sensor_offset(pitch_c, (stool_d, stool_h))
    tk = [0.0]
    pk = [0.0]
    xk = [0.0]
    zk = [0.0]
    t = float(rng.uniform(0.6, 1.0))
    hover = contact + np.array([0.0, gap_mean])
    tk.append(t)
    pk.append(pitch_c - 5 * DEG)
    xk.append(hover[0])
    zk.append(hover[1])
    hits = []
    for _ in range(taps):
        per = 1.0 / _var(rng, person["tap_hz"], 0.15)
        down = per * 0.35
        t += down
        tk.append(t)
        pk.append(pitch_c + float(rng.uniform(-2, 2)) * DEG)
        xk.append(contact[0] + float(rng.uniform(-0.01, 0.01)))
        zk.append(contact[1])
        hits.append(t)
        t += per * float(rng.uniform(0.05, 0.1))
        tk.append(t)
        pk.append(pk[-1])
        xk.append(xk[-1])
        zk.append(zk[-1])
        gap = float(np.clip(_var(rng, gap_mean, 0.3), 0.02, 0.08))
        t += per * 0.35
        tk.append(t)
        pk.append(pitch_c - float(rng.uniform(3, 8)) * DEG)
        xk.append(contact[0] + float(rng.uniform(-0.01, 0.01)))
        zk.append(contact[1] + gap)
        t += per * float(rng.uniform(0.1, 0.2))
        if rng.random() < 0.08:  # hesitation: the foot hovers a moment longer
            t += float(rng.uniform(0.4, 1.2))
        tk.append(t)
        pk.append(pk[-1])
        xk.append(xk[-1])
        zk.append(zk[-1])
    end = hits[-1] + 0.3
    t += float(rng.uniform(0.7, 1.1))
    tk.append(t)
    pk.append(0.0)
    xk.append(0.0)
    zk.append(0.0)
    skew = [1.4 if (k - 1) % 4 == 0 and 1 <= k < len(tk) - 2 else 0 for k in range(len(tk) - 1)]
    n = samples(t)
    ang = b.channels(n)
    ang[:, PITCH] = keys(tk, pk, n, skew)
    ang[:, YAW] += wobble(rng, n, 2 * DEG, 0.2, 0.8)
    ang[:, ROLL] = wobble(rng, n, 2 * DEG, 0.2, 0.8)
    ox = keys(tk, xk, n, skew)
    oz = keys(tk, zk, n, skew)
    # arc over the stool edge on the way up and down
    oz += 0.03 * np.sin(np.pi * np.clip(np.arange(n) / FS / tk[1], 0, 1)) ** 4
    back = tk[-2]
    oz += 0.03 * np.sin(np.pi * np.clip((np.arange(n) / FS - back) / (t - back), 0, 1)) ** 4
    oy = wobble(rng, n, 0.01, 0.2, 0.8)
    h = b.heading()
    off = np.column_stack([ox * h[0] - oy * h[1], ox * h[1] + oy * h[0], oz])
    t0 = b.t
    b.free_segment(ang, off)
    for hit in hits:
        b.impact(
            t0 + hit,
            float(rng.uniform(0.3, 1.5)),
            float(rng.uniform(0.01, 0.03)),
            np.array([0.0, 0.0, 1.0]) - 0.2 * h,
            gyro_dps=10.0,
        )
    b.impact(t0 + t - 0.05, float(rng.uniform(0.1, 0.3)), 0.03, np.array([0.0, 0.0, 1.0]))
    return {
        "exercise": "toe_tap",
        "start_s": _r(t0),
        "end_s": _r(t0 + end),
        "count": taps,
        "reps": [{"t_s": _r(t0 + x)} for x in hits],
    }


# ------------------------------------------------------------------------------- ankle circles
def ankle_circle_sets(b: Builder, person: Person, directions: list[str]) -> list[dict]:
    """Seated, leg extended, foot in the air: circles of the toe axis, one set per direction."""
    rng = b.rng
    neutral = -(90.0 - person["shank_deg"] - float(rng.uniform(0, 15))) * DEG
    up = np.array([float(rng.uniform(0.35, 0.5)), 0.0, float(rng.uniform(0.25, 0.45))])
    h = b.heading()
    lift_s = float(rng.uniform(1.0, 1.6))
    # one free segment: lift, pause, circles (per direction, with pauses), pause, lower
    parts: list[tuple[str, float, Any]] = [("pause", float(rng.uniform(0.8, 2.0)), None)]
    for i, d in enumerate(directions):
        if i:
            parts.append(("pause", float(rng.uniform(1.0, 4.0)), None))
        count = int(rng.integers(5, 11))
        periods = [
            float(np.clip(_var(rng, person["circle_s"], 0.17), 1.2, 4.0)) for _ in range(count)
        ]
        lead = LEAD * (periods[0] + periods[-1])
        parts.append(("circles", float(sum(periods)) + lead, (d, periods)))
    parts.append(("pause", float(rng.uniform(0.5, 1.5)), None))
    body = sum(p[1] for p in parts)
    total = lift_s + body + lift_s
    n = samples(total)
    tt = np.arange(n) / FS
    ang = b.channels(n)
    env_leg = keys([0, lift_s, lift_s + body, total], [0, 1, 1, 0], n)
    ang[:, PITCH] = neutral * env_leg
    ang[:, PITCH] += wobble(rng, n, float(rng.uniform(1, 3)) * DEG, 0.1, 0.5) * env_leg
    ang[:, YAW] += wobble(rng, n, float(rng.uniform(1, 3)) * DEG, 0.1, 0.5) * env_leg
    sway = np.column_stack([wobble(rng, n, 0.015, 0.1, 0.5) for _ in range(3)]) * env_leg[:, None]
    off = (up[None, :] * env_leg[:, None]) + sway
    off = np.column_stack(
        [off[:, 0] * h[0] - off[:, 1] * h[1], off[:, 0] * h[1] + off[:, 1] * h[0], off[:, 2]]
    )
    t0 = b.t
    sets = []
    t = lift_s
    for kind, dur, spec in parts:
        if kind == "circles":
            d, periods = spec
            sgn = 1.0 if d == "cw" else -1.0
            i0, i1 = samples(t), min(samples(t + dur), n)
            m = i1 - i0
            # turn rate keyed per circle; a lead-in and lead-out of LEAD turns in which the
            # circle grows from / shrinks to nothing, then exactly len(periods) full turns
            per = np.asarray(periods)
            nturn = len(per)
            mids = LEAD * per[0] + np.cumsum(per) - per / 2
            rate = np.interp(tt[:m], mids, 1.0 / per)
            turns = np.cumsum(rate) / FS
            turns = -LEAD + turns * (nturn + 2 * LEAD) / turns[-1]
            phase = float(rng.uniform(0, 2 * np.pi)) + sgn * 2 * np.pi * turns
            env = smoothstep((turns + LEAD) / LEAD) * smoothstep((nturn + LEAD - turns) / LEAD)
            half = float(np.clip(_var(rng, person["circle_deg"], 0.15), 10, 30)) * DEG
            ratio = float(rng.uniform(0.5, 1.0))
            ay, az = (half, half * ratio) if rng.random() < 0.5 else (half * ratio, half)
            roll = float(rng.uniform(2, 6)) * DEG
            ang[i0:i1, CYAW] = env * ay * np.cos(phase)
            ang[i0:i1, CPITCH] = -env * az * np.sin(phase)
            ang[i0:i1, CROLL] = env * roll * np.sin(phase + float(rng.uniform(0, 2 * np.pi)))
            done = [int(np.searchsorted(turns, k - 1e-9)) for k in range(1, nturn + 1)]
            reps = [{"t_s": _r(t0 + (i0 + min(k, m - 1)) / FS)} for k in done]
            sets.append(
                {
                    "exercise": "ankle_circle",
                    "start_s": _r(t0 + i0 / FS),
                    "end_s": reps[-1]["t_s"],
                    "count": len(periods),
                    "direction": d,
                    "reps": reps,
                }
            )
        t += dur
    b.free_segment(ang, off)
    b.impact(b.t - 0.02, float(rng.uniform(0.1, 0.4)), 0.03, np.array([0.0, 0.0, 1.0]))
    return sets
