"""Heel-walk steps of the sensor foot: heel strikes while walking with the toes lifted.

A step: an impact (heel strike) that ended a stretch of motion which carried the foot
forward 8 cm or more on level ground (dead reckoning, engine.dr: the other foot's strike,
felt through the body, and a tap in place carry it nowhere; of two strikes in one stretch
the later ended it), with the foot pitched toes-up against its floor pose in the stance that
follows (0.1-0.4 s after the strike) and no push-off plantarflexion in the stride before it.
Normal walking fails on the last two: its stance is flat and its toe-off pitches the foot
30-50 degrees nose-down. A walk's first step may follow a pushed-off stride (the last of a
normal walk): it counts once the next step confirms the heel walk. The heel bears weight in
the stance: it rocks at most 140 deg/s
(leaving out a pivot about the vertical), 200 deg/s in the stride's rhythm or when the
stretch went a full heel-walk step (15-90 cm). The step is proposed once the stretch is
measured (0.4-1 s after the strike), at the strike's sample time. Within a heel walk a brisk
walker's heel may never be still in the stance: a strike one stride after the last step
(0.75-1.35 strides; the other foot's comes at half a stride) counts then without the travel.
A step two strides after the last, with samples lost (hole) where the step between was due,
counts that one too. A strike whose stance shows no still moment and that is not in the
stride's rhythm (the walk has no stride yet, or a hesitation came before it) is remembered;
when a later step's stretch is measured and began before it, it counts too if that stretch
went a full step (15 cm) but less than a walking stride (90 cm) for each strike in it, on
the level, about a stride apart (not within a toe-tap set: heel-first taps on a step are
toes-up too, and rise and drift in place).

    det = HeelWalkDetector()
    det.block(eng)     # once per 0.1 s block; proposes steps to eng.sets
"""

from heel.compat import const
from heel.motion.imath import isqrt_near, peak_less_spin
from heel.motion.sets import KEY_TAP, KEY_WALK

_STRIKE_JERK = const(750)  # mg: a heel strike
_STRIKE_JERK_WALKING = const(550)  # ... within a heel walk (a step in the last stride or so)
_COARSE_Q10 = const(6)  # both x0.6 in samples upsampled from 50 Hz (the host's analysis of
# another device's trace): a strike's 20-30 ms jolt falls between the coarse samples (median
# 0.68x, tenth percentile 0.44x of the same strike at 100 Hz)
_MIN_STEP_MS = const(350)  # between two strikes of the same foot
_TOES_UP = const(-52)  # 1000*sin(-3 deg): stance pitch must be below this
_MAX_PUSH = const(150)  # 1000*sin(8.6 deg): no nose-down push-off in the stride
_MAX_SWING = const(4500)  # ddps: beyond this it is running or stamping
_MAX_STANCE_GYRO = const(1400)  # ddps: the heel bears weight after the strike (a bounce spins;
# a turn pivots on the heel about the vertical, which does not count: _rocking)
_MAX_STANCE_GYRO_WALKING = const(2000)  # ... in a running walk, in the stride's rhythm
_PITCH_DECAY = const(30)  # per block: the stride's pitch/gyro maxima forget in ~1.5 s
_GYRO_DECAY = const(150)
_MAX_STRIDE_MS = const(2500)  # a longer wait between steps ends the walk
_CHECK_FROM = const(100)  # ms after the strike: stance window start
_CHECK_TO = const(400)  # ms after the strike: decision
_FIRST_STRIDE_MAX = const(1500)  # ms: the first stride estimate is at most this
_AWAIT_STANCE_MS = const(1000)  # ms after the strike: the stretch has ended by then
_RING_MS = const(150)  # a strike's own ringing and bounce
_MIN_TRAVEL = const(80)  # mm: a heel-walk step carries the foot 15-50 cm (read as 9 cm and up)
_MAX_RISE = const(150)  # mm: ... on level ground (a stair is 15-19 cm)
_GAIT_PAUSE_MS = const(1500)  # no strike for this long: the strikes' size is forgotten
_OTHER_FOOT_Q10 = const(6)  # a strike before 0.6 stride after our step: the other foot
_UNMEASURED = const(3)  # strikes remembered within one unmeasured stretch
_STRIDE_TRAVEL = const(150)  # mm: ... if the stretch went a full heel-walk step for each, on
# the level (toe taps on a step, heel first, rise and drift about in place)
_WALK_STRIDE = const(900)  # mm: ... but less than a normal walk's stride for each (1-1.6 m;
# a heel-walk step is at most 0.5 m, read up to 0.6 m)
_MIN_STRIDE_MS = const(700)  # ... at most 130 steps/min, one stride 0.92 s (less a margin)
_SWING_MS = const(300)  # ... each ending a swing (the other foot's strikes as ours sets off
# come just after the stretch began)


class HeelWalkDetector:
    # the last stretch of samples the source lost, ms (class defaults, as in ToeTapDetector)
    _hole_from = -100000
    _hole_to = -100000

    def __init__(self, coarse=False):
        # (a strike in samples upsampled from a coarser rate reads weaker: see _COARSE_Q10)
        q = _COARSE_Q10 if coarse else 10
        self._strike = _STRIKE_JERK * q // 10
        self._strike_walking = _STRIKE_JERK_WALKING * q // 10
        self._last_strike = -10000
        self._prev_strike = -10000  # this foot's strike before the last one
        self._pushed = False  # the awaited strike's stride pushed off, no step before it
        self._held = 0  # a first step held until the next confirms the heel walk, or 0
        self._pending = False
        self._t_strike = 0
        self._sum = 0
        self._cnt = 0
        self._stride_max_pitch = -1000
        self._stride_gmax = 0
        self._prev_max_pitch = 0
        self._prev_gmax = 0
        self._stance_gmax = 0
        self._pend_jerk = 0
        self._stride = 0  # ms between this foot's steps (running mean), 0 = not walking yet
        self.last_step = -100000  # time of the last step (proposed, or held: see _step)
        self._ref_jerk = 0  # decaying peak of recent strike impacts
        self._await_t = 0  # a strike waiting for the stretch it ended to be measured
        self._impact_t = -100000  # the last strike-sized impact
        # strikes that passed the stance tests but whose stretch ran on (the heel never
        # still): counted once a later step's stretch shows they were inside it
        self._unmeasured = [0] * _UNMEASURED
        self._rocked = False  # the strike's stance rocked more than a heel's usually does

    def block(self, e):
        p = e.posture
        if not p.has_flat:
            return
        if self._await_t:
            self._travelled(e)
        self._ref_jerk -= self._ref_jerk >> 6  # old impacts fade (~6 s)
        pitch = p.pitch_flat
        m = self._stride_max_pitch - _PITCH_DECAY
        self._stride_max_pitch = pitch if pitch > m else m
        g = self._stride_gmax - _GYRO_DECAY
        if e.dr.run == 0 and e.dr.known and e.t - self._impact_t > _GAIT_PAUSE_MS:
            g = 0  # (still, and no strike for a while: the walk's swings are over; a walk's
            # last swing, fading, was taken for a running stride before a heel walk's first)
        self._stride_gmax = e.gyro_peak if e.gyro_peak > g else g
        jerk = e.jerk_max
        if jerk >= self._strike:
            if e.jerk_t - self._impact_t > _GAIT_PAUSE_MS:
                # (no strike for a while: the walk that struck so hard has paused, and a heel
                # walk's first, softer strikes are no other foot's)
                self._ref_jerk = 0
            self._impact_t = e.jerk_t
        if self._pending and jerk >= self._strike:
            # a much stronger impact soon after, or any clear one after a strike too early
            # for our stride: that one is this foot's (the first was the other foot's, felt
            # through the body)
            if jerk * 2 > self._pend_jerk * 3 or (
                jerk * 20 >= self._ref_jerk * 7 and self._early(self._t_strike)
            ):
                self._start(e, jerk, pitch, False)
                return
        if self._pending:
            dt = e.t - self._t_strike
            if dt >= _CHECK_FROM:
                self._sum += pitch
                self._cnt += 1
                g = _rocking(e)
                if g > self._stance_gmax:
                    self._stance_gmax = g
            if dt < _CHECK_TO:
                return
            self._pending = False
            self._decide(e)  # and this block's impact may be the next strike
        # the other foot's strikes reach this one too, weaker: compare with recent strikes
        # (within a walk a softer strike is one too: the stride's timing and the travel tell
        # it from the other foot's; soft heel contacts read 550-750 mg)
        walking = e.jerk_t - self.last_step <= _MAX_STRIDE_MS
        strike = self._strike_walking if walking else self._strike
        if (
            jerk >= strike
            and jerk * 20 >= self._ref_jerk * 7
            and e.jerk_t - self._last_strike >= _MIN_STEP_MS
            and not self._early(e.jerk_t)
        ):
            self._start(e, jerk, pitch, True)

    def _early(self, t):
        """Within a walk, a strike about half a stride after our last step is the other foot's."""
        since = t - self.last_step
        return since <= _MAX_STRIDE_MS and since * 10 < self._stride * _OTHER_FOOT_Q10

    def _start(self, e, jerk, pitch, new_stride):
        r = self._ref_jerk - (self._ref_jerk >> 3)
        self._ref_jerk = jerk if jerk > r else r
        self._pending = True
        self._pend_jerk = jerk
        self._t_strike = e.jerk_t
        if new_stride:
            self._prev_strike = self._last_strike
        self._last_strike = e.jerk_t
        self._sum = 0
        self._cnt = 0
        self._stance_gmax = 0
        if new_stride:
            self._prev_max_pitch = self._stride_max_pitch
            self._prev_gmax = self._stride_gmax
            self._stride_max_pitch = pitch
            self._stride_gmax = 0

    def _decide(self, e):
        t = self._t_strike
        since = t - self.last_step
        walking = since <= _MAX_STRIDE_MS
        if self._cnt == 0 or self._sum // self._cnt > _TOES_UP:
            return
        # the push-off test needs a stride before: the first step may follow anything, but
        # after a stride with a push-off (a normal walk's: a walker whose stance is toes-up
        # passed as a first step every 2.5 s) it is held until the next step confirms the
        # heel walk (a step after a held one is a first step too)
        walking = walking and not (self._held and self._held == self.last_step)
        if walking and self._prev_max_pitch > _MAX_PUSH:
            return
        self._pushed = (
            not walking
            and t - self._prev_strike <= _MAX_STRIDE_MS
            and self._prev_max_pitch > _MAX_PUSH
        )
        # no running or stamping swing in the stride before it
        if self._prev_gmax > _MAX_SWING:
            return
        # (within a walk, in the stride's rhythm, a brisk walker's heel rocks more; out of it,
        # a stance rocking as much counts if the stretch it ended went a full heel-walk step)
        g = self._stance_gmax
        self._rocked = False
        if g > _MAX_STANCE_GYRO and not (g <= _MAX_STANCE_GYRO_WALKING and self._in_stride(t)):
            if g > _MAX_STANCE_GYRO_WALKING:
                return
            self._rocked = True
        # the travel is known once the stance has been still for a moment (at a quick
        # cadence that may take a few more blocks)
        self._await_t = t
        self._travelled(e)

    def _travelled(self, e):
        """The foot came to rest on its heel after travelling a step: the stretch of motion
        that ended in this stance began before the strike and carried the foot forward (the
        other foot's strike, a tap or a stamp in place carry it nowhere)."""
        t = self._await_t
        dr = e.dr
        if not dr.stretch_over(t):
            if e.t - t > _AWAIT_STANCE_MS or not dr.known or dr.start_t >= t:
                self._await_t = 0  # no stretch will end over this strike
                if self._in_stride(t):
                    self._step(e, t)
                elif dr.known and t - dr.start_t >= _SWING_MS and e.sets.key != KEY_TAP:
                    self._remember(t)
            return
        self._await_t = 0
        d = dr.found_travel_mm
        if d < _MIN_TRAVEL or (self._rocked and not _STRIDE_TRAVEL <= d <= _WALK_STRIDE):
            return
        # the swing ends at its strike: a later one in the same stretch was this foot's
        # (this one the other foot's, felt through the body while this foot moved on)
        if t + _RING_MS < self._impact_t < dr.found_end_t:
            t = self._impact_t
        if t <= self.last_step:
            return  # that strike is a step already
        rise = level_rise_mm(dr.found_ms)
        if not -rise < dr.found_rise_mm < rise and not (
            dr.found_ms * 2 > self._stride * 3 and self._in_stride(t)
        ):
            return
        self._steps_within(e, dr, t)
        self._step(e, t, self._pushed)

    def _remember(self, t):
        """A strike in a stretch still running (the oldest is forgotten when full)."""
        u = self._unmeasured
        i = 0
        while i < _UNMEASURED - 1 and u[i]:
            i += 1
        if u[i]:
            for j in range(_UNMEASURED - 1):
                u[j] = u[j + 1]
        u[i] = t

    def _steps_within(self, e, dr, t):
        """A step's stretch began before strikes that passed the stance tests but were not
        measured (a brisk heel walk whose heel is never still for a moment, before its
        stride is known or after a hesitation): the foot travelled on through them, so each
        was a step if the stretch went a full step for every strike in it, but not a normal
        walk's stride, on the level, in a heel walk's rhythm (toe taps on a step, heel
        first, rise and drift about in place, quicker)."""
        u = self._unmeasured
        start = dr.found_end_t - dr.found_ms
        n = 0
        prev = self.last_step
        even = True
        for i in range(_UNMEASURED):
            if start < u[i] < t and u[i] > prev:
                n += 1
                even = even and u[i] - prev >= _MIN_STRIDE_MS
                prev = u[i]
        d = dr.found_travel_mm
        if (
            n
            and even
            and t - prev >= _MIN_STRIDE_MS
            and dr.found_ms <= _FIRST_STRIDE_MAX * (n + 1)
            and _STRIDE_TRAVEL * (n + 1) <= d <= _WALK_STRIDE * (n + 1)
            and -d <= dr.found_rise_mm * 4 <= d
        ):
            for i in range(_UNMEASURED):
                if start < u[i] < t and u[i] > self.last_step:
                    self._step(e, u[i])
        for i in range(_UNMEASURED):
            u[i] = 0

    def _in_stride(self, t):
        """Within a heel walk (from its second step, which gave the stride: the set need not
        be recognised yet), a strike one stride after the last step: a brisk walker's heel
        may never be still for a moment, so its stretch is not measured (or runs over two
        strides and drifts), and the stride's timing tells it from the other foot's strike
        (half a stride) instead."""
        since = t - self.last_step
        s = self._stride
        return s > 0 and since * 4 >= s * 3 and since * 20 <= s * 27

    def hole(self, t_from, t_to):
        """The source lost its samples from t_from to t_to (ms; Engine.hole, Engine.gap)."""
        self._hole_from = t_from
        self._hole_to = t_to

    def _step(self, e, t, held=False):
        since = t - self.last_step
        walking = since <= _MAX_STRIDE_MS
        if self._held and self._held == self.last_step and walking and not held:
            # the held first step: this one confirms the heel walk
            e.sets.candidate(KEY_WALK, self._held - 400, self._held, self._held + 300, 0)
        self._held = 0
        if walking and self._stride:
            if since * 10 >= self._stride * 16 and since * 10 <= self._stride * 26:
                since >>= 1  # two strides: a step between was missed (not a slower pace)
                half = self._stride >> 1
                if self._hole_from < t - half and self._hole_to > self.last_step + half:
                    # ... where the source lost samples: it counts
                    mid = self.last_step + since
                    e.sets.candidate(KEY_WALK, mid - 400, mid, mid + 300, 0)
            self._stride += (since - self._stride) >> 2
        elif walking:  # a hesitation before the second step must not set a long stride
            self._stride = since if since < _FIRST_STRIDE_MAX else _FIRST_STRIDE_MAX
        self.last_step = t
        if held:
            self._held = t
            return
        e.sets.candidate(KEY_WALK, t - 400, t, t + 300, 0)


def level_rise_mm(ms):
    """The most a stretch of ms on level ground may read as rising or falling: 15 cm (a
    stair is 15-19 cm) up to 1 s, growing with the square of the length beyond (the
    integration's error does: a first step after a slow rock back onto the heels read 17 and
    21 cm down in 1.4 s)."""
    d = ms // 10 if ms > 1000 else 100
    return _MAX_RISE * d // 100 * d // 100


def _rocking(e):
    """The block's peak turning rate less its turn about the vertical: a foot turning on its
    heel in the stance does not rock (imath.peak_less_spin). A pivot that starts or stops
    within the block peaks well above its mean: when the block's mean rate is mostly about
    the vertical and a good part of the peak, the peak shrinks by the share of the mean
    rate that is not (a bounce rocks about a horizontal axis)."""
    peak = e.gyro_peak
    r = peak_less_spin(peak, e.ax, e.ay, e.az, e.gx_c, e.gy_c, e.gz_c)
    if r == peak:
        return r  # a jolted block, or no turn about the vertical
    wx = e.gx_c >> 3  # (1/8 ddps: the squares stay below 2**30)
    wy = e.gy_c >> 3
    wz = e.gz_c >> 3
    if ((wx if wx > 0 else -wx) + (wy if wy > 0 else -wy) + (wz if wz > 0 else -wz)) * 32 < peak:
        return r  # the mean is a small part of the peak: it says little about the peak
    a = isqrt_near(e.ax * e.ax + e.ay * e.ay + e.az * e.az, 1000)  # (about 1 g)
    up = (wx * e.ax + wy * e.ay + wz * e.az) // a
    w2 = wx * wx + wy * wy + wz * wz
    # the share of the mean rate across the vertical, squared (Q10), and its root (Q10)
    q = (w2 - up * up) // ((w2 >> 10) or 1)
    q = 0 if q < 0 else (1024 if q > 1024 else q)
    shrunk = (peak * isqrt_near(q << 10, 512)) >> 10
    return shrunk if shrunk < r else r
