"""Toe taps: seated, the raised foot taps its toes on a step or stool, again and again.

A tap: an impact while the foot is not toes-up (a heel strike is) and not swinging (no
walking swing in the last second), after which the foot leaves the surface again instead
of resting on it (a stomp or a step rests: the foot stays still on the floor).
Decided 0.5 s after the impact, proposed at the impact's sample time.

    det = ToeTapDetector()
    det.block(eng)     # once per 0.1 s block; proposes taps to eng.sets
"""

from heel.compat import const
from heel.motion.sets import KEY_TAP

_TAP_JERK = const(250)  # mg: the toes hit the surface
_MIN_TAP_MS = const(400)  # taps are at most 2.5 per second
_MIN_PITCH = const(-120)  # 1000*sin(-7 deg): more toes-up is a heel strike
_MAX_GYRO_1S = const(3000)  # ddps: a walking swing in the last second
_DECIDE_MS = const(500)
_MAX_STILL_AFTER = const(3)  # still blocks after the tap: the foot rests -> not a tap
_DECAY = const(300)  # per block, for the 1 s gyro envelope


class ToeTapDetector:
    def __init__(self):
        self._last_tap = -10000
        self._pending = False
        self._t_tap = 0
        self._still_after = 0
        self._genv = 0  # decaying gyro peak envelope (~1 s)
        self._moved = 0  # gyro peak since the previous tap

    def block(self, e):
        g = e.gyro_peak
        genv = self._genv - _DECAY
        self._genv = g if g > genv else genv
        if g > self._moved:
            self._moved = g
        p = e.posture
        if self._pending:
            if p.still:
                self._still_after += 1
            if e.t - self._t_tap >= _DECIDE_MS:
                self._pending = False
                if self._still_after < _MAX_STILL_AFTER:
                    t = self._t_tap
                    e.sets.candidate(KEY_TAP, t - 300, t, t + 200, 0)
            return
        if e.jerk_max < _TAP_JERK or e.jerk_t - self._last_tap < _MIN_TAP_MS:
            return
        self._last_tap = e.jerk_t
        if self._genv > _MAX_GYRO_1S:
            return
        if p.has_flat and p.pitch_flat < _MIN_PITCH:
            return
        self._pending = True
        self._t_tap = e.jerk_t
        self._still_after = 0
        self._moved = 0
