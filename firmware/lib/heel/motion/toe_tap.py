"""Toe taps: seated, the raised foot taps its toes on a step or stool, again and again.

A tap: an impact, gentle (no walking swing in the last second), after the foot moved since
the previous one, in a pose that is not the floor pose (tapping the foot on the floor, a
common fidget, lands flat), after which the foot leaves the surface again instead of
resting on it (a stomp or a step rests: the foot stays still).
Decided 0.5 s after the impact, proposed at the impact's sample time.

    det = ToeTapDetector()
    det.block(eng)     # once per 0.1 s block; proposes taps to eng.sets
"""

from heel.compat import const
from heel.motion.sets import KEY_TAP

_TAP_JERK = const(250)  # mg: the toes hit the surface
_MIN_TAP_MS = const(400)  # taps are at most 2.5 per second
_OFF_FLOOR = const(87)  # 1000*sin(5 deg): pitch or roll away from the floor pose
_MAX_GYRO_1S = const(2000)  # ddps: a walking swing in the last second
_MIN_MOVED = const(100)  # ddps: the foot moved (lifted) since the previous tap
_DECIDE_MS = const(500)  # after the heel-walk detector's decision on the same impact
_WALK_VETO_MS = const(2000)
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
                # heel-walk steps are impacts too: no tap within a walk
                walking = self._t_tap - e.walk_det.last_step < _WALK_VETO_MS
                if self._still_after < _MAX_STILL_AFTER and not walking:
                    t = self._t_tap
                    e.sets.candidate(KEY_TAP, t - 300, t, t + 200, 0)
            return
        if e.jerk_max < _TAP_JERK or e.jerk_t - self._last_tap < _MIN_TAP_MS:
            return
        self._last_tap = e.jerk_t
        moved = self._moved
        self._moved = 0
        if self._genv > _MAX_GYRO_1S or moved < _MIN_MOVED:
            return
        if p.has_flat and -_OFF_FLOOR < p.pitch_flat < _OFF_FLOOR:
            if -_OFF_FLOOR < p.roll_flat < _OFF_FLOOR:
                return  # landed flat: the floor, not a raised surface
        self._pending = True
        self._t_tap = e.jerk_t
        self._still_after = 0
