"""Where the foot went between two moments it was still: dead reckoning per 0.1 s block.

A foot is still whenever it rests, and in the stance of every step (on the heel in a heel
walk, where a turn pivots on it: a spin about the vertical is no motion there). Between two
such moments the acceleration, turned into a fixed frame by the gyro
and freed of gravity, integrates twice into the sensor's displacement (the foot-mounted
INS of pedestrian navigation, with zero-velocity updates). The velocity left at the end of
a stretch is the integration error; removing it linearly over the stretch cancels a
constant tilt or bias error exactly. A heel-walk step moves the foot 15-50 cm forward, the
other foot's strike moves it nowhere, a toe tap hovers in place, a calf raise lifts the
sensor a few cm about the ball of the foot and crossing the legs 20-50 cm.

    dr = DeadReckon()
    dr.block(t, ax, ay, az, wx, wy, wz, gyro_peak, jerk_max)  # block means and peaks
    dr.closed, dr.travel_mm, dr.rise_mm, dr.close_t  # the last stretch that ended
    dr.height_mm, dr.since_rest                     # since the last rest, so far
    dr.elevation_mm                                 # above the floor (rest flat on it)

Integers only (every value < 2**30: MicroPython small ints), once per block.
"""

from heel.compat import const
from heel.motion.imath import isqrt, isqrt_near, peak_less_spin

ONE = const(16384)  # 1.0 in the rotation matrix (Q14)
_MAX_RUN = const(60)  # blocks (6 s) without a rest or contact: the stretch is not measured
_MAX_MM = const(15000)  # displacements are clamped to +-15 m (their squares stay small)
_LIM_UNITS = const(300000)  # the same in displacement units
_MAX_V = const(20000)  # mg x blocks (20 m/s): velocities are clamped (garbage input)
_MAX_W = const(20000)  # ddps: the gyro's full scale
# a still block (zero velocity): the sensor 10 cm from the heel moves 5-10 cm/s at 30-60 deg/s
_ZUPT_GYRO = const(900)  # ddps, L1 peak (rolling over the heel in a stance: 20-40 deg/s)
_ZUPT_JERK = const(200)  # mg over 20 ms
_STANCE_JERK = const(300)  # ... in the stance after a landing
_ZUPT_G = const(60)  # mg, |a| off the size of gravity
# a smooth swing can look still for a block: not while the foot is known to move this fast
_ZUPT_VEL = const(350)  # mg x blocks (0.34 m/s), 3-D
_ZUPT_VEL_RUN = const(20)  # ... in a stretch this short (longer ones drift more)
_LANDING_JERK = const(500)  # mg over 20 ms: the foot landed (a strike, a slap)
_HARD_JERK = const(1000)  # mg over 20 ms: an impact that may clip the accelerometer
_NEAR_FLOOR_MM = const(60)
_IN_AIR_MM = const(100)  # the sensor this high: a foot held up (over a step), not one
# standing on its toes (a calf raise lifts it 3-8 cm)
_FIRST_REST = const(4)  # quiet still blocks (posture) before a first rest needs no 1 g
_LONG_REST = const(100)  # blocks (10 s)
# in the air (a hover over a step) a block the posture calls still is a rest only
_SURE_REST = const(3)  # ... after two quiet blocks (the posture's rest count) ...
_HOVER_VEL = const(150)  # ... or if the integration has the foot slower than this (mg x
# blocks, L1: 0.15 m/s; a leg lifting the foot at a steady 0.15-0.3 m/s turns < 10 deg/s and
# reads 1 g), and it teaches gravity only ...
_REST_G = const(20)  # ... if |a| is within this of gravity's size (mg): a foot turning round
# at the top of a smooth lift decelerates by 3-6% of g in the block it looks still
_ONSET_MG = const(10)  # L1: a rest block this far off the rest before it held the start of motion
_KEEP = const(4)  # stretches remembered (a power of 2)
# a foot lifted at a steady 0.1-0.3 m/s reads 1 g and turns slowly: quiet, as at a stop; but
# a stop sheds the speed the foot gained, and the integration sees it slow down. A quiet
# block in a stretch that set off from a rest, landed nowhere and is shorter than
# _ZUPT_VEL_RUN is no stop while the foot moves faster than _HOVER_VEL, ...
_COAST_Q10 = const(6)  # ... at least 0.6x the stretch's fastest, ...
_COAST_DV = const(40)  # ... at a steady speed (changed by less in the block before, mg x
# blocks): coasting, no stop (a quiet block's |a| may hide 0.3 g sideways: a foot still
# speeding up or slowing down)


class DeadReckon:
    _vpeak = 0  # the stretch's fastest (L1 velocity, mg x blocks)
    _dspeed = 0  # how much the last block changed it
    _from_rest = False  # the stretch set off from a rest (gravity learnt there)

    def __init__(self):
        # body -> reference frame (the body frame at the stretch's start), Q14, row-major
        self._r = [ONE, 0, 0, 0, ONE, 0, 0, 0, ONE]
        self._n = [0] * 9  # scratch: the next matrix
        self._g = [0, 0, 1000]  # gravity (specific force at rest) in the reference frame, mg
        self._gsize = 1000
        self._g_rest = [0, 0, 1000]  # gravity at the rest block before the last one
        self._rest_run = 0  # rest blocks in a row
        self._v = [0, 0, 0]  # velocity, mg x blocks (0.981 mm/s each)
        self._d = [0, 0, 0]  # displacement, mg x blocks^2 x 2 (0.049 mm each)
        self.run = 0  # blocks in the current stretch
        self.start_t = 0  # ms when it began (the last still block)
        self._hard = False  # a hard impact in it
        self._landed = False  # ... or a jolt: the foot landed (a strike, a slap)
        self._was_quiet = False
        self._quiet_run = 0  # quiet blocks in a row
        self.since_rest = 0  # blocks since the foot last rested
        self._above = 0  # mm risen from that rest to the stretch's start
        self._elev = 0  # mm risen from the floor (the last rest flat on it) to the stretch
        self.elevation_mm = 0  # sensor height above the floor, so far
        self.vz = 0  # vertical velocity at the end of the block, mm/s (0.981 mm/s units)
        self.vz_before = 0  # ... at the end of the block before
        self.known = False  # a rest was seen since the start (or a gap)
        self.height_mm = 0  # sensor height above the last rest, so far (uncorrected)
        self.closed = 0  # stretches ended so far (a detector compares it with its own)
        self.travel_mm = -1  # the last ended stretch: horizontal travel (-1: unknown)
        self.rise_mm = 0  # and its height change
        self.close_t = 0  # ms when it ended
        self.from_t = 0  # ms when it began
        self._hist = [0] * (4 * _KEEP)  # the last stretches: from_t, close_t, travel, rise
        self.found_travel_mm = 0  # what stretch_over found
        self.found_rise_mm = 0
        self.found_ms = 0  # ... its duration
        self.found_end_t = 0  # ... and when it ended, ms

    def forget(self):
        """After a gap in the data: wait for the next rest."""
        self.known = False

    def block(self, t, ax, ay, az, wx, wy, wz, gyro_peak, jerk_max, rest, floor):
        """One block: t its end in ms; means of accel (mg) and bias-free gyro (ddps), the
        peak gyro (L1, ddps) and the peak jerk (mg over 20 ms) in it; rest: the foot is at
        rest (posture), not only still for a moment: 0 if not, else 1 + the quiet still blocks
        in a row; floor: blocks at rest in the floor pose (0: not)."""
        a2 = ax * ax + ay * ay + az * az
        # a first rest (0.4 s truly at rest) starts the integration whatever the
        # accelerometer reads there: an MPU6050's zero-g offset (up to 80 mg) and scale error
        # (3%) put 1 g anywhere in 0.9-1.1 g, and its size is learnt at that rest (the
        # integration never started on 5% of the wide simulator's sensors before)
        quiet = self._zupt(a2, gyro_peak, jerk_max) or (rest > _FIRST_REST and not self.known)
        # a heel pivoting in a stance (a turn while heel walking) stands still where it
        # touches: its turn about the vertical is no motion there (a swinging foot turns
        # too, but moves fast)
        pivot = (
            not quiet
            and gyro_peak >= _ZUPT_GYRO
            and self._zupt(a2, 0, jerk_max)  # (only the rate failed)
            and peak_less_spin(gyro_peak, ax, ay, az, wx, wy, wz) < _ZUPT_GYRO
        )
        was_quiet = self._was_quiet
        self._was_quiet = quiet or pivot
        self._quiet_run = self._quiet_run + 1 if quiet else 0
        # a hovering or slowly moving foot is quiet for a block now and then: a moment of
        # zero velocity needs two quiet blocks in a row (or the foot at rest), and the
        # integrated velocity small; three in a row after the foot landed are a stance
        # whatever the velocity says (a quick swing leaves a velocity error; a crossed
        # leg's hanging foot swings slowly enough to pass as quiet, but lands nowhere)
        landed_still = self._landed and self._quiet_run >= 3
        if pivot and was_quiet and not self._moving():
            quiet = True
        if quiet and self._coasting():
            quiet = False
        # a block that only looks still (the posture's, not yet two quiet ones) up in the air:
        # no zero velocity while the integration has the foot moving
        hover = 0 < rest < _SURE_REST and self.elevation_mm >= _IN_AIR_MM
        if quiet and hover and self._moving_in_air():
            quiet = False
        if quiet and (rest or landed_still or (was_quiet and not self._moving())):
            if self.known and self.run:
                self._close(t)
                self._above += self.rise_mm
                self._elev += self.rise_mm
            # at rest in the floor pose: on the floor, unless well above it (a stool's top
            # is flat too), which a long rest on the floor pose overrules (drift)
            if floor and (-_NEAR_FLOOR_MM < self._elev < _NEAR_FLOOR_MM or floor >= _LONG_REST):
                self._elev = 0
            if not self.known or (rest and not self._turning_round(rest, a2)):
                # at rest the accelerometer reads gravity alone
                g = self._g
                gr = self._g_rest
                for i in range(3):
                    gr[i] = g[i]
                self._rest_run += 1
                self._restart(ax, ay, az)
                self._above = 0
                self.since_rest = 0
            else:
                # still for a moment (a stance, a hover): gravity carried by the gyro, pulled
                # a quarter of the way to this block's mean (which may hold a slow start of
                # motion): the carried direction would drift over a long walk
                self._rest_run = 0
                self._restart_carried(ax, ay, az)
            self.start_t = t
            self.known = True
            self.height_mm = self._above
            self.elevation_mm = self._elev
            self.vz_before = self.vz
            self.vz = 0
            return
        if not self.known:
            return
        if self.run >= _MAX_RUN:
            self.known = False  # too long to trust: wait for a rest
            return
        if not self.run:
            # (a stretch from a rest knows gravity well: a constant speed in it is the foot's)
            self._from_rest = self._rest_run >= 2
            if self._from_rest:
                self._onset()
        self._rest_run = 0
        self.run += 1
        if self.since_rest < 10000:
            self.since_rest += 1
        if jerk_max >= _HARD_JERK:
            self._hard = True
        if jerk_max >= _LANDING_JERK:
            self._landed = True
        self._rotate(wx, wy, wz)
        r = self._r
        n = self._n
        g = self._g
        # the block's acceleration in the reference frame, turned by the mid-block attitude
        # (mid-block entries halved: every product stays below 2**30, rp2's small ints)
        fx = (
            ((r[0] + n[0]) >> 1) * ax + ((r[1] + n[1]) >> 1) * ay + ((r[2] + n[2]) >> 1) * az
        ) >> 14
        fy = (
            ((r[3] + n[3]) >> 1) * ax + ((r[4] + n[4]) >> 1) * ay + ((r[5] + n[5]) >> 1) * az
        ) >> 14
        fz = (
            ((r[6] + n[6]) >> 1) * ax + ((r[7] + n[7]) >> 1) * ay + ((r[8] + n[8]) >> 1) * az
        ) >> 14
        for i in range(9):
            r[i] = n[i]
        v = self._v
        d = self._d
        lx = fx - g[0]
        ly = fy - g[1]
        lz = fz - g[2]
        d[0] += v[0] + v[0] + lx  # trapezoid: v_old + v_new
        d[1] += v[1] + v[1] + ly
        d[2] += v[2] + v[2] + lz
        was = _abs(v[0]) + _abs(v[1]) + _abs(v[2])
        v[0] = _clamp_v(v[0] + lx)
        v[1] = _clamp_v(v[1] + ly)
        v[2] = _clamp_v(v[2] + lz)
        speed = _abs(v[0]) + _abs(v[1]) + _abs(v[2])
        if speed > self._vpeak:
            self._vpeak = speed
        self._dspeed = _abs(speed - was)
        up = self._up(d)
        self.vz_before = self.vz
        self.vz = (v[0] * (g[0] >> 4) + v[1] * (g[1] >> 4) + v[2] * (g[2] >> 4)) // (
            (self._gsize >> 4) or 1
        )  # ~mm/s
        self.height_mm = self._above + up
        self.elevation_mm = self._elev + up

    def _onset(self):
        """The first block of a stretch after a rest: if the last rest block was already off
        the rest before it, the foot started moving in it (posture still allows a slow
        start): gravity is the rest's before, and that block is the stretch's first (a
        rising foot's first 20-30 mg read as gravity drifted its integration down 10-20
        cm/s a second)."""
        g = self._g
        gr = self._g_rest
        if _abs(g[0] - gr[0]) + _abs(g[1] - gr[1]) + _abs(g[2] - gr[2]) < _ONSET_MG:
            return
        v = self._v
        d = self._d
        for i in range(3):
            v[i] = g[i] - gr[i]
            d[i] = v[i]
            g[i] = gr[i]
        self._gsize = isqrt_near(gr[0] * gr[0] + gr[1] * gr[1] + gr[2] * gr[2], self._gsize)
        self.run = 1
        self.start_t -= 100

    def _turning_round(self, rest, a2):
        """Still for a moment in the air (the stretch just closed ended >= 10 cm up) with
        |a| off gravity's size: decelerating, its mean is no gravity."""
        if rest >= _SURE_REST or self._elev < _IN_AIR_MM:
            return False
        lo = self._gsize - _REST_G
        hi = self._gsize + _REST_G
        return not lo * lo <= a2 <= hi * hi

    def _moving_in_air(self):
        # (a long stretch's velocity has drifted too far to tell)
        if not self.known or self.run >= _ZUPT_VEL_RUN or self._hard:
            return False
        v = self._v
        return _abs(v[0]) + _abs(v[1]) + _abs(v[2]) > _HOVER_VEL

    def _coasting(self):
        """Quiet, yet as fast as the stretch has been (a short one: the integration is good
        to a few cm/s), and it landed nowhere: a steady lift, not a stop (a step's stance
        follows a strike)."""
        if not (self.known and self._from_rest) or self.run >= _ZUPT_VEL_RUN or self._landed:
            return False
        v = self._v
        speed = _abs(v[0]) + _abs(v[1]) + _abs(v[2])
        return (
            speed > _HOVER_VEL
            and speed * 10 >= self._vpeak * _COAST_Q10
            and self._dspeed < _COAST_DV
        )

    def _moving(self):
        # an impact may clip the accelerometer (+-4 g) and leave a velocity that is not there
        if not self.known or self.run >= _ZUPT_VEL_RUN or self._hard:
            return False
        v = self._v
        return _abs(v[0]) + _abs(v[1]) + _abs(v[2]) > _ZUPT_VEL

    def stretch_over(self, t):
        """Find the remembered stretch that began before t and ended after it: True and
        its travel, rise, duration and end in found_travel_mm, found_rise_mm, found_ms,
        found_end_t, else False (no tuple: this runs on the per-block path, which
        allocates nothing)."""
        h = self._hist
        for i in range(0, 4 * _KEEP, 4):
            if h[i] < t <= h[i + 1]:
                self.found_travel_mm = h[i + 2]
                self.found_rise_mm = h[i + 3]
                self.found_ms = h[i + 1] - h[i]
                self.found_end_t = h[i + 1]
                return True
        return False

    def _zupt(self, a2, gyro_peak, jerk_max):
        """The foot (nearly) still: little rotation, no jolt, the accelerometer reads 1 g."""
        # (after a landing the stance rings on, and the other foot's strikes jolt it)
        if gyro_peak >= _ZUPT_GYRO or jerk_max >= (_STANCE_JERK if self._landed else _ZUPT_JERK):
            return False
        g = self._gsize if self.known else 1000
        lo = g - _ZUPT_G
        hi = g + _ZUPT_G
        return lo * lo < a2 < hi * hi

    def _up(self, d):
        g = self._g
        return (_mm(d[0]) * g[0] + _mm(d[1]) * g[1] + _mm(d[2]) * g[2]) // self._gsize

    def _close(self, t):
        """End the stretch: remove the velocity left (linear drift), measure it."""
        v = self._v
        d = self._d
        k = self.run
        x = _mm(d[0] - v[0] * k)
        y = _mm(d[1] - v[1] * k)
        z = _mm(d[2] - v[2] * k)
        g = self._g
        up = (x * g[0] + y * g[1] + z * g[2]) // self._gsize
        x = _clamp(x)
        y = _clamp(y)
        z = _clamp(z)
        h2 = x * x + y * y + z * z - up * up
        self.travel_mm = isqrt(h2) if h2 > 0 else 0
        self.rise_mm = up
        self.close_t = t
        self.from_t = self.start_t
        i = (self.closed & (_KEEP - 1)) * 4
        h = self._hist
        h[i] = self.start_t
        h[i + 1] = t
        h[i + 2] = self.travel_mm
        h[i + 3] = up
        self.closed += 1

    def _restart_carried(self, ax, ay, az):
        """Restart in today's body frame, with gravity carried into it and pulled toward
        the measured acceleration (ax, ay, az)."""
        r = self._r
        g = self._g
        gx = (r[0] * g[0] + r[3] * g[1] + r[6] * g[2]) >> 14
        gy = (r[1] * g[0] + r[4] * g[1] + r[7] * g[2]) >> 14
        gz = (r[2] * g[0] + r[5] * g[1] + r[8] * g[2]) >> 14
        gx += (ax - gx) >> 2
        gy += (ay - gy) >> 2
        gz += (az - gz) >> 2
        # r is kept only roughly orthonormal: keep gravity's size, take its new direction
        size = self._gsize
        n = isqrt(gx * gx + gy * gy + gz * gz) or 1
        self._restart(gx * size // n, gy * size // n, gz * size // n)

    def _restart(self, gx, gy, gz):
        g = self._g
        g[0] = gx
        g[1] = gy
        g[2] = gz
        # gravity's size is near the last one: Newton from there (a resting foot restarts
        # every block)
        self._gsize = isqrt_near(gx * gx + gy * gy + gz * gz, self._gsize or 1000)
        if not self.run:
            return  # nothing moved since the last restart
        r = self._r
        for i in range(9):
            r[i] = 0
        r[0] = ONE
        r[4] = ONE
        r[8] = ONE
        for i in range(3):
            self._v[i] = 0
            self._d[i] = 0
        self.run = 0
        self._vpeak = 0
        self._hard = False
        self._landed = False

    def _rotate(self, wx, wy, wz):
        """n = r (I + [w x] dt), rows renormalised: w in ddps over 0.1 s is w * 183 / 2**20
        radians."""
        r = self._r
        n = self._n
        wx = _clamp_w(wx)
        wy = _clamp_w(wy)
        wz = _clamp_w(wz)
        for i in range(0, 9, 3):
            a = r[i]
            b = r[i + 1]
            c = r[i + 2]
            x = a + ((((b * wz - c * wy) >> 7) * 183) >> 13)
            y = b + ((((c * wx - a * wz) >> 7) * 183) >> 13)
            z = c + ((((a * wy - b * wx) >> 7) * 183) >> 13)
            # renormalised at 1/8 scale: the squares stay below 2**30
            s = isqrt_near((x >> 3) * (x >> 3) + (y >> 3) * (y >> 3) + (z >> 3) * (z >> 3), 2048)
            n[i] = (x << 11) // s
            n[i + 1] = (y << 11) // s
            n[i + 2] = (z << 11) // s


def _abs(x):
    return x if x >= 0 else -x


def _mm(u):
    """Displacement units (mg x blocks^2 x 2) to mm: 9.81e-3 m/s^2 x 0.01 s^2 / 2."""
    return (_clamp_units(u) * 49) // 1000


def _clamp_units(u):
    return _LIM_UNITS if u > _LIM_UNITS else (-_LIM_UNITS if u < -_LIM_UNITS else u)


def _clamp_v(v):
    return _MAX_V if v > _MAX_V else (-_MAX_V if v < -_MAX_V else v)


def _clamp_w(w):
    return _MAX_W if w > _MAX_W else (-_MAX_W if w < -_MAX_W else w)


def _clamp(x):
    return _MAX_MM if x > _MAX_MM else (-_MAX_MM if x < -_MAX_MM else x)
