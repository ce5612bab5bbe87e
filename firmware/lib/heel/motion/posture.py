"""Stillness, gyro bias, gravity direction and the foot's pitch against the floor pose.

Runs once per block of 10 samples (0.1 s at 100 Hz) on block aggregates computed by the
engine, integers only. Units: accel mg, gyro 0.1 deg/s ("ddps").

    p = Posture()
    p.update(eng)            # eng carries the block aggregates (ax_mean, ..., jerk_max, ...)
    p.still, p.still_run     # is the foot still now, for how many blocks
    p.pitch_flat             # 1000*sin(nose-down pitch) against the floor pose; <0 = toes up

Stillness follows gaitmap's zero-velocity idea (gyro norm < ~15 deg/s over ~0.15 s) but is
judged on gyro *change* until the bias is known, since an MPU6050 may read 20 deg/s at rest.
"""

from heel.compat import const, micropython

_G2_LO = const(880 * 880)  # |a|^2 band (mg^2) for a still foot
_G2_HI = const(1120 * 1120)
_TRUST_LO = const(800 * 800)  # |a|^2 band in which the accelerometer is trusted for gravity
_TRUST_HI = const(1200 * 1200)
_STILL_JERK = const(100)  # mg, max sample-to-sample change (L1) in a still block
_STILL_GDIFF = const(300)  # ddps, summed gyro change (L1) over a still block
_STILL_DRIFT = const(40)  # mg, block-to-block change of mean accel (L1): no rotation
_STILL_GYRO = const(200)  # ddps, peak bias-corrected gyro (L1) once the bias is known
_QUIET_GYRO = const(60)  # ddps: the foot truly at rest, not a slow rise still under _STILL_GYRO
_BIAS_BLOCKS = const(3)  # still blocks before the first bias estimate
_STEADY_BLOCKS = const(80)  # still 8 s ...
_STEADY_MG = const(35)  # ... with gravity within 2 degrees (L1, mg): the gyro reads bias
# (a heel-raise hold lasts up to ~5 s, and may turn about the vertical)
_FLAT_BLOCKS = const(10)  # still blocks (1 s) before a pose may become the floor pose
_FLAT_SEEN_MAX = const(400)  # quiet blocks on the floor pose counted: a new one waits <= 15 s
_UP_LANDED_BLOCKS = const(60)  # ... while a heel raise from the floor is up: quiet 6 s
_NEW_FLAT_BLOCKS = const(50)  # a new pose without an impact: quiet 5 s, longer if trusted
_LAND_JERK = const(300)  # mg: the foot was put down (an impact) ...
_LANDED_BLOCKS = const(20)  # ... at most 2 s before a new pose's quiet run: adopt it at once
_FLAT_COS2_Q7 = const(104)  # floor pose within ~25 deg of the board's z: cos^2 = 0.81 = 104/128
_ON_FLOOR = const(87)  # 1000*sin(5 deg): in the floor pose
_SAME_POSE = const(120)  # 1000*sin(angle) below which two poses are the same (~7 degrees)


def _flat_like(az, a2):
    """Gravity within ~25 degrees of the board's z: az/|a| > 0.9 (a floor pose could be)."""
    return az > 0 and az * az >= (a2 >> 7) * _FLAT_COS2_Q7


@micropython.native  # (its frame, 6 args, stays on the C stack: called once per still block)
def _same_pose(ax, ay, az, bx, by, bz):
    """Two gravity directions (mg) within ~7 degrees in pitch and roll."""
    dp = (az * bx - ax * bz) // 1000
    dr = (az * by - ay * bz) // 1000
    return -_SAME_POSE < dp < _SAME_POSE and -_SAME_POSE < dr < _SAME_POSE


class Posture:
    def __init__(self):
        self.still = False
        self.still_run = 0  # consecutive quiet still blocks (the foot at rest)
        self.bias_known = False
        # gyro bias in ddps * 16 (fixed point, so the slow average keeps its precision)
        self.bx16 = 0
        self.by16 = 0
        self.bz16 = 0
        # gravity direction (specific force of gravity) in the foot frame, mg
        self.vx = 0
        self.vy = 0
        self.vz = 1000
        self.v_init = False
        # floor pose: where gravity points when the foot is flat on the floor
        self.has_flat = False
        self.fx = 0
        self.fy = 0
        self.fz = 1000
        self._flat_seen = 0  # quiet blocks seen on the floor pose (its trust)
        self.flat_changes = 0  # counts adoptions of a new floor pose
        # held_floor: the floor pose was adopted only because it was held (no landing into
        # it; a seated foot resting on its heel): it is the floor only until the foot is
        # still again in the pose it had before (kept here)
        self.held_floor = False
        self._bx = 0
        self._by = 0
        self._bz = 0
        self._since_impact = 10000  # blocks since the last impact
        self.pitch_flat = 0  # 1000*sin(nose-down pitch) against the floor pose
        self.roll_flat = 0
        self.a2 = 1000000  # |mean accel|^2 of the block
        self._pax = 0  # previous block's mean accel
        self._pay = 0
        self._paz = 0
        self.hold_flat = 0  # set by the engine while a heel raise is up: 2 if it rose from
        # a rest on the floor, else 1 (HeelRaiseDetector.up)
        self.in_air = False  # ... and while a set with the foot held up runs
        self._settled = True
        self._lx = 0  # gravity where the foot first was still after the last impact
        self._ly = 0
        self._lz = 1000
        self._steady = 0  # still blocks with gravity where it was at the first of them
        self._sax = 0
        self._say = 0
        self._saz = 0

    @micropython.native
    def update(self, ax, ay, az, gx, gy, gz, jerk_max, gyro_diff, gyro_peak):
        """One block: mean accel (mg), mean raw gyro (ddps), jerk/gyro aggregates."""
        a2 = ax * ax + ay * ay + az * az
        self.a2 = a2
        drift = abs(ax - self._pax) + abs(ay - self._pay) + abs(az - self._paz)
        self._pax = ax
        self._pay = ay
        self._paz = az
        still = (
            _G2_LO < a2 < _G2_HI
            and jerk_max < _STILL_JERK
            and gyro_diff < _STILL_GDIFF
            and drift < _STILL_DRIFT
            and (gyro_peak < _STILL_GYRO or not self.bias_known)
        )
        self.still = still
        # a slow rise or roll (10-20 deg/s) can pass as still: learn the bias and the floor
        # pose only while the foot is quiet, or they follow the motion. Still for 8 s with
        # gravity not turning by 2 degrees, what the gyro reads is bias whatever its size:
        # it moved (warm-up, a new day), and it would never be learnt again otherwise
        if still:
            if (
                not self._steady
                or abs(ax - self._sax) + abs(ay - self._say) + abs(az - self._saz) > _STEADY_MG
            ):
                self._sax = ax
                self._say = ay
                self._saz = az
                self._steady = 0
            if self._steady < _STEADY_BLOCKS:
                self._steady += 1
        else:
            self._steady = 0
        quiet = still and (gyro_peak < _QUIET_GYRO or not self.bias_known)
        if quiet:
            self.still_run += 1
            self._learn_bias(gx, gy, gz)
        else:
            self.still_run = 0
            if self._steady >= _STEADY_BLOCKS:
                self._learn_bias(gx, gy, gz)
        self._track_gravity(ax, ay, az, gx, gy, gz, a2, jerk_max)
        if jerk_max >= _LAND_JERK:
            self._since_impact = 0
            self._settled = False
        elif self._since_impact < 10000:
            self._since_impact += 1
        if still and not self._settled:
            self._settled = True  # the pose the foot came to rest in after the impact
            self._lx = ax
            self._ly = ay
            self._lz = az
        if self._flat_seen and not _flat_like(az, a2):
            # far from any flat pose (the board in the hand, a push-off): trust the floor
            # pose less, so a strap put on anew is learnt soon
            self._flat_seen -= 4 if self._flat_seen > 4 else self._flat_seen
        if still and self.held_floor and not self.in_air:
            self._back_to_floor(ax, ay, az)
        # a heel-raise hold must not become the floor, but a pose the foot was put down into
        # is the floor even if the raise detector took the change for a rise (put down into
        # it: landed and still in the pose it landed in, not pivoted on the heel after); if
        # the raise rose from a rest on the floor, once it stayed longer than a hold does (a
        # rise that stops halfway jolts like a landing, and the hold at its top is as quiet
        # as a floor)
        # (a foot hovering still between toe taps is not on the floor, put down or not)
        if quiet and self.still_run >= _FLAT_BLOCKS and not self.in_air:
            landed = self._since_impact <= self.still_run + _LANDED_BLOCKS and _same_pose(
                ax, ay, az, self._lx, self._ly, self._lz
            )
            hold = self.hold_flat
            if not hold or (landed and (hold == 1 or self.still_run >= _UP_LANDED_BLOCKS)):
                self._learn_flat(ax, ay, az, landed)
        if self.has_flat:
            self.pitch_flat = (self.vz * self.fx - self.vx * self.fz) // 1000
            self.roll_flat = (self.vz * self.fy - self.vy * self.fz) // 1000

    def _learn_bias(self, gx, gy, gz):
        if not self.bias_known:
            if self.still_run >= _BIAS_BLOCKS:
                self.bx16 = gx << 4
                self.by16 = gy << 4
                self.bz16 = gz << 4
                self.bias_known = True
            return
        # slow average (time constant 1.6 s of stillness)
        self.bx16 += ((gx << 4) - self.bx16) >> 4
        self.by16 += ((gy << 4) - self.by16) >> 4
        self.bz16 += ((gz << 4) - self.bz16) >> 4

    @micropython.native
    def _track_gravity(self, ax, ay, az, gx, gy, gz, a2, jerk_max):
        if not self.v_init:
            self.vx = ax
            self.vy = ay
            self.vz = az
            self.v_init = True
            return
        # rotate gravity by the block's rotation: dv = v x w * dt;
        # w in ddps over 0.1 s -> radians: w * 1.745e-4 ~= w * 183 / 2**20
        wx = gx - (self.bx16 >> 4)
        wy = gy - (self.by16 >> 4)
        wz = gz - (self.bz16 >> 4)
        vx = self.vx
        vy = self.vy
        vz = self.vz
        dx = (((vy * wz - vz * wy) >> 7) * 183) >> 13
        dy = (((vz * wx - vx * wz) >> 7) * 183) >> 13
        dz = (((vx * wy - vy * wx) >> 7) * 183) >> 13
        vx += dx
        vy += dy
        vz += dz
        # pull toward the measured specific force where it is mostly gravity
        if _TRUST_LO < a2 < _TRUST_HI and jerk_max < 500:
            vx += (ax - vx) >> 2
            vy += (ay - vy) >> 2
            vz += (az - vz) >> 2
        else:
            vx += (ax - vx) >> 5
            vy += (ay - vy) >> 5
            vz += (az - vz) >> 5
        # keep it bounded (integer drift)
        if vx > 2000 or vx < -2000 or vy > 2000 or vy < -2000 or vz > 2000 or vz < -2000:
            vx = ax
            vy = ay
            vz = az
        self.vx = vx
        self.vy = vy
        self.vz = vz

    def _learn_flat(self, ax, ay, az, landed):
        if not _flat_like(az, self.a2):  # (no a2 local: the frame fits the C stack)
            return
        if not self.has_flat:
            self.fx = ax
            self.fy = ay
            self.fz = az
            self.has_flat = True
            return
        # same pose: refine slowly and trust it more. The sole flat on level ground gives one
        # pose, seated or standing; another flat-like pose is adopted at once if the foot was
        # put down into it (an impact), else (a crossed leg's hanging foot is quiet too) once
        # held longer the more the floor pose was seen and the less the foot moved since
        # (inline, not _same_pose: the call's 7-word stack would put this frame on the heap)
        dp = (az * self.fx - ax * self.fz) // 1000
        dr = (az * self.fy - ay * self.fz) // 1000
        if -_SAME_POSE < dp < _SAME_POSE and -_SAME_POSE < dr < _SAME_POSE:
            self.fx += (ax - self.fx) >> 3
            self.fy += (ay - self.fy) >> 3
            self.fz += (az - self.fz) >> 3
            if self._flat_seen < _FLAT_SEEN_MAX:
                self._flat_seen += 1
            if landed:  # put down into it: the floor, not a held pose
                self.held_floor = False
        elif landed or self.still_run >= _NEW_FLAT_BLOCKS + (self._flat_seen >> 2):
            self.held_floor = not landed
            self._bx = self.fx
            self._by = self.fy
            self._bz = self.fz
            self.fx = ax
            self.fy = ay
            self.fz = az
            self._flat_seen = 0
            self.flat_changes += 1

    def _back_to_floor(self, ax, ay, az):
        """Still in the floor pose from before a held one: that is the floor again."""
        if _same_pose(ax, ay, az, self._bx, self._by, self._bz):
            self.fx = self._bx
            self.fy = self._by
            self.fz = self._bz
            self.held_floor = False
            self._flat_seen = 0
            self.flat_changes += 1

    def on_floor(self):
        """The foot in its floor pose (within ~5 degrees)."""
        if not self.has_flat:
            return False
        pf = self.pitch_flat
        rf = self.roll_flat
        return -_ON_FLOOR < pf < _ON_FLOOR and -_ON_FLOOR < rf < _ON_FLOOR

    def gyro_corrected(self, gx, gy, gz):
        """Bias-corrected L1 norm of a raw gyro sample (ddps)."""
        return abs(gx - (self.bx16 >> 4)) + abs(gy - (self.by16 >> 4)) + abs(gz - (self.bz16 >> 4))
