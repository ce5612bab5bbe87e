"""Simulated IMU data for the tests' boards: raw chip records (heeltrack.rawtrace) of the virtual
board, made once per test session.

    raw = calf_raise_sets(cycles=6)   # bytes for a board's IMU: sets of calf raises and rests
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from heel.motion.engine import RATE_HZ as ENGINE_RATE_HZ
from heeltrack.firmware import load_board
from heeltrack.rawtrace import trace_to_raw
from heeltrack.trace import Trace

RATE_HZ = float(ENGINE_RATE_HZ)


def rest(seconds: float, gravity: np.ndarray | tuple[float, float, float]) -> Trace:
    """The board still, with specific force `gravity` (g, foot frame)."""
    n = max(1, int(round(seconds * RATE_HZ)))
    acc = np.zeros((n, 3))
    acc[:] = gravity
    return Trace(t=np.arange(n) / RATE_HZ, acc=acc, gyro=np.zeros((n, 3)), rate_hz=RATE_HZ)


@lru_cache(maxsize=4)
def calf_raise_sets(cycles: int = 6, seed: int = 5, lead_s: float = 20.0) -> bytes:
    """`lead_s` of the foot at rest on the floor, then `cycles` times one simulated set of calf
    raises and 20 s of rest (less than the idle timeout: one session throughout)."""
    from heeltrack.sim import simulate_set

    board = load_board("virtual")
    trace, _truth = simulate_set(seed, "heel_raise")
    on_foot = trace.acc[:50].mean(axis=0)  # standing still in the set's own pose
    parts = [trace_to_raw(rest(lead_s, on_foot), board)]
    pause = trace_to_raw(rest(20.0, on_foot), board)
    for _ in range(cycles):
        parts += [trace_to_raw(trace, board), pause]
    return b"".join(parts)
