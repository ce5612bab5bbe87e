"""Event codes and names shared by the engine, the app, the session log and the host.

The engine calls `listener(kind, exercise, t_ms, value)` with ints only (no allocation):

    EV_SET_START  exercise, t_ms = set start,   value = direction (DIR_*)
    EV_REP        exercise, t_ms = rep time,     value = hold_ms (heel_raise) else 0
    EV_SET_END    exercise, t_ms = set end,      value = reps in the set

A set's EV_SET_START always comes before its reps, EV_SET_END after them.
"""

from heel.compat import const

EV_SET_START = const(1)
EV_REP = const(2)
EV_SET_END = const(3)

HEEL_RAISE = const(0)
HEEL_WALK = const(1)
TOE_TAP = const(2)
ANKLE_CIRCLE = const(3)
EXERCISES = ("heel_raise", "heel_walk", "toe_tap", "ankle_circle")

DIR_NONE = const(0)
DIR_CW = const(1)
DIR_CCW = const(2)
DIRECTIONS = ("", "cw", "ccw")
