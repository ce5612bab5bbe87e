"""Fault injection: syncs over a line that corrupts bytes, drops bytes, stalls and is cut at random
points (per seed), then a clean sync. The board is the firmware's own code (heel.app.App, or the
REPL's link server) in this process, on the in-memory transport whose fault hook damages the
bytes: a pseudo-terminal is not the point here (tests/test_link_virtual.py does it on one).
Invariants:

- after every faulty sync, each session the board no longer has was confirmed by the host and is
  in the database byte-identical to what the board wrote; nothing in the database differs from
  what the board wrote;
- after the clean sync every session is in the database exactly once, byte-identical, and the
  board holds none of them.

Seeds run a few at a time in threads (each has its own board and line).
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from heeltrack.db import Database
from heeltrack.errors import UserError
from heeltrack.link import LinkClient, LinkError
from heeltrack.sync import sync_device
from heeltrack.transport import Transport, TransportError
from tests.support.faults import FaultPlan
from tests.support.memory_board import MemoryBoard
from tests.support.sessions import DEVICE_ID, make_session

SEEDS = 40
PARALLEL = 5
FAULTY_ATTEMPTS = 2


class RecordingClient(LinkClient):
    """Remembers every session it asked the board to delete (asked, whether answered or not)."""

    confirmed: set[int]

    def confirm_delete(self, sid: int, sha: bytes) -> None:
        self.confirmed.add(sid)
        super().confirm_delete(sid, sha)


def attempt(
    transport: Transport, db: Database, confirmed: set[int], timeout: float, retries: int
) -> str | None:
    """None if the sync went through, else why it failed."""
    client = RecordingClient(transport, timeout=timeout, retries=retries)
    client.confirmed = confirmed
    try:
        client.hello()
        sync_device(client, db, port="line")
        return None
    except (LinkError, UserError, TransportError) as e:
        return f"{type(e).__name__}: {e}"
    finally:
        transport.close()  # no BYE: the board keeps serving, like after a pulled cable


def check_invariants(
    board: MemoryBoard, db: Database, written: dict[int, bytes], confirmed: set[int]
):
    on_board = board.on_board()
    for sid, data in written.items():
        held = db.session_data(DEVICE_ID, sid)
        assert held in ([], [data]), f"session {sid} stored wrong or twice"
        if sid not in on_board:
            assert sid in confirmed, f"session {sid} deleted without confirmation"
            assert held == [data], f"session {sid} deleted but not held"
        else:
            assert on_board[sid] == data, f"session {sid} changed on the board"


def run_seed(seed: int, tmp: Path) -> str:
    rng = random.Random(seed)
    n = rng.randint(2, 4)
    written = {
        sid: make_session(sid, rng.choice([2, 30, 300, 1200, 2500])) for sid in range(1, n + 1)
    }
    total = sum(len(d) for d in written.values())
    mode = "repl" if seed % 3 == 0 else "app"
    board = MemoryBoard(tmp / f"seed{seed}", mode=mode, sessions=written)
    log: list[str] = []
    try:
        # a clean HELLO first: the board answers, from the app or the REPL's link server
        transport = board.connect()
        assert LinkClient(transport).hello()["mode"] == mode
        transport.close()  # no BYE
        with Database(tmp / f"seed{seed}.sqlite3") as db:
            confirmed: set[int] = set()
            for k in range(FAULTY_ATTEMPTS):
                plan = FaultPlan.random(seed * 100 + k, total + 4000)
                board.cable.damage = plan.mangle
                why = attempt(board.connect(), db, confirmed, timeout=0.2, retries=2)
                board.cable.damage = None
                log.append(f"attempt {k}: {'ok' if why is None else 'failed'} {why} {plan.log[:6]}")
                check_invariants(board, db, written, confirmed)
            why = attempt(board.connect(), db, confirmed, timeout=2.0, retries=3)
            assert why is None, f"clean sync failed: {why}"
            check_invariants(board, db, written, confirmed)
            for sid, data in written.items():
                assert db.session_data(DEVICE_ID, sid) == [data]
            assert board.on_board() == {}
            count = db.conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
            assert count == len(written)
    except AssertionError as e:
        raise AssertionError(f"seed {seed} ({mode}): {e}; {log}") from None
    finally:
        board.close()
    return "; ".join(log)


@pytest.mark.parametrize("group", range(SEEDS // PARALLEL))
def test_faulty_syncs_then_a_clean_one_lose_and_duplicate_nothing(
    group: int, tmp_path: Path
) -> None:
    seeds = range(group * PARALLEL, (group + 1) * PARALLEL)
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(lambda s: run_seed(s, tmp_path), seeds))
    # the faults did bite: some faulty attempts failed and were recovered from
    assert any("failed" in r for r in results), results
