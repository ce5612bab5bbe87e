"""Soak: attack the store and the sync for a long time and count what was lost, duplicated or
corrupted (the goal is 0 of each). Not a test: minutes long; the figures go in README.md.

    python -m benchmarks.bench_soak [--seeds 300] [--board-kills 26] [--sync-kills 20]
                                    [--db-opens 180] [--parallel 5] [--json]

1. Link faults (--seeds): per seed, 2-4 sessions on a board running the firmware's own code
   (heel.app.App, or the REPL's link server) behind an in-memory line that corrupts, drops,
   stalls and cuts bytes (tests.support.faults.FaultPlan); two faulty syncs, then a clean one.
   After every sync: a session the board no longer has must be in the database, byte-identical,
   and must have been confirmed; nothing in the database may differ from what the board wrote.
2. Hard kills of the virtual board (--board-kills): `heeltrack virtual --simulate` (firmware
   flashed once) is killed with SIGKILL at a random moment while it counts, then started again
   on the same image; between kills the sessions it lists are noted. Then everything is synced:
   every session ever listed closed must be in the database with the hash it was listed with,
   once. Also counted: unix processes that outlived their relay, temporary directories left.
3. Hard kills of `heeltrack sync` (--sync-kills): a unix-port board gets 3 new sessions of
   0.1-0.5 MiB, then `heeltrack sync` is killed with SIGKILL at a random moment (0.3-1 s in);
   again and again, then a sync runs to the end. After each kill: what the board deleted is in
   the database, intact, once.
4. A new database opened by several processes at once (--db-opens, in rounds of --parallel):
   every open must succeed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from heeltrack.db import Database
from heeltrack.link import LinkClient, LinkError
from heeltrack.sync import sync_device
from heeltrack.transport import TransportError
from tests.support.faults import FaultPlan
from tests.support.memory_board import MemoryBoard
from tests.support.pty_board import Board
from tests.support.sessions import DEVICE_ID, make_session

HEELTRACK = [sys.executable, "-m", "heeltrack.cli"]


@dataclass
class Tally:
    runs: int = 0
    failed_attempts: int = 0  # syncs that the faults or kills broke off (recovered from)
    lost: int = 0
    duplicated: int = 0
    corrupt: int = 0
    unconfirmed_deletes: int = 0
    sessions: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


# -- 1. link faults -------------------------------------------------------------------------------
class _Recording(LinkClient):
    confirmed: set[int]

    def confirm_delete(self, sid: int, sha: bytes) -> None:
        self.confirmed.add(sid)
        super().confirm_delete(sid, sha)


def _check(
    board: MemoryBoard,
    db: Database,
    written: dict[int, bytes],
    confirmed: set[int],
    t: Tally,
    final: bool,
) -> None:
    on_board = board.on_board()
    for sid, data in written.items():
        held = db.session_data(DEVICE_ID, sid)
        if len(held) > 1:
            t.duplicated += 1
        if any(h != data for h in held) or (sid in on_board and on_board[sid] != data):
            t.corrupt += 1
        if sid not in on_board:
            if sid not in confirmed:
                t.unconfirmed_deletes += 1
            if data not in held:
                t.lost += 1
        elif final:
            t.lost += 1  # the clean sync should have taken it


def link_seed(seed: int, tmp: Path) -> Tally:
    t = Tally(runs=1)
    rng = random.Random(seed)
    n = rng.randint(2, 4)
    written = {s: make_session(s, rng.choice([2, 30, 300, 1200, 2500])) for s in range(1, n + 1)}
    t.sessions = n
    total = sum(len(d) for d in written.values())
    mode = "repl" if seed % 3 == 0 else "app"
    board = MemoryBoard(tmp / f"seed{seed}", mode=mode, sessions=written)
    confirmed: set[int] = set()

    def attempt(timeout: float, retries: int) -> bool:
        transport = board.connect()
        client = _Recording(transport, timeout=timeout, retries=retries)
        client.confirmed = confirmed
        try:
            client.hello()
            sync_device(client, db, port="line")
            return True
        except (LinkError, TransportError):
            return False
        finally:
            transport.close()

    try:
        with Database(tmp / f"seed{seed}.sqlite3") as db:
            for k in range(2):
                board.cable.damage = FaultPlan.random(seed * 100 + k, total + 4000).mangle
                if not attempt(0.2, 2):
                    t.failed_attempts += 1
                board.cable.damage = None
                _check(board, db, written, confirmed, t, final=False)
            if not attempt(2.0, 3):
                t.notes.append(f"seed {seed}: the clean sync failed")
            _check(board, db, written, confirmed, t, final=True)
    finally:
        board.close()
    return t


def soak_link(seeds: int, parallel: int, tmp: Path) -> Tally:
    total = Tally()
    t0 = time.monotonic()
    with ThreadPoolExecutor(parallel) as pool:
        for t in pool.map(lambda s: link_seed(s, tmp), range(seeds)):
            _add(total, t)
    total.seconds = time.monotonic() - t0
    return total


# -- 2. hard kills of the virtual board -----------------------------------------------------------
def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _start_virtual(
    image: Path, env: dict[str, str], seed: int
) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(
        [*HEELTRACK, "virtual", "--fs", str(image), "--simulate", str(seed), "--speed", "40"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdout is not None
    port = proc.stdout.readline().decode().strip()
    if not port.startswith("/dev/"):
        raise RuntimeError(f"the virtual board did not start: {port!r}")
    return proc, port


def _listing(port: str) -> dict[int, tuple[bool, bytes | None]]:
    from heeltrack.link import connect

    with connect(port) as client:
        return {e.sid: (e.closed, e.sha256) for e in client.list_sessions()}


def soak_board_kills(kills: int, tmp: Path, rng: random.Random) -> Tally:
    from heeltrack.flash import flash
    from heeltrack.transport_serial import SerialTransport

    t = Tally()
    t0 = time.monotonic()
    temp = tmp / "vtemp"
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp), HEELTRACK_RUNTIME_DIR=str(tmp / "run"))
    image = tmp / "board.img"
    proc, port = _start_virtual(image, env, 1)
    with SerialTransport(port) as transport:
        flash(transport, board="virtual", foot="left")
    seen: dict[int, tuple[bool, bytes | None]] = {}
    orphans = 0
    for k in range(kills):
        time.sleep(rng.uniform(1.0, 6.0))  # it counts the simulated session meanwhile
        children = _children(proc.pid)
        proc.kill()
        proc.wait()
        t.runs += 1
        end = time.monotonic() + 10
        while any(_alive(c) for c in children) and time.monotonic() < end:
            time.sleep(0.05)
        for c in children:
            if _alive(c):
                orphans += 1
                os.kill(c, signal.SIGKILL)
        proc, port = _start_virtual(image, env, 100 + k)
        if k % 3 == 2:
            try:
                for sid, state in _listing(port).items():
                    if state[0]:
                        seen[sid] = state
                    else:
                        seen.setdefault(sid, state)
            except Exception as e:  # noqa: BLE001 - noted, the soak goes on
                t.notes.append(f"LIST after kill {k}: {e}")
    # left behind by the killed boards, while the last one runs: only its own should be there
    left = len(list(temp.glob("heeltrack-vb-*"))) - 1
    # stop counting cleanly (the open session closes), then sync everything
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    proc, port = _start_virtual(image, env, 999)
    db_path = tmp / "kills.sqlite3"
    try:
        for sid, state in _listing(port).items():
            if state[0]:
                seen[sid] = state
        for _ in range(3):
            run = subprocess.run(
                [*HEELTRACK, "sync", "--port", port, "--db", str(db_path)],
                capture_output=True,
                text=True,
                env=env,
                timeout=300,
            )
            if run.returncode != 0:
                t.failed_attempts += 1
                t.notes.append(f"final sync: {run.stderr.strip()[-200:]}")
    finally:
        proc.kill()
        proc.wait()
    con = sqlite3.connect(db_path)
    rows = con.execute("SELECT sid, sha256, decode_error FROM sessions").fetchall()
    con.close()
    by_sid: dict[int, list[tuple[str, str | None]]] = {}
    for sid, sha, err in rows:
        by_sid.setdefault(sid, []).append((sha, err))
    t.sessions = len(seen)
    for sid, (closed, sha) in seen.items():
        held = by_sid.get(sid, [])
        if len(held) > 1:
            t.duplicated += 1
        if not held:
            t.lost += 1
        elif closed and sha is not None and sha.hex() not in [h[0] for h in held]:
            t.corrupt += 1  # a closed session never changes: another copy is damage
        if any(err for _sha, err in held):
            t.corrupt += 1
    t.notes.append(
        f"{orphans} unix processes outlived their relay; {left} temporary directories of killed "
        "boards left while the next one ran"
    )
    t.seconds = time.monotonic() - t0
    return t


# -- 3. hard kills of heeltrack sync --------------------------------------------------------------
def soak_sync_kills(kills: int, tmp: Path, rng: random.Random) -> Tally:
    t = Tally()
    t0 = time.monotonic()
    written: dict[int, bytes] = {}
    board = Board(tmp / "syncboard", mode="app")
    db_path = tmp / "sync.sqlite3"
    try:
        for k in range(kills):
            for sid in range(3 * k + 1, 3 * k + 4):  # new sessions each round: work to cut
                written[sid] = make_session(sid, rng.randint(5000, 25000))
                board.add_session(sid, written[sid])
            proc = subprocess.Popen(
                [*HEELTRACK, "sync", "--port", board.port, "--db", str(db_path)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.3, 1.0))
            if proc.poll() is None:
                proc.kill()
                t.failed_attempts += 1
            proc.wait()
            t.runs += 1
            _check_db_against(board, written, db_path, t, final=False)
        run = subprocess.run(
            [*HEELTRACK, "sync", "--port", board.port, "--db", str(db_path)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if run.returncode != 0:
            t.notes.append(f"final sync: {run.stderr.strip()[-200:]}")
        _check_db_against(board, written, db_path, t, final=True)
    finally:
        board.close()
    t.sessions = len(written)
    t.seconds = time.monotonic() - t0
    return t


def _check_db_against(
    board: Board, written: dict[int, bytes], db_path: Path, t: Tally, final: bool
) -> None:
    if not db_path.exists():
        return
    con = sqlite3.connect(db_path)
    held: dict[int, list[bytes]] = {}
    for sid, data in con.execute("SELECT sid, data FROM sessions"):
        held.setdefault(int(sid), []).append(bytes(data))
    con.close()
    on_board = board.on_board()
    for sid, data in written.items():
        copies = held.get(sid, [])
        if len(copies) > 1:
            t.duplicated += 1
        if any(c != data for c in copies):
            t.corrupt += 1
        if sid not in on_board and data not in copies:
            t.lost += 1
        if final and (sid in on_board or not copies):
            t.lost += 1


# -- 4. a new database opened at once -------------------------------------------------------------
_OPEN = """
import sys, time
from heeltrack.db import Database
go = float(sys.argv[2])
while time.time() < go:
    pass
with Database(sys.argv[1]) as db:
    db.conn.execute("SELECT COUNT(*) FROM sessions").fetchone()
"""


def soak_db_opens(opens: int, parallel: int, tmp: Path) -> Tally:
    t = Tally()
    t0 = time.monotonic()
    for r in range(max(1, opens // parallel)):
        path = tmp / f"open{r}.sqlite3"
        go = time.time() + 0.5
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _OPEN, str(path), str(go)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(parallel)
        ]
        for p in procs:
            _out, err = p.communicate(timeout=60)
            t.runs += 1
            if p.returncode != 0:
                t.failed_attempts += 1
                t.notes.append(err.strip().splitlines()[-1][:160] if err.strip() else "failed")
    t.seconds = time.monotonic() - t0
    return t


def _add(total: Tally, t: Tally) -> None:
    for name in (
        "runs",
        "failed_attempts",
        "lost",
        "duplicated",
        "corrupt",
        "unconfirmed_deletes",
        "sessions",
    ):
        setattr(total, name, getattr(total, name) + getattr(t, name))
    total.notes += t.notes


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=300)
    p.add_argument("--board-kills", type=int, default=26)
    p.add_argument("--sync-kills", type=int, default=20)
    p.add_argument("--db-opens", type=int, default=180)
    p.add_argument("--parallel", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    rng = random.Random(args.seed)
    results: dict[str, Tally] = {}
    with tempfile.TemporaryDirectory(prefix="heeltrack-soak-") as d:
        tmp = Path(d)
        if args.seeds:
            results["link faults"] = soak_link(args.seeds, args.parallel, tmp)
        if args.board_kills:
            results["kill -9 virtual board"] = soak_board_kills(args.board_kills, tmp, rng)
        if args.sync_kills:
            results["kill -9 heeltrack sync"] = soak_sync_kills(args.sync_kills, tmp, rng)
        if args.db_opens:
            results["new database, opened at once"] = soak_db_opens(
                args.db_opens, args.parallel, tmp
            )
    if args.json:
        print(json.dumps({k: asdict(v) for k, v in results.items()}, indent=1))
        return 0
    print(
        f"{'attack':32} {'runs':>5} {'broken off':>10} {'sessions':>8} {'lost':>5} "
        f"{'dup':>4} {'corrupt':>7} {'deleted unconfirmed':>19} {'time':>7}"
    )
    for name, t in results.items():
        print(
            f"{name:32} {t.runs:5d} {t.failed_attempts:10d} {t.sessions:8d} {t.lost:5d} "
            f"{t.duplicated:4d} {t.corrupt:7d} {t.unconfirmed_deletes:19d} {t.seconds:6.0f}s"
        )
        for note in t.notes[:10]:
            print(f"    {note}")
    bad = sum(t.lost + t.duplicated + t.corrupt + t.unconfirmed_deletes for t in results.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
