"""Physically grounded simulator of the foot-worn MPU6050 (issue 2, item 4).

    >>> from heeltrack.sim import simulate, simulate_set
    >>> trace, truth = simulate(3, kind="session")          # heeltrack.trace.Trace, dict
    >>> trace, truth = simulate_set(3, "heel_raise")
    >>> trace, truth, kin = simulate(3, ranges="wide", with_kinematics=True)

Modules: ranges (what people, sensors and habits are drawn from: "default" and "wide"),
rotations (orientation chain, exact body rates), motion (1 kHz kinematics builder),
gait (walking, stairs), exercises (the four exercises and their truth), distractors (everyday
activities), render (kinematics -> specific force and rate), sensor (MPU6050 model),
session (persons, session plans, the public API), gaitstats (walking statistics).
It never imports the detection engine (heel.motion): it is an independent check of it.
"""

from heeltrack.sim.ranges import RANGE_NAMES
from heeltrack.sim.render import Kinematics
from heeltrack.sim.session import (
    ACTIVITIES,
    EXERCISES,
    KINDS,
    simulate,
    simulate_activity,
    simulate_set,
)

__all__ = [
    "ACTIVITIES",
    "EXERCISES",
    "KINDS",
    "RANGE_NAMES",
    "Kinematics",
    "simulate",
    "simulate_activity",
    "simulate_set",
]
