"""Heel (calf) raise reps and their holds, from the foot's pitch against its standing pose.

A rep: the foot pitches nose-down (heel up, ball of the foot on the floor) from a still
standing pose by 10 degrees or more (within a running set, 80% of the set's own depth will
do), comes back within ~4 degrees, calmly (no swing, no impact: walking push-offs and stairs
fail here), within 2 s of the foot resting on the floor, rolled as it stands there, and in
less than 15 s (a crossed leg's hanging foot fails both: rolled 20-30 degrees, it looks still
for a moment at the bottom of each bob). A floor pose the foot was never put down into, only
held (posture.held_floor: legs crossed for a long while), is no floor to rest on. The heel
height is proportional to the sine of that pitch, so `hold_ms` is how long the sine stays
within 80% of the rep's peak (DESIGN.md): the unbroken stay around the peak, its ends
interpolated between blocks; the rep time is the middle of that stay.

    det = HeelRaiseDetector()
    det.block(eng)     # once per 0.1 s block; proposes reps to eng.sets
"""

from heel.compat import const
from heel.motion.sets import KEY_RAISE

_ON = const(140)  # 1000*sin(8 deg): heel is up
_OFF = const(70)  # 1000*sin(4 deg): heel is down again
_LOW = const(35)  # 1000*sin(2 deg): before the rise started
_MIN_PEAK = const(174)  # 1000*sin(10 deg)
_SET_DEPTH_Q10 = const(8)  # ... or within a set, 0.8x its reps' peak (and above _ON)
_MIN_BLOCKS = const(4)  # 0.4 s above _ON
_HIST = const(150)  # 15 s up: longer is not a rep (a crossed leg's hanging foot)
_MAX_GYRO = const(6000)  # ddps L1 peak: a swinging foot is not a heel raise; a quick real
# rep reaches 250 deg/s in pitch with 40-75 deg/s of wobble about the other two axes
_MAX_JERK = const(2000)  # mg: no hard impact while the heel is up (the landing is allowed;
# a quick rise that stops halfway, a hesitation, jolts 1.5-2 g)
_A_LO = const(600 * 600)  # |a| stays near 1 g: the foot is not flying (quick reps: 1.2 g)
_A_HI = const(1500 * 1500)
_WENT_MM = const(150)  # the sensor rose this much: the foot left the floor (legs crossed,
# a step up), while a calf raise lifts it a few cm about the ball of the foot ...
_WENT_BLOCKS = const(12)  # ... judged over 1.2 s from the rest: the accelerometer's tilt-
# dependent scale errors (1-2%) make the height drift by ~10 cm in 1.5 s
_AFTER_BLOCKS = const(3)  # a rep is proposed 0.3 s after it ended, if the foot stayed calm:
_AFTER_GYRO = const(2500)  # ddps L1; a walking push-off is followed by the swing (300+ deg/s)
_REARM = const(105)  # 1000*sin(6 deg): back up this far from a valley below half the peak:
# the next rep of a bouncing set (the heel does not touch down in between)
_NEW_BASE_BLOCKS = const(30)  # still 3 s in another floor-like pose: stand there now
_BASE_TOL = const(175)  # 1000*sin(10 deg): the rise starts from the floor pose
_HOLD_STILL = const(150)  # ddps: the live hold timer runs while the foot is this calm
_BLOCK_MS = const(100)
_MIN_TOP_MS = const(150)  # within 80% of the peak at least this long
_HELD_TOP_MS = const(300)  # ... this long: a rep, no push-off (see block)
_REST_BEFORE_MS = const(2000)  # the foot rested on the floor this shortly before the rise
_CALM_GYRO = const(200)  # ddps: the turn at the bottom of a quick rep passes, a swinging leg not
_QUICK_REP_MS = const(3000)  # after a rep this recent, a calm heel-down counts as rest
_QUIET_GYRO = const(60)  # ddps: the base follows a resting foot, never a slow rise
_STALE_BASE_BLOCKS = const(10)  # still 1 s in the floor pose while up: not a rise


class HeelRaiseDetector:
    # while a rep waits for its after-check: the lift of the block before, and whether the
    # heel rested calm down in it (the next rep rising from there: no swing); class defaults
    # until the first rep (the instance map stays small for the per-block lookups)
    _pend_lift = 0
    _pend_calm = False

    def __init__(self):
        self.up = 0  # or a rep under way: 2 if it rose from a rest on the floor, else 1
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
        self._a_ok = True
        self._h0 = 0  # sensor height when the rise began, mm (engine.dr)
        self._went = 0  # highest it rose above that since
        self._closed = 0  # dead-reckoned stretches ended when the rise began from rest
        # (engine.dr.closed), or -1: a bouncing rep's rise began at a valley
        self._valley = -1  # lowest lift since the rep came down below half its peak, or -1
        self._valley_n = 0
        self._pend_n = -1  # blocks since a finished rep waiting for its after-check, or -1
        self._pend = [0, 0, 0, 0]  # its t_start, t, t_end, hold_ms
        self._pend_g = 0  # peak gyro since it ended
        self.hold_ms = 0  # live: how long the current top has been held
        self._hold_t0 = 0

    def block(self, e):
        p = e.posture
        if p.flat_changes != self._flat_changes:
            # a new floor pose (the strap moved): what looked like a rise was the move
            self._flat_changes = p.flat_changes
            self.up = 0
            self.hold_ms = 0
            self._has_base = False
        lift = 0
        if self._has_base:
            lift = (p.vz * self._bx - p.vx * self._bz) // 1000
        if self._pend_n >= 0:
            self._pend_n += 1
            # (a swing follows a push-off at once; the next rep of a quick set rises from the
            # heel resting down, calm for a block, at 250-450 deg/s before it is 8 degrees up,
            # or is up in this block already: _begin decides; if this rep stayed at its top
            # 0.3 s, which a walking stance's push-off passes through in 0.1-0.2)
            rising = (
                lift > self._pend_lift + _LOW
                and (self._pend_calm or lift >= _ON)
                and self._pend[3] >= _HELD_TOP_MS
            )
            if e.gyro_peak > self._pend_g and not rising:
                self._pend_g = e.gyro_peak
            self._pend_lift = lift
            self._pend_calm = e.gyro_peak < _CALM_GYRO and lift < _OFF
            if self._pend_n >= _AFTER_BLOCKS:
                self._decide(e)
        if self.up and p.still_run >= _STALE_BASE_BLOCKS and p.on_floor():
            # "up" while resting in the floor pose: the base is stale (the strap put on anew
            # sits a few degrees off): stand here now
            self.up = 0
            self.hold_ms = 0
            self._has_base = False
            lift = 0
        if not self.up and p.still and p.still_run >= 2:
            self._learn_base(e, p, lift)
        if not self._has_base or self._wait:
            return
        if not self.up:
            if lift < _LOW:
                self._t_low = e.t
            # the foot at rest on the floor; between quick reps the heel down and calm will do
            if (
                lift < _OFF
                and not p.held_floor
                and self._standing_roll(e)
                and (p.still or (e.gyro_peak < _CALM_GYRO and e.t - self._last_end < _QUICK_REP_MS))
            ):
                self._t_rest = e.t
            if lift < _ON:
                self._prev = lift
            else:
                self._begin(e, e.t)
        if self.up:
            self._track(e, lift)

    def carry_over(self, old, t):
        """After a gap in the data (a new detector): what the old one learnt survives, the
        standing pose, the running set's reps and the last rest; a rep in progress is
        measured from where the data resumed at t (ms). (A bouncing set's foot never rests
        flat long enough to learn the pose anew, nor to start its next rep from rest.)"""
        self._has_base = old._has_base
        self._bx = old._bx
        self._by = old._by
        self._bz = old._bz
        self._flat_changes = old._flat_changes
        self._set_reps = old._set_reps
        self._avg_peak = old._avg_peak
        self._avg_n = old._avg_n
        self._avg_gap = old._avg_gap
        self._last_end = old._last_end
        self._t_low = old._t_low
        self._t_rest = old._t_rest
        if old.up and old._t_up - old._t_rest <= _REST_BEFORE_MS:
            self._t_rest = t  # a rep under way through the gap started from rest: it goes on

    def busy(self):
        """A rep under way, or ended and still being decided: the set is not paused (a rep
        with a 5 s hold ends 10 s after the one before it)."""
        return self.up or self._pend_n >= 0

    def _decide(self, e):
        self._pend_n = -1
        if self._pend_g <= _AFTER_GYRO:
            q = self._pend
            e.sets.candidate(KEY_RAISE, q[0], q[1], q[2], q[3])

    def _begin(self, e, t, h0=0):
        if self._pend_n >= 0:  # the next rep began already: the foot did not swing away
            self._decide(e)
        # (from a rest on the floor: a rise, whose top is no floor to the posture even if
        # put down into; engine: posture.hold_flat)
        self.up = 2 if t - self._t_rest <= _REST_BEFORE_MS else 1
        self._h0 = h0  # a rise from rest: measured from the rest
        self._went = 0
        self._closed = e.dr.closed
        self._n = 0
        self._peak = 0
        self._t_up = t
        self._gmax = 0
        self._a_ok = True
        self._valley = -1
        self._hold_t0 = 0
        self.hold_ms = 0

    def _learn_base(self, e, p, lift):
        """The standing pose a rise starts from: follows slow drift, never a slow rise."""
        if not self._near_floor_pose(e, p):
            self._has_base = False  # e.g. seated with the leg out: no heel raise
            return
        if self._has_base and -_LOW < lift < _LOW and e.gyro_peak < _QUIET_GYRO:
            self._bx += (e.ax - self._bx) >> 2
            self._by += (e.ay - self._by) >> 2
            self._bz += (e.az - self._bz) >> 2
        elif (
            not self._has_base
            or p.still_run >= _NEW_BASE_BLOCKS
            or (p.still_run >= _STALE_BASE_BLOCKS and p.on_floor())
        ):
            # (resting in the posture's floor pose, which every rest refines: a base learnt
            # with the strap as it sat yesterday is stale)
            self._bx = e.ax
            self._by = e.ay
            self._bz = e.az
            self._has_base = True
        else:
            return
        self._wait = False

    def _standing_roll(self, e):
        """Rolled as in the standing pose (within _BASE_TOL): a foot resting on the floor is;
        a crossed leg's hanging foot, rolled 20-30 degrees, bobs through rep-like pitches
        and looks still for a block at the bottom of each bob."""
        d = (e.az * self._by - e.ay * self._bz) // 1000
        return -_BASE_TOL < d < _BASE_TOL

    def _near_floor_pose(self, e, p):
        if not p.has_flat:
            return True
        dp = (e.az * p.fx - e.ax * p.fz) // 1000
        dr = (e.az * p.fy - e.ay * p.fz) // 1000
        return -_BASE_TOL < dp < _BASE_TOL and -_BASE_TOL < dr < _BASE_TOL

    def _track(self, e, lift):
        n = self._n
        if lift < _OFF:
            if self._finish(e, n, lift):
                self._t_rest = e.t  # a rep's heel came down: the next may follow at once
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
        if lift * 2 < self._peak and self._peak >= _MIN_PEAK:
            if self._valley < 0 or lift < self._valley:
                self._valley = lift
                self._valley_n = n
        elif self._valley >= 0 and lift > self._valley + _REARM:
            self._bounce(e, n)
            return
        dr = e.dr
        if not dr.since_rest:
            # a rest while up (a hold at the top) is the dead reckoning's new zero: the
            # rise is measured from it (a bouncing rep's start was in the old one's drift)
            self._h0 = 0
        if dr.known and dr.since_rest <= _WENT_BLOCKS and dr.height_mm - self._h0 > self._went:
            self._went = dr.height_mm - self._h0
        if self._closed >= 0 and dr.closed != self._closed:
            # a stretch ended while up (the foot still at the top): its rise from the rest is
            # measured with the drift removed (a crossed leg's foot, hanging still, rose 27 cm
            # where the live height, drifting back down, peaked at 13; a bouncing set's
            # stretches run on for seconds from a top and drift as far)
            self._closed = dr.closed
            if dr.rise_mm > self._went:
                self._went = dr.rise_mm
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

    def _bounce(self, e, n):
        """Back up from a valley: the rep ended there and the next one began (the heel of a
        bouncing set does not touch down); its rise moves to the new rep's history."""
        v = self._valley_n
        t_valley = self._t_up + v * _BLOCK_MS
        if self._finish(e, v, self._valley, t_valley):
            self._t_rest = t_valley  # like a touch-down between quick reps
        h = self._hist
        j = self._jerk
        prev = self._valley
        self._begin(e, t_valley + _BLOCK_MS, e.dr.height_mm)
        self._closed = -1
        self._t_low = t_valley
        self._prev = prev
        k = 0
        for i in range(v + 1, n + 1):
            h[k] = h[i]
            j[k] = j[i]
            if h[k] > self._peak:
                self._peak = h[k]
            k += 1
        self._n = k

    def _abort(self):
        self.up = 0
        self._wait = True
        self.hold_ms = 0

    def _finish(self, e, n, last, t_end=-1):
        self.up = 0
        self.hold_ms = 0
        if n < _MIN_BLOCKS or not self._deep_enough(e) or self._gmax > _MAX_GYRO:
            return False
        if self._t_up - self._t_rest > _REST_BEFORE_MS:
            # a rep starts from the foot at rest on the floor; a crossed leg's hanging foot
            # or a walk pitches nose-down without one
            return False
        if self._went > _WENT_MM:
            # the foot left the floor: the rest before it is no rest for the reps that follow
            # (a crossed leg's bobbing foot would chain on from it as a bouncing set)
            self._t_rest = -100000
            return False
        if not self._a_ok:
            return False
        h = self._hist
        j = self._jerk
        # no impact while up, except in the last 0.3 s (the heel lands)
        for i in range(n - 3):
            if j[i] > _MAX_JERK:
                return False
        # the stay within 80% of the peak: the run of blocks around the peak (DESIGN.md)
        # (the highest block of this rep's own history: a bouncing rep's peak may have
        # been seen before its history was cut at the valley)
        k = 0
        for i in range(1, n):
            if h[i] > h[k]:
                k = i
        thr = h[k] * 8 // 10
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
        # a calf raise stays near its top for a moment even without a hold (0.3 s or more);
        # a jiggling heel flicks through it
        if leave - enter < _MIN_TOP_MS:
            return False
        if self._unlike_the_set(e, n):
            return False
        t = (enter + leave) >> 1
        if t_end >= 0:  # a bouncing rep: the next one is under way, no after-check
            e.sets.candidate(KEY_RAISE, self._t_low, t, t_end, leave - enter)
            return True
        q = self._pend
        q[0] = self._t_low
        q[1] = t
        q[2] = e.t
        q[3] = leave - enter
        self._pend_n = 0
        self._pend_g = 0
        self._pend_lift = last
        self._pend_calm = False
        return True

    def _deep_enough(self, e):
        """10 degrees; within a running set, a rep as deep as 80% of the set's own will do
        (the rise began at 8: a shallow raiser's reps scatter about 10 degrees)."""
        if self._peak >= _MIN_PEAK:
            return True
        return (
            e.sets.key == KEY_RAISE
            and self._set_reps > 0
            and self._peak * 10 >= self._avg_peak * _SET_DEPTH_Q10
        )

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
