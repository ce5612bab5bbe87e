"""Run the motion engine over a trace and build the analysis JSON (DESIGN.md contract 2).

The engine is the device's own code (firmware/lib/heel/motion), run here in CPython or,
with runtime="micropython", inside the MicroPython unix port; both give the same events.

    >>> result = analyze_file("trace.csv")            # {"sets": [...]}
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np

from heel.motion import events as ev
from heel.motion.engine import RATE_HZ, Engine
from heeltrack.micropython import run_script
from heeltrack.trace import Resampled, read_trace, resample, to_engine_samples

Event = tuple[int, int, int, int]  # kind, exercise, t_ms, value
GAP_MARK = -32768  # in the binary sample stream: "n samples missing" (n in the 2nd field)


def engine_input(r: Resampled) -> list[tuple[int, ...]]:
    """Engine calls for a resampled trace: 6-int samples, or (GAP_MARK, n) for missing runs."""
    samples = to_engine_samples(r)
    calls: list[tuple[int, ...]] = []
    missing = r.missing
    i = 0
    while i < len(samples):
        if missing[i]:
            j = i
            while j < len(samples) and missing[j]:
                j += 1
            calls.append((GAP_MARK, j - i))
            i = j
        else:
            calls.append(tuple(int(v) for v in samples[i]))
            i += 1
    return calls


def run_cpython(calls: list[tuple[int, ...]]) -> list[Event]:
    events: list[Event] = []

    def listener(kind: int, exercise: int, t_ms: int, value: int) -> None:
        events.append((kind, exercise, t_ms, value))

    eng = Engine(listener)
    feed, gap = eng.feed, eng.gap
    for c in calls:
        if c[0] == GAP_MARK:
            gap(c[1])
        else:
            feed(*c)
    eng.finish()
    return events


_MP_RUNNER = """
import sys, struct
from heel.motion.engine import Engine
def listener(kind, ex, t, v):
    sys.stdout.write("%d %d %d %d\\n" % (kind, ex, t, v))
eng = Engine(listener)
data = sys.stdin.buffer.read()
for i in range(0, len(data), 12):
    s = struct.unpack_from("<6h", data, i)
    if s[0] == -32768:
        eng.gap(s[1])
    else:
        eng.feed(s[0], s[1], s[2], s[3], s[4], s[5])
eng.finish()
"""


def encode_calls(calls: list[tuple[int, ...]]) -> bytes:
    """Engine calls as little-endian int16 x 6 records (the unix-port runner's input)."""
    out = bytearray()
    for c in calls:
        if c[0] == GAP_MARK:
            out += struct.pack("<6h", GAP_MARK, c[1], 0, 0, 0, 0)
        else:
            out += struct.pack("<6h", *c)
    return bytes(out)


def run_micropython(calls: list[tuple[int, ...]]) -> list[Event]:
    proc = run_script(_MP_RUNNER, stdin=encode_calls(calls))
    events: list[Event] = []
    for line in proc.stdout.decode().splitlines():
        k, e, t, v = (int(x) for x in line.split())
        events.append((k, e, t, v))
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
    return analyze_trace_samples(resample(read_trace(path), float(RATE_HZ)), runtime)


def as_array(calls: list[tuple[int, ...]]) -> np.ndarray:
    return np.array([c for c in calls if c[0] != GAP_MARK], dtype=np.int32)
