"""`heeltrack analyze` streams the trace: the resampler gives the same numbers whatever the blocks,
memory does not grow with the trace, and the unix port takes traces of any length."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from heeltrack.analysis import analyze_file, analyze_trace_samples
from heeltrack.sim import simulate_set
from heeltrack.trace import (
    HEADER,
    Resampled,
    Resampler,
    Trace,
    TraceReader,
    read_trace,
    resample,
    write_trace,
)


def _concat(parts: list[Resampled]) -> Resampled:
    return Resampled(
        np.concatenate([p.t for p in parts]),
        np.concatenate([p.acc for p in parts]),
        np.concatenate([p.gyro for p in parts]),
        np.concatenate([p.missing for p in parts]),
    )


def _irregular(seed: int, n: int, rate: float) -> Trace:
    """Jittered timestamps, a short and a long gap: everything the resampler handles."""
    rng = np.random.default_rng(seed)
    t = 12.3 + np.arange(n) / rate + rng.uniform(0, 0.4 / rate, n)
    t[n // 3 :] += 0.15  # interpolated
    t[2 * n // 3 :] += 1.7  # missing
    acc = rng.normal(0, 0.3, (n, 3)) + [0, 0, 1]
    gyro = rng.normal(0, 40, (n, 3))
    return Trace(t, acc, gyro)


@pytest.mark.parametrize("rate", [50.0, 100.0, 250.0, 1000.0])
def test_the_resampler_gives_the_same_numbers_whatever_the_blocks(rate: float) -> None:
    trace = _irregular(int(rate), 5000, rate)
    whole = resample(trace, 100.0)
    assert whole.missing.any() and not whole.missing.all()
    x = np.hstack([trace.acc, trace.gyro])
    for size in (1, 13, 999, 1001, 4096):
        if size == 1 and rate > 100:
            continue  # slow, and nothing new
        r = Resampler(100.0)
        parts: list[Resampled] = []
        for i in range(0, len(trace.t), size):
            parts += r.push(trace.t[i : i + size], x[i : i + size])
        parts += r.finish()
        got = _concat(parts)
        for name in ("t", "acc", "gyro", "missing"):
            assert np.array_equal(getattr(got, name), getattr(whole, name)), (size, name)


def test_streamed_analysis_is_the_whole_trace_analysis(tmp_path: Path) -> None:
    trace, truth = simulate_set(7003, "heel_raise", rate_hz=200, jitter=True)
    path = tmp_path / "set.csv"
    write_trace(path, trace.t, trace.acc, trace.gyro, foot=trace.foot)
    streamed = analyze_file(path)
    assert streamed == analyze_trace_samples(resample(read_trace(path), 100.0))
    assert streamed["sets"] and streamed["sets"][0]["exercise"] == "heel_raise"


def _long_trace(path: Path, minutes: float, tail: Trace | None = None) -> None:
    """A trace of the foot resting (with sensor noise) for `minutes`, then `tail` (resting in
    the pose `tail` starts in, as when the board is already strapped on)."""
    n = int(minutes * 6000)
    rng = np.random.default_rng(1)
    t = np.arange(n) / 100.0
    pose = tail.acc[:50].mean(axis=0) if tail is not None else np.array([0.0, 0.0, 1.0])
    acc = rng.normal(0, 0.005, (n, 3)) + pose
    gyro = rng.normal(0, 0.3, (n, 3))
    if tail is not None:
        t = np.concatenate([t, tail.t - tail.t[0] + t[-1] + 0.01])
        acc = np.concatenate([acc, tail.acc])
        gyro = np.concatenate([gyro, tail.gyro])
    with open(path, "w") as f:
        f.write(HEADER + "\n")
        np.savetxt(
            f,
            np.column_stack([t, acc, gyro]),
            fmt=["%.3f"] + ["%.5f"] * 3 + ["%.3f"] * 3,
            delimiter=",",
        )


_PEAK = """
import resource, sys
from heeltrack.cli import main
code = main(["analyze", sys.argv[1], "--json"])
print("PEAK_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def _peak_kb(path: Path) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"sets": []}
    return int(proc.stderr.split("PEAK_KB")[1].split()[0])


def test_memory_does_not_grow_with_the_trace(tmp_path: Path) -> None:
    # found: 455 MB for a 40 MB CSV (every row held as Python floats, then the whole grid)
    short, long = tmp_path / "short.csv", tmp_path / "long.csv"
    _long_trace(short, 5)
    _long_trace(long, 35)  # 210,000 rows, 11 MB: the old reader took ~110 MB more for it
    grew_kb = _peak_kb(long) - _peak_kb(short)
    assert grew_kb < 8 * 1024, grew_kb


def test_the_unix_port_analyses_a_trace_longer_than_its_heap(
    tmp_path: Path, micropython_bin: str
) -> None:
    # found: past ~25 minutes, `--runtime micropython` died with MemoryError (all calls were
    # sent at once and read into one buffer)
    tail, _truth = simulate_set(7004, "heel_raise")
    path = tmp_path / "long.csv"
    _long_trace(path, 30, tail)
    cpython = analyze_file(path)
    assert [s["exercise"] for s in cpython["sets"]] == ["heel_raise"]
    assert analyze_file(path, runtime="micropython") == cpython


def test_a_gap_longer_than_an_int16_count_reaches_the_unix_port(
    tmp_path: Path, micropython_bin: str
) -> None:
    first, _ = simulate_set(7005, "heel_raise")
    second, _ = simulate_set(7006, "toe_tap")
    t = np.concatenate([first.t, second.t - second.t[0] + first.t[-1] + 600.0])  # 10 min apart
    path = tmp_path / "gap.csv"
    write_trace(
        path,
        t,
        np.concatenate([first.acc, second.acc]),
        np.concatenate([first.gyro, second.gyro]),
    )
    cpython = analyze_file(path)
    assert analyze_file(path, runtime="micropython") == cpython


def test_a_spreadsheet_byte_order_mark_is_not_part_of_the_header(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    rows = "".join(f"{i / 100:.2f},0,0,1,0,0,0\r\n" for i in range(300))
    path.write_bytes(("\ufeff" + HEADER + "\r\n" + rows).encode("utf-8"))
    reader = TraceReader(path)
    blocks = list(reader.blocks())
    assert sum(len(t) for t, _x in blocks) == 300
    assert analyze_file(path) == {"sets": []}
