"""Sync throughput against mpremote, and what the link costs the board per KiB.

    python -m benchmarks.bench_sync [--sessions 12] [--seed 1] [--harness] [--no-valgrind]

1. Throughput, one run, the same session files (heel.records format) on the same board over the
   same pseudo-terminal for both tools. The board is the virtual board (`heeltrack virtual`,
   firmware flashed with `heeltrack flash`, files put in /sessions with mpremote), or with
   --harness the unix-port board of tests/support/pty_board.py (a host directory as /, at its REPL).
   - end to end, as a user runs them (one process each, startup included):
       mpremote connect PORT fs cp :/sessions/1.hts ... DIR/
       heeltrack sync --port PORT --db DB   (HELLO or the raw REPL + serve(), SET_CLOCK, LIST,
                                             READ, HASH, SQLite store, CONFIRM_DELETE)
   - transfer only, in this process: mpremote's SerialTransport.fs_readfile of each file vs
     LinkClient.read_session of each (both already connected, the board at its REPL).
2. Board cost per KiB served (unix port): valgrind --tool=callgrind instructions of a READ of
   1024 KiB minus one of 256 KiB, divided by 768 (flash read, CRC, frame, write to /dev/null);
   heap per READ with gc.mem_alloc (GC off).
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import callgrind_calls, run_mp
from heel.link import frame as F
from heeltrack.link import open_link
from heeltrack.transport_serial import SerialTransport
from tests.support.pty_board import Board
from tests.support.sessions import make_session


def board_cost(kib: int, tmp: Path) -> tuple[int, str]:
    root = tmp / f"cost{kib}"
    (root / "sessions").mkdir(parents=True)
    (root / "heeltrack_id").write_text("0011223344556677")
    data = bytes(random.Random(kib).randbytes(kib * 1024))  # the link does not parse it
    (root / "sessions" / "1.hts").write_bytes(data)
    (root / "req").write_bytes(F.encode_request(F.T_READ, 1, F.pack_read(1, 0, len(data))))
    out = run_mp("serve_cost", "run", str(root)).strip()
    return callgrind_calls("serve_cost", "run", str(root)), out


def _sessions(n_sessions: int, seed: int) -> dict[int, bytes]:
    rng = random.Random(seed)
    return {
        sid: make_session(sid, rng.choice([100, 400, 1000, 2000, 3000]))
        for sid in range(1, n_sessions + 1)
    }


def _measure(
    port: str, sessions: dict[int, bytes], tmp: Path, restart_app: Callable[[str], None] | None
) -> dict[str, float]:
    res: dict[str, float] = {"bytes": sum(len(d) for d in sessions.values())}
    res["sessions"] = len(sessions)
    # transfer only, in process: mpremote (interrupts whatever runs, enters the raw REPL)
    from mpremote.transport_serial import SerialTransport as MpSerial

    mp = MpSerial(port, baudrate=115200)
    mp.enter_raw_repl(soft_reset=False)
    t0 = time.perf_counter()
    for sid, data in sessions.items():
        assert mp.fs_readfile(f"/sessions/{sid}.hts") == data
    res["mpremote_transfer_s"] = time.perf_counter() - t0
    mp.exit_raw_repl()
    mp.close()
    # transfer only, in process: the link (started through the raw REPL)
    transport = SerialTransport(port)
    conn = open_link(transport)
    client = conn.client
    entries = [e for e in client.list_sessions() if e.sid in sessions]
    t0 = time.perf_counter()
    for e in entries:
        assert client.read_session(e.sid, e.size) == sessions[e.sid]
    res["link_transfer_s"] = time.perf_counter() - t0
    conn.close()
    if restart_app is not None:
        # transfer only with the app running (counting and logging go on meanwhile)
        restart_app(port)
        transport = SerialTransport(port)
        conn = open_link(transport)
        assert not conn.via_repl
        client = conn.client
        t0 = time.perf_counter()
        for e in entries:
            assert client.read_session(e.sid, e.size) == sessions[e.sid]
        res["link_app_transfer_s"] = time.perf_counter() - t0
        conn.close()
    # end to end, as a user runs them
    dest = tmp / "mpremote_copy"
    dest.mkdir()
    srcs = [f":/sessions/{sid}.hts" for sid in sessions]
    t0 = time.perf_counter()
    _run(["mpremote", "connect", port, "resume", "fs", "cp", *srcs, str(dest) + "/"])
    res["mpremote_cli_s"] = time.perf_counter() - t0
    for sid, data in sessions.items():
        assert (dest / f"{sid}.hts").read_bytes() == data
    t0 = time.perf_counter()
    _run(["heeltrack", "sync", "--port", port, "--db", str(tmp / "h.sqlite3")])
    res["sync_cli_s"] = time.perf_counter() - t0
    return res


def _run(cmd: list[str]) -> None:
    exe = shutil.which(cmd[0]) or cmd[0]
    proc = subprocess.run([exe, *cmd[1:]], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr}")


def _restart_app(port: str) -> None:
    """Leave the REPL and soft-reset: the virtual board starts /main.py (the app) again."""
    import serial

    with serial.Serial(port, timeout=0.2) as s:
        s.write(b"\r\x02")
        time.sleep(0.2)
        s.write(b"\x04")
        seen = b""
        end = time.monotonic() + 10
        while b"counting" not in seen and time.monotonic() < end:
            seen += s.read(s.in_waiting or 1)
        assert b"counting" in seen, seen


def throughput_harness(n_sessions: int, seed: int, tmp: Path) -> dict[str, float]:
    sessions = _sessions(n_sessions, seed)
    board = Board(tmp / "board", mode="repl", sessions=sessions)
    try:
        time.sleep(0.5)
        res = _measure(board.port, sessions, tmp, None)
        assert board.on_board() == {}  # all stored, verified and deleted
    finally:
        board.close()
    return res


def throughput_virtual(n_sessions: int, seed: int, tmp: Path) -> dict[str, float]:
    import os

    sessions = _sessions(n_sessions, seed)
    for sid, data in sessions.items():
        (tmp / f"{sid}.hts").write_bytes(data)
    env = dict(os.environ, HEELTRACK_RUNTIME_DIR=str(tmp / "runtime"))
    vb = subprocess.Popen(
        [shutil.which("heeltrack") or "heeltrack", "virtual", "--fs", str(tmp / "board.img")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        assert vb.stdout is not None
        port = vb.stdout.readline().decode().strip()
        _run(["heeltrack", "flash", "--port", port])
        _run(
            [
                "mpremote",
                "connect",
                port,
                "fs",
                "cp",
                *[str(tmp / f"{s}.hts") for s in sessions],
                ":sessions/",
            ]
        )
        return _measure(port, sessions, tmp, _restart_app)
    finally:
        vb.terminate()
        vb.wait(10)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-valgrind", action="store_true")
    ap.add_argument("--harness", action="store_true", help="the test harness board, not virtual")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        measure = throughput_harness if args.harness else throughput_virtual
        r = measure(args.sessions, args.seed, tmp)
        kib = r["bytes"] / 1024
        board = "test-harness board" if args.harness else "virtual board"
        print(f"{int(r['sessions'])} sessions, {kib:.1f} KiB, same {board}, same pty:")
        rows = [
            ("end to end (CLI)", "mpremote_cli_s", "sync_cli_s"),
            ("transfer, REPL", "mpremote_transfer_s", "link_transfer_s"),
        ]
        if "link_app_transfer_s" in r:
            rows.append(("transfer, app runs", "mpremote_transfer_s", "link_app_transfer_s"))
        for what, a, b in rows:
            print(
                f"  {what:18s} mpremote fs cp {r[a]:7.2f} s ({kib / r[a]:8.1f} KiB/s)   "
                f"heeltrack {r[b]:6.2f} s ({kib / r[b]:8.1f} KiB/s)   ratio {r[a] / r[b]:6.1f}x"
            )
        if not args.no_valgrind:
            small, out_small = board_cost(256, tmp)
            big, out_big = board_cost(1024, tmp)
            print(
                f"board cost (unix port, callgrind): {(big - small) / 768:,.0f} instructions "
                "per KiB served"
            )
            print(f"board heap per READ (GC off): 256 KiB: {out_small}; 1024 KiB: {out_big}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
