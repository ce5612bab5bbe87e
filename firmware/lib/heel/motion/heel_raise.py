"""Heel (calf) raise reps and their holds, from the foot's pitch against its standing pose.

A rep: the foot pitches nose-down (heel up, ball of the foot on the floor) from a still
standing pose by more than ~8 degrees, comes back within ~4 degrees, calmly (no swing, no
impact: walking push-offs and stairs fail here), within 2 s of the foot resting on the floor
and in less than 15 s (a crossed leg's hanging foot fails here). The heel height is
proportional to the sine of that pitch, so `hold_ms` is how long the sine stays within 80%
of the rep's peak (DESIGN.md): the unbroken stay around the peak, its ends interpolated
between blocks; the rep time is the middle of that stay.

    det = HeelRaiseDetector()
    det.block(eng)     # once per 0.1 s block; proposes reps to eng.sets
"""

from heel.compat import const
from heel.motion.sets import KEY_RAISE

_ON = const(140)  # 1000*sin(8 deg): heel is up
_OFF = const(70)  # 1000*sin(4 deg): heel is down again
_LOW = const(35)  # 1000*sin(2 deg): before the rise started
_MIN_PEAK = const(174)  # 1000*sin(10 deg)
_MIN_BLOCKS = const(4)  # 0.4 s above _ON
_HIST = const(150)  # 15 s up: longer is not a rep (a crossed leg's hanging foot)
_MAX_GYRO = const(2000)  # ddps L1 peak: a swinging foot is not a heel raise
_MAX_JERK = const(1500)  # mg: no hard impact while the heel is up (the landing is allowed)
_A_LO = const(750 * 750)  # |a| stays near 1 g: the foot is not flying
_A_HI = const(1250 * 1250)
_NEW_BASE_BLOCKS = const(30)  # still 3 s in another floor-like pose: stand there now
_BASE_TOL = const(175)  # 1000*sin(10 deg): the rise starts from the floor pose
_HOLD_STILL = const(150)  # ddps: the live hold timer runs while the foot is this calm
_BLOCK_MS = const(100)
_REST_BEFORE_MS = const(2000)  # the foot rested on the floor this shortly before the rise
_CALM_GYRO = const(200)  # ddps: the turn at the bottom of a quick rep passes, a swinging leg not
_QUICK_REP_MS = const(3000)  # after a rep this recent, a calm heel-down counts as rest
_QUIET_GYRO = const(60)  # ddps: the base follows a resting foot, never a slow rise


class HeelRaiseDetector:
    def __init__(self):
        self.up = False
        self._wait = False  # after an aborted rep: wait for a still foot
        self._has_base = False
        self._bx = 0
        self._by = 0
        self._bz = 1000
        self._hist = [0] * _HIST  # pitch per block while up
        self._jerk = [0] * _HIST
        self._n = 0
        self._peak = 0
        self._t_low = 0
        self._set_reps = 0  # reps of the running heel-raise set seen here, and their averages
        self._avg_peak = 0
        self._avg_n = 0
        self._avg_gap = 0
        self._last_end = 0
        self._t_up = 0
        self._t_rest = -100000
        self._flat_changes = 0
        self._prev = 0  # pitch of the block before the rise
        self._gmax = 0
        self._pitch_path = 0
        self._yaw_path = 0
        self._a_ok = True
        self.hold_ms = 0  # live: how long the current top has been held
        self._hold_t0 = 0

    def block(self, e):
        p = e.posture
        if p.flat_changes != self._flat_changes:
            # a new floor pose (the strap moved): what looked like a rise was the move
            self._flat_changes = p.flat_changes
            self.up = False
            self.hold_ms = 0
            self._has_base = False
        lift = 0
        if self._has_base:
            lift = (p.vz * self._bx - p.vx * self._bz) // 1000
        if not self.up and p.still and p.still_run >= 2:
            self._learn_base(e, p, lift)
        if not self._has_base or self._wait:
            return
        if not self.up:
            if lift < _LOW:
                self._t_low = e.t
            # the foot at rest on the floor; between quick reps the heel down and calm will do
            if lift < _OFF and (
                p.still or (e.gyro_peak < _CALM_GYRO and e.t - self._last_end < _QUICK_REP_MS)
            ):
                self._t_rest = e.t
            if lift < _ON:
                self._prev = lift
            else:
                self.up = True
                self._n = 0
                self._peak = 0
                self._t_up = e.t
                self._gmax = 0
                self._pitch_path = 0
                self._yaw_path = 0
                self._a_ok = True
                self._hold_t0 = 0
                self.hold_ms = 0
        if self.up:
            self._track(e, lift)

    def _learn_base(self, e, p, lift):
        """The standing pose a rise starts from: follows slow drift, never a slow rise."""
        if not self._near_floor_pose(e, p):
            self._has_base = False  # e.g. seated with the leg out: no heel raise
            return
        if self._has_base and -_LOW < lift < _LOW and e.gyro_peak < _QUIET_GYRO:
            self._bx += (e.ax - self._bx) >> 2
            self._by += (e.ay - self._by) >> 2
            self._bz += (e.az - self._bz) >> 2
        elif not self._has_base or p.still_run >= _NEW_BASE_BLOCKS:
            self._bx = e.ax
            self._by = e.ay
            self._bz = e.az
            self._has_base = True
        else:
            return
        self._wait = False

    def _near_floor_pose(self, e, p):
        if not p.has_flat:
            return True
        dp = (e.az * p.fx - e.ax * p.fz) // 1000
        dr = (e.az * p.fy - e.ay * p.fz) // 1000
        return -_BASE_TOL < dp < _BASE_TOL and -_BASE_TOL < dr < _BASE_TOL

    def _track(self, e, lift):
        n = self._n
        if lift < _OFF:
            self._finish(e, n, lift)
            return
        if n >= _HIST:
            self._abort()
            return
        self._hist[n] = lift
        self._jerk[n] = e.jerk_max
        self._n = n + 1
        if lift > self._peak:
            self._peak = lift
        if e.gyro_peak > self._gmax:
            self._gmax = e.gyro_peak
        self._pitch_path += abs(e.gy_c)
        self._yaw_path += abs(e.gz_c)
        a2 = e.posture.a2
        if a2 < _A_LO or a2 > _A_HI:
            self._a_ok = False
        # live hold timer for feedback (the buzzer cue when the target is reached)
        if lift * 10 >= self._peak * 8 and e.gyro_peak < _HOLD_STILL + _HOLD_STILL:
            if not self._hold_t0:
                self._hold_t0 = e.t
            self.hold_ms = e.t - self._hold_t0
        elif lift * 10 < self._peak * 8:
            self._hold_t0 = 0
            self.hold_ms = 0

    def _abort(self):
        self.up = False
        self._wait = True
        self.hold_ms = 0

    def _finish(self, e, n, last):
        self.up = False
        self.hold_ms = 0
        if n < _MIN_BLOCKS or self._peak < _MIN_PEAK or self._gmax > _MAX_GYRO:
            return
        if self._t_up - self._t_rest > _REST_BEFORE_MS:
            # a rep starts from the foot at rest on the floor; a crossed leg's hanging foot
            # or a walk pitches nose-down without one
            return
        if not self._a_ok or self._yaw_path * 5 > self._pitch_path * 2:
            # turning about z almost as much as about y: a circle, a swivel or a crossed
            # leg's swinging foot, not a heel raise
            return
        h = self._hist
        j = self._jerk
        # no impact while up, except in the last 0.3 s (the heel lands)
        for i in range(n - 3):
            if j[i] > _MAX_JERK:
                return
        # the stay within 80% of the peak: the run of blocks around the peak (DESIGN.md)
        thr = self._peak * 8 // 10
        k = 0
        while h[k] < self._peak:
            k += 1
        i1 = k
        while i1 > 0 and h[i1 - 1] >= thr:
            i1 -= 1
        i2 = k
        while i2 < n - 1 and h[i2 + 1] >= thr:
            i2 += 1
        t0 = self._t_up  # time of block 0
        # interpolate the crossings of the 80% level between blocks
        before = h[i1 - 1] if i1 > 0 else self._prev
        if before < thr:
            enter = t0 + (i1 - 1) * _BLOCK_MS + _BLOCK_MS * (thr - before) // (h[i1] - before)
        else:  # crossed before the history starts
            enter = t0 - _BLOCK_MS
        after = h[i2 + 1] if i2 < n - 1 else last
        leave = t0 + i2 * _BLOCK_MS + _BLOCK_MS * (h[i2] - thr) // (h[i2] - after)
        if self._unlike_the_set(e, n):
            return
        e.sets.candidate(KEY_RAISE, self._t_low, (enter + leave) >> 1, e.t, leave - enter)

    def _unlike_the_set(self, e, n):
        """A rise after a long pause belongs to the set only if it looks like its reps
        (one quick rise on tiptoe to reach a shelf between sets does not)."""
        if e.sets.key != KEY_RAISE:
            self._set_reps = 0
        gap = self._t_low - self._last_end
        if gap < 0:  # the heel did not get down to the floor pose in between
            gap = 0
        similar = True
        if self._set_reps >= 3 and gap * 2 > self._avg_gap * 5:
            peak = self._peak * 10
            peak_ok = self._avg_peak * 7 <= peak <= self._avg_peak * 14
            dur_ok = self._avg_n * 6 <= n * 10 <= self._avg_n * 17
            similar = peak_ok and dur_ok
        if similar:
            if self._set_reps:
                self._avg_peak += (self._peak - self._avg_peak) >> 2
                self._avg_n += (n - self._avg_n) >> 2
                self._avg_gap += (gap - self._avg_gap) >> 2
            else:
                self._avg_peak = self._peak
                self._avg_n = n
                self._avg_gap = 3000
            self._set_reps += 1
            self._last_end = e.t
        return not similar
