"""On-board pipeline cost in the MicroPython unix port: instructions and heap per sample.

    python benchmarks/bench_pipeline.py [--samples N] [--seed S] [--minutes M]

1. Instructions per 100 Hz sample of the whole on-board pipeline (fake chip FIFO read +
   decode + axis map + engine + session log + feedback: heel.app.App.step) under
   `valgrind --tool=callgrind`. The `micropython` command is CPython loading MicroPython as
   an extension, so a run with N samples is compared with one with 2N: the difference / N
   is the per-sample cost. The simulated chip's own sample generation (fake.advance, not
   on a real board) is measured the same way and subtracted.
2. Heap bytes allocated per sample in steady state (gc disabled, gc.mem_alloc() delta over
   a whole simulated session / samples), and the peak heap (gc.mem_alloc() after every
   poll, gc enabled) during a `--minutes` (15) session.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host"))

from heeltrack.firmware import board_file  # noqa: E402
from heeltrack.micropython import call, micropython_env  # noqa: E402
from heeltrack.rawtrace import trace_to_raw  # noqa: E402
from heeltrack.sim import simulate  # noqa: E402

BOARD = str(board_file("virtual"))
MP_DIR = ROOT / "benchmarks" / "mp"  # pipeline_run.py: the script the unix port runs


def _micropython_cmd() -> list[str]:
    entry = Path(sys.executable).parent / "micropython"
    return [sys.executable, str(entry)]


def _run(script: str, valgrind: bool, tmp: Path) -> tuple[int, str]:
    out_file = tmp / "callgrind.out"
    cmd = _micropython_cmd() + ["-c", script]
    if valgrind:
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"] + cmd
    env = micropython_env([MP_DIR])
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(proc.stdout + proc.stderr)
    total = 0
    if valgrind:
        m = re.search(r"^(?:summary|totals): (\d+)", out_file.read_text(), re.M)
        assert m, "no callgrind totals"
        total = int(m.group(1))
    return total, proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--samples", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--minutes", type=float, default=15.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        trace, _ = simulate(args.seed, minutes=args.minutes)
        raw = tmp / "imu.raw"
        raw.write_bytes(trace_to_raw(trace, BOARD))
        samples = raw.stat().st_size // 12

        def script(mode: str, n: int, root: str) -> str:
            (tmp / root).mkdir(exist_ok=True)
            return call("pipeline_run", "run", BOARD, str(raw), str(tmp / root), mode, n)

        n = args.samples
        cost = {}
        for mode in ("chip", "driver", "engine", "pipeline"):
            a, _ = _run(script(mode, n, f"{mode}1"), True, tmp)
            b, _ = _run(script(mode, 2 * n, f"{mode}2"), True, tmp)
            cost[mode] = (b - a) / n
        print(
            f"samples per run: {n} and {2 * n} (simulated session seed {args.seed}), "
            "one poll per heel.app.POLL_MS as on the board"
        )
        print("instructions per sample (callgrind, difference of the two runs / N):")
        rows = (
            ("simulated chip generation (not on a board)", cost["chip"]),
            ("FIFO read + decode + axis map (driver, sampler)", cost["driver"] - cost["chip"]),
            ("engine (heel.motion)", cost["engine"] - cost["driver"]),
            ("app step: log, feedback, hold cue, idle", cost["pipeline"] - cost["engine"]),
        )
        for label, value in rows:
            print(f"  {label:<48} {value:>8,.0f}")
        total = cost["pipeline"] - cost["chip"]
        print(f"  {'on-board pipeline total':<48} {total:>8,.0f}   (goal <= 25,000)")
        for mode in ("heap-steady", "heap-peak"):
            _, out = _run(script(mode, samples, mode), False, tmp)
            fed, a0, a1, peak, after, reps = (int(x) for x in out.split("HEAP")[1].split()[:6])
            if mode == "heap-steady":
                print(
                    f"heap allocated over the session with gc off: {a1 - a0} bytes for "
                    f"{fed} samples ({(a1 - a0) / fed:.3f} bytes/sample, {reps} reps; "
                    "events and session start included)"
                )
            else:
                print(
                    f"peak heap in use during a {args.minutes:g}-minute session: {peak} bytes "
                    f"(at start {a0}, after gc.collect at the end {after})"
                )


if __name__ == "__main__":
    main()
