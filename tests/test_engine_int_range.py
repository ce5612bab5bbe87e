"""Every integer the engine holds stays a small int on the rp2 port (|x| < 2**30).

On a Pico, ints beyond 31 bits become heap objects: per-sample code would allocate.
The 64-bit unix port cannot show this (its small ints are 63-bit), so this test traces
the engine in CPython and inspects every local and attribute, on normal motion and on
full-scale garbage input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from heel.motion.engine import Engine
from heeltrack.trace import ACC_LIMIT_MG, GYRO_LIMIT_DDPS
from tests.test_engine_micropython import _session_calls

LIMIT = 1 << 30
MOTION_DIR = str(Path(__file__).resolve().parents[1] / "firmware" / "lib" / "heel" / "motion")


def _check_value(v, where: str) -> None:
    if isinstance(v, bool):
        return
    if isinstance(v, int):
        assert -LIMIT < v < LIMIT, f"{where} = {v} does not fit an rp2 small int"
    elif isinstance(v, list):
        for i, x in enumerate(v):
            _check_value(x, f"{where}[{i}]")


def _tracer(frame, event, arg):
    if not frame.f_code.co_filename.startswith(MOTION_DIR):
        return None

    def local(frame, event, arg):
        for name, v in frame.f_locals.items():
            if name == "self":
                for attr, w in vars(v).items():
                    _check_value(w, f"{type(v).__name__}.{attr}")
            else:
                _check_value(v, f"{frame.f_code.co_name}:{name}")
        if event == "return":
            _check_value(arg, f"{frame.f_code.co_name} returned")
        return local

    return local


def _run_traced(calls) -> int:
    events = []
    eng = Engine(lambda *e: events.append(e))
    sys.settrace(_tracer)
    try:
        for c in calls:
            eng.feed(*c)
        eng.finish()
    finally:
        sys.settrace(None)
    return len(events)


def test_normal_motion_stays_in_small_ints() -> None:
    calls = [c for c in _session_calls() if len(c) == 6]
    assert _run_traced(calls) > 0  # and it did emit events (the event path is covered)


def test_full_scale_garbage_stays_in_small_ints() -> None:
    rng = np.random.default_rng(3)
    n = 3000
    acc = rng.choice([-ACC_LIMIT_MG, ACC_LIMIT_MG, 0], size=(n, 3))
    gyro = rng.choice([-GYRO_LIMIT_DDPS, GYRO_LIMIT_DDPS, 0], size=(n, 3))
    still = np.tile([0, 0, 1000, 0, 0, 0], (500, 1))
    samples = np.vstack([still, np.hstack([acc, gyro]), still])
    _run_traced([tuple(int(x) for x in row) for row in samples])
