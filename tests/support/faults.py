"""Faults on a line to the board, per seed: corrupt, drop and stall bytes, cut the line after
`cut_at` bytes. `plan.mangle` is the damage hook of a MemoryCable and of the pty Relay.

    plan = FaultPlan.random(seed, total_bytes)
    cable.damage = plan.mangle
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field


@dataclass
class FaultPlan:
    """Per-seed faults on the bytes passing: corrupt, drop, stall, cut after `cut_at` bytes."""

    seed: int
    p_corrupt: float = 0.0
    p_drop: float = 0.0
    p_stall: float = 0.0
    cut_at: int | None = None
    rng: random.Random = field(init=False)
    passed: int = 0
    log: list[str] = field(default_factory=list)
    lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @classmethod
    def random(cls, seed: int, total: int) -> FaultPlan:
        rng = random.Random(seed * 7919 + 1)
        kind = seed % 4
        plan = cls(seed)
        if kind == 0:
            plan.p_corrupt = rng.uniform(0.05, 0.3)
        elif kind == 1:
            plan.p_drop = rng.uniform(0.05, 0.3)
        elif kind == 2:
            plan.p_stall = rng.uniform(0.05, 0.2)
            plan.p_corrupt = rng.uniform(0.0, 0.1)
        plan.cut_at = rng.randrange(0, total) if kind == 3 or rng.random() < 0.5 else None
        return plan

    def mangle(self, data: bytes) -> bytes:
        with self.lock:  # both directions pass here, from two threads
            stall, out = self._mangle(data)
        if stall:
            time.sleep(stall)
        return out

    def _mangle(self, data: bytes) -> tuple[float, bytes]:
        rng = self.rng
        if self.cut_at is not None and self.passed + len(data) > self.cut_at:
            keep = max(0, self.cut_at - self.passed)
            if self.passed <= self.cut_at:
                self.log.append(f"cut at {self.cut_at}")
            self.passed += len(data)
            return 0.0, data[:keep]
        self.passed += len(data)
        b = bytearray(data)
        if self.p_corrupt and rng.random() < self.p_corrupt:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
            self.log.append(f"corrupt {self.passed - len(data) + i}")
        if self.p_drop and rng.random() < self.p_drop:
            i = rng.randrange(len(b))
            k = rng.randrange(1, 64)
            del b[i : i + k]
            self.log.append(f"drop {k} at {self.passed - len(data) + i}")
        stall = 0.0
        if self.p_stall and rng.random() < self.p_stall:
            stall = rng.uniform(0.05, 0.4)
            self.log.append("stall")
        return stall, bytes(b)
