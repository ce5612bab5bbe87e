"""Run the motion engine over a trace and build the analysis JSON (DESIGN.md contract 2).

The engine is the device's own code (firmware/lib/heel/motion), run here in CPython or,
with runtime="micropython", inside the MicroPython unix port; both give the same events.

    >>> result = analyze_file("trace.csv")            # {"sets": [...]}
"""

from __future__ import annotations

import itertools
import struct
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from heel.motion import events as ev
from heel.motion.engine import RATE_HZ, Engine
from heeltrack.micropython import call, start_script
from heeltrack.trace import Resampled, Resampler, TraceReader, to_engine_samples
from heeltrack.unixport import SCRIPTS

Event = tuple[int, int, int, int]  # kind, exercise, t_ms, value
GAP_MARK = -32768  # in the binary sample stream: "n samples missing" (n in the 2nd field)
RATE_MARK = -32767  # ... "the samples were upsampled from this rate (Hz)" (Engine.source_rate)
HOLE_MARK = -32766  # ... "the next n samples are interpolated across lost ones" (Engine.hole)
MAX_GAP_SAMPLES = 32767 * 32768 + 32767  # what one encoded gap record can say


def engine_input(r: Resampled) -> list[tuple[int, ...]]:
    """Engine calls for a resampled trace: 6-int samples, or (GAP_MARK, n) for missing runs."""
    return list(iter_engine_calls([r]))


def iter_engine_calls(parts: Iterable[Resampled]) -> Iterator[tuple[int, ...]]:
    """Engine calls for resampled pieces in order (a missing run across pieces is one gap);
    input slower than the engine's rate is announced first (RATE_MARK, Hz), and a run of
    samples interpolated across a hole before its first sample (HOLE_MARK, n)."""
    gap = 0
    announced = False
    for r in parts:
        if not announced and len(r.t):
            announced = True
            if 0 < r.source_hz < RATE_HZ * 0.9:
                yield (RATE_MARK, round(r.source_hz))
        samples = to_engine_samples(r).tolist()
        missing = r.missing.tolist()
        hole = r.hole.tolist() if r.hole is not None else [False] * len(samples)
        for i, row in enumerate(samples):
            if missing[i]:
                gap += 1
                continue
            if gap:
                yield (GAP_MARK, gap)
                gap = 0
            if hole[i] and (i == 0 or not hole[i - 1]):
                n = 1
                while i + n < len(hole) and hole[i + n]:
                    n += 1
                yield (HOLE_MARK, n)
            yield tuple(row)
    if gap:
        yield (GAP_MARK, gap)


def run_cpython(calls: Iterable[tuple[int, ...]]) -> list[Event]:
    events: list[Event] = []

    def listener(kind: int, exercise: int, t_ms: int, value: int) -> None:
        events.append((kind, exercise, t_ms, value))

    eng = Engine(listener)
    feed, gap = eng.feed, eng.gap
    for c in calls:
        if c[0] == GAP_MARK:
            gap(c[1])
        elif c[0] == RATE_MARK:
            eng.source_rate(c[1])
        elif c[0] == HOLE_MARK:
            eng.hole(c[1])
        else:
            feed(*c)
    eng.finish()
    return events


def encode_calls(calls: Iterable[tuple[int, ...]]) -> bytes:
    """Engine calls as little-endian int16 x 6 records (the input of
    heeltrack/unixport/engine_stream.py); a gap of n samples is
    (GAP_MARK, n % 32768, n // 32768, 0, 0, 0); the source rate, (RATE_MARK, Hz, 0, 0, 0, 0); a
    hole, (HOLE_MARK, n, 0, 0, 0, 0)."""
    out = bytearray()
    for c in calls:
        if c[0] == GAP_MARK:
            n = min(int(c[1]), MAX_GAP_SAMPLES)
            out += struct.pack("<6h", GAP_MARK, n % 32768, n // 32768, 0, 0, 0)
        elif c[0] == RATE_MARK:
            out += struct.pack("<6h", RATE_MARK, int(c[1]), 0, 0, 0, 0)
        elif c[0] == HOLE_MARK:
            out += struct.pack("<6h", HOLE_MARK, min(int(c[1]), 32767), 0, 0, 0, 0)
        else:
            out += struct.pack("<6h", *c)
    return bytes(out)


def run_micropython(calls: Iterable[tuple[int, ...]], batch: int = 4096) -> list[Event]:
    """The engine in the unix port, fed as a stream (constant memory on both sides)."""
    proc = start_script(call("engine_stream", "main"), extra_path=[SCRIPTS])
    assert proc.stdin is not None and proc.stdout is not None

    def feed() -> None:
        assert proc.stdin is not None
        it = iter(calls)
        try:
            while chunk := list(itertools.islice(it, batch)):
                proc.stdin.write(encode_calls(chunk))
            proc.stdin.close()
        except (BrokenPipeError, ValueError):
            pass  # the runner died: its output says why

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    events: list[Event] = []
    other: list[str] = []
    for raw in proc.stdout:
        line = raw.decode(errors="replace").strip()
        fields = line.split()
        if len(fields) == 4 and all(f.lstrip("-").isdigit() for f in fields):
            k, e, t, v = (int(x) for x in fields)
            events.append((k, e, t, v))
        elif len(other) < 50:
            other.append(line)
    code = proc.wait()
    writer.join()
    if code != 0:
        raise RuntimeError(f"micropython exited {code}:\n" + "\n".join(other))
    return events


def events_to_sets(events: list[Event], t0: float = 0.0) -> list[dict[str, Any]]:
    """Group engine events into the sets of the analysis JSON; t0 = trace start time (s)."""
    sets: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for kind, exercise, t_ms, value in events:
        t = round(t0 + t_ms / 1000.0, 3)
        if kind == ev.EV_SET_START:
            current = {"exercise": ev.EXERCISES[exercise], "start_s": t, "end_s": t, "count": 0}
            if exercise == ev.ANKLE_CIRCLE:
                current["direction"] = ev.DIRECTIONS[value]
            current["reps"] = []
            sets.append(current)
        elif kind == ev.EV_REP and current is not None:
            rep: dict[str, Any] = {"t_s": t}
            if exercise == ev.HEEL_RAISE:
                rep["hold_s"] = round(value / 1000.0, 2)
            current["reps"].append(rep)
            current["count"] = len(current["reps"])
        elif kind == ev.EV_SET_END and current is not None:
            current["end_s"] = t
            current = None
    return sets


def analyze_trace_samples(r: Resampled, runtime: str = "cpython") -> dict[str, Any]:
    calls = engine_input(r)
    events = run_micropython(calls) if runtime == "micropython" else run_cpython(calls)
    # engine time counts from the first sample, which is at r.t[0] - 1 sample period
    t0 = float(r.t[0]) - 1.0 / RATE_HZ
    return {"sets": events_to_sets(events, t0)}


def analyze_file(path: str | Path, runtime: str = "cpython") -> dict[str, Any]:
    """Analyse a trace CSV streaming it (memory does not grow with the trace's length)."""
    reader = TraceReader(path)
    resampler = Resampler(float(RATE_HZ))
    first: list[float] = []

    def parts() -> Iterator[Resampled]:
        for t, x in reader.blocks():
            yield from resampler.push(t, x)
        yield from resampler.finish()

    def noted(pieces: Iterator[Resampled]) -> Iterator[Resampled]:
        for p in pieces:
            if not first and len(p.t):
                first.append(float(p.t[0]))
            yield p

    calls = iter_engine_calls(noted(parts()))
    events = run_micropython(calls) if runtime == "micropython" else run_cpython(calls)
    t0 = first[0] - 1.0 / RATE_HZ
    return {"sets": events_to_sets(events, t0)}
