"""The motion engine: 100 Hz foot-frame samples in, exercise events out.

Per sample it only accumulates block aggregates (sums, peak jerk, peak gyro); every 10
samples (0.1 s) it updates the posture and runs the four detectors, which propose reps to
the set tracker. Integers only and preallocated state: `feed` allocates nothing.

    from heel.motion.engine import Engine
    eng = Engine(listener)          # listener(kind, exercise, t_ms, value); see events.py
    eng.feed(ax, ay, az, gx, gy, gz)   # ints, foot frame: accel mg, gyro 0.1 deg/s
    eng.gap(n)                         # n samples were lost (FIFO overflow)
    eng.finish()                       # end of data: close the running set
    eng.exercise, eng.count, eng.hold_ms   # live state for feedback

Time `t_ms` is engine time: samples fed (and lost) x 10 ms since the engine started.
"""

from heel.compat import const, micropython
from heel.motion.accumulate import (
    BIAS,
    BLOCK,
    BX,
    FIRST,
    GDIFF,
    GPK,
    JMAX,
    JN,
    SAX,
    SMAX,
    SN,
    K,
    feed_sample,
    new_state,
    reset_block,
)
from heel.motion.ankle_circle import AnkleCircleDetector
from heel.motion.deadreckon import DeadReckon
from heel.motion.heel_raise import HeelRaiseDetector
from heel.motion.heel_walk import HeelWalkDetector
from heel.motion.posture import Posture
from heel.motion.sets import KEY_TAP, SetTracker
from heel.motion.toe_tap import ToeTapDetector

RATE_HZ = const(100)
SAMPLE_MS = const(10)
_RESET_GAP = const(50)  # a longer gap (0.5 s) restarts the detectors


def _ignore(kind, exercise, t_ms, value):
    pass


class Engine:
    # the samples were upsampled from a coarser rate (source_rate; a class default, so the
    # board's engine, which never calls it, keeps its instance attributes as they were)
    _coarse = False

    def __init__(self, listener=None):
        self._listener = listener or _ignore
        self.sets = SetTracker(self._listener)
        self.posture = Posture()
        self.dr = DeadReckon()  # where the foot went between rests and contacts
        self._new_detectors()
        self._st = new_state()  # per-sample accumulators (see accumulate.py)
        self.n = 0  # samples since start (including lost ones)
        self.t = 0  # ms at the end of the last block
        # block results read by the detectors
        self.ax = 0
        self.ay = 0
        self.az = 1000
        self.gx_c = 0
        self.gy_c = 0
        self.gz_c = 0
        self.jerk_max = 0
        self.jerk_t = 0
        self.snap_max = 0
        self.snap_t = 0
        self.gyro_peak = 0

    def _new_detectors(self):
        self.raise_det = HeelRaiseDetector()
        self.walk_det = HeelWalkDetector(self._coarse)
        self.tap_det = ToeTapDetector(self._coarse)
        self.circle_det = AnkleCircleDetector()

    @property
    def exercise(self):
        return self.sets.exercise

    @property
    def count(self):
        return self.sets.count

    @property
    def hold_ms(self):
        return self.raise_det.hold_ms

    @property
    def t_ms(self):
        return (self.n + self._st[K]) * SAMPLE_MS

    # feed(ax, ay, az, gx, gy, gz): the viper step in accumulate.py run as this method (a
    # bytecode feed needs a heap frame per sample in MicroPython: tests/test_frames.py)
    feed = feed_sample

    @micropython.native
    def _block(self):
        st = self._st
        p = self.posture
        self.n += BLOCK
        self.t = self.n * SAMPLE_MS
        self.ax = (st[SAX] - BIAS) // BLOCK
        self.ay = (st[SAX + 1] - BIAS) // BLOCK
        self.az = (st[SAX + 2] - BIAS) // BLOCK
        gx = (st[SAX + 3] - BIAS) // BLOCK
        gy = (st[SAX + 4] - BIAS) // BLOCK
        gz = (st[SAX + 5] - BIAS) // BLOCK
        jmax = st[JMAX]
        self.jerk_max = jmax
        self.jerk_t = (self.n - BLOCK + 1 + st[JN]) * SAMPLE_MS
        self.snap_max = st[SMAX]
        self.snap_t = (self.n - BLOCK + 1 + st[SN]) * SAMPLE_MS
        gpk = st[GPK]
        self.gyro_peak = gpk
        p.update(self.ax, self.ay, self.az, gx, gy, gz, jmax, st[GDIFF], gpk)
        bx = p.bx16 >> 4
        by = p.by16 >> 4
        bz = p.bz16 >> 4
        st[BX] = bx + BIAS
        st[BX + 1] = by + BIAS
        st[BX + 2] = bz + BIAS
        self.gx_c = gx - bx
        self.gy_c = gy - by
        self.gz_c = gz - bz
        self.dr.block(
            self.t,
            self.ax,
            self.ay,
            self.az,
            self.gx_c,
            self.gy_c,
            self.gz_c,
            gpk,
            jmax,
            1 + p.still_run if p.still else 0,
            p.still_run if p.still and p.on_floor() else 0,
        )
        self.raise_det.block(self)
        p.hold_flat = self.raise_det.up
        p.in_air = self.sets.key >= KEY_TAP  # toe taps, circles: the foot is held up
        self.walk_det.block(self)
        self.tap_det.block(self)
        self.circle_det.block(self)
        if not self.raise_det.busy():  # a long hold is not a pause
            self.sets.tick(self.t)
        reset_block(st)

    def source_rate(self, hz):
        """The samples were measured at hz and upsampled to 100 Hz (the host analysing another
        device's trace; the board never calls this): below 75 Hz a short impact falls between
        samples and reads weaker, and the heel strikes' and (within a set, or landing off the
        floor pose) the toe taps' thresholds follow."""
        self._coarse = hz * 4 < RATE_HZ * 3
        self.walk_det = HeelWalkDetector(self._coarse)
        self.tap_det = ToeTapDetector(self._coarse)

    def hole(self, n):
        """The next n samples were interpolated across samples the source lost (the host's
        analysis of another device's trace; the board never calls this): an impact there
        is not in the data."""
        t = self.t_ms
        self.tap_det.hole(t, t + n * SAMPLE_MS)
        self.walk_det.hole(t, t + n * SAMPLE_MS)

    def gap(self, n):
        """n samples were lost: time moves on; a long gap restarts the detectors."""
        st = self._st
        t = self.t_ms
        self.n += n + st[K]  # the unfinished block is dropped with the gap
        if n < _RESET_GAP:
            self.tap_det.hole(t, self.n * SAMPLE_MS)
            self.walk_det.hole(t, self.n * SAMPLE_MS)
        else:
            # reps in progress are lost (a calf raise's goes on); the gyro bias, floor pose
            # and standing pose survive
            old = self.raise_det
            self._new_detectors()
            self.raise_det.carry_over(old, self.n * SAMPLE_MS)
            self.posture.still_run = 0
            self.dr.forget()
        reset_block(st)
        st[FIRST] = 1
        self.sets.tick(self.n * SAMPLE_MS)

    def finish(self):
        self.sets.flush()
