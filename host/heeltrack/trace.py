"""Trace CSV (DESIGN.md contract 1): read with validation, write, resample; whole or streamed.

    >>> tr = read_trace("walk.csv")          # UserError on bad input, naming file and line
    >>> samples = to_engine_samples(resample(tr, 100.0))  # ints for the engine

    >>> r = Resampler(100.0)                 # the same, streamed: constant memory
    >>> for t, x in TraceReader("walk.csv").blocks():
    ...     for part in r.push(t, x): ...
    >>> for part in r.finish(): ...

Columns: t_s,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps in the foot frame, after optional
`# key: value` comment lines (`# foot: left|right`, `# rate_hz: N`). A UTF-8 byte-order mark
(spreadsheets write one) is ignored. Refused, naming the line: values beyond any foot-worn
sensor (|a| > 200 g, |w| > 5000 deg/s: wrong units), time going backwards or jumping by more
than a day.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
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
# ... and a shorter one at least this long as a hole interpolated across (it can hide a
# 10-30 ms impact whole; single lost samples are left alone)
MIN_HOLE_S = 0.1


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


# A foot-worn IMU never reads beyond these (the widest parts: +-200 g, +-5000 deg/s); a trace
# that does is in other units (m/s^2 is fine, mg or mdps is not) or damaged.
MAX_ABS_G = 200.0
MAX_ABS_DPS = 5000.0
MAX_GAP_S = 86400.0  # consecutive samples further apart are not one recording
ROWS_PER_BLOCK = 8192  # rows parsed at a time when streaming a trace


@dataclass
class TraceHead:
    """What precedes the samples of a trace CSV."""

    comments: dict[str, str]
    foot: str | None
    rate_hz: float | None


class TraceReader:
    """Streams a trace CSV in blocks of rows, validating as it goes (constant memory):

        reader = TraceReader("walk.csv")     # reads the comments and the header
        for t, x in reader.blocks():         # t (n,) seconds, x (n, 6) g and deg/s
            ...

    Any defect raises UserError naming the file and the line, when the reading gets there."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            # utf-8-sig: a spreadsheet's byte-order mark is not part of the first line
            self._f = open(self.path, encoding="utf-8-sig", newline="")  # noqa: SIM115
        except FileNotFoundError:
            raise UserError(f"{self.path}: no such file; give the path of a trace CSV") from None
        except IsADirectoryError:
            raise UserError(f"{self.path}: is a directory; give the path of a trace CSV") from None
        except OSError as e:
            raise UserError(f"{self.path}: cannot read ({e.strerror})") from None
        self.line = 0
        try:
            self.head = self._read_head()
        except BaseException:
            self._f.close()
            raise

    def _next_line(self) -> str | None:
        try:
            text = self._f.readline()
        except UnicodeDecodeError:
            raise _fail(
                self.path, self.line + 1, f"not a text file; give a trace CSV ({HEADER})"
            ) from None
        except OSError as e:
            raise UserError(f"{self.path}: cannot read ({e.strerror})") from None
        if not text:
            return None
        self.line += 1
        return text.rstrip("\r\n")

    def _read_head(self) -> TraceHead:
        path = self.path
        comments: dict[str, str] = {}
        while True:
            line = self._next_line()
            if line is None:
                raise _fail(
                    path, None, f"no header line; the first non-comment line must be {HEADER}"
                )
            if line.startswith("#") or not line.strip():
                body = line.lstrip("#").strip()
                if ":" in body:
                    key, value = body.split(":", 1)
                    comments[key.strip().lower()] = value.strip()
                continue
            break
        header = line.strip().replace(" ", "")
        if header != HEADER:
            raise _fail(path, self.line, f"wrong header {line.strip()!r}; expected {HEADER}")
        foot = comments.get("foot")
        if foot is not None and foot not in ("left", "right"):
            raise _fail(path, None, f"'# foot: {foot}' must be left or right")
        rate = None
        if "rate_hz" in comments:
            try:
                rate = float(comments["rate_hz"])
            except ValueError:
                raise _fail(
                    path, None, f"'# rate_hz: {comments['rate_hz']}' is not a number"
                ) from None
        return TraceHead(comments, foot, rate)

    def blocks(self, rows: int = ROWS_PER_BLOCK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(t, x) blocks of at most `rows` samples; UserError at the first bad line, and if the
        trace has fewer than 2 samples."""
        path = self.path
        block: list[list[float]] = []
        last_t: float | None = None
        total = 0
        try:
            while True:
                line = self._next_line()
                if line is None:
                    break
                if not line.strip() or line.startswith("#"):
                    continue
                n = self.line
                cells = line.split(",")
                if len(cells) != 7:
                    raise _fail(path, n, f"expected 7 comma-separated values, found {len(cells)}")
                try:
                    values = [float(c) for c in cells]
                except ValueError:
                    bad = next(c for c in cells if not _is_float(c))
                    raise _fail(
                        path, n, f"not a number: {bad.strip()!r}; fix or delete the line"
                    ) from None
                if not all(math.isfinite(v) for v in values):
                    raise _fail(path, n, "NaN or infinite value; fix or delete the line")
                _check_plausible(path, n, values)
                t = values[0]
                if last_t is not None:
                    if t <= last_t:
                        if t == last_t:
                            continue  # duplicated timestamp (seen in real loggers): keep the first
                        raise _fail(
                            path, n, f"time goes backwards ({t} after {last_t}); sort the trace"
                        )
                    if t - last_t > MAX_GAP_S:
                        raise _fail(
                            path,
                            n,
                            f"time jumps by {t - last_t:.0f} s ({t} after {last_t}): more than "
                            "a day; split the trace or fix the timestamps",
                        )
                last_t = t
                block.append(values)
                total += 1
                if len(block) >= rows:
                    yield _as_block(block)
                    block = []
            if total < 2:
                raise _fail(path, None, "the trace has fewer than 2 samples; record a longer trace")
            if block:
                yield _as_block(block)
        finally:
            self._f.close()


def _as_block(rows: list[list[float]]) -> tuple[np.ndarray, np.ndarray]:
    data = np.asarray(rows, dtype=float)
    return data[:, 0], data[:, 1:7]


def _check_plausible(path: Path, line: int, values: list[float]) -> None:
    a = max(abs(values[1]), abs(values[2]), abs(values[3]))
    if a > MAX_ABS_G:
        raise _fail(
            path,
            line,
            f"acceleration {a:g} g is beyond any foot-worn sensor (at most {MAX_ABS_G:g} g); "
            "the columns must be in g (not mg) and deg/s",
        )
    w = max(abs(values[4]), abs(values[5]), abs(values[6]))
    if w > MAX_ABS_DPS:
        raise _fail(
            path,
            line,
            f"angular rate {w:g} deg/s is beyond any foot-worn sensor (at most {MAX_ABS_DPS:g}); "
            "the columns must be in g and deg/s (not mdps)",
        )


def read_trace(path: str | Path) -> Trace:
    """Parse and validate a trace CSV; any defect raises UserError naming file and line.
    The whole trace is held (as arrays); TraceReader streams it instead."""
    reader = TraceReader(path)
    ts: list[np.ndarray] = []
    xs: list[np.ndarray] = []
    for t, x in reader.blocks():
        ts.append(t)
        xs.append(x)
    t_all = np.concatenate(ts)
    x_all = np.concatenate(xs)
    head = reader.head
    return Trace(t_all, x_all[:, 0:3], x_all[:, 3:6], head.foot, head.rate_hz, head.comments)


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
    source_hz: float = 0.0  # the input's sample rate (median interval), 0 if not known
    hole: np.ndarray | None = None  # (M,) bool: interpolated across a gap of MIN_HOLE_S or more


RATE_WINDOW = 1000  # the input rate is the median of the first this many sample intervals
GRID_BLOCK = 65536  # grid points given out at a time


def resample(trace: Trace, rate_hz: float = 100.0) -> Resampled:
    """Put a whole trace on a uniform grid at `rate_hz` (any input rate, jitter, gaps); the
    same numbers as Resampler gives streaming it."""
    r = Resampler(rate_hz)
    blocks = r.push(trace.t, np.hstack([trace.acc, trace.gyro])) + r.finish()
    return Resampled(
        np.concatenate([b.t for b in blocks]),
        np.concatenate([b.acc for b in blocks]),
        np.concatenate([b.gyro for b in blocks]),
        np.concatenate([b.missing for b in blocks]),
        r.source_hz,
        np.concatenate([b.hole for b in blocks if b.hole is not None]),
    )


class Resampler:
    """Streams samples onto a uniform grid at `rate_hz`, in constant memory:

        r = Resampler(100.0)
        for t, x in TraceReader("walk.csv").blocks():   # x: (n, 6) g and deg/s
            for part in r.push(t, x): use(part)          # Resampled pieces, in order
        for part in r.finish(): use(part)

    Input faster than the grid is first box-averaged over one output period (anti-aliasing,
    like the MPU6050's DLPF: `width` = input rate / grid rate, the input rate from the median
    of the first RATE_WINDOW intervals), then linearly interpolated onto t0 + n / rate_hz up to
    the last sample. Grid points inside a gap longer than MAX_INTERPOLATED_GAP_S are flagged
    missing rather than invented, and those inside a shorter one of MIN_HOLE_S or more as a
    hole. Every output depends only on the samples around it, so the result does not depend on
    how the input is split into blocks."""

    def __init__(self, rate_hz: float = 100.0) -> None:
        self.step = 1.0 / rate_hz
        self.width = 0  # known once RATE_WINDOW intervals (or the whole input) arrived
        self.source_hz = 0.0  # ... and the input's rate
        self._t = np.zeros(0)  # raw samples held, global indices base .. base + len
        self._x = np.zeros((0, 6))
        self._f = np.zeros((0, 6))  # their box-filtered values, as far as known
        self._base = 0
        self._t0 = 0.0
        self._n = 0  # grid points given out

    def push(self, t: np.ndarray, x: np.ndarray) -> list[Resampled]:
        if not len(t):
            return []
        if not self.width and not len(self._t):
            self._t0 = float(t[0])
        self._t = np.concatenate([self._t, np.asarray(t, dtype=float)])
        self._x = np.concatenate([self._x, np.asarray(x, dtype=float)])
        if not self.width:
            if len(self._t) <= RATE_WINDOW:
                return []
            self._start()
        return self._emit(final=False)

    def finish(self) -> list[Resampled]:
        """The rest of the grid, up to the last sample; needs at least 2 samples in all."""
        if not self.width:
            if len(self._t) < 2:
                raise ValueError("a trace needs at least 2 samples")
            self._start()
        return self._emit(final=True)

    def _start(self) -> None:
        dt = np.diff(self._t[: RATE_WINDOW + 1])
        src_rate = 1.0 / float(np.median(dt))
        self.width = max(1, int(round(src_rate * self.step)))
        self.source_hz = src_rate

    def _filter(self, final: bool) -> None:
        """Box-filter the raw samples whose whole window has arrived (all of them at the end).
        The window sum is added up in a fixed order, so it is the same whatever the blocks."""
        w = self.width
        h = w // 2
        r = w - 1 - h
        held = len(self._t)
        last = self._base + held - 1  # global index of the newest raw sample
        a = self._base + len(self._f)  # first global index not yet filtered
        b = last + 1 if final else last - r + 1
        if b <= a:
            return
        if w == 1:
            self._f = np.concatenate([self._f, self._x[a - self._base : b - self._base]])
            return
        idx = np.clip(np.arange(a - h, b + r), 0, last) - self._base
        window = self._x[idx]
        n = b - a
        acc = window[0:n].copy()
        for k in range(1, w):
            acc += window[k : k + n]
        self._f = np.concatenate([self._f, acc / w])

    def _emit(self, final: bool) -> list[Resampled]:
        self._filter(final)
        out: list[Resampled] = []
        nf = len(self._f)
        if not nf:
            return out
        t_known = self._t[:nf]
        last_t = float(t_known[-1])
        if final:
            end = math.ceil((float(self._t[-1]) - self._t0) / self.step + 0.5)
        else:  # up to the newest filtered sample: later points need samples not here yet
            end = int(math.floor((last_t - self._t0) / self.step)) + 1
        while self._n < end:
            n1 = min(end, self._n + GRID_BLOCK)
            grid = self._t0 + np.arange(self._n, n1) * self.step
            if not final:
                grid = grid[grid <= last_t]
                if not len(grid):
                    break
                n1 = self._n + len(grid)
            cols = [np.interp(grid, t_known, self._f[:nf, k]) for k in range(6)]
            total = self._base + len(self._t)
            after = np.clip(np.searchsorted(t_known, grid) + self._base, 1, total - 1)
            gap = self._t[after - self._base] - self._t[after - 1 - self._base]
            out.append(
                Resampled(
                    grid,
                    np.column_stack(cols[0:3]),
                    np.column_stack(cols[3:6]),
                    gap > MAX_INTERPOLATED_GAP_S,
                    self.source_hz,
                    (gap >= MIN_HOLE_S) & (gap <= MAX_INTERPOLATED_GAP_S),
                )
            )
            self._n = n1
        self._trim()
        return out

    def _trim(self) -> None:
        """Drop the samples no later output needs: keep the bracket of the next grid point (and
        the sample before it, for the gap test) and the window of the next unfiltered one."""
        g = self._t0 + self._n * self.step
        j = int(np.searchsorted(self._t, g, side="right")) - 1 + self._base
        unfiltered = self._base + len(self._f)
        keep = max(self._base, min(j - 1, unfiltered - self.width // 2 - 1))
        k = keep - self._base
        if k > 0:
            self._t = self._t[k:]
            self._x = self._x[k:]
            self._f = self._f[k:]
            self._base = keep


def to_engine_samples(r: Resampled) -> np.ndarray:
    """(M, 6) int32 engine samples: accel in mg, gyro in 0.1 dps, clipped to the input range."""
    acc = np.clip(np.rint(r.acc * 1000.0), -ACC_LIMIT_MG, ACC_LIMIT_MG)
    gyro = np.clip(np.rint(r.gyro * 10.0), -GYRO_LIMIT_DDPS, GYRO_LIMIT_DDPS)
    return np.hstack([acc, gyro]).astype(np.int32)
