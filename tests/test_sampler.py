"""Sampler (raw -> foot frame, mg, 0.1 dps), zero allocation, and the trace -> raw chain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from heeltrack.firmware import board_file
from heeltrack.rawtrace import foot_to_chip, read_raw, to_raw, trace_to_raw
from heeltrack.trace import Trace, resample
from tests import imu_scenarios as sc
from tests.mp import run_mp

ROTATED = ("y", "-x", "z")  # the chip turned a quarter on the foot


def mp(*args: object) -> str:
    """imu_scenarios.run(*args) in the unix port."""
    return run_mp("imu_scenarios", "run", *args).stdout.decode().strip()


@pytest.mark.parametrize("axes", [("x", "y", "z"), ROTATED, ("x", "-y", "-z"), ("-z", "y", "x")])
def test_axis_map_and_scaling_cpython_and_unix_port(axes: tuple[str, ...], micropython_bin: str):
    expected = sc.scenario_sampler(axes)
    assert mp("sampler", axes) == expected


def test_scaling_extremes() -> None:
    from heel.sampler import accel_mg, gyro_ddps

    assert accel_mg(8192) == 1000 and accel_mg(-8192) == -1000
    assert accel_mg(-32768) == -4000 and accel_mg(32768) == 4000
    assert accel_mg(32767) == 4000  # 3999.88
    assert accel_mg(4) == 0 and accel_mg(5) == 1  # 0.49 and 0.61 mg
    assert gyro_ddps(655) == 100 and gyro_ddps(-655) == -100
    assert gyro_ddps(32767) == 5003 and gyro_ddps(-32768) == -5003
    assert gyro_ddps(3) == 0 and gyro_ddps(4) == 1  # 0.46 and 0.61


def test_zero_heap_allocation_in_steady_state(micropython_bin: str) -> None:
    out = mp("no_alloc")
    assert out.startswith("noalloc ok fed=")
    assert "missing=100" in out


def test_heap_lock_check_catches_an_allocating_sink(micropython_bin: str) -> None:
    """The zero-allocation proof can fail: a sink that allocates trips heap_lock."""
    proc = run_mp("sampler_alloc", "run")
    assert proc.stdout.decode().strip() == "MemoryError"


def _trace() -> Trace:
    t = np.arange(0, 3.0, 0.005)  # 200 Hz in, resampled to 100 Hz
    w = 2 * np.pi * 0.7
    acc = np.column_stack([0.3 * np.sin(w * t), -0.2 * np.cos(w * t), 1 + 0.1 * np.sin(3 * w * t)])
    gyro = np.column_stack([120 * np.sin(w * t), -80 * np.cos(w * t), 30 * np.sin(2 * w * t)])
    acc[100:110, 0] = 5.0  # beyond +-4 g: saturates
    acc[100:110, 1] = -6.0
    gyro[200:210, 2] = -700.0  # beyond +-500 dps
    return Trace(t, acc, gyro)


def test_foot_to_chip_inverts_the_board_map() -> None:
    b = sc.board(ROTATED)
    foot = np.array([[1.0, 2.0, 3.0]])
    chip = foot_to_chip(foot, b)
    # foot x = chip y, foot y = -chip x, foot z = chip z
    assert chip.tolist() == [[-2.0, 1.0, 3.0]]
    raw = to_raw(np.array([[5.0, 0, -1]]), np.array([[0, 600.0, 1]]), b)
    assert raw.tolist() == [[0, 32767, -8192, -32768, 0, 66]]


def test_trace_to_raw_to_engine_units_cpython_and_unix_port(
    tmp_path: Path, micropython_bin: str
) -> None:
    tr = _trace()
    raw = trace_to_raw(tr, sc.board(ROTATED))
    assert len(raw) % 12 == 0
    path = tmp_path / "session.raw"
    path.write_bytes(raw)
    assert read_raw(path).shape == (300, 6)

    log = sc.file_chain(str(path), ROTATED)
    # the chain polls every 13 samples and reads only whole samples: the tail may stay behind
    assert 300 - 13 < len(log) <= 300
    got = np.array(log, dtype=float)
    r = resample(tr, 100.0)  # the converter's grid: box-averaged, then interpolated
    want_acc = np.clip(np.rint(r.acc[: len(log)] * 1000), -4000, 4000)
    want_gyro = np.clip(np.rint(r.gyro[: len(log)] * 10), -5003, 5003)
    assert np.abs(got[:, :3] - want_acc).max() <= 1
    assert np.abs(got[:, 3:] - want_gyro).max() <= 1
    assert got[51:55, 0].tolist() == [4000] * 4  # +5 g saturated
    assert got[51:55, 1].tolist() == [-4000] * 4  # -6 g saturated
    assert got[101:105, 5].tolist() == [-5003] * 4  # -700 dps saturated

    assert mp("file", str(path), ROTATED) == sc.scenario_file(str(path), ROTATED)


def test_trace_to_raw_takes_a_board_file(tmp_path: Path) -> None:
    raw = trace_to_raw(_trace(), board_file("virtual"))
    assert len(raw) == 300 * 12
