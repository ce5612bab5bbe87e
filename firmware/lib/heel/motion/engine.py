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

from heel.compat import const
from heel.motion.ankle_circle import AnkleCircleDetector
from heel.motion.heel_raise import HeelRaiseDetector
from heel.motion.heel_walk import HeelWalkDetector
from heel.motion.posture import Posture
from heel.motion.sets import SetTracker
from heel.motion.toe_tap import ToeTapDetector

RATE_HZ = const(100)
SAMPLE_MS = const(10)
BLOCK = const(10)  # samples per block
_RESET_GAP = const(50)  # a longer gap (0.5 s) restarts the detectors


def _ignore(kind, exercise, t_ms, value):
    pass


class Engine:
    def __init__(self, listener=None):
        self._listener = listener or _ignore
        self.sets = SetTracker(self._listener)
        self.posture = Posture()
        self._new_detectors()
        self._first = True
        self.n = 0  # samples since start (including lost ones)
        self.t = 0  # ms at the end of the last block
        # block accumulators
        self._k = 0
        self._sax = 0
        self._say = 0
        self._saz = 0
        self._sgx = 0
        self._sgy = 0
        self._sgz = 0
        self._pax = 0
        self._pay = 0
        self._paz = 0
        self._pgx = 0
        self._pgy = 0
        self._pgz = 0
        self._jmax = 0
        self._jn = 0
        self._gdiff = 0
        self._gpk = 0
        # block results read by the detectors
        self.ax = 0
        self.ay = 0
        self.az = 1000
        self.gx_c = 0
        self.gy_c = 0
        self.gz_c = 0
        self.jerk_max = 0
        self.jerk_t = 0
        self.gyro_peak = 0

    def _new_detectors(self):
        self.raise_det = HeelRaiseDetector()
        self.walk_det = HeelWalkDetector()
        self.tap_det = ToeTapDetector()
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
        return self.n * SAMPLE_MS

    def feed(self, ax, ay, az, gx, gy, gz):
        self.n += 1
        if self._first:  # no previous sample to difference against
            self._first = False
            self._pax = ax
            self._pay = ay
            self._paz = az
            self._pgx = gx
            self._pgy = gy
            self._pgz = gz
        self._sax += ax
        self._say += ay
        self._saz += az
        self._sgx += gx
        self._sgy += gy
        self._sgz += gz
        j = abs(ax - self._pax) + abs(ay - self._pay) + abs(az - self._paz)
        if j > self._jmax:
            self._jmax = j
            self._jn = self.n
        self._gdiff += abs(gx - self._pgx) + abs(gy - self._pgy) + abs(gz - self._pgz)
        self._pax = ax
        self._pay = ay
        self._paz = az
        self._pgx = gx
        self._pgy = gy
        self._pgz = gz
        p = self.posture
        g = abs(gx - (p.bx16 >> 4)) + abs(gy - (p.by16 >> 4)) + abs(gz - (p.bz16 >> 4))
        if g > self._gpk:
            self._gpk = g
        self._k += 1
        if self._k == BLOCK:
            self._block()

    def _block(self):
        p = self.posture
        self.t = self.n * SAMPLE_MS
        self.ax = self._sax // BLOCK
        self.ay = self._say // BLOCK
        self.az = self._saz // BLOCK
        gx = self._sgx // BLOCK
        gy = self._sgy // BLOCK
        gz = self._sgz // BLOCK
        self.jerk_max = self._jmax
        self.jerk_t = self._jn * SAMPLE_MS
        self.gyro_peak = self._gpk
        p.update(self.ax, self.ay, self.az, gx, gy, gz, self._jmax, self._gdiff, self._gpk)
        self.gx_c = gx - (p.bx16 >> 4)
        self.gy_c = gy - (p.by16 >> 4)
        self.gz_c = gz - (p.bz16 >> 4)
        self.raise_det.block(self)
        p.hold_flat = self.raise_det.up
        self.walk_det.block(self)
        self.tap_det.block(self)
        self.circle_det.block(self)
        if not self.raise_det.up:  # a long hold is not a pause
            self.sets.tick(self.t)
        self._k = 0
        self._sax = 0
        self._say = 0
        self._saz = 0
        self._sgx = 0
        self._sgy = 0
        self._sgz = 0
        self._jmax = 0
        self._gdiff = 0
        self._gpk = 0

    def gap(self, n):
        """n samples were lost: time moves on; a long gap restarts the detectors."""
        self.n += n
        if n >= _RESET_GAP:
            # reps in progress are lost; the gyro bias and floor pose survive
            self._new_detectors()
            self.posture.still_run = 0
        self._k = 0
        self._sax = 0
        self._say = 0
        self._saz = 0
        self._sgx = 0
        self._sgy = 0
        self._sgz = 0
        self._jmax = 0
        self._gdiff = 0
        self._gpk = 0
        self._first = True
        self.sets.tick(self.n * SAMPLE_MS)

    def finish(self):
        self.sets.flush()
