"""MPU6050 driver against the register-level fake chip, in CPython and in the unix port.

The scenarios live in tests/imu_scenarios.py (MicroPython-compatible); each runs here
in CPython and again inside the MicroPython unix port, and both must print the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import imu_scenarios as sc
from tests.mp import run_mp

DRIVER_SCENARIOS = [
    "init_sequence",
    "roundtrip",
    "bursts",
    "latest",
    "overflow",
    "overflow_no_clock",
    "who_am_i",
    "bad_settings",
    "runtime_errors",
]


def run_in_micropython(name: str) -> str:
    proc = run_mp("imu_scenarios", "run", name)
    return proc.stdout.decode().strip()


@pytest.mark.parametrize("name", DRIVER_SCENARIOS)
def test_scenario_cpython_and_unix_port(name: str, micropython_bin: str) -> None:
    expected = getattr(sc, "scenario_" + name)()
    assert run_in_micropython(name) == expected


def test_who_am_i_messages_name_address_and_scan() -> None:
    msgs = sc.scenario_who_am_i().splitlines()
    assert msgs[0].startswith("chip at 0x68 answered WHO_AM_I=0x12")
    assert msgs[1] == "no MPU6050 at 0x68 (EIO, no answer); I2C scan found: 0x3c"
    assert msgs[2].endswith("I2C scan found: 0x69")
    assert "nothing" in msgs[3]


def test_fifo_overflow_misaligns_like_the_chip() -> None:
    """The fake drops the oldest bytes: after an overflow the stream starts mid-record."""
    data = sc.rows(100)
    fake, imu = sc.make(data)
    fake.advance(86)  # 1032 bytes: the 8 oldest are gone
    assert fake.fifo_count() == 1024
    assert fake.readfrom_mem(0x68, 0x3A, 1)[0] & 0x10  # FIFO_OFLOW set...
    assert fake.readfrom_mem(0x68, 0x3A, 1)[0] & 0x10 == 0  # ...and cleared on read
    first = fake.readfrom_mem(0x68, 0x74, 4)
    expected = b"".join(v.to_bytes(2, "big", signed=True) for v in data[0])[8:12]
    assert first == expected


def test_empty_fifo_repeats_last_byte_and_sleeping_chip_takes_no_samples() -> None:
    fake, imu = sc.make(sc.rows(10))
    fake.advance(1)
    last = fake.readfrom_mem(0x68, 0x74, 12)[-1]
    assert fake.readfrom_mem(0x68, 0x74, 2) == bytes([last, last])
    fake.writeto_mem(0x68, 0x6B, b"\x40")  # SLEEP
    fake.advance(5)
    assert fake.fifo_count() == 0 and fake.samples == 1
    fake.writeto_mem(0x68, 0x6B, b"\x80")  # device reset: registers back to defaults
    assert fake.readfrom_mem(0x68, 0x6B, 1) == b"\x40"
    assert fake.readfrom_mem(0x68, 0x75, 1) == b"\x68"
    assert fake.readfrom_mem(0x68, 0x23, 1) == b"\x00"


def test_clock_driven_fake_fills_fifo_in_real_time() -> None:
    from heel.imu.fake_mpu6050 import ArraySource, FakeMPU6050
    from heel.imu.mpu6050 import MPU6050

    now = [1000]
    data = sc.rows(200)
    fake = FakeMPU6050(ArraySource(data), clock=lambda: now[0])
    imu = MPU6050(fake, ticks_ms=lambda: now[0], sleep_ms=lambda ms: None)
    now[0] += 255  # 25.5 periods of 10 ms
    assert sc.read_all(imu) == data[:25]
    now[0] += 5  # the half period carried over completes sample 26
    assert sc.read_all(imu) == data[25:26]
    now[0] += 3000  # 3 s: overflow, gap estimated from the clock
    assert imu.read_fifo() == 0
    assert imu.gap_samples == 300


def test_init_errors_are_loud_runtime_errors_are_not() -> None:
    from heel.imu.fake_mpu6050 import ArraySource, FakeMPU6050
    from heel.imu.mpu6050 import MPU6050

    fake = FakeMPU6050(ArraySource(sc.rows(5)))
    fake.fail_at = [3]  # during the reset sequence
    with pytest.raises(OSError):
        MPU6050(fake, sleep_ms=fake.sleep_ms)
    fake, imu = sc.make(sc.rows(5))
    fake.present = False
    assert imu.read_fifo() == 0
    assert imu.errors == 3


def test_file_source_reads_le_records_in_blocks_loops_and_ignores_a_torn_tail(
    tmp_path: Path,
) -> None:
    import array

    from heel.imu.fake_mpu6050 import ArraySource, FileSource

    data = sc.rows(10)
    raw = array.array("h", [v for r in data for v in r]).tobytes()  # little-endian host
    path = tmp_path / "t.raw"
    path.write_bytes(raw + b"\x01\x02\x03")  # 3 stray bytes: not a record
    out = array.array("h", [0] * 6)
    src = FileSource(str(path), block=3)
    got = []
    while src.next_into(out):
        got.append(list(out))
    assert got == data
    src.close()
    src = FileSource(str(path), loop=True, block=4)
    for _ in range(25):
        assert src.next_into(out)
    assert list(out) == data[4]  # 25th sample of a 10-sample loop
    src.close()
    with pytest.raises(ValueError, match="6 values per sample"):
        ArraySource([[1, 2, 3]])


def test_clock_catch_up_can_be_capped_for_a_starved_host() -> None:
    from heel.imu.fake_mpu6050 import ArraySource, FakeMPU6050
    from heel.imu.mpu6050 import MPU6050

    now = [0]
    data = sc.rows(300)
    fake = FakeMPU6050(ArraySource(data), clock=lambda: now[0], max_step_ms=500)
    imu = MPU6050(fake, ticks_ms=lambda: now[0], sleep_ms=lambda ms: None)
    now[0] += 5000  # the process slept 5 s: only 0.5 s of chip time passes
    assert sc.read_all(imu) == data[:50]
    assert imu.overflows == 0
