"""MPU6050 6-axis IMU on I2C: FIFO-based, burst reads, no allocation per sample.

    from machine import I2C, Pin
    from heel.imu.mpu6050 import MPU6050
    imu = MPU6050(I2C(0, sda=Pin(4), scl=Pin(5), freq=400_000), addr=0x68, rate_hz=100)
    raw = array.array("h", (0, 0, 0, 0, 0, 0))
    n = imu.read_fifo()            # whole samples now in the driver's buffer
    for i in range(n):
        imu.raw(i, raw)            # ax ay az gx gy gz, chip axes, int16 LSB
    imu.decode(block)              # or all n at once into an array('h') (viper)
    imu.buf, imu.full, imu.rest    # or the bytes themselves (heel.sampler's viper code):
                                   # sample i at i*12 if i < full, else rest + (i-full)*12
    if imu.gap_samples:            # FIFO overflowed: samples were lost
        engine.gap(imu.gap_samples); imu.gap_samples = 0

Configuration: PLL clock on the X gyro, DLPF_CFG=3 (about 44 Hz, 1 kHz internal
rate), +-4 g (8192 LSB/g), +-500 dps (65.5 LSB/dps), sample rate 1000/(1+SMPLRT_DIV),
FIFO fed with accel + gyro: 12 bytes per sample, big-endian int16.

Error policy (after Peter Hinch's mpu9x50): fail loudly during init (OSError that
names the address and lists what the I2C scan found; ValueError for bad settings);
at run time an I2C error is retried and counted in `errors`, never raised: the call
returns 0 samples. A FIFO overflow (seen from FIFO_COUNT: full, nearly full, or not
a multiple of 12 after the chip dropped its oldest bytes; INT_STATUS.FIFO_OFLOW is
then read and kept in `oflow_flag`), or a FIFO read that failed half-way (it may have
popped bytes), resets the FIFO, counts `overflows` and adds the estimated number of
lost samples to `gap_samples`: elapsed time x rate with a ticks_ms clock, else the
FIFO capacity (85 samples, a lower bound). The FIFO holds 0.85 s at 100 Hz; a count
of 83 samples or more is treated as an overflow (it may be overwritten while read),
so poll at least every 0.5 s. This module only moves raw integers; scaling to
engine units lives in heel.sampler.

Accepted WHO_AM_I values: 0x68 MPU-6050/6000; 0x70 MPU-6500, 0x71 MPU-9250,
0x73 MPU-9255 (same register map for everything used here); 0x72 and 0x98,
ids reported by MPU6050-marked clone boards (ElectronicCats/mpu6050 accepts 0x98);
0x19 MPU-6886. Note that the 6500 family has a 512-byte FIFO by default: poll
at least every 0.3 s with those.
"""

from heel.compat import const, micropython, ptr8, ptr16
from heel.compat import sleep_ms as _sleep_ms
from heel.compat import ticks_diff as _ticks_diff

try:
    from time import ticks_ms as _ticks_ms
except ImportError:  # CPython: no tick clock unless one is passed in (gaps: the FIFO's bound)
    _ticks_ms = None


_SMPLRT_DIV = const(0x19)
_CONFIG = const(0x1A)
_GYRO_CONFIG = const(0x1B)
_ACCEL_CONFIG = const(0x1C)
_FIFO_EN = const(0x23)
_INT_STATUS = const(0x3A)
_ACCEL_XOUT_H = const(0x3B)
_USER_CTRL = const(0x6A)
_PWR_MGMT_1 = const(0x6B)
_FIFO_COUNTH = const(0x72)
_FIFO_R_W = const(0x74)
_WHO_AM_I = const(0x75)

_DEVICE_RESET = const(0x80)
_CLKSEL_PLL_XGYRO = const(0x01)
_DLPF_44HZ = const(0x03)
_GYRO_500DPS = const(0x08)  # FS_SEL=1
_ACCEL_4G = const(0x08)  # AFS_SEL=1
_FIFO_ACCEL_GYRO = const(0x78)  # XG_FIFO_EN | YG_FIFO_EN | ZG_FIFO_EN | ACCEL_FIFO_EN
_USER_FIFO_EN = const(0x40)
_USER_FIFO_RESET = const(0x04)
_FIFO_OFLOW = const(0x10)

_REC = const(12)  # bytes per FIFO sample
_FIFO_BYTES = const(1024)
_FIFO_SAMPLES = const(85)  # whole samples the FIFO can hold
# A count this high may be overwritten while we read it: treat as an overflow.
_FIFO_SAFE = const(1024 - 36)
_CHUNK = const(16)  # samples per full-chunk burst read
_N_CHUNKS = const(6)  # 6 * 16 >= 85
_REST = const(_N_CHUNKS * _CHUNK * _REC)  # offset of the remainder area
_RETRIES = const(3)
MAX_SAMPLES = const(82)  # most samples one read_fifo() returns (_FIFO_SAFE // 12)

LSB_PER_G = const(8192)
LSB_PER_DPS_X10 = const(655)  # 65.5 LSB per deg/s
WHO_AM_I_IDS = (0x68, 0x70, 0x71, 0x72, 0x73, 0x98, 0x19)


def _no_clock():
    return 0


def _hexlist(addrs):
    if not addrs:
        return "nothing (check wiring, power and pull-ups)"
    return ", ".join("0x%02x" % a for a in addrs)


class MPU6050:
    """One MPU6050 (or register-compatible clone) on an I2C bus passed in."""

    def __init__(self, i2c, addr=0x68, rate_hz=100, ticks_ms=None, sleep_ms=None):
        if addr not in (0x68, 0x69):
            raise ValueError("MPU6050 address must be 0x68 or 0x69 (AD0 high), got %r" % (addr,))
        if not isinstance(rate_hz, int) or not 4 <= rate_hz <= 1000 or 1000 % rate_hz:
            raise ValueError(
                "rate_hz must be an integer 4..1000 that divides 1000 (e.g. 50, 100, 200), "
                "got %r" % (rate_hz,)
            )
        self._i2c = i2c
        self._addr = addr
        self.rate_hz = rate_hz
        ticks = ticks_ms if ticks_ms is not None else _ticks_ms
        self._clocked = ticks is not None
        self._ticks = ticks if ticks is not None else _no_clock
        self._sleep = sleep_ms if sleep_ms is not None else _sleep_ms
        self.errors = 0  # failed I2C transactions at run time (each attempt)
        self.overflows = 0  # FIFO resets after overflow or a broken read
        self.gap_samples = 0  # lost samples not yet reported; the reader zeroes it
        self.lost_samples = 0  # all lost samples since init (estimate)
        self.samples = 0  # samples delivered since init
        self.who_am_i = 0
        self.oflow_flag = 0  # INT_STATUS.FIFO_OFLOW seen at the last overflow (diagnostics)
        self.max_samples = MAX_SAMPLES
        self._n = 0
        self._need_reset = False
        # The last read's samples, 12 big-endian bytes each: the first `full` from offset 0
        # (whole chunks), the others from offset `rest` (what the sampler's viper code reads).
        self.buf = bytearray(_REST + (_CHUNK - 1) * _REC)
        self.full = 0
        self.rest = _REST
        mv = memoryview(self.buf)
        # Fixed views, made once: memoryview slicing allocates in MicroPython.
        self._chunks = [mv[j * _CHUNK * _REC : (j + 1) * _CHUNK * _REC] for j in range(_N_CHUNKS)]
        self._rest = [mv[_REST : _REST + k * _REC] for k in range(_CHUNK)]  # k samples
        self._b2 = bytearray(2)
        self._b1 = bytearray(1)
        self._v1 = memoryview(self._b1)
        self._b14 = bytearray(14)  # accel, temperature, gyro data registers
        self._init()
        self._last = self._ticks()

    # ---- init: loud errors ----
    def _init(self):
        try:
            self._i2c.readfrom_mem_into(self._addr, _WHO_AM_I, self._b1)
        except OSError as e:
            raise OSError(
                "no MPU6050 at 0x%02x (%s); I2C scan found: %s"
                % (self._addr, _errname(e), _hexlist(self._scan()))
            ) from None
        who = self._b1[0]
        self.who_am_i = who
        if who not in WHO_AM_I_IDS:
            raise OSError(
                "chip at 0x%02x answered WHO_AM_I=0x%02x, not an MPU6050 or a known clone "
                "(accepted: %s); I2C scan found: %s"
                % (self._addr, who, _hexlist(WHO_AM_I_IDS), _hexlist(self._scan()))
            )
        self._write(_PWR_MGMT_1, _DEVICE_RESET)
        for _ in range(10):
            self._sleep(10)
            self._i2c.readfrom_mem_into(self._addr, _PWR_MGMT_1, self._b1)
            if not self._b1[0] & _DEVICE_RESET:
                break
        else:
            raise OSError("MPU6050 at 0x%02x did not finish its reset" % self._addr)
        self._write(_PWR_MGMT_1, _CLKSEL_PLL_XGYRO)  # wake, PLL on the X gyro
        self._sleep(5)
        self._write(_CONFIG, _DLPF_44HZ)
        self._write(_SMPLRT_DIV, 1000 // self.rate_hz - 1)
        self._write(_GYRO_CONFIG, _GYRO_500DPS)
        self._write(_ACCEL_CONFIG, _ACCEL_4G)
        self._write(_FIFO_EN, 0)
        self._write(_USER_CTRL, _USER_FIFO_RESET)
        self._write(_USER_CTRL, _USER_FIFO_EN)
        self._write(_FIFO_EN, _FIFO_ACCEL_GYRO)
        self._i2c.readfrom_mem_into(self._addr, _INT_STATUS, self._b1)  # clear flags

    def _scan(self):
        try:
            return sorted(self._i2c.scan())
        except OSError:
            return []

    def _write(self, reg, value):
        self._b1[0] = value
        self._i2c.writeto_mem(self._addr, reg, self._b1)

    # ---- run time: errors counted, never raised ----
    def _read(self, reg, view, tries=_RETRIES):
        for _ in range(tries):
            try:
                self._i2c.readfrom_mem_into(self._addr, reg, view)
                return True
            except OSError:
                self.errors += 1
        return False

    def _reset_fifo(self):
        for _ in range(_RETRIES):
            try:
                self._b1[0] = _USER_FIFO_RESET
                self._i2c.writeto_mem(self._addr, _USER_CTRL, self._b1)
                self._b1[0] = _USER_FIFO_EN
                self._i2c.writeto_mem(self._addr, _USER_CTRL, self._b1)
                self._need_reset = False
                return True
            except OSError:
                self.errors += 1
        self._need_reset = True
        return False

    def _lose(self, now, at_least):
        """The FIFO content since the last good read is gone: reset, estimate the gap."""
        self.overflows += 1
        gap = at_least
        if self._clocked:
            est = _ticks_diff(now, self._last) * self.rate_hz // 1000
            if est > gap:
                gap = est
        self.gap_samples += gap
        self.lost_samples += gap
        self._last = now
        self._reset_fifo()

    def read_fifo(self):
        """Read every whole sample in the FIFO into the buffer; return how many (0 on error)."""
        self._n = 0
        now = self._ticks()
        if self._need_reset:
            self._lose(now, 1)
            return 0
        i2c = self._i2c
        addr = self._addr
        b2 = self._b2
        try:  # the first try inline: this runs at every poll
            i2c.readfrom_mem_into(addr, _FIFO_COUNTH, b2)
        except OSError:
            self.errors += 1
            if not self._read(_FIFO_COUNTH, b2, _RETRIES - 1):
                return 0
        count = (b2[0] << 8) | b2[1]
        # The count alone tells an overflow, so INT_STATUS costs no transaction per poll:
        # a full FIFO stays full (1024) until read, and the bytes it drops (8 with the
        # record that fills it, then 12 per record) leave it misaligned even after a
        # read. INT_STATUS is read only then, to clear FIFO_OFLOW.
        if count >= _FIFO_SAFE or count % _REC:
            self._read(_INT_STATUS, self._v1)
            self.oflow_flag = self._b1[0] & _FIFO_OFLOW
            self._lose(now, _FIFO_SAMPLES)
            return 0
        n = count // _REC
        q = n // _CHUNK
        try:  # FIFO pops are not idempotent: a failed burst is a resync, not a retry
            for j in range(q):
                i2c.readfrom_mem_into(addr, _FIFO_R_W, self._chunks[j])
            r = n - q * _CHUNK
            if r:
                i2c.readfrom_mem_into(addr, _FIFO_R_W, self._rest[r])
        except OSError:
            self.errors += 1
            self._lose(now, n)
            return 0
        self.full = q * _CHUNK
        self._n = n
        self._last = now
        self.samples += n
        return n

    @property
    def count(self):
        """Samples in the buffer from the last read_fifo()."""
        return self._n

    def raw(self, i, out):
        """Sample i of the last read into out[0..5]: ax ay az gx gy gz (int16 LSB, chip axes)."""
        full = self.full
        o = i * _REC if i < full else _REST + (i - full) * _REC
        b = self.buf
        for k in range(6):
            v = (b[o] << 8) | b[o + 1]
            out[k] = v - 65536 if v & 0x8000 else v
            o += 2

    def decode(self, out):
        """All samples of the last read into out (array('h'), 6 per sample); return n.

        Viper on the board, plain Python in CPython; same numbers as raw()."""
        _decode(self.buf, self.full, _REST, self._n, out)
        return self._n

    def read_latest(self, out):
        """Latest sample from the data registers (bypasses the FIFO); False on bus error."""
        if not self._read(_ACCEL_XOUT_H, self._b14):
            return False
        b = self._b14
        o = 0
        for k in range(6):
            if k == 3:
                o += 2  # skip the temperature
            v = (b[o] << 8) | b[o + 1]
            out[k] = v - 65536 if v & 0x8000 else v
            o += 2
        return True


@micropython.viper
def _decode(buf: ptr8, full: int, rest: int, n: int, out: ptr16):
    # Big-endian int16 records -> out; machine-word ints, no allocation.
    i = 0
    j = 0
    while i < n:
        if i < full:
            o = i * 12
        else:
            o = rest + (i - full) * 12
        end = o + 12
        while o < end:
            v = (buf[o] << 8) | buf[o + 1]
            out[j] = ((v & 0xFFFF) ^ 0x8000) - 0x8000
            j += 1
            o += 2
        i += 1


def _errname(e):
    code = e.args[0] if e.args else 0
    return {5: "EIO, no answer", 19: "ENODEV", 110: "ETIMEDOUT", 116: "ETIMEDOUT"}.get(
        code, "error %s" % (code,)
    )
