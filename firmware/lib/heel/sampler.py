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
One viper function on the board (the same function runs as plain Python in CPython; the
tests compare both with a struct reference) takes the driver's FIFO bytes through the map
and the scaling straight into sink.feed calls: no Python code runs per sample here.

The imu needs: read_fifo() -> n, then the bytes of those n samples in imu.buf (12 per
sample, big-endian ax ay az gx gy gz in chip axes: the first imu.full from offset 0, the
others from offset imu.rest), gap_samples, max_samples.
"""

from array import array

from heel.compat import micropython, ptr8, ptr16


def accel_mg(raw):
    """Raw accel LSB at +-4 g -> mg, rounded."""
    return (raw * 125 + 512) >> 10


def gyro_ddps(raw):
    """Raw gyro LSB at +-500 dps -> 0.1 deg/s, rounded."""
    return (raw * 20 + 65) // 131


@micropython.viper
def _convert(imu, n: int, cfg: ptr8, out: ptr16, sink):
    # The imu's last read (12 big-endian bytes per sample: the first imu.full from offset 0,
    # the others from imu.rest) -> foot frame (cfg: 2 x index0..2, negate0..2, then 1 to
    # feed), mg and 0.1 dps, into out; and each sample to sink.feed if cfg[6]. Machine-word
    # ints, no allocation: the call boxes six small ints.
    buf = ptr8(imu.buf)
    full = int(imu.full)
    rest = int(imu.rest)
    feed = int(cfg[6])  # (viper cannot compare sink with None)
    x0 = int(cfg[0])
    x1 = int(cfg[1])
    x2 = int(cfg[2])
    i = 0
    o = 0
    j = 0
    while i < n:
        if i == full:
            o = rest
        p = o + x0
        v = (((buf[p] << 8) | buf[p + 1]) ^ 0x8000) - 0x8000  # int16
        w = (((buf[p + 6] << 8) | buf[p + 7]) ^ 0x8000) - 0x8000
        if cfg[3]:
            v = 0 - v
            w = 0 - w
        ax = (v * 125 + 512) >> 10
        gx = (w * 20 + 65) // 131
        p = o + x1
        v = (((buf[p] << 8) | buf[p + 1]) ^ 0x8000) - 0x8000
        w = (((buf[p + 6] << 8) | buf[p + 7]) ^ 0x8000) - 0x8000
        if cfg[4]:
            v = 0 - v
            w = 0 - w
        ay = (v * 125 + 512) >> 10
        gy = (w * 20 + 65) // 131
        p = o + x2
        v = (((buf[p] << 8) | buf[p + 1]) ^ 0x8000) - 0x8000
        w = (((buf[p + 6] << 8) | buf[p + 7]) ^ 0x8000) - 0x8000
        if cfg[5]:
            v = 0 - v
            w = 0 - w
        az = (v * 125 + 512) >> 10
        gz = (w * 20 + 65) // 131
        out[j] = ax
        out[j + 1] = ay
        out[j + 2] = az
        out[j + 3] = gx
        out[j + 4] = gy
        out[j + 5] = gz
        if feed:
            sink.feed(ax, ay, az, gx, gy, gz)
        o += 12
        j += 6
        i += 1


class Sampler:
    def __init__(self, imu, board):
        self.imu = imu
        ix = board.axis_index
        sg = board.axis_sign
        # byte offset of each foot axis in a sample, then whether it is negated
        m = (2 * ix[0], 2 * ix[1], 2 * ix[2], sg[0] < 0, sg[1] < 0, sg[2] < 0)
        self._cfg = bytearray(m + (1,))  # poll: feed the sink
        self._cfg_read = bytearray(m + (0,))  # read: convert only
        # the last read in engine units, 6 int16 per sample (they fit: at most 5003)
        self.out = array("h", bytes(2 * 6 * imu.max_samples))
        self._n = 0
        self.fed = 0  # samples given to the sink
        self.gaps = 0  # missing samples reported to the sink

    def read(self):
        """Read and convert the FIFO without a sink; then sample(i, out), imu.gap_samples."""
        n = self.imu.read_fifo()
        if n:
            _convert(self.imu, n, self._cfg_read, self.out, None)
        self._n = n
        return n

    def poll(self, sink):
        """Read the IMU FIFO, report any gap, feed every sample; return the count fed."""
        # Runs at every poll: few locals, so MicroPython keeps its frame on the C stack.
        imu = self.imu
        n = imu.read_fifo()
        self._n = n
        gap = imu.gap_samples
        if gap:
            imu.gap_samples = 0
            self.gaps += gap
            sink.gap(gap)
        if n:  # converted and fed in one viper call: no Python work per sample
            _convert(imu, n, self._cfg, self.out, sink)
        self.fed += n
        return n

    def sample(self, i, out):
        """Sample i of the last read() in engine units into out[0..5]."""
        e = self.out
        j = i * 6
        for k in range(6):
            out[k] = e[j + k]
