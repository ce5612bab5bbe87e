"""Whole traces: a person, a session plan (or distractors only, or one set), the sensor, truth.

    >>> trace, truth = simulate(7)                       # a 2-8 minute home session
    >>> trace, truth = simulate(7, ranges="wide")        # people, sensors, habits drawn widely
    >>> trace, truth = simulate(7, kind="distractors", minutes=10)
    >>> trace, truth = simulate_set(7, "ankle_circle", rate_hz=104, jitter=True)
    >>> trace, truth, kin = simulate(7, with_kinematics=True)   # + the sensor's true motion

Deterministic per seed and ranges (numpy.random.default_rng(seed) for what the first
simulator drew, a second stream for the rest). The truth dict follows DESIGN.md contract 2
({"sets": [...]}) plus "foot", "distractors", "impacts_s", "ranges" and "person" (parameters
drawn).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from heeltrack.errors import UserError
from heeltrack.sim import distractors as d
from heeltrack.sim.exercises import (
    Person,
    ankle_circle_sets,
    heel_raise_set,
    heel_walk_set,
    toe_tap_set,
)
from heeltrack.sim.gait import stairs, walk
from heeltrack.sim.motion import Builder, Geometry, Strap
from heeltrack.sim.ranges import DEFAULT, Ranges, get_ranges
from heeltrack.sim.render import Kinematics, Truth, render, sensor_kinematics
from heeltrack.sim.rotations import random_mount
from heeltrack.sim.sensor import SensorParams
from heeltrack.trace import Trace

EXERCISES = ("heel_raise", "heel_walk", "toe_tap", "ankle_circle")
KINDS = ("session", "distractors", "set")
SEATED = ("toe_tap", "ankle_circle")


def draw_person(
    rng: np.random.Generator,
    ranges: str | Ranges = DEFAULT,
    rx: np.random.Generator | None = None,
) -> Person:
    """A person's habits: the first simulator's draws from rng (same order, the ranges'
    bounds), then the rest from rx (a stream of its own, derived from rng if not given)."""
    r = get_ranges(ranges)

    def u(key: str) -> float:
        return float(rng.uniform(*r.span(key)))

    tempo = u("tempo")
    person: Person = {
        "foot": str(rng.choice(["left", "right"])),
        "foot_len_m": float(rng.uniform(0.22, 0.29)),
        "sensor_height_m": float(rng.uniform(0.045, 0.07)),
        "tempo": tempo,
        "raise_deg": u("raise_deg"),
        "rise_s": float(np.clip(u("rise_s") * tempo, *r.span("rise_clip_s"))),
        "lower_s": float(np.clip(u("lower_s") * tempo, *r.span("lower_clip_s"))),
        "hold_s": u("hold_s"),
        "pause_s": u("pause_s"),
        "hw_cadence": u("hw_cadence"),
        "hw_step": u("hw_step"),
        "tap_hz": u("tap_hz"),
        "stool_h": u("stool_h"),
        "stool_d": u("stool_d"),
        "circle_s": float(np.clip(u("circle_s") * tempo, *r.span("circle_person_clip_s"))),
        "circle_deg": u("circle_deg"),
        "shank_deg": u("shank_deg"),
        "walk_cadence": u("walk_cadence"),
    }
    if rx is None:
        rx = np.random.default_rng(int(rng.integers(2**62)))

    def x(key: str) -> float:
        return float(rx.uniform(*r.span(key)))

    person.update(
        hr_bounce=bool(rx.random() < r.p("hr_bounce")),
        hr_real=bool(rx.random() < r.p("hr_real")),
        hr_inv=x("hr_inv"),
        hr_wobble=x("hr_wobble"),
        hw_vc=x("hw_vc"),
        hw_roll_deg=x("hw_roll_deg"),
        tt_vc=x("tt_vc"),
        ac_plantar_deg=x("ac_plantar_deg"),
        ac_tilt_deg=x("ac_tilt_deg"),
        ac_kappa=x("ac_kappa"),
    )
    return person


class _Sim:
    """One trace being built: person, builder, posture and the truth collected so far."""

    def __init__(self, seed: int, ranges: str | Ranges = DEFAULT) -> None:
        self.ranges = get_ranges(ranges)
        self.rng = np.random.default_rng(seed)
        self.rx = np.random.default_rng([seed, 0x51D])
        self.person = draw_person(self.rng, self.ranges, self.rx)
        geom = Geometry.from_foot(self.person["foot_len_m"], self.person["sensor_height_m"])
        strap = Strap.draw(self.rx, self.ranges)
        self.b = Builder(geom, self.rng, rx=self.rx, ranges=self.ranges, strap=strap)
        self.b.yaw = float(self.rng.uniform(-np.pi, np.pi))
        self.mount, deg = random_mount(self.rng, self.ranges.span("mount_deg")[1])
        self.person["mount_deg"] = round(deg, 2)
        self.sensor = SensorParams.draw(self.rng, self.rx, self.ranges)
        self.seated = False
        self.sets: list[dict] = []
        self.fine: Truth | None = None

    # posture changes
    def walk(self, steps: int) -> None:
        u_turn = self.ranges.wide and self.rx.random() < 0.3
        walk(self.b, steps, self.person["walk_cadence"], u_turn=u_turn)

    def sit(self) -> None:
        if not self.seated:
            if self.rng.random() < 0.7:
                self.walk(int(self.rng.integers(4, 14)))
            d.sit_down(self.b)
            self.seated = True

    def stand(self) -> None:
        if self.seated:
            d.stand_up(self.b)
            self.seated = False

    def rest(self, seconds: float) -> None:
        if self.seated:
            d.seated_rest(self.b, seconds)
        else:
            d.standing_rest(self.b, seconds)

    def exercise(self, name: str, directions: list[str] | None = None) -> None:
        if name in SEATED:
            self.sit()
        else:
            self.stand()
        if name == "heel_raise":
            wait = self.b.last_rise_s + d.TIPTOE_APART_S - self.b.t
            if wait > 0:  # a tiptoe just before would be the set's first rep
                d.standing(self.b, wait)
            self.sets.append(heel_raise_set(self.b, self.person))
        elif name == "heel_walk":
            self.sets.append(heel_walk_set(self.b, self.person))
        elif name == "toe_tap":
            self.sets.append(toe_tap_set(self.b, self.person))
        else:
            dirs = directions or ["cw"]
            if len(dirs) > 1 and self.rng.random() < 0.5:
                # foot down and a seated rest between the directions (> 10 s apart)
                for i, one in enumerate(dirs):
                    if i:
                        d.sitting(self.b, float(self.rng.uniform(12, 30)))
                    self.sets.extend(ankle_circle_sets(self.b, self.person, [one]))
            else:  # switch direction in the air after a short pause (a new set by DESIGN)
                self.sets.extend(ankle_circle_sets(self.b, self.person, dirs))
            if self.ranges.wide and self.rx.random() < 0.5:  # then the other leg's circles
                d.other_leg(self.b, float(self.rx.uniform(12, 40)), "ankle_circle")

    def other_leg(self, seconds: float, exercise: str) -> None:
        """This foot rests while the other leg does its round."""
        d.other_leg(self.b, seconds, exercise)

    def distractor(self) -> None:
        """One random everyday activity, respecting posture."""
        rng, b = self.rng, self.b
        if self.ranges.p("wide_distractors") and self.rx.random() < 0.4:
            self.wide_distractor()
            return
        if self.seated:
            k = rng.choice(["sit", "fidget", "crossed", "stand"], p=[0.3, 0.3, 0.2, 0.2])
            if k == "sit":
                d.sitting(b, float(rng.uniform(5, 30)))
            elif k == "fidget":
                d.fidget(b, float(rng.uniform(5, 25)))
            elif k == "crossed":
                d.legs_crossed(b, float(rng.uniform(8, 40)))
            else:
                self.stand()
            return
        k = rng.choice(
            ["stand", "sway", "walk", "stairs", "stomp", "tiptoe", "sit"],
            p=[0.15, 0.15, 0.3, 0.12, 0.08, 0.08, 0.12],
        )
        if k == "stand":
            d.standing(b, float(rng.uniform(3, 20)))
        elif k == "sway":
            d.sway(b, float(rng.uniform(4, 15)))
        elif k == "walk":
            self.walk(int(rng.integers(6, 40)))
        elif k == "stairs":
            stairs(b, str(rng.choice(["up", "down"])), int(rng.integers(8, 16)))
        elif k == "stomp":
            d.stomp(b)
        elif k == "tiptoe":
            d.tiptoe(b)
        else:
            self.sit()

    def wide_distractor(self) -> None:
        """The distractors the wide ranges add (sim-b's list and more)."""
        rx, b = self.rx, self.b
        if self.seated:
            k = rx.choice(["tucked", "forward", "adjust", "fidget"])
            if k == "tucked":
                d.feet_tucked(b, float(rx.uniform(8, 45)))
            elif k == "forward":
                d.foot_forward(b, float(rx.uniform(8, 45)))
            elif k == "adjust":
                d.foot_adjust(b)
            else:
                d.fidget(b, float(rx.uniform(5, 20)))
            return
        k = rx.choice(["weight_shift", "shuffle", "adjust", "stairs", "walk"])
        if k == "weight_shift":
            d.weight_shift(b, float(rx.uniform(5, 20)))
        elif k == "shuffle":
            d.shuffle(b)
        elif k == "adjust":
            d.foot_adjust(b)
        elif k == "stairs":  # up, turn on the landing, down again
            stairs(b, "up", int(rx.integers(6, 16)))
            walk(b, int(rx.integers(2, 6)), turns=False, u_turn=True)
            stairs(b, "down", int(rx.integers(6, 16)))
        else:
            walk(b, int(rx.integers(8, 40)), self.person["walk_cadence"], u_turn=True)

    def finish(self, rate_hz: float, jitter: bool) -> tuple[Trace, dict[str, Any], Truth]:
        t, acc, gyro, kin = render(self.b, self.mount, self.sensor, self.rng, rate_hz, jitter)
        self.fine = kin
        off = self.sensor.t_offset_s
        t = t + off
        foot = self.person["foot"]
        trace = Trace(t, acc, gyro, foot=foot, rate_hz=rate_hz)
        person = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.person.items()}
        person["sensor"] = self.sensor.describe()
        # sensor -> foot rotation of the strap: foot_vector = mount @ reported_vector
        person["mount_matrix"] = [[round(float(v), 6) for v in row] for row in self.mount]
        truth: dict[str, Any] = {
            "foot": foot,
            "rate_hz": rate_hz,
            "ranges": self.ranges.name,
            "duration_s": round(float(t[-1] - t[0]), 3),
            "t_offset_s": off,
            "sets": _shifted(sorted(self.sets, key=lambda s: s["start_s"]), off),
            "distractors": _shifted(
                [
                    {k: (round(v, 3) if isinstance(v, float) else v) for k, v in lab.items()}
                    for lab in self.b.labels
                ],
                off,
            ),
            # contacts of this foot (the other foot's strikes felt here are not listed)
            "impacts_s": [round(i.t_s + off, 3) for i in self.b.impacts if i.decel_g > 0],
            "person": person,
        }
        return trace, truth, kin

    def kinematics(self, rate_hz: float = 100.0) -> Kinematics:
        """The sensor's true motion (after finish()), in the trace's time base."""
        assert self.fine is not None, "finish() first"
        return sensor_kinematics(self.fine, self.b, self.mount, rate_hz, self.sensor.t_offset_s)


_TIME_KEYS = ("t_s", "start_s", "end_s")


def _shifted(items: list[dict], off: float) -> list[dict]:
    """Truth entries with their times moved onto a trace clock that starts at `off`."""
    if not off:
        return items
    out = []
    for it in items:
        it = {k: (round(v + off, 3) if k in _TIME_KEYS else v) for k, v in it.items()}
        for key in ("lift_jolts_s", "kick_jolts_s"):
            if key in it:
                it[key] = [round(v + off, 3) for v in it[key]]
        if "reps" in it:
            it["reps"] = _shifted(it["reps"], off)
        out.append(it)
    return out


def _check(kind: str, minutes: float | None, rate_hz: float) -> None:
    if kind not in KINDS:
        raise UserError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if minutes is not None and not 0.2 <= minutes <= 120:
        raise UserError(f"minutes must be between 0.2 and 120, got {minutes:g}")
    if not 10 <= rate_hz <= 1000:
        raise UserError(f"rate must be between 10 and 1000 Hz, got {rate_hz:g}")


def _session(s: _Sim, minutes: float | None) -> None:
    rng = s.rng
    target = (minutes if minutes is not None else float(rng.uniform(2.5, 7.5))) * 60.0
    s.seated = bool(rng.random() < 0.3)
    (d.sitting if s.seated else d.standing)(s.b, float(rng.uniform(2, 5)))
    plan: list[tuple[str, list[str] | None]] = []
    plan += [("heel_raise", None)] * int(rng.integers(1, 4))
    if rng.random() < 0.7:
        plan.append(("heel_walk", None))
    plan += [("toe_tap", None)] * int(rng.integers(0, 3))
    if rng.random() < 0.8:
        plan.append(("ankle_circle", ["cw", "ccw"] if rng.random() < 0.7 else ["cw"]))
    if rng.random() < 0.2:  # some people start seated
        plan.sort(key=lambda p: p[0] not in SEATED)
    first = True
    sets_done = 0
    for name, dirs in plan:
        if sets_done >= 6 or (sets_done >= 2 and s.b.t > 0.8 * target):
            break
        if dirs and sets_done + len(dirs) > 6:
            dirs = dirs[:1]
        if not first:
            s.rest(float(rng.uniform(12, 60)))
            if rng.random() < 0.3 and not s.seated:
                s.distractor()
        s.exercise(name, dirs)
        sets_done += 1 if name != "ankle_circle" else len(dirs or [])
        first = False
        if name == "toe_tap" and rng.random() < 0.6:  # the other leg's round: foot rests
            s.other_leg(float(rng.uniform(12, 30)), "toe_tap")
    s.rest(float(rng.uniform(12, 20)))
    while s.b.t < target:
        s.distractor()


def _distractors(s: _Sim, minutes: float | None) -> None:
    target = (minutes if minutes is not None else float(s.rng.uniform(5, 15))) * 60.0
    d.standing(s.b, float(s.rng.uniform(2, 5)))
    while s.b.t < target:
        s.distractor()


def _result(s: _Sim, kind: str, rate_hz: float, jitter: bool, with_kinematics: bool) -> Any:
    trace, truth, _ = s.finish(rate_hz, jitter)
    truth["kind"] = kind
    if with_kinematics:
        return trace, truth, s.kinematics()
    return trace, truth


def simulate(
    seed: int,
    kind: str = "session",
    minutes: float | None = None,
    rate_hz: float = 100.0,
    jitter: bool = False,
    ranges: str | Ranges = "default",
    with_kinematics: bool = False,
) -> Any:
    """A labelled foot-IMU trace: kind 'session', 'distractors' or 'set' (a random exercise).

    Returns (trace, truth), or (trace, truth, Kinematics at 100 Hz) with_kinematics."""
    _check(kind, minutes, rate_hz)
    r = get_ranges(ranges)
    if kind == "set":
        ex = EXERCISES[int(np.random.default_rng(seed).integers(len(EXERCISES)))]
        return simulate_set(
            seed, ex, rate_hz=rate_hz, jitter=jitter, ranges=r, with_kinematics=with_kinematics
        )
    s = _Sim(seed, r)
    (_session if kind == "session" else _distractors)(s, minutes)
    return _result(s, kind, rate_hz, jitter, with_kinematics)


def simulate_set(
    seed: int,
    exercise: str,
    rate_hz: float = 100.0,
    jitter: bool = False,
    direction: str | None = None,
    with_kinematics: bool = False,
    ranges: str | Ranges = "default",
) -> Any:
    """One set of `exercise` with a few seconds of rest around it: (trace, truth[, kinematics])."""
    if exercise not in EXERCISES:
        raise UserError(f"unknown exercise {exercise!r}; use one of {', '.join(EXERCISES)}")
    _check("set", None, rate_hz)
    s = _Sim(seed, ranges)
    rest: Callable[[Builder, float], None]
    s.seated = exercise in SEATED
    rest = d.sitting if s.seated else d.standing
    rest(s.b, float(s.rng.uniform(3, 6)))
    if direction is None:
        direction = str(s.rng.choice(["cw", "ccw"]))
    s.exercise(exercise, [direction])
    rest(s.b, float(s.rng.uniform(3, 6)))
    return _result(s, "set", rate_hz, jitter, with_kinematics)


ACTIVITIES = (
    "standing",
    "sitting",
    "swaying",
    "walking",
    "stairs_up",
    "stairs_down",
    "fidgeting",
    "legs_crossed",
    "stomping",
    "tiptoe",
    "weight_shift",
    "shuffle",
    "foot_adjust",
    "sit_feet_tucked",
    "sit_foot_forward",
    "other_leg_toe_tap",
)
_SEATED_ACTIVITIES = (
    "sitting",
    "fidgeting",
    "legs_crossed",
    "sit_feet_tucked",
    "sit_foot_forward",
    "other_leg_toe_tap",
)


def simulate_activity(
    seed: int,
    activity: str,
    seconds: float = 30.0,
    rate_hz: float = 100.0,
    jitter: bool = False,
    ranges: str | Ranges = "default",
    with_kinematics: bool = False,
) -> Any:
    """About `seconds` of one everyday activity (after 2 s standing/sitting still)."""
    if activity not in ACTIVITIES:
        raise UserError(f"unknown activity {activity!r}; use one of {', '.join(ACTIVITIES)}")
    _check("distractors", None, rate_hz)
    s = _Sim(seed, ranges)
    (d.sitting if activity in _SEATED_ACTIVITIES else d.standing)(s.b, 2.0)
    run_activity(s, activity, seconds)
    return _result(s, "activity", rate_hz, jitter, with_kinematics)


def run_activity(s: _Sim, activity: str, seconds: float) -> None:
    """About `seconds` more of one everyday activity on the trace being built."""
    b = s.b
    end = b.t + seconds
    while b.t < end:
        left = max(end - b.t, 1.0)
        if activity == "standing":
            d.standing(b, left)
        elif activity == "sitting":
            d.sitting(b, left)
        elif activity == "swaying":
            d.sway(b, left)
        elif activity == "walking":
            walk(b, max(4, int(left * s.person["walk_cadence"] / 60)), s.person["walk_cadence"])
        elif activity.startswith("stairs"):
            stairs(b, activity[7:], max(4, int(left * 1.9)))
        elif activity == "fidgeting":
            d.fidget(b, max(left, 3.0))
        elif activity == "legs_crossed":
            d.legs_crossed(b, left)
        elif activity == "stomping":
            d.stomp(b)
            d.standing(b, float(s.rng.uniform(1, 3)))
        elif activity == "tiptoe":
            d.tiptoe(b)
            d.standing(b, float(s.rng.uniform(2, 6)))
        elif activity == "weight_shift":
            d.weight_shift(b, max(left, 4.0))
        elif activity == "shuffle":
            d.shuffle(b)
        elif activity == "foot_adjust":
            d.foot_adjust(b)
        elif activity == "sit_feet_tucked":
            d.feet_tucked(b, max(left, 8.0))
        elif activity == "sit_foot_forward":
            d.foot_forward(b, max(left, 8.0))
        else:
            d.other_leg(b, max(left, 5.0), "toe_tap")
