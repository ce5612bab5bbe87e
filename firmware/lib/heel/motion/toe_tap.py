"""Toe taps: seated, the raised foot taps its toes on a step or stool, again and again.

A tap: the strongest of close impacts (but a hard landing stays the tap when a stronger
impact comes late enough to be a tap of its own: a jolt at the next lift's top), gentle (no
walking swing in the second before it; within a set, or once the foot was seen landing on a
raised surface, a brisker lift is allowed, but not a push-off right after a stance, as on
stairs), after the foot moved since the previous one, a contact (it stopped the foot coming
down: a strap jolted at the top of a lift is followed by the way down, or by a hover; a foot
tapping from below the step's top stops firmly on it, then goes back down; right
after a still moment it changed the foot's velocity as a landing does, where a kick setting
off from a hover only rings, and the kick's ringing is no tap either, nor is a lift-off that
sends the foot up faster than a landing stops; an impact after which the foot sped downward
is a kick too, one without a hover), after which the foot
leaves the surface again instead of
resting on it (a stomp or a step rests: the foot stays still), not among impacts as strong
as the taps (a jiggling heel hits the floor several times a second, so one as strong comes
again within 0.35 s, or two between taps) and not at the end of a swing that carried the
foot 10 cm forward but not 15 cm up onto the step (a heel-walk step; engine.dr).
A run starts a set when three taps come in a steady rhythm, with no step among them, on a
raised surface (tapping on the floor is a common fidget): their mean contact pose off the
floor pose, or one came down 4-45 cm above the floor the foot had just left (a flat rest on
the step between taps is no floor); its first taps count if they hit the same surface or
were seen landing on a raised one, and so does one tap before them (a slow start).
Within the set a tap counts if it keeps the set's rhythm, except a floor-pose tap far from
the set's pose when its taps are clearly on a raised surface; after the foot rested on the
floor the set must qualify again.
Decided 0.4 s after the impact (or at the next one), proposed at the impact's sample time.
Impacts are measured by the acceleration's second difference (engine.snap_max): a brisk
swing's 1-2 g change over 0.1-0.2 s is as large as a soft tap in the plain difference.

    det = ToeTapDetector()
    det.block(eng)     # once per 0.1 s block; proposes taps to eng.sets
"""

from heel.compat import const
from heel.motion.sets import KEY_TAP, KEY_WALK

_TAP_SNAP = const(180)  # mg, second difference: the toes hit the surface (engine.snap_max)
_TAP_SNAP_COARSE = const(100)  # ... within a set, in samples upsampled from 50 Hz (the host's
# analysis of another device's trace): a 10-30 ms impact falls between the coarse samples and
# reads about a third as large (median at a tap 342 against 1,140 mg), and half that again
# where a clock off by 0.3% has slid the coarse samples a quarter sample along the grid
_TAP_SNAP_COARSE_RUN = const(120)  # ... and outside a set, where the foot lands off the floor
# pose (pitched or rolled over 6 deg, as on a step): a foot tapping the floor, flat or heel
# down, still needs _TAP_SNAP to start a set (sim-b's heel-down toe tapping at 50 Hz made a
# 24-tap set at 120 mg; dead reckoning at 50 Hz had it landing 13-16 cm up)
_MIN_TAP_MS = const(380)  # a tap lifts the foot off the surface: at most ~2.6 per second
_OFF_FLOOR = const(87)  # 1000*sin(5 deg): pitch or roll away from the floor pose
_MAX_GYRO_1S = const(700)  # ddps (70 deg/s): taps are gentle; walking, jiggling are not
_MAX_GYRO_1S_SET = const(1500)  # ... within a set of taps, or on a step
_PUSH_OFF_BLOCKS = const(2)  # an impact within this many blocks of a stance: a push-off
_MIN_MOVED = const(100)  # ddps: the foot moved (lifted) since the previous tap
_DECIDE_MS = const(400)  # the foot left the surface again, or rested on it (a step's stance)
_STEP_TRAVEL = const(100)  # mm from the last still moment: a step, not a tap in place
_STEP_MS = const(1500)  # ... in a stretch no longer than a step's swing
_CLIMB_MM = const(150)  # ... that did not climb onto a stool (a stair's stance rests)
_MAX_STILL_AFTER = const(3)  # still blocks after the tap: the foot rests -> not a tap
_DECAY = const(300)  # per block, for the 1 s gyro envelope
_MAX_IV_MS = const(4000)  # taps further apart are not one run
_RHYTHM_LO_Q10 = const(4)  # an interval within 0.4-2.5x of the previous one: steady
_RHYTHM_HI_Q10 = const(25)
_SET_RHYTHM_Q10 = const(6)  # a tap in a set comes at least 0.6x its interval after the last
_RUN_OFF_FLOOR = const(110)  # 1000*sin(5 deg): mean |pitch|+|roll| of three taps
_KEEP_IMPACTS = const(8)  # impacts remembered (a power of 2)
_RING_MS = const(100)  # a tap's own ringing
_JOLT_Q10 = const(8)  # an impact at least 0.8x as strong as the taps ...
_MAX_JOLTS = const(2)  # ... this many between two taps: jiggling
_JIGGLE_WINDOW_MS = const(2000)  # looked back at most this far
_REBOUND_MS = const(350)  # ... or one as strong as the tap this soon after it
_SAME_SURFACE = const(200)  # |d pitch|+|d roll| (1000*sin) between taps on one surface
_RAISED_MM = const(40)  # height of a tap above the floor: a step or stool ...
_RAISED_MAX_MM = const(450)  # ... not a knee lifted high
_STILL_ABOVE_MM = const(60)  # a still foot this high is not on the floor (a stomp's landing
# may read 5 cm off: dead reckoning's own margin)
_SET_OFF_FLOOR = const(150)  # |pitch|+|roll| of the set's taps: clearly a raised surface
_FLOOR_REST_BLOCKS = const(5)  # still 0.5 s on the floor pose: resting on the floor
_LANDING_MM_S = const(50)  # the foot came down onto the surface (in the block before the
# contact: taps on a step read 6-19 cm/s; a foot rocking on its heel without a rest, 4)
_LIFT_MS = const(2500)  # an impact this soon after leaving the floor: its height is known
_REST_BLOCKS = const(15)  # still 1.5 s on the floor pose: the set must qualify again
_STOP_MM_S = const(30)  # a contact stops the foot coming down: its vertical velocity rises
# by this much from before the impact to the block after it (a tap: 15-70 cm/s, and the lift
# after it; a jolt of the strap at the top of a lift is followed by the way down)
_FIRM_MM_S = const(150)  # came down this fast and stopped: a tap, whatever jolts after it
# (and a stop this firm within the impact's own block is one, whatever the foot does next)
_DV_MM_S = const(40)  # ... or, after the foot was still (a slow set-down, not seen coming
# down), the impact changed its velocity by this much: a landing stops 10-70 cm/s
_LIFT_OFF_MM_S = const(500)  # ... or sent the foot up faster than this: a lift-off from the
# rest (a stomping foot's), no landing
_JUDGE_MM_S = const(900)  # ... unless the dead reckoning has the foot falling faster (drift)
_SPED_MM_S = const(150)  # an impact early in its block after which the foot sped downward by
# this much by the block's end: no landing (a landing stops the foot in 20-40 ms); the strap
# jolted as the foot set off down from the top of a lift
_EARLY_MS = const(50)  # ... at least this long before the block's end
_WEAK_Q = const(10)  # an impact under a tenth of the run's taps (their running mean), well
_EARLY_Q10 = const(8)  # before the next tap is due (0.8 of the interval): the foot stopping in
# the air (at the bottom of a low hover between taps: over 0.1 s or more), no contact with
# the step, which stops it in 10-30 ms (a soft tap's impact can be as weak, after a pause)
_BRIDGE_LO_Q10 = const(17)  # within a set, a tap 1.7-2.3 intervals after the last one, with
_BRIDGE_HI_Q10 = const(23)  # samples lost where the tap between was due: that tap counts too
# (a device's FIFO overflow drops 0.1-0.5 s of samples; an impact in them is not in the data)


def _propose(e, t):
    e.sets.candidate(KEY_TAP, t - 300, t, t + 200, 0)


def _l1(pitch, roll):
    """Size of a pose (or pose difference) against the floor pose: |pitch| + |roll|."""
    return (pitch if pitch > 0 else -pitch) + (roll if roll > 0 else -roll)


class ToeTapDetector:
    # the last stretch of samples the source lost, ms (class defaults: a detector that never
    # hears of one, as on a board whose FIFO never overflows, keeps its instance map small)
    _hole_from = -100000
    _hole_to = -100000
    _tap_mean = 0  # running mean of the run's taps' impacts (set by the first tap of a run)

    def __init__(self, coarse=False):
        self._coarse = coarse  # upsampled from a coarser rate: see _TAP_SNAP_COARSE
        self._last_tap = -10000
        self._pending = False
        self._t_tap = 0
        self._still_after = 0
        self._genv = 0  # decaying gyro peak envelope (~1 s)
        self._genv_before = 0
        self._moved = 0  # gyro peak since the previous tap
        self._moved_was = 0  # ... before the pending impact (which may be no tap)
        self._ring_end = -100000  # the ringing of the last impact found no contact ends
        self._t_decided = -100000  # the last tap decided
        self._step_t = -100000  # the last impact that ended a step
        self._t1 = -100000  # the last three accepted taps, newest first
        self._t2 = -200000
        self._t3 = -300000
        self._proposed = -100000  # the newest tap already proposed
        self._pend_size = 0
        self._off = 0  # the pending tap is off the floor pose (1) or on it (0)
        self._p1 = 0  # pose (pitch, roll against the floor pose) of the last three taps
        self._r1 = 0
        self._p2 = 0
        self._r2 = 0
        self._p3 = 0
        self._r3 = 0
        self._l1 = False  # ... and whether each landed on a raised surface (_landed_raised)
        self._l2 = False
        self._l3 = False
        self._pitch = 0  # pose against the floor pose at the pending tap
        self._roll = 0
        self._set_pitch = 0  # average pose of the running set's taps
        self._set_roll = 0
        self._rested = False  # the foot rested on the floor since the set's last tap
        self._floor_elev = 0  # elevation and time of the last rest on the floor
        self._floor_t = -100000
        self._elev_now = 0  # sensor height (engine.dr) at the end of this block and the last
        self._elev_before = 0
        self._lifted_to_step = False  # a tap soon after it landed on a raised surface
        self._lift_ok = False  # ... the pending tap did
        self._tap_size = 0  # the last decided tap's impact
        self._set_iv = 1000  # the set's tap interval, ms (smoothed)
        self._imp_t = [-100000] * _KEEP_IMPACTS  # the last impacts: times and sizes
        self._imp_j = [0] * _KEEP_IMPACTS
        self._imp_i = 0
        self._judge_i = -1  # the impact of the last block, judged in this one (or -1) ...
        self._judge_vz = 0  # ... by the vertical velocity coming into it, mm/s
        self._firm = False  # the pending impact was a hard landing (not to be replaced by a
        # later, stronger one that could be a tap of its own)
        self._vz_low = 0  # the lowest vertical velocity of the last block (start or end)
        self._prev_tap = -10000  # _last_tap before the pending impact
        self._was_t = -1  # the impact the pending one replaced (-1: none): time, size, ...
        self._was_size = 0
        self._was_pose = 0  # ... pitch, roll, off the floor and landed on a raised surface
        self._was_roll = 0
        self._was_off = 0
        self._was_lift = False

    def block(self, e):
        g = e.gyro_peak
        genv = self._genv - _DECAY
        self._genv_before = genv if genv > 0 else 0  # the envelope before this block
        self._genv = g if g > genv else genv
        if g > self._moved:
            self._moved = g
        p = e.posture
        if p.still_run >= _REST_BLOCKS and self._on_floor(p):
            self._rested = True
        dr = e.dr
        self._elev_before = self._elev_now
        self._elev_now = dr.elevation_mm
        if (
            p.still_run >= _FLOOR_REST_BLOCKS
            and self._on_floor(p)
            and dr.known
            and (
                e.t - self._floor_t > _LIFT_MS
                or dr.elevation_mm - self._floor_elev < _STILL_ABOVE_MM
            )
        ):
            # resting on the floor: the lift to the first impacts is measured from here (not
            # flat on the step between taps: well above the floor soon after leaving it; later
            # heights drift too far to say)
            self._floor_elev = dr.elevation_mm
            self._floor_t = e.t
            self._lifted_to_step = False
        i = self._judge_i
        if i >= 0:
            # did the last block's impact stop the foot coming down (or is it at rest now)?
            # if not, forget it
            self._judge_i = -1
            if dr.known and (
                (dr.run and self._judge_vz > -_JUDGE_MM_S and self._stopped(dr) < _STOP_MM_S)
                # (still now, but it did not come down into it: a strap jolt at the top of a
                # lift, the foot hovering after it)
                or (not dr.run and self._judge_vz > -_LANDING_MM_S)
                # (the foot was still just before it, and the impact's block left its velocity
                # within 4 cm/s of that: a landing stops 10-70 cm/s, even a set-down too slow
                # to be seen before; the strap rang as the foot set off from a hover, a kick)
                or (dr.run == 2 and -_DV_MM_S < dr.vz_before < _DV_MM_S)
                # (... or sent it up faster than any landing stops: a lift-off from the rest)
                or (dr.run == 2 and dr.vz_before > _LIFT_OFF_MM_S)
            ):
                self._imp_j[i] = 0
                if self._pending and self._imp_t[i] == self._t_tap:
                    self._not_a_contact()
            elif self._pending and self._imp_t[i] == self._t_tap:
                # a hard landing: the foot came down fast and stopped
                self._firm = self._judge_vz <= -_FIRM_MM_S and dr.vz - self._judge_vz >= _FIRM_MM_S
        size = e.snap_max
        snap = _TAP_SNAP
        if self._coarse and e.sets.key == KEY_TAP:
            snap = _TAP_SNAP_COARSE
        elif self._coarse and p.has_flat and _l1(p.pitch_flat, p.roll_flat) > _RUN_OFF_FLOOR:
            snap = _TAP_SNAP_COARSE_RUN
        if (
            size >= snap
            and dr.known
            and dr.run > 1
            and e.t - e.snap_t >= _EARLY_MS
            and dr.vz < dr.vz_before - _SPED_MM_S
        ):
            size = 0  # the foot sped downward after it: the strap jolted setting off down
        if size >= snap:
            i = self._imp_i
            self._imp_t[i] = e.snap_t
            self._imp_j[i] = size
            self._imp_i = (i + 1) & (_KEEP_IMPACTS - 1)
            if dr.known:
                # (an impact early in a block follows a contact in the block before)
                low = dr.vz if dr.vz < dr.vz_before else dr.vz_before
                self._judge_i = i
                self._judge_vz = low if low < self._vz_low else self._vz_low
        self._vz_low = dr.vz if dr.vz < dr.vz_before else dr.vz_before
        if (
            self._pending
            and size * 2 > self._pend_size * 3
            and not (self._firm and e.snap_t - self._last_tap >= _MIN_TAP_MS)
        ):
            # a bump (the foot brushing the step, lifting off), then the real contact: the
            # tap is the stronger one (the foot was seen coming down at the first)
            came_down = self._lift_ok
            self._swap_replaced()  # keep it: it is the tap again if this one is no contact
            self._contact(e, p, size, came_down)
        if self._pending:
            if p.still:
                self._still_after += 1
            if e.t - self._t_tap >= _DECIDE_MS:
                # (an impact soon after the tap, in this block, is judged first: a strap
                # jolted at the top of a quick lift is no jiggling heel's rebound)
                i = self._judge_i
                if i < 0 or self._imp_t[i] >= self._t_tap + _REBOUND_MS:
                    self._decide(e)
            elif size >= snap and e.snap_t - self._last_tap >= _MIN_TAP_MS:
                self._decide(e)  # quick taps: the next one came before the decision
            if self._pending:
                return
        if size < snap or e.snap_t - self._last_tap < _MIN_TAP_MS:
            return
        if e.snap_t < self._ring_end and size <= self._pend_size:
            return
        # within a set taps may be brisker (the set shows it is no walk or fidget)
        # (and so may the first taps after the foot was seen landing on a raised surface: the
        # lift from the floor onto the step swings it; not the push-off from a stance, a
        # stair's: the foot stood still just before it)
        raised = self._lifted_to_step or self._landed_raised(e, False)
        brisk = raised and e.dr.run > _PUSH_OFF_BLOCKS
        gentle = _MAX_GYRO_1S_SET if e.sets.key == KEY_TAP or brisk else _MAX_GYRO_1S
        if self._genv_before > gentle or self._moved < _MIN_MOVED:
            return  # a rejected bump does not hide the real tap right after it
        # a foot landing flat or heel-first slaps down, a brief spin in the impact's own
        # block: on a surface it was just seen to land above the floor (toes slapping the
        # floor with the heel down spin it too)
        if self._genv > gentle and not raised:
            return
        self._moved_was = self._moved
        self._moved = 0
        self._pending = True
        self._still_after = 0
        self._prev_tap = self._last_tap
        self._was_t = -1
        self._contact(e, p, size, False)

    def _not_a_contact(self):
        """The pending impact did not stop the foot coming down (the strap jolted at the top
        of a lift, say): no tap, and no bar to a tap right after it; if it replaced an
        impact as the stronger one, that one is the tap again."""
        if self._was_t >= 0:
            self._swap_replaced()
            self._last_tap = self._t_tap
            self._was_t = -1
            return
        self._pending = False
        self._last_tap = self._prev_tap
        self._ring_end = self._t_tap + _RING_MS  # (its ringing is no tap either, but a
        # stronger impact is: a bump, then the contact; _pend_size keeps its size)
        if self._moved_was > self._moved:
            self._moved = self._moved_was  # (the lift before it still leads to the next tap)

    def _swap_replaced(self):
        """Exchange the pending impact with the one it replaced (_contact sets all six)."""
        self._t_tap, self._was_t = self._was_t, self._t_tap
        self._pend_size, self._was_size = self._was_size, self._pend_size
        self._pitch, self._was_pose = self._was_pose, self._pitch
        self._roll, self._was_roll = self._was_roll, self._roll
        self._off, self._was_off = self._was_off, self._off
        self._lift_ok, self._was_lift = self._was_lift, self._lift_ok

    def _contact(self, e, p, size, came_down):
        """The pending tap is this block's impact: where and how the foot landed."""
        self._t_tap = e.snap_t
        self._last_tap = e.snap_t
        self._pend_size = size
        self._firm = False  # (judged in the next block)
        # landed flat: the floor, not a raised surface (judged over the run, in _accept)
        self._off = 0 if self._on_floor(p) else 1
        self._pitch = p.pitch_flat
        self._roll = p.roll_flat
        self._lift_ok = self._landed_raised(e, came_down)

    def _landed_raised(self, e, came_down):
        """Soon after the foot left the floor the integration has not drifted far yet: the
        height this impact landed at above that floor says whether it is a raised surface
        (a contact stops a foot moving down; a foot leaving the floor jolts too, upward).
        came_down: a bump just before this contact found the foot moving down (this block's
        velocity is the stopped foot's)."""
        dr = e.dr
        lift = dr.elevation_mm - self._floor_elev
        return (
            dr.known
            and e.t - self._floor_t <= _LIFT_MS
            and _RAISED_MM <= lift <= _RAISED_MAX_MM
            and (came_down or dr.vz_before < -_LANDING_MM_S or self._hovered(dr))
        )

    def _stopped(self, dr):
        """How much the last block's impact slowed the foot coming down: its velocity by the
        end of this block against the lowest just before it (after a tap the foot lifts; a
        jolt at the top of a lift is followed by the way down), or by the end of the
        impact's own block, if the foot was seen coming down and that block stopped it firmly
        (a foot tapping from below the step's top goes back down soon after the stop; a
        drifting integration's fall jumps by 10 cm/s from block to block too)."""
        v = dr.vz
        if self._judge_vz <= -_LANDING_MM_S and dr.vz_before - self._judge_vz >= _FIRM_MM_S:
            v = dr.vz_before if dr.vz_before > v else v
        return v - self._judge_vz

    def _hovered(self, dr):
        """The foot was still a moment ago, already above the floor: it hovered over the step
        and set down too slowly to be seen coming down (not a lift-off jolt from the floor)."""
        return dr.run == 1 and self._elev_before - self._floor_elev >= _STILL_ABOVE_MM

    def _decide(self, e):
        self._pending = False
        t = self._t_tap
        # a heel-walk step is an impact too, but it carried the foot forward to a stance
        dr = e.dr
        # (a swing, 0.3-1 s: a long stretch of taps drifts by more than a step)
        # (not one that climbed onto a stool: heel-walk strides drift up 10 cm at most)
        if (
            dr.stretch_over(t)
            and dr.found_travel_mm >= _STEP_TRAVEL
            and dr.found_ms <= _STEP_MS
            and dr.found_rise_mm < _CLIMB_MM
        ):
            self._step_t = t
            self._t_decided = t  # (its ringing is no jolt of a jiggle either)
            return
        if self._still_after < _MAX_STILL_AFTER and e.sets.key != KEY_WALK:
            self._accept(e, t, self._off)
        self._t_decided = t

    def _jiggle(self, t):
        """More impacts than taps: two or more impacts about as strong as the taps between
        the previous tap and this one, or one as strong as this tap within 0.35 s after it
        (a jiggling heel hits the floor 3-6 times a second; a tapping foot's bumps, lifting
        off and brushing the surface, are weaker)."""
        ref = (self._pend_size + self._tap_size) >> 1
        # (since the last tap decided, counted or not: a missed tap is no jolt)
        t0 = self._t_decided
        lo = t0 if t - t0 < _JIGGLE_WINDOW_MS else t - _JIGGLE_WINDOW_MS
        own = self._pend_size * _JOLT_Q10
        n = 0
        after = 0
        for i in range(_KEEP_IMPACTS):
            ti = self._imp_t[i]
            if lo + _RING_MS < ti < t - _RING_MS and self._imp_j[i] * 10 >= ref * _JOLT_Q10:
                n += 1
            # a tapping foot lifts off gently; a jiggling heel hits the floor again soon
            if t + _RING_MS < ti < t + _REBOUND_MS and self._imp_j[i] * 10 >= own:
                after += 1
        return n >= _MAX_JOLTS or after > 0

    def hole(self, t_from, t_to):
        """The source lost its samples from t_from to t_to (ms; Engine.hole, Engine.gap)."""
        self._hole_from = t_from
        self._hole_to = t_to

    def _bridged(self, t, iv):
        """A set's tap at t, iv after the last: did a tap between fall where samples were lost?"""
        set_iv = self._set_iv
        if iv * 10 < set_iv * _BRIDGE_LO_Q10 or iv * 10 > set_iv * _BRIDGE_HI_Q10:
            return False
        # (the lost stretch overlaps the middle of the interval, where the tap was due)
        half = set_iv >> 1
        return self._hole_from < t - half and self._hole_to > self._proposed + half

    def _due_iv(self, e):
        """The interval the next tap is due after: the set's, or the run's last one."""
        return self._set_iv if e.sets.key == KEY_TAP else self._t1 - self._t2

    def _on_floor(self, p):
        if not p.has_flat:
            return False
        if -_OFF_FLOOR < p.pitch_flat < _OFF_FLOOR:
            return -_OFF_FLOOR < p.roll_flat < _OFF_FLOOR
        return False

    def _accept(self, e, t, off):
        """A decided tap: start a set from a steady run off the floor, or add to the set."""
        # a jiggling heel hits the floor several times a second: more impacts than taps
        jiggle = self._jiggle(t)
        size = self._pend_size
        self._tap_size = size
        if jiggle:
            return
        mean = self._tap_mean
        if t - self._t1 > _MAX_IV_MS:
            self._tap_mean = size  # (a new run)
        elif size * _WEAK_Q < mean and (t - self._t1) * 10 < self._due_iv(e) * _EARLY_Q10:
            return
        else:
            # (a jolt counted as a tap counts as at most 4x the mean: it moves it by 3/4 at most)
            self._tap_mean += ((size if size < 4 * mean else 4 * mean) - mean) >> 2
        # after a pause longer than any interval between taps the foot did something else
        # (crossed the legs, fidgeted): the set and its surface must show themselves again
        paused = t - self._proposed >= _MAX_IV_MS
        if t - self._t1 > _MAX_IV_MS or (paused and e.sets.key == KEY_TAP):
            self._lifted_to_step = False
        in_set = e.sets.key == KEY_TAP and not self._rested and not paused
        if self._lift_ok:
            self._lifted_to_step = True
        t1 = self._t1
        t2 = self._t2
        t3 = self._t3
        # the first two taps of a run count too if they hit the same surface or were seen
        # landing on a raised one (lifting the foot off the floor can jolt like a tap), and so
        # does a tap before them when a set starts slowly (one tap, a pause, then the rhythm)
        same1 = self._l1 or _l1(self._p1 - self._pitch, self._r1 - self._roll) < _SAME_SURFACE
        same2 = self._l2 or _l1(self._p2 - self._pitch, self._r2 - self._roll) < _SAME_SURFACE
        same3 = self._l3 or _l1(self._p3 - self._pitch, self._r3 - self._roll) < _SAME_SURFACE
        # the run's mean contact pose: off the floor pose on a raised surface
        mp = self._pitch + self._p1 + self._p2
        mr = self._roll + self._r1 + self._r2
        # ... or one of them came down above the floor the foot had just left (dead reckoning;
        # later heights drift too far: a fidgeting foot's once read 30 cm up)
        off_run = _l1(mp, mr) > 3 * _RUN_OFF_FLOOR or self._lifted_to_step
        self._t3 = t2
        self._t2 = t1
        self._t1 = t
        self._p3 = self._p2
        self._r3 = self._r2
        self._p2 = self._p1
        self._r2 = self._r1
        self._p1 = self._pitch
        self._r1 = self._roll
        self._l3 = self._l2
        self._l2 = self._l1
        self._l1 = self._lift_ok
        iv = t - t1
        iv_prev = t1 - t2
        if in_set:
            if (t - self._proposed) * 10 < self._set_iv * _SET_RHYTHM_Q10:
                return  # much quicker than the set's taps: a jiggle or a bump, not a tap
            # within a set a tap counts, on the floor pose too unless the set's taps are
            # clearly on a raised surface
            if (
                not off
                and _l1(self._set_pitch, self._set_roll) > _SET_OFF_FLOOR
                and _l1(self._pitch - self._set_pitch, self._roll - self._set_roll) > _SAME_SURFACE
            ):
                return  # (the foot came down to the floor, not a flatter tap on the step)
            iv = t - self._proposed
            if self._bridged(t, iv):
                _propose(e, self._proposed + (iv >> 1))
                iv = iv >> 1
            if iv < _MAX_IV_MS:
                # a hesitation slows the set's pace a little, not to its own
                iv = iv if 2 * iv < 3 * self._set_iv else (3 * self._set_iv) >> 1
                self._set_iv += (iv - self._set_iv) >> 2
            _propose(e, t)
            self._proposed = t
            self._set_pitch += (self._pitch - self._set_pitch) >> 2
            self._set_roll += (self._roll - self._set_roll) >> 2
            return
        if iv > _MAX_IV_MS or iv_prev > _MAX_IV_MS:
            return
        if iv * 10 < iv_prev * _RHYTHM_LO_Q10 or iv * 10 > iv_prev * _RHYTHM_HI_Q10:
            return
        if not off_run:
            return
        if self._step_t >= t2:
            return  # a step among them: walking (the other foot's strikes jolt this one)
        if t3 > self._proposed and t2 - t3 <= _MAX_IV_MS and same3 and self._step_t < t3:
            _propose(e, t3)
        if t2 > self._proposed and same2:
            _propose(e, t2)
        if t1 > self._proposed and same1:
            _propose(e, t1)
        _propose(e, t)
        self._proposed = t
        # the quicker of the run's two intervals (a set often starts slowly)
        self._set_iv = iv if iv < iv_prev else iv_prev
        self._set_pitch = mp // 3
        self._set_roll = mr // 3
        self._rested = False
