"""Engine cost on the unix port: instructions per 100 Hz sample and heap per sample.

    python -m benchmarks.bench_engine [--seed 900] [--minutes 5]

Runs a simulated session through the engine inside the MicroPython unix port under
`valgrind --tool=callgrind`, once feeding the engine and once only walking the same
data, and reports (difference) / samples. Heap: gc.mem_alloc() before and after the
steady-state part, plus heap_lock around it.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchmarks.common import callgrind_instructions
from heeltrack.analysis import encode_calls, engine_input
from heeltrack.micropython import run_script
from heeltrack.sim import simulate
from heeltrack.trace import resample

_SCRIPT = """
import sys, gc, micropython
from array import array
from heel.motion.engine import Engine
data = open(sys.argv[-1] if False else "DATA", "rb").read()
buf = array('h', data)
n = len(buf) // 6
events = [0]
def listener(kind, ex, t, v):
    events[0] += 1
eng = Engine(listener)
def run(eng, buf, n, feed):
    for i in range(n):
        j = i * 6
        if feed:
            eng.feed(buf[j], buf[j + 1], buf[j + 2], buf[j + 3], buf[j + 4], buf[j + 5])
        else:
            buf[j]; buf[j + 1]; buf[j + 2]; buf[j + 3]; buf[j + 4]; buf[j + 5]
run(eng, buf, n, FEED)
"""

_HEAP = """
import gc, micropython
from array import array
from heel.motion.engine import Engine
buf = array('h', open("DATA", "rb").read())
n = len(buf) // 6
events = [0]
def listener(kind, ex, t, v):
    events[0] += 1
eng = Engine(listener)
def run(lo, hi):
    for i in range(lo, hi):
        j = i * 6
        eng.feed(buf[j], buf[j + 1], buf[j + 2], buf[j + 3], buf[j + 4], buf[j + 5])
run(0, 100)
gc.collect()
before = 0
peak = 0
before = gc.mem_alloc()
micropython.heap_lock()
run(100, n)
micropython.heap_unlock()
print(gc.mem_alloc() - before, n - 100, events[0])
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=900)
    ap.add_argument("--minutes", type=float, default=5.0)
    args = ap.parse_args()
    trace, _truth = simulate(args.seed, kind="session", minutes=args.minutes)
    calls = [c for c in engine_input(resample(trace, 100.0)) if len(c) == 6]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "samples.bin"
        data.write_bytes(encode_calls(calls))
        feed = callgrind_instructions(_SCRIPT.replace("DATA", str(data)).replace("FEED", "True"))
        base = callgrind_instructions(_SCRIPT.replace("DATA", str(data)).replace("FEED", "False"))
        heap = run_script(_HEAP.replace("DATA", str(data))).stdout.decode().split()
    n = len(calls)
    print(f"session: seed {args.seed}, {n} samples ({n / 6000:.1f} min at 100 Hz)")
    print(f"engine instructions per sample (unix port, callgrind): {(feed - base) / n:,.0f}")
    print(f"heap bytes allocated in steady state: {heap[0]} ({heap[1]} samples, {heap[2]} events)")


if __name__ == "__main__":
    main()
