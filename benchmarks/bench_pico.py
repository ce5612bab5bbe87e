"""The firmware on the emulated Pico (rp2040js, MicroPython rp2 1.28): cycles, heap, latency, sync.

    python -m benchmarks.bench_pico [--seed 3] [--sessions 12] [--session-kib 27]

One run of `heeltrack virtual --pico` (emulator/runner.mjs, which counts the cycles the emulated
Cortex-M0+ executes, idle time apart) on a fresh flash image:
1. idle baseline: busy cycles per second at the REPL (USB and timer interrupts);
2. `heeltrack flash --board pico-mpu6050`, then the app counting a simulated calf-raise set
   played through the I2C MPU6050 at 100 Hz: busy cycles per emulated second / 100 = cycles per
   sample of the whole on-board pipeline (FIFO read, decode, engine, log, feedback, link poll,
   asyncio), and its share of the 125 MHz CPU;
3. time from each rep's top (the trace's rep time, `heeltrack analyze`) to its LED blink;
4. Engine.feed alone on the board (benchmarks/mp/engine_cost.py, timed with ticks_us: the emulated
   clock is the cycle counter / 125 while the CPU is busy), and its heap per sample under heap_lock;
5. sync of SESSIONS session files of SESSION_KIB each: `mpremote fs cp` of the same files, then
   `heeltrack sync` (transfer time as sync reports it, and the whole command), in the same run.
rp2040js' timing: 1 cycle per ALU op, 2 per load/store, no flash-cache misses and no I2C bus
time, so a real Pico is equal or slower; see README.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from heeltrack.analysis import GAP_MARK, analyze_file, encode_calls, engine_input
from heeltrack.pico import rep_blinks
from heeltrack.sim import simulate_set
from heeltrack.trace import resample, write_trace
from tests.support.sessions import make_session

ROOT = Path(__file__).resolve().parents[1]
HEELTRACK = [sys.executable, "-m", "heeltrack.cli"]
MPREMOTE = [sys.executable, "-m", "mpremote"]
CYCLE_NS = 8


def run(*args: str, env: dict[str, str], timeout: float = 600) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout)
    if proc.returncode:
        raise SystemExit(f"{' '.join(args[:5])}...: {proc.stderr.strip() or proc.stdout}")
    return proc.stdout


class Board:
    running: list[Board] = []  # closed at exit, even when a step fails

    def __init__(self, tmp: Path, image: Path, env: dict[str, str], *args: str) -> None:
        self.stats = tmp / f"stats-{time.monotonic_ns()}.json"
        self.led = tmp / f"led-{time.monotonic_ns()}.log"
        self.proc = subprocess.Popen(
            [*HEELTRACK, "virtual", "--pico", "--fs", str(image), "--stats", str(self.stats)]
            + ["--led-log", str(self.led), "--speed", "5", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        Board.running.append(self)
        assert self.proc.stdout is not None
        self.port = self.proc.stdout.readline().decode().strip()
        if not self.port.startswith("/dev/"):
            raise SystemExit(self.proc.stderr.read().decode() if self.proc.stderr else "no port")

    def snapshot(self) -> dict:
        while True:
            try:
                return json.loads(self.stats.read_text())
            except (OSError, ValueError):
                time.sleep(0.1)

    def wait_led(self, limit_s: float = 60) -> None:
        end = time.monotonic() + limit_s
        while not (self.led.exists() and self.led.stat().st_size):
            if time.monotonic() > end:
                raise SystemExit("the app did not start on the emulated Pico")
            time.sleep(0.1)

    def close(self) -> None:
        if self in Board.running:
            Board.running.remove(self)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)


@atexit.register
def _close_boards() -> None:
    for board in list(Board.running):
        board.close()


def busy_rate(a: dict, b: dict) -> tuple[float, float]:
    """(busy cycles per emulated second, CPU share) between two snapshots."""
    emu_s = (b["emulated_ns"] - a["emulated_ns"]) / 1e9
    cycles = b["busy_cycles"] - a["busy_cycles"]
    return cycles / emu_s, cycles * CYCLE_NS / (emu_s * 1e9)


def wait_emulated(board: Board, ms: float) -> dict:
    start = board.snapshot()["emulated_ns"]
    while True:
        s = board.snapshot()
        if s["emulated_ns"] - start >= ms * 1e6:
            return s
        time.sleep(0.2)


def rep_event_samples(trace: object) -> list[int]:
    """Index of the sample whose feed emits each rep (the engine in CPython, same samples)."""
    from heel.motion import events as E
    from heel.motion.engine import Engine

    fed = [0]
    out: list[int] = []

    def listener(kind: int, ex: int, t: int, v: int) -> None:
        if kind == E.EV_REP:
            out.append(fed[0] - 1)

    eng = Engine(listener)
    for c in engine_input(resample(trace, 100.0)):  # type: ignore[arg-type]
        if len(c) == 6:
            fed[0] += 1
            eng.feed(*c)
        elif c[0] == GAP_MARK:
            fed[0] += c[1]
            eng.gap(c[1])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=3, help="simulate_set seed (calf raises)")
    ap.add_argument("--sessions", type=int, default=12)
    ap.add_argument("--session-kib", type=float, default=27.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-pico-"))
    env = dict(os.environ)
    env["HEELTRACK_RUNTIME_DIR"] = str(tmp / "runtime")
    image = tmp / "pico.flash"
    trace_csv = tmp / "heel_raise.csv"
    tr, _truth = simulate_set(args.seed, "heel_raise")
    write_trace(trace_csv, tr.t, tr.acc, tr.gyro, foot=tr.foot, rate_hz=tr.rate_hz)
    expected = [r for s in analyze_file(trace_csv)["sets"] for r in s["reps"]]
    rep_samples = rep_event_samples(tr)

    # 1. idle at the REPL, and flashing
    b = Board(tmp, image, env)
    a = wait_emulated(b, 500)
    z = wait_emulated(b, 3000)
    idle_cps, _ = busy_rate(a, z)
    t = time.monotonic()
    run(*HEELTRACK, "flash", "--board", "pico-mpu6050", "--port", b.port, "--no-start", env=env)
    flash_s = time.monotonic() - t
    run(*HEELTRACK, "config", "--port", b.port, "idle=10", env=env)
    b.close()

    # 2-3. the app counting the trace
    b = Board(tmp, image, env, "--trace", str(trace_csv))
    b.wait_led()
    a = wait_emulated(b, 5000)
    z = wait_emulated(b, 40000)
    app_cps, share = busy_rate(a, z)
    chip = json.loads(Path(str(b.stats) + ".chip").read_text())
    wait_emulated(b, 25000)  # the set ends, the session closes (idle 10 s)
    blinks = rep_blinks(b.led)
    t0 = chip["first_sample_ms"]
    # the sample after which the engine emits each rep was taken at t0 + 10 ms x its index
    latency = [on - (t0 + 10 * k) for on, k in zip(blinks, rep_samples, strict=False)]
    after_top = [on - (t0 + r["t_s"] * 1000) for on, r in zip(blinks, expected, strict=False)]

    # 4. Engine.feed alone, and its heap
    data = tmp / "engine.bin"
    # the calf raises the app counted above (20 s of the set)
    calls = [c for c in engine_input(resample(tr, 100.0)) if len(c) == 6][300:2300]
    data.write_bytes(encode_calls(calls))
    mp = ROOT / "benchmarks" / "mp" / "engine_cost.py"
    run(*MPREMOTE, "connect", b.port, "fs", "cp", str(mp), ":engine_cost.py", env=env)
    run(*MPREMOTE, "connect", b.port, "fs", "cp", str(data), ":engine.bin", env=env)
    code = (
        "import time, engine_cost as m\n"
        "us = time.ticks_us\n"
        "t = us(); m.walk('engine.bin', True); a = time.ticks_diff(us(), t)\n"
        "t = us(); m.walk('engine.bin', False); b = time.ticks_diff(us(), t)\n"
        "print('cost', a, b)\n"
        "m.heap('engine.bin')\n"
    )
    out = run(*MPREMOTE, "connect", b.port, "exec", code, env=env)
    m = re.search(r"cost (\d+) (\d+)\s+(-?\d+) (\d+) (\d+)", out)
    if not m:
        raise SystemExit(f"engine benchmark output: {out!r}")
    feed_us, walk_us, heap_b, heap_n = (int(m.group(i)) for i in (1, 2, 3, 4))
    n = len(data.read_bytes()) // 12
    engine_cycles = (feed_us - walk_us) * 125 / n
    run(*MPREMOTE, "connect", b.port, "rm", ":engine.bin", ":engine_cost.py", env=env)

    # 5. sync against mpremote fs cp, same files
    reps = max(1, int(args.session_kib * 1024 / 20.75))  # make_session: ~20.75 bytes a rep
    files = []
    for sid in range(1001, 1001 + args.sessions):
        data_s = make_session(sid, reps)
        f = tmp / f"{sid}.hts"
        f.write_bytes(data_s)
        files.append(f)
    total = sum(f.stat().st_size for f in files)
    run(*MPREMOTE, "connect", b.port, "fs", "cp", *map(str, files), ":sessions/", env=env)
    back = tmp / "back"
    back.mkdir()
    s0 = b.snapshot()
    t = time.monotonic()
    run(
        *MPREMOTE,
        "connect",
        b.port,
        "fs",
        "cp",
        *(f":sessions/{f.name}" for f in files),
        str(back) + "/",
        env=env,
    )
    cp_s = time.monotonic() - t
    time.sleep(0.5)
    s1 = b.snapshot()
    t = time.monotonic()
    out = run(*HEELTRACK, "sync", "--port", b.port, "--db", str(tmp / "db.sqlite3"), env=env)
    sync_s = time.monotonic() - t
    time.sleep(0.5)
    s2 = b.snapshot()
    cp_cycles = s1["busy_cycles"] - s0["busy_cycles"]
    sync_cycles = s2["busy_cycles"] - s1["busy_cycles"]
    m2 = re.search(r"\(([\d.]+) KiB in ([\d.]+) s\)", out)
    transfer_s = float(m2.group(2)) if m2 else float("nan")
    b.close()

    kib = total / 1024
    print(f"emulated Pico (rp2040js 1.4.1, MicroPython rp2 v1.28.0), {time.strftime('%Y-%m-%d')}")
    print(f"flash (heeltrack flash --board pico-mpu6050): {flash_s:.1f} s")
    print(f"idle at the REPL: {idle_cps / 1e3:.0f} k busy cycles per second")
    print(
        f"app counting at 100 Hz: {app_cps / 100:,.0f} cycles per sample (whole pipeline), "
        f"{share * 100:.1f}% of the CPU at 125 MHz"
    )
    print(
        f"Engine.feed alone (the same calf raises): {engine_cycles:,.0f} cycles per sample; "
        f"heap under heap_lock: "
        f"{heap_b} bytes over {heap_n} samples"
    )
    if latency:
        print(
            f"LED on after the sample that completes a rep: median "
            f"{statistics.median(latency):.0f} ms, max {max(latency):.0f} ms; after the rep's top "
            f"(t_s): median {statistics.median(after_top):.0f} ms ({len(latency)} reps of "
            f"{len(expected)})"
        )
    print(
        f"sync of {args.sessions} sessions, {kib:.0f} KiB: transfer {transfer_s:.2f} s "
        f"({kib / transfer_s:.0f} KiB/s), whole command {sync_s:.2f} s; mpremote fs cp "
        f"{cp_s:.2f} s ({kib / cp_s:.1f} KiB/s): transfer {cp_s / transfer_s:.1f}x, "
        f"command {cp_s / sync_s:.1f}x"
    )
    print(
        f"  board CPU: sync {sync_cycles / 1e6:.0f} M cycles ({sync_cycles / 125e6:.2f} s at "
        f"125 MHz: {kib / (sync_cycles / 125e6):.0f} KiB/s), mpremote fs cp {cp_cycles / 1e6:.0f} "
        f"M cycles ({cp_cycles / 125e6:.2f} s): {cp_cycles / sync_cycles:.1f}x"
    )


if __name__ == "__main__":
    main()
