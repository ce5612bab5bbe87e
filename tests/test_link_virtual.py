"""`heeltrack sync` against the real virtual board (`heeltrack virtual`, the flashed firmware, the
app running), through a fault-injecting relay on its pseudo-terminal, then cleanly."""

from __future__ import annotations

import os
import subprocess
import time
import tty
from pathlib import Path

import serial

from heeltrack.db import Database
from heeltrack.errors import UserError
from heeltrack.link import LinkClient, LinkError
from heeltrack.sync import sync_device
from heeltrack.transport import TransportError
from heeltrack.transport_serial import SerialTransport
from tests.support.faults import FaultPlan
from tests.support.pty_board import Relay
from tests.support.sessions import make_session
from tests.test_sync_faults import RecordingClient
from tests.test_virtual import HEELTRACK, _env, mpremote, read_until, virtual_board

SEEDS = 8
REPS = {1: 3, 2: 40, 3: 400, 4: 1500, 5: 2500, 6: 700}  # 0.1 to 50 KiB


def board_sessions(port: str) -> dict[int, tuple[int, bytes | None]]:
    """sid -> (size, sha256) as the board lists them (over a clean link)."""
    transport = SerialTransport(port)
    try:
        client = LinkClient(transport, timeout=2.0)
        client.hello()
        return {e.sid: (e.size, e.sha256) for e in client.list_sessions()}
    finally:
        transport.close()


def sync_once(port: str, db: Database, confirmed: set[int], timeout: float, retries: int) -> str:
    transport = SerialTransport(port)
    client = RecordingClient(transport, timeout=timeout, retries=retries)
    client.confirmed = confirmed
    try:
        client.hello()
        rep = sync_device(client, db, port="virtual")
        return f"ok, {len(rep.new)} new"
    except (LinkError, UserError, TransportError) as e:
        return f"failed: {e}"
    finally:
        transport.close()


def test_faulty_then_clean_syncs_with_the_virtual_board(micropython_bin: str, tmp_path: Path):
    import hashlib

    written = {sid: make_session(sid, n) for sid, n in REPS.items()}
    for sid, data in written.items():
        (tmp_path / f"{sid}.hts").write_bytes(data)
    total = sum(len(d) for d in written.values())
    with virtual_board(tmp_path) as port:
        flash = subprocess.run(
            [*HEELTRACK, "flash", "--port", port],
            capture_output=True,
            env=_env(tmp_path),
            text=True,
            timeout=120,
        )
        assert flash.returncode == 0, flash.stderr
        files = [str(tmp_path / f"{sid}.hts") for sid in written]
        mpremote(port, "fs", "cp", *files, ":sessions/")
        with serial.Serial(port, timeout=0.2) as s:  # leave the REPL: the app starts again
            s.write(b"\r\x02")
            time.sleep(0.2)
            s.write(b"\x04")
            assert b"counting" in read_until(s, b"counting")
        fd = os.open(port, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd)
        relay = Relay(fd)
        log = []
        try:
            with Database(tmp_path / "h.sqlite3") as db:
                confirmed: set[int] = set()

                def check() -> dict[int, tuple[int, bytes | None]]:
                    relay.faults = None
                    listed = board_sessions(relay.port)
                    for sid, data in written.items():
                        held = db.session_data(db_device(db), sid) if db_device(db) else []
                        assert held in ([], [data]), f"session {sid} stored wrong or twice"
                        if sid in listed:
                            assert listed[sid] == (len(data), hashlib.sha256(data).digest())
                        else:
                            assert sid in confirmed and held == [data], f"{sid} lost; {log}"
                    return listed

                for seed in range(SEEDS):
                    # every attempt is cut somewhere in the first half: each resumes further
                    plan = FaultPlan(seed, p_corrupt=0.1, p_drop=0.05, p_stall=0.05)
                    plan.cut_at = plan.rng.randrange(200, total // 2)
                    relay.faults = plan
                    log.append(sync_once(relay.port, db, confirmed, 0.25, 2) + str(plan.log[:3]))
                    check()
                assert sum("failed" in x for x in log) >= SEEDS // 2, log  # the faults did bite
                assert sync_once(relay.port, db, confirmed, 2.0, 3).startswith("ok"), log
                listed = check()
                assert not set(written) & set(listed)
                for sid, data in written.items():
                    assert db.session_data(db_device(db), sid) == [data]
        finally:
            relay.stop()


def db_device(db: Database) -> str:
    row = db.conn.execute("SELECT device_id FROM devices").fetchone()
    return str(row[0]) if row else ""
