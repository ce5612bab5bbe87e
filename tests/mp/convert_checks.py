"""The sampler's viper conversion against a struct reference, in the unix port and CPython
(tests/test_sampler_convert.py): random FIFO bytes, the int16 extremes mixed in, every axis
map, both buffer areas of the driver (whole chunks from 0, the rest from `rest`).

    import convert_checks; convert_checks.run(7)      # prints "convert ok <n> <checksum>"
"""

import struct
from array import array

from heel.sampler import _convert, accel_mg, gyro_ddps

EXTREMES = (b"\x80\x00", b"\x7f\xff", b"\xff\xff", b"\x00\x00", b"\x00\x01", b"\x80\x01")
MAPS = (
    ((0, 1, 2), (1, 1, 1)),
    ((1, 0, 2), (1, -1, 1)),
    ((0, 1, 2), (1, -1, -1)),
    ((2, 1, 0), (-1, 1, 1)),
    ((2, 0, 1), (-1, -1, -1)),
)


class Imu:
    """What _convert reads of heel.imu.mpu6050.MPU6050 after read_fifo()."""

    def __init__(self, buf, full, rest):
        self.buf = buf
        self.full = full
        self.rest = rest


class Sink:
    def __init__(self):
        self.got = []

    def feed(self, ax, ay, az, gx, gy, gz):
        self.got.append((ax, ay, az, gx, gy, gz))


def _bytes(n, seed):
    out = bytearray(n)
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out[i] = (x >> 16) & 0xFF
    for k in range(0, n - 1, 14):  # an extreme every 14 bytes: it lands on every field
        e = EXTREMES[(k // 14) % len(EXTREMES)]
        out[k] = e[0]
        out[k + 1] = e[1]
    return out


def _reference(record, index, sign):
    chip = struct.unpack(">6h", record)
    acc = [accel_mg(sign[k] * chip[index[k]]) for k in range(3)]
    gyro = [gyro_ddps(sign[k] * chip[3 + index[k]]) for k in range(3)]
    return tuple(acc + gyro)


def run(seed):
    full, n, rest = 16, 27, 16 * 12 + 36  # 16 samples from 0, 11 from `rest`
    buf = _bytes(rest + (n - full) * 12, seed)
    imu = Imu(buf, full, rest)
    out = array("h", [0] * (6 * n))
    check = 0
    for index, sign in MAPS:
        m = [2 * index[0], 2 * index[1], 2 * index[2]] + [s < 0 for s in sign]
        sink = Sink()
        _convert(imu, n, bytearray(m + [1]), out, sink)
        again = array("h", [0] * (6 * n))
        _convert(imu, n, bytearray(m + [0]), again, sink)  # cfg[6] 0: the numbers, no calls
        for i in range(n):
            o = i * 12 if i < full else rest + (i - full) * 12
            want = _reference(bytes(buf[o : o + 12]), index, sign)
            assert sink.got[i] == want, (index, sign, i, sink.got[i], want)
            assert tuple(out[6 * i : 6 * i + 6]) == want, (index, sign, i)
            assert tuple(again[6 * i : 6 * i + 6]) == want, (index, sign, i)
            for v in want:
                check = (check * 31 + v) & 0xFFFFFF
        assert len(sink.got) == n
    print("convert ok %d %d" % (n * len(MAPS), check))


class CheckSink:
    """Compares each fed sample with the reference at once (nothing kept)."""

    def __init__(self, buf, index, sign):
        self.buf = buf
        self.index = index
        self.sign = sign
        self.i = 0

    def feed(self, *got):
        o = self.i * 12
        want = _reference(bytes(self.buf[o : o + 12]), self.index, self.sign)
        assert got == want, (self.i, got, want)
        self.i += 1


def exhaustive():
    """Every int16 value in every field (accel and gyro), straight and negated."""
    n = 65536 // 6 + 1
    buf = bytearray(n * 12)
    for k in range(n * 6):
        v = (k - 32768) & 0xFFFF
        buf[2 * k] = v >> 8
        buf[2 * k + 1] = v & 0xFF
    imu = Imu(buf, n, 0)
    out = array("h", [0] * (6 * n))
    for index, sign in MAPS[:2]:
        cfg = bytearray([2 * index[0], 2 * index[1], 2 * index[2]] + [s < 0 for s in sign] + [1])
        sink = CheckSink(buf, index, sign)
        _convert(imu, n, cfg, out, sink)
        assert sink.i == n
    print("exhaustive ok %d" % n)


class Frames:
    """A stream that keeps copies of what the recorder writes."""

    def __init__(self):
        self.frames = []

    def write(self, b):
        self.frames.append(bytes(b))
        return len(b)


def recorder(seed):
    """heel.recorder's sample bytes are struct "<6h" of the sampler's values (viper packing)."""
    import imu_scenarios as sc

    from heel.link import frame as F
    from heel.recorder import Recorder

    fake, imu = sc.make(sc.rows(300, seed=seed))
    stream = Frames()
    rec = Recorder(imu, sc.board(("y", "-x", "z")), stream, "left")
    one = [0] * 6
    check = 0
    total = 0
    for k in range(9):
        fake.advance(3 + 5 * k)
        n = rec.block()
        frame = stream.frames[-1]
        want = b""
        for i in range(n):
            rec.sampler.sample(i, one)
            want += struct.pack("<6h", *one)
        start = F.HEADER + 8
        assert frame[start : start + 12 * n] == want, k
        total += n
        for b in want:
            check = (check * 31 + b) & 0xFFFFFF
    print("recorder ok %d %d" % (total, check))
