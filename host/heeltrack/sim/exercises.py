"""The four exercises as kinematics, each returning its truth set (DESIGN.md contract 2).

    >>> s = heel_raise_set(b, person)     # b: motion.Builder, foot flat at rest
    >>> s["count"], s["reps"][0]["hold_s"]

Each set starts and ends with the foot flat on the floor at rest. Rep-to-rep variability:
tempo, amplitude and hold vary by about +-15-20 %, with the occasional hesitation. The
person's parameters and the ranges (b.ranges) decide the rest: calf raises wobble on the ball
of the foot (roll and yaw, as real ones do) and some people bounce; heel walks roll forward
over the heel and feel the other foot's strikes; toe taps land toe-first, flat or heel-first
at a contact speed; circles are tilted ellipses with inversion coupled to adduction.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from heeltrack.sim.gait import swing_positions
from heeltrack.sim.motion import (
    FS,
    Builder,
    G,
    decel_peak,
    drop,
    keys,
    samples,
    smoothstep,
    taper,
    wobble,
)
from heeltrack.sim.rotations import CPITCH, CROLL, CYAW, PITCH, ROLL, YAW, chain, rates_of

DEG = np.pi / 180.0
LEAD = 0.3  # turns in which a circle grows from nothing (and shrinks at the end)
UP = np.array([0.0, 0.0, 1.0])
Person = dict[str, Any]


def _var(rng: np.random.Generator, x: float, rel: float = 0.17) -> float:
    return float(x * rng.uniform(1 - rel, 1 + rel))


def _r(x: float) -> float:
    return round(float(x), 3)


def _side(person: Person) -> float:
    """+1 for the right foot, -1 for the left: inversion is +roll on the right foot."""
    return 1.0 if person.get("foot") == "right" else -1.0


# ---------------------------------------------------------------------------------- heel raise
def _raise_keys(b: Builder, person: Person, reps: int) -> tuple[list, list, list, list]:
    """Pitch keys of a calf-raise set: (times, values, rep windows, (rise, peak) per rep)."""
    rng, rx, r = b.rng, b.rx, b.ranges
    real = bool(person.get("hr_real", False))
    bounce = bool(person.get("hr_bounce", False))
    tk: list[float] = [0.0]
    vk: list[float] = [0.0]
    windows = []  # (start, end) of each rep, s from set start
    shapes = []
    t = 0.0
    base = 0.0  # where the heel starts this rep (above 0 when bouncing)
    for i in range(reps):
        peak = float(np.clip(_var(rng, person["raise_deg"]), *r.span("raise_clip_deg"))) * DEG
        rise = float(np.clip(_var(rng, person["rise_s"], 0.2), *r.span("rise_clip_s")))
        lower = float(np.clip(_var(rng, person["lower_s"], 0.2), *r.span("lower_clip_s")))
        hold = float(np.clip(_var(rng, person["hold_s"], 0.25), *r.span("hold_clip_s")))
        if rng.random() < 0.15:
            hold = float(rng.uniform(0.0, 0.3))  # no real hold on this one
        pause = float(np.clip(_var(rng, person["pause_s"], 0.3), *r.span("pause_clip_s")))
        if real:  # the public recordings: 1.1-1.3 s per rep, no hold, 40-53 deg
            peak = float(rx.uniform(40.0, 53.0)) * DEG
            dur = float(rx.uniform(1.1, 1.3))
            rise = dur * float(rx.uniform(0.42, 0.52))
            lower, hold = dur - rise, 0.0
            pause = float(rx.uniform(0.6, 1.2))
        last = i == reps - 1
        bottom = peak * float(rx.uniform(0.1, 0.4)) if bounce and not last else 0.0
        if bounce and not last:
            pause = 0.0  # the heel turns back up without touching down
        start = t
        if rng.random() < 0.08:  # hesitation halfway up
            half = float(rng.uniform(0.3, 0.6))
            tk += [t + rise / 2, t + rise / 2 + float(rng.uniform(0.2, 0.5))]
            vk += [base + (peak - base) * half] * 2
            t = tk[-1] + rise / 2
        else:
            t += rise
        tk.append(t)
        vk.append(peak)
        t += hold
        tk.append(t)
        # the top drifts a little during a hold; in a short one a drift would be a jolt (its
        # angular acceleration grows as drift / hold^2)
        drift = float(rng.uniform(-0.03, 0.03)) * min(1.0, hold) ** 2
        vk.append(peak * (1.0 + drift))
        t += lower
        tk.append(t)
        vk.append(bottom)
        windows.append((start, t))
        shapes.append((rise, peak - base))
        if pause > 0:
            t += pause
            tk.append(t)
            vk.append(bottom)
        base = bottom
    if tk[-1] == windows[-1][1]:  # a short rest on the floor closes the segment
        tk.append(tk[-1] + 0.3)
        vk.append(0.0)
    return tk, vk, windows, shapes


def _ankle_wobble(
    b: Builder, person: Person, ang: np.ndarray, lift: np.ndarray, windows: list, shapes: list
) -> None:
    """Roll and yaw of the foot balancing on its ball, added to ang in place.

    The wobble turns about the foot's own long axis (inversion/eversion) and its own z axis
    (the heel swinging sideways), i.e. the body-fixed channels, pivoting on the ball.
    Real calf raises wobble: 40-75 dps about roll and yaw beside 110-250 dps of pitch. Each
    rep gets an oscillation (1.2-3 Hz) that lives while the heel is up, strongest while it
    moves (a third of that in a hold), scaled so that the
    body rates about x and z peak at the person's share of the rep's pitch-rate peak (or,
    for the 'real' profile, at 40-75 dps); inversion follows the heel's rise."""
    rx = b.rx
    n = len(ang)
    side = _side(person)
    real = bool(person.get("hr_real", False))
    inv = float(person.get("hr_inv", 0.0))
    ang[:, ROLL] += side * (min(inv, 0.12) if real else inv) * ang[:, PITCH]
    share = float(person.get("hr_wobble", 0.0))
    if share <= 0 and not real:
        return
    parts = []
    targets = []
    rate = np.gradient(ang[:, PITCH]) * FS
    for (ws, we), (rise, dpeak) in zip(windows, shapes, strict=True):
        i0, i1 = int(ws * FS), min(int(we * FS) + 1, n)
        m = i1 - i0
        # strongest while the heel moves, a third of it while held (balance sway)
        moving = (rate[i0:i1] / max(float(np.abs(rate[i0:i1]).max()), 1e-6)) ** 2
        sig = []
        for _ in range(2):
            f = float(rx.uniform(1.2, 3.0))
            ph = float(rx.uniform(0, 2 * np.pi))
            tt = np.arange(m) / FS
            s = np.sin(2 * np.pi * f * tt + ph) + 0.5 * np.sin(2 * np.pi * 1.7 * f * tt + 2 * ph)
            # tapered at the rep's ends: bouncing reps join without a jolt
            sig.append(s * lift[i0:i1] * (0.3 + 0.7 * moving) * taper(m, 0.15))
        parts.append((i0, i1, sig[0], sig[1]))
        pitch_peak = np.degrees(1.875 * dpeak / max(rise, 0.2))
        if real:
            targets.append((float(rx.uniform(40, 75)), float(rx.uniform(40, 75))))
        else:
            targets.append(
                tuple(share * pitch_peak * float(rx.uniform(0.7, 1.0)) for _ in range(2))
            )
    gain = [[0.3 * DEG, 0.3 * DEG] for _ in parts]
    base = ang.copy()
    for _ in range(3):  # the body rates are nearly linear in the gains: a few passes converge
        ang[:] = base
        for (i0, i1, sr, sy), (gr, gy) in zip(parts, gain, strict=True):
            ang[i0:i1, CROLL] += gr * sr
            ang[i0:i1, CYAW] += gy * sy
        w = np.degrees(chain(ang, rates_of(ang, FS))[1])
        for k, (i0, i1, _, _) in enumerate(parts):
            px = float(np.abs(w[i0:i1, 0]).max()) + 1e-6
            pz = float(np.abs(w[i0:i1, 2]).max()) + 1e-6
            gain[k][0] *= float(np.clip(targets[k][0] / px, 0.3, 3.0))
            gain[k][1] *= float(np.clip(targets[k][1] / pz, 0.3, 3.0))
    ang[:] = base
    for (i0, i1, sr, sy), (gr, gy) in zip(parts, gain, strict=True):
        ang[i0:i1, CROLL] += gr * sr
        ang[i0:i1, CYAW] += gy * sy


def hold_truth(heel_z: np.ndarray, i0: int, i1: int) -> tuple[float, float]:
    """DESIGN.md's hold: the unbroken stay within 80 % of the rep's peak heel lift around the
    peak; returns (middle sample, length in samples) within heel_z[i0:i1]."""
    seg = heel_z[i0:i1]
    k = int(np.argmax(seg))
    above = seg >= 0.8 * seg[k]
    a = k
    while a > 0 and above[a - 1]:
        a -= 1
    e = k
    while e < len(seg) - 1 and above[e + 1]:
        e += 1
    return i0 + (a + e) / 2, float(e - a)


def heel_raise_set(b: Builder, person: Person) -> dict:
    """Calf raises: both heels up about the ball of the foot, hold, down, pause."""
    rng, rx, r = b.rng, b.rx, b.ranges
    reps = int(rng.integers(*r.ints("hr_reps")))
    if rx.random() < r.p("hr_small_set"):
        reps = int(rx.integers(6, 10))
    tk, vk, windows, shapes = _raise_keys(b, person, reps)
    n = samples(tk[-1])
    pitch = keys(tk, vk, n)
    lift = np.clip(pitch / max(vk), 0.0, 1.0)  # 0 when flat: wobble only with the heel up
    amp = float(rng.uniform(1.0, 3.0)) * DEG
    sway = float(rx.uniform(0.3, 1.0)) if r.wide else 1.0  # balance sway 0.4-2 deg (wide)
    pitch = pitch + wobble(rng, n, amp * sway, 0.3, 1.5) * lift
    ang = b.channels(n)
    ang[:, PITCH] = pitch
    ang[:, ROLL] = wobble(rng, n, float(rng.uniform(1.0, 3.0)) * DEG * sway, 0.2, 1.0) * lift
    _ankle_wobble(b, person, ang, lift, windows, shapes)
    t0 = b.t
    b.add(ang, b.pivot(ang, b.contact("mtp"), b.geom.mtp))
    # truth from the kinematics: heel height over the flat floor
    rot = chain(ang)[0]
    pos = b.pos[-1]
    heel_z = pos[:, 2] + rot[:, 2, :] @ b.geom.heel
    heel_z -= heel_z[0]
    out = []
    for ws, we in windows:
        i0, i1 = int(ws * FS), min(int(we * FS) + 1, n)
        mid, held = hold_truth(heel_z, i0, i1)
        top = i0 + int(np.argmax(heel_z[i0:i1]))
        out.append(
            {
                "t_s": _r(t0 + mid / FS),
                "hold_s": _r(held / FS),
                "lift_cm": round(float(heel_z[top]) * 100, 1),
                "pitch_deg": round(float(np.degrees(ang[top, PITCH])), 1),
            }
        )
    b.last_rise_s = t0 + windows[-1][1]
    return {
        "exercise": "heel_raise",
        "start_s": _r(t0 + windows[0][0]),
        "end_s": _r(t0 + windows[-1][1]),
        "count": reps,
        "reps": out,
    }


# ----------------------------------------------------------------------------------- heel walk
def _turn_plan(rx: np.random.Generator, steps: int, p: float) -> np.ndarray:
    """Heading change (deg) per step: a turn of 45-180 deg over 2-3 steps in some walks."""
    plan = np.zeros(steps)
    if steps >= 5 and rx.random() < p:
        k = int(rx.integers(1, steps - 3))
        m = int(rx.integers(2, 4))
        plan[k : k + m] = float(rx.choice([-1, 1]) * rx.uniform(45, 180)) / m
    return plan


def heel_walk_set(b: Builder, person: Person) -> dict:
    """Walking on the heels, toes up all the time; the sensor foot lands every other step.

    Each step of the sensor foot carries it forward by about person['hw_step'] (a swing
    from heel contact to heel contact); in stance it rolls forward over the heel while the
    other foot swings, and feels the other foot's heel strike through the body."""
    rng, rx, r = b.rng, b.rx, b.ranges
    steps = int(rng.integers(*r.ints("hw_steps")))
    dorsi = float(rng.uniform(*r.span("hw_dorsi_deg"))) * DEG
    roll_fwd = float(person.get("hw_roll_deg", 0.0)) * DEG
    period = 120.0 / person["hw_cadence"]
    turns = _turn_plan(rx, steps, r.p("hw_turn"))
    # dorsiflex the foot about the heel
    b.pivot_segment(pitch=keys([0, float(rng.uniform(0.5, 1.0))], [0.0, -dorsi]), contact="heel")
    t_start = b.t
    contacts = []
    travel = []
    stance_pitch = -dorsi
    for i in range(steps):
        p = _var(rng, period, 0.17)
        ts = p * float(rng.uniform(0.38, 0.48))
        n = samples(ts)
        ang = b.channels(n)
        extra = float(rng.uniform(0, 8)) * DEG
        u = np.linspace(0.0, 1.0, n)
        # from the stance pose (rolled forward) back to toes-up, a little more up mid-swing
        ang[:, PITCH] = -dorsi + (stance_pitch + dorsi) * (1 - smoothstep(u))
        ang[:, PITCH] -= extra * np.sin(np.pi * u) ** 4
        ang[:, ROLL] = wobble(rng, n, float(rng.uniform(1, 4)) * DEG, 1.0, 3.0, 2)
        # turning, the wide ranges pivot part of the heading change on the heel in the
        # stance after this step (the heel is the only contact: 150-500 deg/s about the
        # vertical), the rest in the swing
        pivot = turns[i] * float(rx.uniform(0.35, 0.7)) if r.wide and turns[i] else 0.0
        swing_turn = turns[i] - pivot
        yaw0 = b.yaw
        ang[:, YAW] += swing_turn * DEG * smoothstep(u)
        c0 = b.contact("heel")
        lo, hi = (0.15, 0.5) if r.wide else (0.2, 0.45)
        step = float(np.clip(_var(rng, person["hw_step"], 0.12), lo, hi))
        mid = yaw0 + 0.5 * swing_turn * DEG
        b.floor = b.floor + step * np.array([np.cos(mid), np.sin(mid), 0.0])
        b.yaw = yaw0 + swing_turn * DEG
        lift = float(rng.uniform(0.02, 0.05))
        if r.wide:
            lift = float(rx.uniform(*r.span("hw_clear_m")))
        pos = swing_positions(b, ang, c0, b.geom.heel, b.contact("heel"), b.geom.heel, lift)
        amp = float(rng.uniform(1.5, 4.0))
        width = float(rng.uniform(0.010, 0.025))
        hz = b.ring_hz()
        direction = UP - 0.3 * b.heading()
        if r.wide:  # the heel's downward contact speed
            speed = float(person["hw_vc"]) * float(rx.uniform(0.8, 1.2)) * 1.044
        else:
            speed = b.contact_speed(amp, width, hz)
        tc = b.strike(pos, b.t, speed, direction, width, min(0.4 * ts, 0.15), hz, 20.0)
        b.add(ang, pos)
        contacts.append(tc)
        travel.append(step)
        # stance on the heel while the other foot steps: roll forward, small rocking, roll
        m = samples(p - ts + (float(rng.uniform(0.3, 1.0)) if rng.random() < 0.07 else 0.0))
        rock = wobble(rng, m, float(rng.uniform(0.5, 2.0)) * DEG, 0.8, 2.0, 2)
        stance_pitch = -dorsi + roll_fwd * float(rx.uniform(0.7, 1.0))
        roll_in = keys([0, 0.8 * m / FS], [-dorsi, stance_pitch], m)
        t_stance = b.t
        spin = None
        if pivot:
            # over 0.35-0.7 of the stance, after the strike's loading
            k = float(rx.uniform(0.35, 0.7))
            spin = {YAW: b.yaw + pivot * DEG * smoothstep((np.arange(m) / m - 0.1) / k)}
        b.pivot_segment(
            pitch=roll_in + rock,
            roll=wobble(rng, m, 2 * DEG, 0.5, 2.0, 2),
            contact="heel",
            extra=spin,
        )
        if pivot:  # the heel stays where it is: the foot's place turns about it
            heel = b.contact("heel")
            b.yaw += pivot * DEG
            b.floor = b.floor + (heel - b.contact("heel"))
        # the other foot's heel strike, felt through the body, about half a step later
        t_other = t_stance + float(np.clip(tc + 0.5 * p - t_stance, 0.05, 0.8 * m / FS))
        felt = b.strap.transmit * decel_peak(speed, width) / G * float(rx.uniform(0.7, 1.3))
        b.transmitted(t_other, felt, hz * float(rx.uniform(0.4, 0.8)), 6.0 * felt)
    end = contacts[-1] + 0.2
    back = float(rng.uniform(0.5, 1.0))
    b.pivot_segment(pitch=keys([0, back], [stance_pitch, 0.0]), contact="heel")
    return {
        "exercise": "heel_walk",
        "start_s": _r(t_start),
        "end_s": _r(end),
        "count": steps,
        "reps": [{"t_s": _r(c), "travel_m": _r(d)} for c, d in zip(contacts, travel, strict=True)],
    }


# ------------------------------------------------------------------------------------ toe tap
def _tap_contact(geom_pts: dict[str, np.ndarray], pitch: float) -> str:
    """The sole point that is lowest at this pitch (toes down > 0): it touches first."""
    c, s = np.cos(pitch), np.sin(pitch)
    z = {k: -s * v[0] + c * v[2] for k, v in geom_pts.items()}
    return min(z, key=lambda k: z[k])


def _sensor_offset(r: np.ndarray, pitch: float, dx: float, z: float, height: float) -> np.ndarray:
    """Sensor (x, z) offset from its flat rest that puts foot point r (foot frame), pitched
    by `pitch`, dx ahead of where it rests and at height z above the floor; `height` is the
    sensor's height over the floor when the foot is flat."""
    c, s = np.cos(pitch), np.sin(pitch)
    rt = np.array([c * r[0] + s * r[2], -s * r[0] + c * r[2]])  # R_y(pitch) r, in x-z
    return np.array([r[0] + dx - rt[0], z - height - rt[1]])


_STEADY_RAMP_S = 0.1  # a steady lift gets up to speed (and slows down) in this long


def _steady_profile(n: int) -> np.ndarray:
    """0 to 1 over n samples at a steady speed, reached and left over _STEADY_RAMP_S with
    smooth ramps (zero speed and acceleration at both ends)."""
    ramp = min(samples(_STEADY_RAMP_S), n // 2)
    speed = np.ones(n)
    up = smoothstep(np.arange(ramp) / ramp)
    speed[:ramp] = up
    speed[n - ramp :] = up[::-1]
    pos = np.cumsum(speed)
    return (pos - pos[0]) / (pos[-1] - pos[0])


def toe_tap_set(b: Builder, person: Person) -> dict:
    """Seated: lift the foot, tap it on a step again and again, put the foot down.

    The contact is toe-first, flat (ball of the foot) or heel-first: the part of the sole
    that is lowest at the tap's pitch touches the step's top at the step's height, at a
    contact speed, and stops in 10-30 ms (the sole compressed by speed * stop / 2)."""
    rng, rx, r = b.rng, b.rx, b.ranges
    taps = int(rng.integers(*r.ints("tt_taps")))
    if r.wide and rx.random() < 0.2:
        taps = int(rx.integers(6, 16))
    stool_h = person["stool_h"]
    stool_d = person["stool_d"]
    height = b.geom.height
    gap_mean = float(rng.uniform(*r.span("tt_gap_m")))
    pitch_c = float(rng.uniform(*r.span("tt_pitch_deg"))) * DEG  # > 0: toes down at contact
    pts = {k: b.geom.point(k) for k in ("heel", "mtp", "toe")}
    kind = _tap_contact(pts, pitch_c)
    # how far the contact point lands from where it rests on the floor: the toe just past
    # the step's edge; a flat or heel-first foot as far forward as a toe-first one would be
    dx = stool_d + (0.0 if kind == "toe" else pts["toe"][0] - pts[kind][0])
    dx += float(rx.uniform(0.01, 0.04)) if r.wide else 0.0

    def on_step(pitch: float) -> np.ndarray:
        """Sensor offset with the sole's lowest point (at this pitch) on the step's top."""
        low = _tap_contact(pts, pitch)
        return _sensor_offset(pts[low], pitch, dx + pts[kind][0] - pts[low][0], stool_h, height)

    tk = [0.0]
    pk = [0.0]
    xk = [0.0]
    zk = [0.0]
    contact = on_step(pitch_c)
    # some people's foot never holds still over the step: it floats up a few mm at the top
    # of each lift and settles again (sim-b's tappers hover so): for the moment its rotation
    # and speed look still, it decelerates by 3-8% of g
    sx = np.random.Generator(cast(np.random.PCG64, rx.bit_generator).jumped(2))
    smooth = r.wide and sx.random() < r.p("tt_smooth")
    float_mps2 = float(sx.uniform(0.3, 0.8))  # the float's deceleration at its top
    # ... and some lift the foot from the floor onto the step at a steady 0.15-0.3 m/s, its
    # pitch turning as steadily (sim-b's legs do: a block of such a lift reads 1 g and turns
    # under 10 deg/s, as a foot at rest would)
    steady = r.wide and sx.random() < r.p("tt_steady_lift")
    steady_mps = float(sx.uniform(0.15, 0.3))
    t = float(rng.uniform(0.6, 1.0))
    hover = contact + np.array([0.0, gap_mean])
    if steady:
        t = max(t, float(np.linalg.norm(hover)) / steady_mps + _STEADY_RAMP_S)
    tk.append(t)
    pk.append(pitch_c - 5 * DEG)
    xk.append(hover[0])
    zk.append(hover[1])
    # some people lower the foot back toward the floor between taps and tap from below the
    # step's top: they set off upward from that hover, over the edge and down onto the step
    # (a stream of its own: the other draws stay as they were)
    lx = np.random.Generator(cast(np.random.PCG64, rx.bit_generator).jumped())
    # (toes or the ball tap: a heel-first foot is set on the step whole, not tapped from below)
    low = r.wide and lx.random() < r.p("tt_low_hover") and kind != "heel"
    smooth = smooth and not low  # (a low hoverer pauses at the bottom instead)
    # ... at an unhurried speed: the lower the hover, the slower the taps (quintic peak m/s)
    v_low = float(lx.uniform(0.3, 0.6))
    # ... as deep each time, give or take a fifth (a person keeps a rhythm)
    depth_low = float(lx.uniform(0.04, 0.12))
    hits = []  # key index of each contact
    downs = []
    sets_off = []  # key index where the foot sets off from its hover towards each contact
    for j in range(taps):
        per = 1.0 / _var(rng, person["tap_hz"], 0.15)
        down = per * 0.35
        sets_off.append(len(tk) - 1)
        if low and j:
            # up from the low hover to just above the step, then down onto it
            # (clearing the edge by as much as a hover over the step would)
            apex = contact[1] + float(np.clip(_var(lx, gap_mean, 0.3), *r.span("tt_gap_m")))
            t += max(per * 0.3, 1.875 * (apex - zk[-1]) / v_low)
            tk.append(t)
            pk.append(pitch_c - float(lx.uniform(2, 5)) * DEG)
            xk.append(contact[0] - float(lx.uniform(0.0, 0.02)))
            zk.append(apex)
            t += 0.04  # (over the edge: the stroke down, stop included, starts here)
            tk.append(t)
            pk.append(pk[-1])
            xk.append(xk[-1])
            zk.append(zk[-1])
            down = per * 0.25
        t += down
        tk.append(t)
        pk.append(pitch_c + float(rng.uniform(-2, 2)) * DEG)
        at = on_step(pk[-1])
        xk.append(at[0] + float(rng.uniform(-0.01, 0.01)))
        zk.append(at[1])
        hits.append(len(tk) - 1)
        downs.append(down)
        t += per * float(rng.uniform(0.05, 0.1))
        tk.append(t)
        pk.append(pk[-1])
        xk.append(xk[-1])
        zk.append(zk[-1])
        gap = float(np.clip(_var(rng, gap_mean, 0.3), *r.span("tt_gap_m")))
        t += per * 0.35
        tk.append(t)
        pk.append(pitch_c - float(rng.uniform(3, 8)) * DEG)
        xk.append(contact[0] + float(rng.uniform(-0.01, 0.01)))
        zk.append(contact[1] + gap)
        if low and j < taps - 1:
            # the hover 4-12 cm below the step's top (at least 3 cm over the floor), the toes
            # drawn back 2-6 cm behind its edge
            pk[-1] = pitch_c * float(lx.uniform(0.0, 0.6))
            floor = _sensor_offset(pts[_tap_contact(pts, pk[-1])], pk[-1], 0.0, 0.0, height)[1]
            xk[-1] = contact[0] - (pts["toe"][0] - pts[kind][0]) - float(lx.uniform(0.02, 0.06))
            zk[-1] = max(contact[1] - _var(lx, depth_low, 0.2), floor + 0.03)
            t = tk[-2] + max(per * 0.3, 1.875 * (zk[-2] - zk[-1]) / v_low)
            tk[-1] = t
        t += per * float(rng.uniform(0.1, 0.2))
        if low and j < taps - 1:
            t += per * float(lx.uniform(0.05, 0.2))  # (a pause at the bottom before the lift)
        if rng.random() < r.p("tt_hesitate"):  # hesitation: the foot hovers a moment longer
            t += float(rng.uniform(0.4, 1.2))
        tk.append(t)
        pk.append(pk[-1])
        xk.append(xk[-1])
        zk.append(zk[-1])
    t += float(rng.uniform(0.7, 1.1))
    tk.append(t)
    pk.append(0.0)
    xk.append(0.0)
    zk.append(0.0)
    skew = [1.4 if (k - 1) % 4 == 0 and 1 <= k < len(tk) - 2 else 0 for k in range(len(tk) - 1)]
    n = samples(t)
    ang = b.channels(n)
    ang[:, PITCH] = keys(tk, pk, n, skew)
    if steady:
        lift = _steady_profile(samples(tk[1]))
        ang[: len(lift), PITCH] = pk[1] * lift
    ang[:, YAW] += wobble(rng, n, 2 * DEG, 0.2, 0.8)
    ang[:, ROLL] = wobble(rng, n, 2 * DEG, 0.2, 0.8)
    oy = wobble(rng, n, 0.01, 0.2, 0.8)
    # each tap's contact: speed and stop time; the sole is compressed by speed * stop / 2
    # below the step's top while the foot rests on it
    direction = UP - 0.2 * b.heading()
    direction = direction / np.linalg.norm(direction)
    vc = float(person.get("tt_vc", 0.0))
    stops = []
    for k in hits:
        amp = float(rng.uniform(0.3, 1.5))
        width = float(rng.uniform(0.01, 0.03))
        hz = b.ring_hz()
        if r.wide:
            speed = vc * float(rx.uniform(0.75, 1.25))
            if rx.random() < r.p("tt_soft"):
                speed *= float(rx.uniform(0.3, 0.6))
            speed = float(np.clip(speed, 0.05, 0.75))
        else:
            speed = b.contact_speed(amp, width, hz)
        sink = speed * (1.0 if r.wide else direction[2]) * max(2, samples(width)) / FS / 2
        zk[k] -= sink
        zk[k + 1] -= sink
        stops.append((speed, width, hz))
    ox = keys(tk, xk, n, skew)
    oz = keys(tk, zk, n, skew)
    if steady:
        ox[: len(lift)] = xk[1] * lift
        oz[: len(lift)] = zk[1] * lift
    t0 = b.t
    times = []
    if r.wide:
        # each tap aims below the step's top and is stopped by it (motion.drop): fast taps
        # arrive nearly at cruise, slow ones settle onto it
        for k, down, (speed, width, _) in zip(hits, downs, stops, strict=True):
            i1 = samples(tk[k])
            top = zk[k] + speed * max(2, samples(width)) / FS / 2  # the step's top
            stroke = drop(zk[k - 1] - top, speed, down, width)
            i0 = i1 + 1 - len(stroke)
            oz[samples(tk[k - 1]) : i0] = zk[k - 1]
            oz[i0 : i1 + 1] = top + stroke
            times.append(t0 + (i1 - max(2, samples(width))) / FS)
    if smooth:
        for k in hits[:-1]:
            # over (at most 0.3 s of) the hover after each tap: up by h and back, sin^2
            # (no step in velocity), decelerating by float_mps2 at the top
            mid = (tk[k + 2] + tk[k + 3]) / 2
            span = min(tk[k + 3] - tk[k + 2], 0.3)
            i0, i1 = samples(mid - span / 2), samples(mid + span / 2)
            rise = float_mps2 * span**2 / (2 * np.pi**2)
            oz[i0:i1] += rise * np.sin(np.pi * np.arange(i1 - i0) / (i1 - i0)) ** 2
    # arc over the step's edge on the way up and down
    oz += 0.03 * np.sin(np.pi * np.clip(np.arange(n) / FS / tk[1], 0, 1)) ** 4
    back = tk[-2]
    oz += 0.03 * np.sin(np.pi * np.clip((np.arange(n) / FS - back) / (t - back), 0, 1)) ** 4
    h = b.heading()
    off = np.column_stack([ox * h[0] - oy * h[1], ox * h[1] + oy * h[0], oz])
    # a foot landing flat or heel first slaps down onto the step: a brief spin of about
    # the contact speed over the heel-to-ball lever (a toe-first foot pivots gently)
    lever = float(np.linalg.norm(pts["mtp"] - pts["heel"]))
    # some people check each lift at its top with a jerk of the leg: the strap rings there
    # as at a contact, at the highest point of the tap's cycle
    # ... or start each way down from the hover with a kick: the strap rings as the foot,
    # still a moment before, sets off (sim-b's tappers jolt so as they push off from a rest
    # on the step; a ringing moves the foot nowhere); one habit or the other (one draw:
    # sets of neither are as they were before kicks)
    habit = rx.random() if r.wide else 0.5
    checked = float(rx.uniform(0.3, 1.0)) if habit < r.p("tt_checked") else 0.0
    kicked = float(rx.uniform(0.3, 1.0)) if 1.0 - habit < r.p("tt_kicked") else 0.0
    jolts = []
    kicks = []
    for j, (k, down, (speed, width, hz)) in enumerate(zip(hits, downs, stops, strict=True)):
        if r.wide:
            slap = np.degrees(speed / lever) * float(rx.uniform(0.3, 1.0)) if kind != "toe" else 0
            b.impact(times[j], decel_peak(speed, width), UP, hz, 10.0 + slap)
            # (a low hoverer's lift after a tap ends at the bottom of the cycle: nothing to check)
            if rx.random() < checked and not (low and j < len(hits) - 1):
                lift_speed = speed * float(rx.uniform(0.3, 1.2))
                jerk = decel_peak(lift_speed, float(rx.uniform(0.01, 0.03)))
                rel = float(rx.uniform(0.3, 1.0))  # the jolt is all ringing
                b.impact(t0 + tk[k + 2], jerk, -UP, hz, float(rx.uniform(10.0, 40.0)), rel)
                jolts.append(_r(t0 + tk[k + 2]))
            if kicked and rx.random() < kicked:
                kick_speed = speed * float(rx.uniform(0.3, 1.2))
                kick = decel_peak(kick_speed, float(rx.uniform(0.01, 0.03)))
                rel = float(rx.uniform(0.3, 1.0))
                t_kick = t0 + tk[sets_off[j]]
                b.impact(t_kick, kick, -UP, hz, float(rx.uniform(10.0, 40.0)), rel)
                kicks.append(_r(t_kick))
        else:
            i = samples(tk[k])
            times.append(b.strike(off[: i + 1], t0, speed, direction, width, 0.9 * down, hz, 10.0))
    # the foot put back down on the floor
    amp = float(rng.uniform(0.1, 0.3))
    hz = b.ring_hz()
    b.strike(off, t0, b.contact_speed(amp, 0.03, hz), UP, 0.03, 0.3, hz)
    b.free_segment(ang, off)
    return {
        "exercise": "toe_tap",
        "start_s": _r(t0),
        "end_s": _r(times[-1] + 0.3),
        "count": taps,
        "contact": kind,
        "step_m": [_r(stool_h), _r(stool_d)],
        "checked_lifts": _r(checked),
        "kicked_descents": _r(kicked),
        "low_hover": low,
        "smooth_hover": smooth,
        "steady_lift": steady,
        "kick_jolts_s": kicks,
        "lift_jolts_s": jolts,
        "reps": [{"t_s": _r(x)} for x in times],
    }


# ------------------------------------------------------------------------------- ankle circles
def ankle_circle_sets(b: Builder, person: Person, directions: list[str]) -> list[dict]:
    """Seated, leg extended, foot in the air: circles of the toe axis, one set per direction.

    The toe traces an ellipse (ratio, tilt) about a neutral pose set by the shank's angle
    and the foot's relaxed plantarflexion; inversion follows adduction (kappa); the speed
    may vary within a circle. A rep is each full turn after circling starts (the amplitude
    grows over a lead-in and shrinks over a lead-out that are not counted)."""
    rng, rx, r = b.rng, b.rx, b.ranges
    relaxed = float(rng.uniform(0, 15))
    if r.wide:
        relaxed = float(person.get("ac_plantar_deg", relaxed))
    neutral = -max(90.0 - person["shank_deg"] - relaxed, 12.0) * DEG
    up = np.array([float(rng.uniform(0.35, 0.5)), 0.0, float(rng.uniform(0.25, 0.45))])
    h = b.heading()
    lift_s = float(rng.uniform(1.0, 1.6))
    # one free segment: lift, pause, circles (per direction, with pauses), pause, lower
    parts: list[tuple[str, float, Any]] = [("pause", float(rng.uniform(0.8, 2.0)), None)]
    for i, d in enumerate(directions):
        if i:
            parts.append(("pause", float(rng.uniform(1.0, 4.0)), None))
        count = int(rng.integers(*r.ints("circle_reps")))
        if rx.random() < r.p("ac_miscount"):
            count = int(rx.integers(6, 11))
        periods = [
            float(
                np.clip(
                    _var(rng, person["circle_s"], r.span("ac_jitter")[0]), *r.span("circle_clip_s")
                )
            )
            for _ in range(count)
        ]
        lead_in, lead_out = LEAD, LEAD
        if r.wide:
            lead_in, lead_out = float(rx.uniform(0.2, 0.4)), float(rx.uniform(0.15, 0.35))
        lead = lead_in * periods[0] + lead_out * periods[-1]
        parts.append(("circles", float(sum(periods)) + lead, (d, periods, lead_in, lead_out)))
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
            d, periods, lead_in, lead_out = spec
            sgn = 1.0 if d == "cw" else -1.0
            i0, i1 = samples(t), min(samples(t + dur), n)
            m = i1 - i0
            # turn rate keyed per circle; a lead-in and lead-out in which the circle grows
            # from / shrinks to nothing, then exactly len(periods) full turns
            per = np.asarray(periods)
            nturn = len(per)
            mids = lead_in * per[0] + np.cumsum(per) - per / 2
            rate = np.interp(tt[:m], mids, 1.0 / per)
            turns = np.cumsum(rate) / FS
            turns = -lead_in + turns * (nturn + lead_in + lead_out) / turns[-1]
            # speed modulation within a circle that keeps whole turns at whole turns
            mod = float(rx.uniform(*r.span("ac_speed_mod"))) / (2 * np.pi)
            phm = float(rx.uniform(0, 2 * np.pi))
            geo = turns + mod * (np.sin(2 * np.pi * turns + phm) - np.sin(phm))
            phase = float(rng.uniform(0, 2 * np.pi)) + sgn * 2 * np.pi * geo
            env = smoothstep((turns + lead_in) / lead_in)
            env = env * smoothstep((nturn + lead_out - turns) / lead_out)
            half = float(np.clip(_var(rng, person["circle_deg"], 0.15), *r.span("circle_clip_deg")))
            half *= DEG
            ratio = float(rng.uniform(0.5, 1.0))
            if r.wide:
                ratio = float(rx.uniform(*r.span("ac_ratio")))
            ay, az = (half, half * ratio) if rng.random() < 0.5 else (half * ratio, half)
            roll = float(rng.uniform(2, 6)) * DEG
            tilt = float(person.get("ac_tilt_deg", 0.0)) * DEG
            side_u = env * ay * np.cos(phase)  # toe toward the left (yaw)
            up_w = env * az * np.sin(phase)  # toe up
            yaw_c = side_u * np.cos(tilt) - up_w * np.sin(tilt)
            up_c = side_u * np.sin(tilt) + up_w * np.cos(tilt)
            ang[i0:i1, CYAW] = yaw_c
            ang[i0:i1, CPITCH] = -up_c
            ang[i0:i1, CROLL] = env * roll * np.sin(phase + float(rng.uniform(0, 2 * np.pi)))
            # adduction (toe toward the other foot) comes with inversion, on either foot
            ang[i0:i1, CROLL] += float(person.get("ac_kappa", 0.0)) * yaw_c
            if r.wide:  # physiological tremor
                trem = float(rx.uniform(0.02, 0.08)) * DEG
                f = float(rx.uniform(5, 11))
                ang[i0:i1, CPITCH] += trem * env * np.sin(2 * np.pi * f * tt[:m])
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
    amp = float(rng.uniform(0.1, 0.4))
    hz = b.ring_hz()
    b.strike(off, t0, b.contact_speed(amp, 0.03, hz), UP, 0.03, 0.3, hz)
    b.free_segment(ang, off)
    return sets
