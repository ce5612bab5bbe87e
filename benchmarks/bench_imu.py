"""IMU path cost on the unix port: driver FIFO read + decode + sampler conversion.

    python -m benchmarks.bench_imu

Instructions per sample (valgrind --tool=callgrind, difference of two runs divided by
the samples) for several samples-per-poll, with two buses:
  stub  a bus that answers FIFO_COUNT and leaves the data bytes alone: the Python cost
        on a real board, where the I2C transfer itself is C (machine.I2C);
  fake  the register-level simulated MPU6050 (what the virtual board pays on the PC).
Then heap: gc.mem_alloc() across 1000 polls in steady state (with an overflow).
"""

from __future__ import annotations

from benchmarks.common import callgrind_instructions
from heeltrack.micropython import run_script

_SETUP = """
from heel.imu.mpu6050 import MPU6050
from heel.sampler import Sampler
from heel.board import load_board
from heel.imu.fake_mpu6050 import FakeMPU6050, ArraySource

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

BOARD = load_board({"name": "b", "mcu": "unix", "i2c": None,
    "imu": {"type": "fake_mpu6050", "addr": 104, "rate_hz": 100}, "axes": ["y", "-x", "z"],
    "led": {"pin": "LED", "active_high": True}, "button": None, "buzzer": None, "usb": None})

def main(mode, polls, per):
    sink = Sink()
    if mode == "stub":
        s = Sampler(MPU6050(Stub(per), sleep_ms=lambda ms: None), BOARD)
        for _ in range(polls):
            s.poll(sink)
    else:
        fake = FakeMPU6050(ArraySource([[1, -2, 8192, 100, -100, 5]], loop=True))
        fake.writes = None
        s = Sampler(MPU6050(fake, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms), BOARD)
        for _ in range(polls):
            fake.advance(per)
            s.poll(sink)
    return sink
"""

_HEAP = (
    _SETUP
    + """
import gc
fake = FakeMPU6050(ArraySource([[1, -2, 8192, 100, -100, 5]], loop=True))
fake.writes = None
s = Sampler(MPU6050(fake, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms), BOARD)
sink = Sink()
def run(polls):
    for k in range(polls):
        fake.advance(10)
        if k == 500:
            fake.advance(200)
        s.poll(sink)
run(10)
gc.collect()
a = gc.mem_alloc()
run(1000)
print(sink.n, gc.mem_alloc() - a)
"""
)

POLLS = 200


def instructions_per_sample(mode: str, per: int) -> float:
    base = callgrind_instructions(_SETUP + f"main({mode!r}, 0, {per})\n")
    run = callgrind_instructions(_SETUP + f"main({mode!r}, {POLLS}, {per})\n")
    return (run - base) / (POLLS * per)


def main() -> None:
    print("instructions per sample (driver read + decode + sampler + an empty sink.feed)")
    print("samples/poll   stub bus (board)   fake chip (virtual board)")
    for per in (1, 5, 10, 20, 40):
        stub = instructions_per_sample("stub", per)
        fake = instructions_per_sample("fake", per)
        print(f"{per:12d}   {stub:16,.0f}   {fake:25,.0f}")
    out = run_script(_HEAP).stdout.decode().split()
    print(f"heap: {out[1]} bytes allocated over 1000 polls ({out[0]} samples, one overflow)")


if __name__ == "__main__":
    main()
