"""Ankle circles and their direction, from the turning of the gyro vector.

When the toes trace a circle, the foot's angular velocity lies across the toe axis (in
the foot's y-z plane) and turns with the toe: one full turn of its phase atan2(gz, gy)
per circle. Seen from behind the heel (DESIGN.md), clockwise (toe up, then to the
wearer's right, down, left) is a positive rotation of the toe about +x, and the phase of
(gy, gz) then INCREASES. Back-and-forth motions (walking, swinging a crossed leg) flip
the phase by half turns instead, so turns must be mostly one-way ("pure") to count.

    det = AnkleCircleDetector()
    det.block(eng)     # once per 0.1 s block; proposes circles to eng.sets
"""

from heel.compat import const, micropython
from heel.motion.imath import QUARTER_TURN, TURN, atan2_turn, norm_l2_approx, wrap_turn
from heel.motion.sets import KEY_CIRCLE_CCW, KEY_CIRCLE_CW

_MIN_RATE = const(120)  # ddps: slower is not circling (4 s circles of 15 deg: 24 deg/s)
_KEEP_RATE = const(50)  # ddps: once circling, the phase is still good down to here
_MAX_STEP = const(1400)  # turn units per block (123 deg): a jump, not a turn
_MAX_PEAK = const(6000)  # ddps L1 peak: too violent for an ankle circle (a quick
# 30 deg circle in 1 s peaks at 520)
_MAX_JERK = const(370)  # mg: no impacts while circling
_PURE_Q4 = const(22)  # travelled <= 22/16 of a turn for one net turn (6/16 more than it)
_MIN_TURN_MS = const(700)
_MAX_TURN_MS = const(8000)
_QUIET_BLOCKS = const(8)  # 0.8 s without circling motion resets the turn


class AnkleCircleDetector:
    def __init__(self):
        self._valid = False
        self._phase = 0
        self._net = 0  # signed phase travelled since the last counted turn
        self._path = 0  # unsigned phase travelled since then
        self._t_turn = 0  # when the current turn began
        self._quiet = 0
        self._turns = 0  # turns counted in this run of circling

    @micropython.native
    def block(self, e):
        gy = e.gy_c
        gz = e.gz_c
        # hysteresis: an ellipse's slow side dips below the entry rate without ending the run
        floor = _KEEP_RATE if self._net else _MIN_RATE
        if norm_l2_approx(gy, gz) < floor or e.gyro_peak > _MAX_PEAK or e.jerk_max > _MAX_JERK:
            self._quiet += 1
            if self._quiet >= _QUIET_BLOCKS:
                self._valid = False
                self._net = 0
                self._path = 0
                self._turns = 0
            return
        self._quiet = 0
        phase = atan2_turn(gz, gy)
        if not self._valid:
            self._valid = True
            self._phase = phase
            self._t_turn = e.t
            return
        d = wrap_turn(phase - self._phase)
        self._phase = phase
        if d > _MAX_STEP or d < -_MAX_STEP:
            self._net = 0
            self._path = 0
            self._turns = 0
            self._t_turn = e.t
            return
        self._net += d
        self._path += d if d >= 0 else -d
        net = self._net
        # The first turn of a run needs a quarter more: moving the toe out from the centre
        # (and back at the end) turns the gyro vector a quarter turn ahead of the toe.
        need = TURN if self._turns else TURN + QUARTER_TURN
        if net >= need or net <= -need:
            # (the same slack for the first turn: it also carries the wander before it)
            pure = self._path * 16 <= need * 16 + TURN * (_PURE_Q4 - 16)
            dt = e.t - self._t_turn
            if pure and _MIN_TURN_MS <= dt <= _MAX_TURN_MS:
                key = KEY_CIRCLE_CW if net > 0 else KEY_CIRCLE_CCW
                e.sets.candidate(key, self._t_turn, e.t, e.t, 0)
            self._net = net - need if net > 0 else net + need
            self._path = 0
            self._t_turn = e.t
            self._turns += 1
        elif self._path > TURN + TURN:
            # wandering back and forth: start over
            self._net = 0
            self._path = 0
            self._turns = 0
            self._t_turn = e.t
