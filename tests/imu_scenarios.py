"""IMU scenarios that run unchanged in CPython and in the MicroPython unix port.

Each `scenario_*` function asserts and returns a short summary string. CPython tests
call them directly; unix-port tests run `import imu_scenarios as s; s.run("name")`
with tests/ on MICROPYPATH and check the printed summary. Keep this file
MicroPython-compatible (no pytest, no numpy).
"""

import array
import math

from heel.board import load_board
from heel.imu.fake_mpu6050 import ArraySource, FakeMPU6050
from heel.imu.mpu6050 import MPU6050
from heel.sampler import Sampler

ALL_IDS = (0x68, 0x70, 0x71, 0x72, 0x73, 0x98, 0x19)
EXTREMES = (0, 1, -1, 127, -128, 255, -256, 32767, -32768, 4096, -4096)


def rows(n, seed=1):
    """n deterministic pseudo-random int16 rows, the extremes mixed in."""
    out = []
    x = seed
    for i in range(n):
        r = []
        for k in range(6):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            v = (x >> 8) % 65536 - 32768
            if (i + k) % 7 == 0:
                v = EXTREMES[(i * 6 + k) % len(EXTREMES)]
            r.append(v)
        out.append(r)
    return out


def board(axes=("x", "y", "z"), rate_hz=100):
    return load_board(
        {
            "name": "test",
            "mcu": "rp2040",
            "i2c": {"id": 0, "sda": 4, "scl": 5, "freq": 400000},
            "imu": {"type": "mpu6050", "addr": "0x68", "rate_hz": rate_hz},
            "axes": list(axes),
            "led": {"pin": "LED", "active_high": True},
            "button": None,
            "buzzer": None,
            "usb": None,
        }
    )


def make(data, who=0x68, rate_hz=100, others=(), ticks=True):
    fake = FakeMPU6050(ArraySource(data), who_am_i=who, others=others)
    imu = MPU6050(
        fake,
        rate_hz=rate_hz,
        ticks_ms=fake.ticks_ms if ticks else None,
        sleep_ms=fake.sleep_ms,
    )
    return fake, imu


def read_all(imu, n_expected=None):
    n = imu.read_fifo()
    if n_expected is not None:
        assert n == n_expected, (n, n_expected)
    out = array.array("h", [0] * 6)
    got = []
    for i in range(n):
        imu.raw(i, out)
        got.append(list(out))
    return got


def expect_oserror(fn, *parts):
    try:
        fn()
    except OSError as e:
        msg = str(e.args[0]) if e.args else ""
        for p in parts:
            assert p in msg, (p, msg)
        assert "\n" not in msg
        return msg
    raise AssertionError("no OSError")


# ---- driver ----


def scenario_init_sequence():
    fake, imu = make(rows(10), rate_hz=200)
    assert fake.writes == [
        (0x6B, 0x80),  # PWR_MGMT_1: device reset
        (0x6B, 0x01),  # wake, PLL on X gyro
        (0x1A, 0x03),  # CONFIG: DLPF 44 Hz
        (0x19, 0x04),  # SMPLRT_DIV: 1000 / 200 - 1
        (0x1B, 0x08),  # GYRO_CONFIG: +-500 dps
        (0x1C, 0x08),  # ACCEL_CONFIG: +-4 g
        (0x23, 0x00),  # FIFO_EN off while resetting
        (0x6A, 0x04),  # USER_CTRL: FIFO reset
        (0x6A, 0x40),  # USER_CTRL: FIFO enable
        (0x23, 0x78),  # FIFO_EN: accel + XYZ gyro
    ], fake.writes
    assert fake.period_us() == 5000
    assert fake.awake()
    fake2, imu2 = make(rows(10))
    assert fake2.period_us() == 10000
    return "init ok"


def scenario_roundtrip():
    data = rows(60)
    fake, imu = make(data)
    fake.advance(40)
    assert read_all(imu, 40) == data[:40]
    fake.advance(20)
    assert read_all(imu, 20) == data[40:60]
    assert not fake.finished
    fake.advance(5)
    assert fake.finished
    assert imu.read_fifo() == 0  # source ended: nothing more
    return "roundtrip ok %d" % imu.samples


def scenario_bursts():
    """Every count from 1 to 82 samples (full chunks + remainder) reads back in order."""
    data = rows(3500, seed=7)
    fake, imu = make(data)
    pos = 0
    for n in range(1, 83):
        fake.advance(n)
        got = read_all(imu, n)
        assert got == data[pos : pos + n], n
        pos += n
    assert imu.overflows == 0 and imu.errors == 0
    return "bursts ok %d" % pos


def scenario_latest():
    data = [[1, -2, 3, -4, 5, -32768]] * 3
    fake, imu = make(data)
    fake.advance(2)
    out = [0] * 6
    assert imu.read_latest(out)
    assert out == [1, -2, 3, -4, 5, -32768], out
    return "latest ok"


def scenario_overflow():
    data = rows(400, seed=3)
    fake, imu = make(data)
    fake.advance(10)
    assert read_all(imu, 10) == data[:10]
    fake.advance(100)  # 1200 bytes into a 1024-byte FIFO
    assert fake.dropped == 1200 - 1024
    assert imu.read_fifo() == 0
    assert imu.overflows == 1
    assert imu.gap_samples == 100, imu.gap_samples  # from the elapsed time
    assert imu.oflow_flag == 0x10  # INT_STATUS.FIFO_OFLOW was set, and is now cleared
    assert fake.readfrom_mem(0x68, 0x3A, 1)[0] & 0x10 == 0
    assert fake.fifo_count() == 0  # the FIFO was reset
    imu.gap_samples = 0
    fake.advance(15)
    assert read_all(imu, 15) == data[110:125]  # aligned again
    # the flag lost (someone read INT_STATUS): a full, misaligned count still tells
    fake.advance(90)
    fake.readfrom_mem(0x68, 0x3A, 1)
    assert imu.read_fifo() == 0 and imu.overflows == 2
    assert imu.oflow_flag == 0
    fake.advance(3)
    assert read_all(imu, 3) == data[215:218]
    return "overflow ok gap=%d lost=%d" % (imu.gap_samples, imu.lost_samples)


def scenario_overflow_no_clock():
    data = rows(300)
    fake, imu = make(data, ticks=False)
    fake.advance(200)
    assert imu.read_fifo() == 0
    assert imu.gap_samples == 85  # FIFO capacity: a lower bound
    return "noclock ok"


def scenario_who_am_i():
    for who in ALL_IDS:
        fake, imu = make(rows(2), who=who)
        assert imu.who_am_i == who
    msg1 = expect_oserror(
        lambda: make(rows(2), who=0x12, others=(0x3C,)),
        "0x68",
        "WHO_AM_I=0x12",
        "I2C scan found: 0x3c, 0x68",
    )
    fake = FakeMPU6050(ArraySource(rows(2)), others=(0x3C,))
    fake.present = False
    msg2 = expect_oserror(lambda: MPU6050(fake), "no MPU6050 at 0x68", "I2C scan found: 0x3c")
    fake = FakeMPU6050(ArraySource(rows(2)), addr=0x69)
    msg3 = expect_oserror(lambda: MPU6050(fake), "no MPU6050 at 0x68", "found: 0x69")
    fake = FakeMPU6050(ArraySource(rows(2)))
    fake.present = False
    msg4 = expect_oserror(lambda: MPU6050(fake), "found: nothing")
    fake = FakeMPU6050(ArraySource(rows(2)), addr=0x69)
    assert MPU6050(fake, addr=0x69, sleep_ms=fake.sleep_ms).who_am_i == 0x68
    return "\n".join((msg1, msg2, msg3, msg4))


def scenario_bad_settings():
    fake = FakeMPU6050(ArraySource(rows(2)))
    bad = 0
    for kw in (
        {"rate_hz": 0},
        {"rate_hz": 3},
        {"rate_hz": 7},
        {"rate_hz": 300},
        {"rate_hz": 2000},
        {"rate_hz": 100.0},
        {"rate_hz": "100"},
        {"addr": 0x50},
        {"addr": None},
    ):
        try:
            MPU6050(fake, **kw)
        except ValueError as e:
            assert "\n" not in str(e)
            bad += 1
    assert bad == 9, bad
    assert fake.transactions == 0  # settings are checked before touching the bus
    return "bad settings ok"


def scenario_runtime_errors():
    data = rows(300, seed=5)
    fake, imu = make(data)
    fake.advance(10)
    fake.fail_next(1)  # INT_STATUS read fails once: retried
    assert read_all(imu, 10) == data[:10]
    assert imu.errors == 1
    fake.advance(5)
    fake.fail_next(3)  # fails on every retry: 0 samples, not fatal, FIFO untouched
    assert imu.read_fifo() == 0
    assert imu.errors == 4 and imu.overflows == 0
    fake.advance(5)
    assert read_all(imu, 10) == data[10:20]
    # the FIFO burst itself fails: bytes may be gone, so resync with a gap
    fake.advance(30)
    t = fake.transactions
    fake.fail_at = [t + 3]  # 1 INT_STATUS, 2 FIFO_COUNT, 3 first FIFO burst
    assert imu.read_fifo() == 0
    assert imu.overflows == 1 and imu.gap_samples >= 30
    fake.fail_at = []
    imu.gap_samples = 0
    fake.advance(4)
    assert read_all(imu, 4) == data[50:54]
    # the chip disappears for a while (loose wire), then comes back
    fake.present = False
    fake.advance(3)
    for _ in range(5):
        assert imu.read_fifo() == 0
    fake.present = True
    fake.advance(2)
    assert read_all(imu, 5) == data[54:59]
    return "errors ok %d" % imu.errors


# ---- sampler ----


class LogSink:
    def __init__(self):
        self.log = []

    def feed(self, ax, ay, az, gx, gy, gz):
        self.log.append((ax, ay, az, gx, gy, gz))

    def gap(self, n):
        self.log.append(("gap", n))


def reference(raw, axes):
    """Float reference: foot[k] = sign * chip[axis], then mg and 0.1 dps rounded half up."""
    out = []
    for part, scale in ((0, 1000 / 8192), (3, 10 / 65.5)):
        for a in axes:
            sign = -1 if a[0] == "-" else 1
            v = sign * raw[part + "xyz".index(a[-1])]
            out.append(int(math.floor(v * scale + 0.5)))
    return tuple(out)


def scenario_sampler(axes=("y", "-x", "z")):
    data = rows(200, seed=11)
    data[0] = [-32768, 32767, -32768, -32768, 32767, -32768]
    fake, imu = make(data)
    s = Sampler(imu, board(axes))
    sink = LogSink()
    fake.advance(30)
    assert s.poll(sink) == 30
    for i in range(30):
        assert sink.log[i] == reference(data[i], axes), (i, sink.log[i])
    # the sample() path gives the same numbers
    fake.advance(3)
    assert s.read() == 3
    out = [0] * 6
    for i in range(3):
        s.sample(i, out)
        assert tuple(out) == reference(data[30 + i], axes)
    # overflow: the gap comes first, then later samples, aligned
    fake.advance(120)
    sink.log = []
    assert s.poll(sink) == 0
    fake.advance(2)
    assert s.poll(sink) == 2
    assert sink.log[0] == ("gap", 120), sink.log[0]
    assert sink.log[1] == reference(data[153], axes)
    assert s.gaps == 120 and s.fed == 32
    return "sampler ok %s %s" % (" ".join(axes), sink.log[1])


class CountSink:
    def __init__(self):
        self.n = 0
        self.missing = 0
        self.check = 0

    def feed(self, ax, ay, az, gx, gy, gz):
        self.n += 1
        self.check = (self.check + ax - ay + az + gx - gy + gz) & 0xFFFFFF

    def gap(self, n):
        self.missing += n


def scenario_no_alloc():
    """heap_lock around the steady state: fake chip time, FIFO read, decode, map, feed."""
    import micropython

    data = rows(500, seed=13)
    fake, imu = make(data)
    fake.writes = None  # the test log would allocate on the FIFO reset
    s = Sampler(imu, board(("y", "-x", "z")))
    sink = CountSink()
    out = array.array("h", [0] * 6)
    fake.advance(4)
    s.poll(sink)
    micropython.heap_lock()
    try:
        for k in range(60):
            fake.advance(1 + k % 9)
            s.poll(sink)
            if k == 40:
                fake.advance(100)  # an overflow in the middle: reset + gap, still no heap
                s.poll(sink)
            s.sample(0, out)
    finally:
        micropython.heap_unlock()
    assert sink.missing == 100, sink.missing
    assert imu.overflows == 1
    return "noalloc ok fed=%d missing=%d" % (sink.n, sink.missing)


def file_chain(path, axes):
    """Raw file -> FileSource -> fake chip -> driver -> sampler: the engine's inputs."""
    from heel.imu.fake_mpu6050 import FileSource

    src = FileSource(path, block=7)  # a block size that does not divide the file
    fake = FakeMPU6050(src)
    imu = MPU6050(fake, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms)
    s = Sampler(imu, board(axes))
    sink = LogSink()
    while not fake.finished:
        fake.advance(13)
        s.poll(sink)
    src.close()
    return sink.log


def scenario_file(path, axes):
    log = file_chain(path, axes)
    check = 0
    for row in log:
        for v in row:
            check = (check * 31 + v) & 0xFFFFFF
    return "file n=%d check=%d first=%s" % (len(log), check, log[0])


def run(name, *args):
    print(globals()["scenario_" + name](*args))
