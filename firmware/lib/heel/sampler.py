"""Raw IMU FIFO samples -> engine input: foot frame, accel in mg, gyro in 0.1 deg/s.

    from heel.sampler import Sampler
    s = Sampler(imu, board)        # imu: heel.imu.mpu6050.MPU6050, board: heel.board.Board
    n = s.poll(engine)             # engine.gap(n_missing) first if samples were lost,
                                   # then engine.feed(ax, ay, az, gx, gy, gz) per sample

Integer math only, nothing allocated per sample (ints stay far below 2**30):
    accel mg   = round(raw * 1000 / 8192) = (raw * 125 + 512) >> 10
    gyro 0.1/s = round(raw * 10 / 65.5)   = (raw * 20 + 65) // 131
The board's axis map is applied to the raw values first (foot[k] = sign[k] *
board[index[k]]), then scaled, so a saturated -32768 becomes +4000 mg when flipped.
"""


def accel_mg(raw):
    """Raw accel LSB at +-4 g -> mg, rounded."""
    return (raw * 125 + 512) >> 10


def gyro_ddps(raw):
    """Raw gyro LSB at +-500 dps -> 0.1 deg/s, rounded."""
    return (raw * 20 + 65) // 131


class Sampler:
    def __init__(self, imu, board):
        self.imu = imu
        ix = board.axis_index
        sg = board.axis_sign
        self._i0, self._i1, self._i2 = ix[0], ix[1], ix[2]
        self._s0, self._s1, self._s2 = sg[0], sg[1], sg[2]
        self._raw = [0, 0, 0, 0, 0, 0]
        self.fed = 0  # samples given to the sink
        self.gaps = 0  # missing samples reported to the sink

    def poll(self, sink):
        """Read the IMU FIFO, report any gap, feed every sample; return the count fed."""
        imu = self.imu
        n = imu.read_fifo()
        gap = imu.gap_samples
        if gap:
            imu.gap_samples = 0
            self.gaps += gap
            sink.gap(gap)
        if not n:
            return 0
        r = self._raw
        i0 = self._i0
        i1 = self._i1
        i2 = self._i2
        s0 = self._s0
        s1 = self._s1
        s2 = self._s2
        for i in range(n):  # sink.feed(...) without binding: a bound method would allocate
            imu.raw(i, r)
            sink.feed(
                (s0 * r[i0] * 125 + 512) >> 10,
                (s1 * r[i1] * 125 + 512) >> 10,
                (s2 * r[i2] * 125 + 512) >> 10,
                (s0 * r[3 + i0] * 20 + 65) // 131,
                (s1 * r[3 + i1] * 20 + 65) // 131,
                (s2 * r[3 + i2] * 20 + 65) // 131,
            )
        self.fed += n
        return n

    def read(self):
        """Read the FIFO without a sink; then use sample(i, out) and imu.gap_samples."""
        return self.imu.read_fifo()

    def sample(self, i, out):
        """Sample i of the last read, converted into out[0..5] (for callers without a sink)."""
        r = self._raw
        self.imu.raw(i, r)
        out[0] = accel_mg(self._s0 * r[self._i0])
        out[1] = accel_mg(self._s1 * r[self._i1])
        out[2] = accel_mg(self._s2 * r[self._i2])
        out[3] = gyro_ddps(self._s0 * r[3 + self._i0])
        out[4] = gyro_ddps(self._s1 * r[3 + self._i1])
        out[5] = gyro_ddps(self._s2 * r[3 + self._i2])
