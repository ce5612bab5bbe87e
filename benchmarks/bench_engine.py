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

from benchmarks.common import callgrind_calls, run_mp
from heeltrack.analysis import encode_calls, engine_input
from heeltrack.sim import simulate
from heeltrack.trace import resample


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
        feed = callgrind_calls("engine_cost", "walk", str(data), True)
        base = callgrind_calls("engine_cost", "walk", str(data), False)
        heap = run_mp("engine_cost", "heap", str(data)).split()
    n = len(calls)
    print(f"session: seed {args.seed}, {n} samples ({n / 6000:.1f} min at 100 Hz)")
    print(f"engine instructions per sample (unix port, callgrind): {(feed - base) / n:,.0f}")
    print(f"heap bytes allocated in steady state: {heap[0]} ({heap[1]} samples, {heap[2]} events)")


if __name__ == "__main__":
    main()
