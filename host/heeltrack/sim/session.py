"""Whole traces: a person, a session plan (or distractors only, or one set), the sensor, truth.

    >>> trace, truth = simulate(7)                       # a 2-8 minute home session
    >>> trace, truth = simulate(7, kind="distractors", minutes=10)
    >>> trace, truth = simulate_set(7, "ankle_circle", rate_hz=104, jitter=True)

Deterministic per seed (numpy.random.default_rng(seed)). The truth dict follows DESIGN.md
contract 2 ({"sets": [...]}) plus "foot", "distractors" and "person" (parameters drawn).
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
from heeltrack.sim.motion import Builder, Geometry
from heeltrack.sim.render import Truth, render
from heeltrack.sim.rotations import random_mount
from heeltrack.sim.sensor import SensorParams
from heeltrack.trace import Trace

EXERCISES = ("heel_raise", "heel_walk", "toe_tap", "ankle_circle")
KINDS = ("session", "distractors", "set")
SEATED = ("toe_tap", "ankle_circle")


def draw_person(rng: np.random.Generator) -> Person:
    tempo = float(rng.uniform(0.75, 1.3))  # > 1: slower
    return {
        "foot": str(rng.choice(["left", "right"])),
        "foot_len_m": float(rng.uniform(0.22, 0.29)),
        "sensor_height_m": float(rng.uniform(0.045, 0.07)),
        "tempo": tempo,
        "raise_deg": float(rng.uniform(14, 36)),
        "rise_s": float(np.clip(rng.uniform(0.6, 1.5) * tempo, 0.5, 2.0)),
        "lower_s": float(np.clip(rng.uniform(0.6, 1.6) * tempo, 0.5, 2.0)),
        "hold_s": float(rng.uniform(0.3, 4.5)),
        "pause_s": float(rng.uniform(0.4, 2.2)),
        "hw_cadence": float(rng.uniform(72, 118)),
        "hw_step": float(rng.uniform(0.22, 0.42)),
        "tap_hz": float(rng.uniform(0.6, 1.35)),
        "stool_h": float(rng.uniform(0.10, 0.25)),
        "stool_d": float(rng.uniform(0.15, 0.40)),
        "circle_s": float(np.clip(rng.uniform(1.5, 3.4) * tempo, 1.3, 3.8)),
        "circle_deg": float(rng.uniform(12, 28)),
        "shank_deg": float(rng.uniform(0, 40)),
        "walk_cadence": float(rng.uniform(100, 125)),
    }


class _Sim:
    """One trace being built: person, builder, posture and the truth collected so far."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.person = draw_person(self.rng)
        geom = Geometry.from_foot(self.person["foot_len_m"], self.person["sensor_height_m"])
        self.b = Builder(geom, self.rng)
        self.b.yaw = float(self.rng.uniform(-np.pi, np.pi))
        self.mount, deg = random_mount(self.rng, 15.0)
        self.person["mount_deg"] = round(deg, 2)
        self.sensor = SensorParams.draw(self.rng)
        self.seated = False
        self.sets: list[dict] = []

    # posture changes
    def sit(self) -> None:
        if not self.seated:
            if self.rng.random() < 0.7:
                walk(self.b, int(self.rng.integers(4, 14)), self.person["walk_cadence"])
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

    def distractor(self) -> None:
        """One random everyday activity, respecting posture."""
        rng, b = self.rng, self.b
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
            walk(b, int(rng.integers(6, 40)), self.person["walk_cadence"])
        elif k == "stairs":
            stairs(b, str(rng.choice(["up", "down"])), int(rng.integers(8, 16)))
        elif k == "stomp":
            d.stomp(b)
        elif k == "tiptoe":
            d.tiptoe(b)
        else:
            self.sit()

    def finish(self, rate_hz: float, jitter: bool) -> tuple[Trace, dict[str, Any], Truth]:
        t, acc, gyro, kin = render(self.b, self.mount, self.sensor, self.rng, rate_hz, jitter)
        foot = self.person["foot"]
        trace = Trace(t, acc, gyro, foot=foot, rate_hz=rate_hz)
        person = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.person.items()}
        person["sensor"] = self.sensor.describe()
        # sensor -> foot rotation of the strap: foot_vector = mount @ reported_vector
        person["mount_matrix"] = [[round(float(v), 6) for v in row] for row in self.mount]
        truth: dict[str, Any] = {
            "foot": foot,
            "rate_hz": rate_hz,
            "duration_s": round(float(t[-1]), 3),
            "sets": sorted(self.sets, key=lambda s: s["start_s"]),
            "distractors": [
                {k: (round(v, 3) if isinstance(v, float) else v) for k, v in lab.items()}
                for lab in self.b.labels
            ],
            "impacts_s": [round(i.t_s, 3) for i in self.b.impacts],
            "person": person,
        }
        return trace, truth, kin


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
            d.sitting(s.b, float(rng.uniform(12, 30)))
    s.rest(float(rng.uniform(12, 20)))
    while s.b.t < target:
        s.distractor()


def _distractors(s: _Sim, minutes: float | None) -> None:
    target = (minutes if minutes is not None else float(s.rng.uniform(5, 15))) * 60.0
    d.standing(s.b, float(s.rng.uniform(2, 5)))
    while s.b.t < target:
        s.distractor()


def simulate(
    seed: int,
    kind: str = "session",
    minutes: float | None = None,
    rate_hz: float = 100.0,
    jitter: bool = False,
) -> tuple[Trace, dict]:
    """A labelled foot-IMU trace: kind 'session', 'distractors' or 'set' (a random exercise)."""
    _check(kind, minutes, rate_hz)
    if kind == "set":
        ex = EXERCISES[int(np.random.default_rng(seed).integers(len(EXERCISES)))]
        return simulate_set(seed, ex, rate_hz=rate_hz, jitter=jitter)
    s = _Sim(seed)
    (_session if kind == "session" else _distractors)(s, minutes)
    trace, truth, _ = s.finish(rate_hz, jitter)
    truth["kind"] = kind
    return trace, truth


def simulate_set(
    seed: int,
    exercise: str,
    rate_hz: float = 100.0,
    jitter: bool = False,
    direction: str | None = None,
    with_kinematics: bool = False,
) -> Any:
    """One set of `exercise` with a few seconds of rest around it: (trace, truth[, kinematics])."""
    if exercise not in EXERCISES:
        raise UserError(f"unknown exercise {exercise!r}; use one of {', '.join(EXERCISES)}")
    _check("set", None, rate_hz)
    s = _Sim(seed)
    rest: Callable[[Builder, float], None]
    s.seated = exercise in SEATED
    rest = d.sitting if s.seated else d.standing
    rest(s.b, float(s.rng.uniform(3, 6)))
    if direction is None:
        direction = str(s.rng.choice(["cw", "ccw"]))
    s.exercise(exercise, [direction])
    rest(s.b, float(s.rng.uniform(3, 6)))
    trace, truth, kin = s.finish(rate_hz, jitter)
    truth["kind"] = "set"
    return (trace, truth, kin) if with_kinematics else (trace, truth)


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
)


def simulate_activity(
    seed: int, activity: str, seconds: float = 30.0, rate_hz: float = 100.0, jitter: bool = False
) -> tuple[Trace, dict]:
    """About `seconds` of one everyday activity (after 2 s standing/sitting still)."""
    if activity not in ACTIVITIES:
        raise UserError(f"unknown activity {activity!r}; use one of {', '.join(ACTIVITIES)}")
    _check("distractors", None, rate_hz)
    s = _Sim(seed)
    seated = activity in ("sitting", "fidgeting", "legs_crossed")
    (d.sitting if seated else d.standing)(s.b, 2.0)
    end = s.b.t + seconds
    while s.b.t < end:
        left = max(end - s.b.t, 1.0)
        if activity == "standing":
            d.standing(s.b, left)
        elif activity == "sitting":
            d.sitting(s.b, left)
        elif activity == "swaying":
            d.sway(s.b, left)
        elif activity == "walking":
            walk(s.b, max(4, int(left * s.person["walk_cadence"] / 60)), s.person["walk_cadence"])
        elif activity.startswith("stairs"):
            stairs(s.b, activity[7:], max(4, int(left * 1.9)))
        elif activity == "fidgeting":
            d.fidget(s.b, max(left, 3.0))
        elif activity == "legs_crossed":
            d.legs_crossed(s.b, left)
        elif activity == "stomping":
            d.stomp(s.b)
            d.standing(s.b, float(s.rng.uniform(1, 3)))
        else:
            d.tiptoe(s.b)
            d.standing(s.b, float(s.rng.uniform(2, 6)))
    trace, truth, _ = s.finish(rate_hz, jitter)
    truth["kind"] = "activity"
    return trace, truth
