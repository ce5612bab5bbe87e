"""The IMU path (driver FIFO read + decode + sampler) in the unix port
(benchmarks/bench_imu.py).

    import imu_cost; imu_cost.polls("stub", 200, 10)    # under callgrind
    import imu_cost; imu_cost.heap()                    # prints samples, heap moved

stub: a bus that answers FIFO_COUNT and leaves the data bytes alone (the Python cost on a
real board, where the I2C transfer itself is C); fake: the register-level simulated MPU6050.
"""

from heel.board import load_board
from heel.imu.fake_mpu6050 import ArraySource, FakeMPU6050
from heel.imu.mpu6050 import MPU6050
from heel.sampler import Sampler

SAMPLE = [[1, -2, 8192, 100, -100, 5]]


class Stub:
    def __init__(self, per):
        self.per = per

    def readfrom_mem_into(self, addr, reg, buf):
        if reg == 0x75:
            buf[0] = 0x68
        elif reg == 0x72:
            buf[0] = self.per * 12 >> 8
            buf[1] = self.per * 12 & 0xFF
        elif reg == 0x6B or reg == 0x3A:
            buf[0] = 0

    def writeto_mem(self, addr, reg, buf):
        pass

    def scan(self):
        return [0x68]


class Sink:
    def __init__(self):
        self.n = 0

    def feed(self, ax, ay, az, gx, gy, gz):
        self.n += 1

    def gap(self, n):
        pass


def _board():
    return load_board(
        {
            "name": "b",
            "mcu": "unix",
            "i2c": None,
            "imu": {"type": "fake_mpu6050", "addr": 104, "rate_hz": 100},
            "axes": ["y", "-x", "z"],
            "led": {"pin": "LED", "active_high": True},
            "button": None,
            "buzzer": None,
            "usb": None,
        }
    )


def _fake_sampler():
    fake = FakeMPU6050(ArraySource(SAMPLE, loop=True))
    fake.writes = None
    return fake, Sampler(MPU6050(fake, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms), _board())


def polls(mode, n, per):
    """`n` polls of `per` samples each through the stub bus or the fake chip."""
    sink = Sink()
    if mode == "stub":
        s = Sampler(MPU6050(Stub(per), sleep_ms=lambda ms: None), _board())
        for _ in range(n):
            s.poll(sink)
    else:
        fake, s = _fake_sampler()
        for _ in range(n):
            fake.advance(per)
            s.poll(sink)
    return sink


def heap():
    """Heap moved over 1000 polls of the fake chip in steady state (one FIFO overflow)."""
    import gc

    fake, s = _fake_sampler()
    sink = Sink()

    def run(n):
        for k in range(n):
            fake.advance(10)
            if k == 500:
                fake.advance(200)
            s.poll(sink)

    run(10)
    gc.collect()
    a = gc.mem_alloc()
    run(1000)
    print(sink.n, gc.mem_alloc() - a)
