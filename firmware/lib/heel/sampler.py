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
The whole block of samples is converted at once by a viper function on the board
(the same function runs as plain Python in CPython; the tests compare both), so the
per-sample Python work is only the sink.feed call.

The imu needs: read_fifo() -> n, decode(array('h')) (raw int16, 6 per sample, chip
axes), gap_samples, max_samples.
"""

from array import array

from heel.compat import micropython, ptr8, ptr16, ptr32


def accel_mg(raw):
    """Raw accel LSB at +-4 g -> mg, rounded."""
    return (raw * 125 + 512) >> 10


def gyro_ddps(raw):
    """Raw gyro LSB at +-500 dps -> 0.1 deg/s, rounded."""
    return (raw * 20 + 65) // 131


@micropython.viper
def _convert(raw: ptr16, n: int, cfg: ptr8, out: ptr32):
    # raw chip samples -> foot frame, mg and 0.1 dps; cfg = index0..2, negate0..2.
    # The sign is restored by hand: viper loads ptr16 unsigned, CPython signed.
    j = 0
    end = n * 6
    while j < end:
        k = 0
        while k < 3:
            v = ((raw[j + cfg[k]] & 0xFFFF) ^ 0x8000) - 0x8000
            if cfg[3 + k]:
                v = -v
            out[j + k] = (v * 125 + 512) >> 10
            v = ((raw[j + 3 + cfg[k]] & 0xFFFF) ^ 0x8000) - 0x8000
            if cfg[3 + k]:
                v = -v
            out[j + 3 + k] = (v * 20 + 65) // 131
            k += 1
        j += 6


class Sampler:
    def __init__(self, imu, board):
        self.imu = imu
        ix = board.axis_index
        sg = board.axis_sign
        self._cfg = bytearray((ix[0], ix[1], ix[2], sg[0] < 0, sg[1] < 0, sg[2] < 0))
        m = imu.max_samples
        self._raw = array("h", bytes(2 * 6 * m))
        self._out = array("i", bytes(4 * 6 * m))
        self._n = 0
        self.fed = 0  # samples given to the sink
        self.gaps = 0  # missing samples reported to the sink

    def read(self):
        """Read and convert the FIFO without a sink; then sample(i, out), imu.gap_samples."""
        imu = self.imu
        n = imu.read_fifo()
        if n:
            imu.decode(self._raw)
            _convert(self._raw, n, self._cfg, self._out)
        self._n = n
        return n

    def poll(self, sink):
        """Read the IMU FIFO, report any gap, feed every sample; return the count fed."""
        imu = self.imu
        n = imu.read_fifo()
        if n:
            imu.decode(self._raw)
            _convert(self._raw, n, self._cfg, self._out)
        self._n = n
        gap = imu.gap_samples
        if gap:
            imu.gap_samples = 0
            self.gaps += gap
            sink.gap(gap)
        e = self._out
        j = 0
        for _ in range(n):  # sink.feed(...) unbound: a bound method would allocate
            sink.feed(e[j], e[j + 1], e[j + 2], e[j + 3], e[j + 4], e[j + 5])
            j += 6
        self.fed += n
        return n

    def sample(self, i, out):
        """Sample i of the last read() in engine units into out[0..5]."""
        e = self._out
        j = i * 6
        for k in range(6):
            out[k] = e[j + k]
