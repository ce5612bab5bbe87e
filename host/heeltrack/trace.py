"""Trace CSV (DESIGN.md contract 1): read with validation, write, resample.

    >>> tr = read_trace("walk.csv")          # UserError on bad input, naming file and line
    >>> samples = to_engine_samples(resample(tr, 100.0))  # ints for the engine

Columns: t_s,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps in the foot frame, after optional
`# key: value` comment lines (`# foot: left|right`, `# rate_hz: N`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from heeltrack.errors import UserError

HEADER = "t_s,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps"
COLUMNS = HEADER.split(",")
# Engine input range (DESIGN: ints, accel in mg, gyro in 0.1 dps); wider than the
# MPU6050's +-4 g / +-500 dps so that recordings from other sensors still fit.
ACC_LIMIT_MG = 16000
GYRO_LIMIT_DDPS = 20000
# A gap longer than this is reported to the engine as missing samples.
MAX_INTERPOLATED_GAP_S = 0.25


@dataclass
class Trace:
    t: np.ndarray  # (N,) seconds, strictly increasing after read_trace
    acc: np.ndarray  # (N, 3) specific force in g, foot frame
    gyro: np.ndarray  # (N, 3) angular rate in deg/s, foot frame
    foot: str | None = None
    rate_hz: float | None = None
    comments: dict[str, str] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return float(self.t[-1] - self.t[0]) if len(self.t) > 1 else 0.0


def _fail(path: Path, line: int | None, what: str) -> UserError:
    where = f"{path}, line {line}" if line else str(path)
    return UserError(f"{where}: {what}")


def read_trace(path: str | Path) -> Trace:
    """Parse and validate a trace CSV; any defect raises UserError naming file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file; give the path of a trace CSV") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory; give the path of a trace CSV") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a text file; give a trace CSV ({HEADER})") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None

    comments: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines) and (lines[i].startswith("#") or not lines[i].strip()):
        body = lines[i].lstrip("#").strip()
        if ":" in body:
            key, value = body.split(":", 1)
            comments[key.strip().lower()] = value.strip()
        i += 1
    if i == len(lines):
        raise _fail(path, None, f"no header line; the first non-comment line must be {HEADER}")
    header = lines[i].strip().replace(" ", "")
    if header != HEADER:
        raise _fail(path, i + 1, f"wrong header {lines[i].strip()!r}; expected {HEADER}")
    rows: list[list[float]] = []
    for n, line in enumerate(lines[i + 1 :], start=i + 2):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split(",")
        if len(cells) != 7:
            raise _fail(path, n, f"expected 7 comma-separated values, found {len(cells)}")
        try:
            values = [float(c) for c in cells]
        except ValueError:
            bad = next(c for c in cells if not _is_float(c))
            raise _fail(path, n, f"not a number: {bad.strip()!r}; fix or delete the line") from None
        if not all(math.isfinite(v) for v in values):
            raise _fail(path, n, "NaN or infinite value; fix or delete the line")
        if rows and values[0] <= rows[-1][0]:
            if values[0] == rows[-1][0]:
                continue  # duplicated timestamp (seen in real loggers): keep the first
            raise _fail(
                path, n, f"time goes backwards ({values[0]} after {rows[-1][0]}); sort the trace"
            )
        rows.append(values)
    if len(rows) < 2:
        raise _fail(path, None, "the trace has fewer than 2 samples; record a longer trace")
    data = np.asarray(rows, dtype=float)
    foot = comments.get("foot")
    if foot is not None and foot not in ("left", "right"):
        raise _fail(path, None, f"'# foot: {foot}' must be left or right")
    rate = None
    if "rate_hz" in comments:
        try:
            rate = float(comments["rate_hz"])
        except ValueError:
            raise _fail(path, None, f"'# rate_hz: {comments['rate_hz']}' is not a number") from None
    return Trace(data[:, 0], data[:, 1:4], data[:, 4:7], foot, rate, comments)


def _is_float(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def write_trace(
    path: str | Path,
    t: np.ndarray,
    acc: np.ndarray,
    gyro: np.ndarray,
    *,
    foot: str | None = None,
    rate_hz: float | None = None,
    comments: Iterable[str] = (),
) -> None:
    """Write a trace CSV (5 decimals for g, 3 for deg/s, like the real recordings)."""
    out = []
    if foot:
        out.append(f"# foot: {foot}")
    if rate_hz:
        out.append(f"# rate_hz: {rate_hz:g}")
    out.extend(f"# {c}" for c in comments)
    out.append(HEADER)
    for ti, a, g in zip(t, acc, gyro, strict=True):
        out.append(f"{ti:.5f},{a[0]:.5f},{a[1]:.5f},{a[2]:.5f},{g[0]:.3f},{g[1]:.3f},{g[2]:.3f}")
    Path(path).write_text("\n".join(out) + "\n", encoding="utf-8")


@dataclass
class Resampled:
    t: np.ndarray  # (M,) uniform grid, seconds
    acc: np.ndarray  # (M, 3) g
    gyro: np.ndarray  # (M, 3) deg/s
    missing: np.ndarray  # (M,) bool: inside a gap longer than MAX_INTERPOLATED_GAP_S


def resample(trace: Trace, rate_hz: float = 100.0) -> Resampled:
    """Put a trace on a uniform grid at `rate_hz` (any input rate, jitter, gaps).

    Faster input is first box-averaged over one output period (anti-aliasing, like the
    MPU6050's DLPF); then values are linearly interpolated. Grid points inside a gap
    longer than MAX_INTERPOLATED_GAP_S are flagged missing rather than invented.
    """
    t = trace.t
    dt = np.diff(t)
    src_rate = 1.0 / float(np.median(dt))
    acc, gyro = trace.acc, trace.gyro
    width = int(round(src_rate / rate_hz))
    if width >= 2:
        acc, gyro = _box(acc, width), _box(gyro, width)
    grid = np.arange(t[0], t[-1] + 0.5 / rate_hz, 1.0 / rate_hz)
    acc_r = np.column_stack([np.interp(grid, t, acc[:, k]) for k in range(3)])
    gyro_r = np.column_stack([np.interp(grid, t, gyro[:, k]) for k in range(3)])
    after = np.clip(np.searchsorted(t, grid), 1, len(t) - 1)
    missing = (t[after] - t[after - 1]) > MAX_INTERPOLATED_GAP_S
    return Resampled(grid, acc_r, gyro_r, missing)


def _box(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average over `width` samples (edges use what exists)."""
    pad = np.pad(x, ((width // 2, width - 1 - width // 2), (0, 0)), mode="edge")
    c = np.cumsum(pad, axis=0)
    c = np.vstack([np.zeros((1, x.shape[1])), c])
    return (c[width:] - c[:-width]) / width


def to_engine_samples(r: Resampled) -> np.ndarray:
    """(M, 6) int32 engine samples: accel in mg, gyro in 0.1 dps, clipped to the input range."""
    acc = np.clip(np.rint(r.acc * 1000.0), -ACC_LIMIT_MG, ACC_LIMIT_MG)
    gyro = np.clip(np.rint(r.gyro * 10.0), -GYRO_LIMIT_DDPS, GYRO_LIMIT_DDPS)
    return np.hstack([acc, gyro]).astype(np.int32)
