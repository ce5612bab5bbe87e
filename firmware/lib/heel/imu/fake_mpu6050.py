"""A simulated MPU6050 at register level that acts as the I2C bus object itself.

Used by the tests (CPython and the unix port) and by the virtual board, so it is
MicroPython code and allocates nothing per sample in steady state.

    from heel.imu.fake_mpu6050 import FakeMPU6050, ArraySource
    fake = FakeMPU6050(ArraySource([[0, 0, 8192, 0, 0, 0]] * 100))
    imu = MPU6050(fake, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms)
    fake.advance(10)        # 10 sample periods pass: 10 records in the FIFO
    imu.read_fifo()         # -> 10

Time: `advance(n)` moves n sample periods on; or give `clock` (a ticks_ms-like
function, e.g. time.ticks_ms, or a scaled one to run faster than real time) and
every bus access first catches up with it. `max_step_ms` caps the chip time one
access may catch up: when the host process was starved (a loaded test machine) the
recording then pauses instead of overflowing the FIFO; None (default) keeps real time.

The chip samples at 1 kHz/(1+SMPLRT_DIV) with the DLPF on (8 kHz without) once
awake; each sample is taken from `source` (`next_into(buf6) -> bool`, raw int16 in
the chip's axes at the configured ranges) into the data registers and, if enabled,
appended to the 1024-byte FIFO. A full FIFO drops its oldest bytes (the byte stream
becomes misaligned, 1024 % 12 != 0) and sets INT_STATUS.FIFO_OFLOW, like the real
chip. When the source ends, sampling stops and `finished` becomes True.

Faults: `fail_next(n)` makes the next n transactions raise OSError(5) (EIO);
`fail_at` holds transaction numbers (`transactions` counts them) that fail;
`present = False` makes every access fail like an absent device; `others` are extra
addresses answering the scan.
"""

from array import array

from heel.compat import const, micropython, ptr8, ptr16, ptr32
from heel.compat import ticks_diff as _ticks_diff

_SMPLRT_DIV = const(0x19)
_CONFIG = const(0x1A)
_FIFO_EN = const(0x23)
_INT_STATUS = const(0x3A)
_ACCEL_XOUT_H = const(0x3B)
_TEMP_OUT_H = const(0x41)
_GYRO_XOUT_H = const(0x43)
_USER_CTRL = const(0x6A)
_PWR_MGMT_1 = const(0x6B)
_FIFO_COUNTH = const(0x72)
_FIFO_COUNTL = const(0x73)
_FIFO_R_W = const(0x74)
_WHO_AM_I = const(0x75)

_FIFO_SIZE = const(1024)
_EIO = const(5)
# FIFO state, kept in an array('i') so the viper helpers can update it
_HEAD = const(0)
_COUNT = const(1)
_DROPPED = const(2)
_LAST = const(3)


@micropython.viper
def _take(regs: ptr8, s: ptr16, fifo: ptr8, st: ptr32):
    # One sample s[0..5] into the data registers and, if enabled, the FIFO (oldest bytes
    # dropped when full, FIFO_OFLOW set). Machine-word ints, no allocation.
    k = 0
    while k < 6:
        v = s[k] & 0xFFFF
        a = 0x3B + 2 * k
        if k >= 3:
            a = 0x43 + 2 * (k - 3)
        regs[a] = v >> 8
        regs[a + 1] = v & 0xFF
        k += 1
    regs[0x41] = 0x0B  # temperature, about 34.6 C
    regs[0x42] = 0x40
    regs[0x3A] = regs[0x3A] | 0x01  # DATA_RDY
    if not (regs[0x6A] & 0x40):
        return
    en = regs[0x23]
    head = int(st[0])
    count = int(st[1])
    dropped = int(st[2])
    a = 0x3B
    while a < 0x49:
        take = 0
        if a < 0x41:
            take = en & 0x08
        elif a < 0x43:
            take = en & 0x80
        elif a < 0x45:
            take = en & 0x40
        elif a < 0x47:
            take = en & 0x20
        else:
            take = en & 0x10
        if take:
            if count == 1024:
                fifo[head] = regs[a]
                head = (head + 1) & 1023
                dropped += 1
                regs[0x3A] = regs[0x3A] | 0x10  # FIFO_OFLOW
            else:
                fifo[(head + count) & 1023] = regs[a]
                count += 1
        a += 1
    st[0] = head
    st[1] = count
    st[2] = dropped


@micropython.viper
def _pop_into(fifo: ptr8, st: ptr32, buf: ptr8, start: int, n: int):
    # Burst read of FIFO_R_W; an empty FIFO repeats the last byte read.
    head = int(st[0])
    count = int(st[1])
    last = int(st[3])
    i = start
    end = start + n
    stop = end
    if n > count:
        stop = start + count
    count -= stop - start
    while i < stop:
        last = fifo[head]
        buf[i] = last
        head = (head + 1) & 1023
        i += 1
    while i < end:
        buf[i] = last
        i += 1
    st[0] = head
    st[1] = count
    st[3] = last


class ArraySource:
    """Samples from a sequence of 6-value rows (or a flat sequence of 6*n ints)."""

    def __init__(self, rows, loop=False):
        flat = []
        for r in rows:
            if isinstance(r, int):
                flat.append(r)
            else:
                flat.extend(r)
        if len(flat) % 6:
            raise ValueError("ArraySource needs 6 values per sample, got %d values" % len(flat))
        self._data = flat
        self._i = 0
        self._loop = loop

    def next_into(self, buf6):
        i = self._i
        d = self._data
        if i >= len(d):
            if not self._loop or not d:
                return False
            i = 0
        for k in range(6):
            buf6[k] = d[i + k]
        self._i = i + 6
        return True


class FileSource:
    """Samples from a binary file of little-endian int16 x 6 records (see heeltrack.rawtrace)."""

    def __init__(self, path, loop=False, block=64):
        self._f = open(path, "rb")
        self._buf = bytearray(block * 12)
        self._mv = memoryview(self._buf)
        self._len = 0
        self._pos = 0
        self._loop = loop

    def _fill(self):
        n = self._f.readinto(self._mv)
        if not n and self._loop:
            self._f.seek(0)
            n = self._f.readinto(self._mv)
        self._len = (n or 0) // 12 * 12
        self._pos = 0
        return self._len > 0

    def next_into(self, buf6):
        if self._pos >= self._len and not self._fill():
            return False
        b = self._buf
        o = self._pos
        for k in range(6):
            v = b[o] | (b[o + 1] << 8)
            buf6[k] = v - 65536 if v & 0x8000 else v
            o += 2
        self._pos = o
        return True

    def close(self):
        self._f.close()


class FakeMPU6050:
    """The chip and its I2C bus in one: readfrom_mem_into, readfrom_mem, writeto_mem, scan."""

    def __init__(self, source, addr=0x68, who_am_i=0x68, clock=None, others=(), max_step_ms=None):
        self.source = source
        self.addr = addr
        self.who = who_am_i
        self.others = list(others)
        self.present = True
        self.fail_at = []
        self.transactions = 0
        self.writes = []  # (reg, value) of the first 256 register writes; None: no log
        self.finished = False
        self.samples = 0  # samples the chip has taken
        self._fail = 0
        self._clock = clock
        self._last = clock() if clock is not None else 0
        self.max_step_ms = max_step_ms
        self.now_us = 0  # simulated time
        self._regs = bytearray(128)
        self._fifo = bytearray(_FIFO_SIZE)
        self._st = array("i", (0, 0, 0, 0))  # head, count, dropped, last byte read
        self._s = array("h", (0, 0, 0, 0, 0, 0))
        self._reset()

    # ---- chip state ----
    def _reset(self):
        r = self._regs
        for i in range(len(r)):
            r[i] = 0
        r[_PWR_MGMT_1] = 0x40  # asleep after reset
        r[_WHO_AM_I] = self.who
        self._st[_HEAD] = 0
        self._st[_COUNT] = 0

    def period_us(self):
        """Sample period set by SMPLRT_DIV and CONFIG (DLPF on: 1 kHz base, off: 8 kHz)."""
        dlpf = self._regs[_CONFIG] & 7
        base_us = 1000 if 0 < dlpf < 7 else 125
        return base_us * (1 + self._regs[_SMPLRT_DIV])

    def awake(self):
        return not self._regs[_PWR_MGMT_1] & 0x40

    def fifo_count(self):
        return self._st[_COUNT]

    @property
    def dropped(self):
        """FIFO bytes overwritten by a full FIFO."""
        return self._st[_DROPPED]

    def _push(self, b):
        """A byte written to FIFO_R_W by the host (rare; plain Python)."""
        st = self._st
        if st[_COUNT] == _FIFO_SIZE:
            self._fifo[st[_HEAD]] = b
            st[_HEAD] = (st[_HEAD] + 1) % _FIFO_SIZE
            st[_DROPPED] += 1
            self._regs[_INT_STATUS] |= 0x10
        else:
            self._fifo[(st[_HEAD] + st[_COUNT]) % _FIFO_SIZE] = b
            st[_COUNT] += 1

    def _sample(self):
        """Take one sample from the source into the data registers and the FIFO.

        The source is consumed only while the FIFO is enabled, so a recording starts
        with the first FIFO record whatever the driver did before.
        """
        if not self._regs[_USER_CTRL] & 0x40:
            return True
        if self.finished or not self.source.next_into(self._s):
            self.finished = True
            return False
        _take(self._regs, self._s, self._fifo, self._st)
        self.samples += 1
        return True

    def advance(self, n=1):
        """Let n sample periods pass (nothing is sampled while the chip sleeps)."""
        self.now_us += n * self.period_us()
        if not self.awake():
            return
        for _ in range(n):
            if not self._sample():
                return

    def ticks_ms(self):
        """Simulated milliseconds: a clock for the driver's gap estimates in tests."""
        return self.now_us // 1000

    def sleep_ms(self, ms):
        """Let simulated time pass (the driver's init waits use this in tests)."""
        self.advance_us(ms * 1000)

    def advance_us(self, us):
        p = self.period_us()
        total = self.now_us % p + us
        self.now_us -= self.now_us % p
        self.advance(total // p)
        self.now_us += total % p

    def _catch_up(self):
        if self._clock is None:
            return
        now = self._clock()
        ms = _ticks_diff(now, self._last)
        self._last = now
        cap = self.max_step_ms
        if cap is not None and ms > cap:
            ms = cap  # a starved host: the recording pauses rather than overflowing
        if ms > 0:
            self.advance_us(ms * 1000)

    # ---- the I2C bus interface ----
    def _begin(self, addr):
        self.transactions += 1
        if self._fail > 0:
            self._fail -= 1
            raise OSError(_EIO)
        if self.fail_at and self.transactions in self.fail_at:
            raise OSError(_EIO)
        if not self.present or addr != self.addr:
            raise OSError(_EIO)  # no ACK: what machine.I2C raises on rp2
        if self._clock is not None:
            self._catch_up()

    def fail_next(self, n=1):
        self._fail = n

    def scan(self):
        self.transactions += 1
        found = list(self.others)
        if self.present:
            found.append(self.addr)
        return sorted(found)

    def readfrom_mem_into(self, addr, reg, buf):
        # The driver's two reads at every poll take the short paths: small frames, which
        # MicroPython keeps on the C stack (the virtual board runs this at every poll).
        self._begin(addr)
        if reg == _FIFO_R_W:
            _pop_into(self._fifo, self._st, buf, 0, len(buf))
        elif reg == _FIFO_COUNTH and len(buf) == 2:
            buf[0] = self._st[_COUNT] >> 8
            buf[1] = self._st[_COUNT] & 0xFF
        else:
            self._read_regs(reg, buf)

    def _read_regs(self, reg, buf):
        r = self._regs
        for i in range(len(buf)):
            a = (reg + i) & 0x7F
            if a == _FIFO_COUNTH:
                buf[i] = self._st[_COUNT] >> 8
            elif a == _FIFO_COUNTL:
                buf[i] = self._st[_COUNT] & 0xFF
            elif a == _FIFO_R_W:
                _pop_into(self._fifo, self._st, buf, i, 1)
            else:
                buf[i] = r[a]
                if a == _INT_STATUS:
                    r[a] = 0  # cleared on read

    def readfrom_mem(self, addr, reg, n):
        buf = bytearray(n)
        self.readfrom_mem_into(addr, reg, buf)
        return bytes(buf)

    def writeto_mem(self, addr, reg, buf):
        self._begin(addr)
        r = self._regs
        for i in range(len(buf)):
            a = (reg + i) & 0x7F
            v = buf[i]
            log = self.writes
            if log is not None and len(log) < 256:
                log.append((a, v))
            if a == _PWR_MGMT_1 and v & 0x80:
                self._reset()
            elif a == _USER_CTRL:
                if v & 0x04:  # FIFO_RESET, self-clearing
                    self._st[_HEAD] = 0
                    self._st[_COUNT] = 0
                r[a] = v & ~0x04 & 0xFF
            elif a == _FIFO_R_W:
                self._push(v)
            elif a in (_WHO_AM_I, _INT_STATUS, _FIFO_COUNTH, _FIFO_COUNTL):
                pass  # read-only
            else:
                r[a] = v
