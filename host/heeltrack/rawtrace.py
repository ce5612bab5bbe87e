"""Trace CSV -> raw MPU6050 samples for the simulated chip (heel.imu.fake_mpu6050.FileSource).

    from heeltrack.trace import read_trace
    from heeltrack.rawtrace import trace_to_raw
    raw = trace_to_raw(read_trace("session.csv"), "boards/virtual.json")
    Path("session.raw").write_bytes(raw)

The output is what the chip would have measured: resampled to the board's rate
(100 Hz), rotated from the foot frame back into the chip's axes (the inverse of the
board's axis map), scaled to LSB at +-4 g (8192 LSB/g) and +-500 dps (65.5 LSB/dps),
rounded and saturated to int16, as records of 6 little-endian int16
(ax ay az gx gy gz). Grid points inside a long gap of the trace are interpolated
(the chip never stops sampling).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from heel.board import load_board
from heeltrack.errors import UserError
from heeltrack.trace import Trace, resample

LSB_PER_G = 8192.0
LSB_PER_DPS = 65.5
RECORD_BYTES = 12


def _board(board: Any) -> Any:
    if isinstance(board, (str, Path, dict)):
        try:
            return load_board(str(board) if isinstance(board, Path) else board)
        except ValueError as e:
            raise UserError(str(e)) from None
    return board


def foot_to_chip(foot: np.ndarray, board: Any) -> np.ndarray:
    """(N, 3) foot-frame vectors -> chip axes: chip[index[k]] = sign[k] * foot[k]."""
    b = _board(board)
    chip = np.empty_like(foot)
    for k in range(3):
        chip[:, b.axis_index[k]] = b.axis_sign[k] * foot[:, k]
    return chip


def to_raw(acc_g: np.ndarray, gyro_dps: np.ndarray, board: Any) -> np.ndarray:
    """(N, 6) int16 raw chip samples from foot-frame accel (g) and gyro (deg/s)."""
    acc = foot_to_chip(np.asarray(acc_g, dtype=float), board) * LSB_PER_G
    gyro = foot_to_chip(np.asarray(gyro_dps, dtype=float), board) * LSB_PER_DPS
    raw = np.rint(np.hstack([acc, gyro]))
    return np.clip(raw, -32768, 32767).astype(np.int16)


def trace_to_raw(trace: Trace, board: Any) -> bytes:
    """The bytes of a raw file (6 x int16 little-endian per record) for FileSource."""
    b = _board(board)
    r = resample(trace, float(b.rate_hz))
    return to_raw(r.acc, r.gyro, b).astype("<i2").tobytes()


def read_raw(path: str | Path) -> np.ndarray:
    """(N, 6) int16 samples of a raw file (for checks and tests)."""
    data = Path(path).read_bytes()
    if len(data) % RECORD_BYTES:
        raise UserError(f"{path}: {len(data)} bytes is not a whole number of 12-byte records")
    return np.frombuffer(data, dtype="<i2").reshape(-1, 6).astype(np.int16)
