"""How high the sensor went since the foot last rested: vertical dead reckoning per block.

The foot is still at every rest (zero velocity), so between two rests the vertical
acceleration integrates twice into the height the sensor rose (the foot-mounted INS of
pedestrian navigation, in its vertical channel only). Gravity's direction in the foot
frame is carried from the rest by the gyro alone; the vertical channel is insensitive to a
small tilt error (it enters as 1 - cos), unlike the horizontal one, which is not used.
A calf raise lifts the sensor a few cm about the ball of the foot; crossing the legs or
stepping up lifts it 15-50 cm.

    vt = Vertical()
    vt.block(ax, ay, az, wx, wy, wz, still)   # block means: accel mg, bias-free gyro ddps
    vt.height_mm, vt.peak_mm                    # since the last rest

Integers only; runs once per 0.1 s block.
"""

from heel.compat import const

_MAX_RUN = const(100)  # blocks (10 s) without a rest: the estimate is no longer kept


class Vertical:
    def __init__(self):
        self._gx = 0  # gravity (specific force at rest) in the foot frame, mg
        self._gy = 0
        self._gz = 0
        self._g = 0  # its size at the last rest (carries the accelerometer's scale), mg
        self._vel = 0  # vertical velocity, mg x blocks (0.981 mm/s each)
        self._pos = 0  # height, mg x blocks^2 / 2 (0.049 mm each)
        self.run = 0  # blocks since the last rest
        self.height_mm = 0
        self.peak_mm = 0  # highest since the last rest
        self.known = False  # a rest was seen and the run is not too long

    def block(self, ax, ay, az, wx, wy, wz, still):
        if still:
            # a resting foot: gravity is what the accelerometer reads, nothing moves
            self._gx = ax
            self._gy = ay
            self._gz = az
            g2 = ax * ax + ay * ay + az * az
            self._g = _isqrt(g2)
            self._vel = 0
            self._pos = 0
            self.run = 0
            self.height_mm = 0
            self.peak_mm = 0
            self.known = self._g > 0
            return
        if not self.known:
            return
        self.run += 1
        if self.run > _MAX_RUN:
            self.known = False
            return
        # carry gravity through the block's rotation (dv = v x w dt, as in posture), and
        # take the vertical at mid-block against the block's mean acceleration
        gx = self._gx
        gy = self._gy
        gz = self._gz
        dx = (((gy * wz - gz * wy) >> 7) * 183) >> 13
        dy = (((gz * wx - gx * wz) >> 7) * 183) >> 13
        dz = (((gx * wy - gy * wx) >> 7) * 183) >> 13
        g = self._g
        # a first-order step lengthens the vector (by 9% for a quick rep's 25 deg per block):
        # keep its size that of gravity, or the lengthening reads as rising
        nx = gx + dx
        ny = gy + dy
        nz = gz + dz
        n = _isqrt(nx * nx + ny * ny + nz * nz)
        if n > 0:
            nx = nx * g // n
            ny = ny * g // n
            nz = nz * g // n
        mx = (gx + nx) >> 1
        my = (gy + ny) >> 1
        mz = (gz + nz) >> 1
        self._gx = nx
        self._gy = ny
        self._gz = nz
        up = (ax * mx + ay * my + az * mz) // g - g  # mg, positive upward
        v0 = self._vel
        self._vel = v0 + up
        self._pos += v0 + self._vel  # trapezoid: twice the mean velocity
        # mm: pos x 9.81 m/s^2 / 1000 x (0.1 s)^2 / 2 x 1000
        h = (self._pos * 49) // 1000
        self.height_mm = h
        if h > self.peak_mm:
            self.peak_mm = h


def _isqrt(n):
    """Integer square root (Newton), n >= 0."""
    if n <= 0:
        return 0
    x = n
    y = (x + 1) >> 1
    while y < x:
        x = y
        y = (x + n // x) >> 1
    return x
