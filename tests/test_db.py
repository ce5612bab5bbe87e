"""heeltrack.db: schema, idempotent storage, partial transfers, decoding and dating."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from heel import records as R
from heel.motion import events as E
from heeltrack.db import SCHEMA_VERSION, Database, date_session, decode, iso, resolve_path
from heeltrack.errors import UserError
from tests.support.sessions import DEVICE_ID, make_session, sha


def circles_session(sid: int) -> bytes:
    buf = bytearray(R.RECORD_MAX)
    out = bytearray()
    out += buf[: R.encode_header(buf, 0, DEVICE_ID, sid)]
    out += buf[: R.encode_start(buf, 0, 5_000, 1_790_000_000, "pico", "right", "0.1.0", "ab")]
    out += buf[: R.encode_into(buf, R.SET_START, E.ANKLE_CIRCLE, 6_000, E.DIR_CCW)]
    for i in range(3):
        out += buf[: R.encode_into(buf, R.REP, E.ANKLE_CIRCLE, 7_000 + 1_000 * i, 0, 1)]
    out += buf[: R.encode_into(buf, R.SET_END, E.ANKLE_CIRCLE, 9_500, 3)]
    out += buf[: R.encode_into(buf, R.SESSION_END, 10_000, R.END_NORMAL)]
    return bytes(out)


def test_new_database_has_schema_version_and_wal(tmp_path: Path) -> None:
    with Database(tmp_path / "sub" / "h.sqlite3") as db:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        names = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master")}
        assert {"devices", "sessions", "partials", "sets", "reps"} <= names


def test_a_session_is_stored_once(tmp_path: Path) -> None:
    data = make_session(4, 12)
    with Database(tmp_path / "h.sqlite3") as db:
        first = db.store_session(DEVICE_ID, 4, data)
        again = db.store_session(DEVICE_ID, 4, data)
        assert first.new and not again.new and first.session_id == again.session_id
        assert first.reps == 12 and first.sets == 2
        assert db.has_session(DEVICE_ID, 4, sha(data))
        assert db.session_data(DEVICE_ID, 4) == [data]
        assert db.conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == 12
    # and it is there after reopening (committed)
    with Database(tmp_path / "h.sqlite3") as db:
        assert db.session_data(DEVICE_ID, 4) == [data]


def test_partials_resume_and_are_dropped_when_the_session_differs(tmp_path: Path) -> None:
    data = make_session(5, 200)
    digest = sha(data)
    with Database(tmp_path / "h.sqlite3") as db:
        assert db.partial(DEVICE_ID, 5, len(data), digest) == b""
        db.add_partial(DEVICE_ID, 5, len(data), digest, 0, data[:1000])
        db.add_partial(DEVICE_ID, 5, len(data), digest, 1000, data[1000:1500])
        db.add_partial(DEVICE_ID, 5, len(data), digest, 3000, data[3000:3100])  # a hole before
        assert db.partial(DEVICE_ID, 5, len(data), digest) == data[:1500]
        # the board now has another session 5 (reformatted): the old chunks go
        other = make_session(5, 3)
        assert db.partial(DEVICE_ID, 5, len(other), sha(other)) == b""
        assert db.conn.execute("SELECT COUNT(*) FROM partials").fetchone()[0] == 0
        db.add_partial(DEVICE_ID, 5, len(data), digest, 0, data[:1000])
        db.store_session(DEVICE_ID, 5, data)
        assert db.conn.execute("SELECT COUNT(*) FROM partials").fetchone()[0] == 0


def test_reps_carry_exercise_direction_foot_and_time(tmp_path: Path) -> None:
    with Database(tmp_path / "h.sqlite3") as db:
        db.store_session(DEVICE_ID, 9, circles_session(9))
        rows = db.conn.execute(
            "SELECT exercise, direction, foot, hold_ms, t_s, at, set_no FROM reps ORDER BY t_ms"
        ).fetchall()
        assert rows[0] == ("ankle_circle", "ccw", "right", None, 2.0, "2026-09-21T14:13:22Z", 1)
        assert len(rows) == 3
        s = db.conn.execute("SELECT exercise, direction, count, start_ms FROM sets").fetchall()
        assert s == [("ankle_circle", "ccw", 3, 6000)]
        started = db.conn.execute("SELECT started_at, approximate FROM sessions").fetchone()
        assert started == ("2026-09-21T14:13:20Z", 0)


def test_a_damaged_session_is_kept_raw_with_the_reason(tmp_path: Path) -> None:
    data = bytearray(make_session(6, 10))
    data[100] ^= 0xFF  # inside a record in the middle: corruption, not a torn tail
    with Database(tmp_path / "h.sqlite3") as db:
        st = db.store_session(DEVICE_ID, 6, bytes(data))
        assert st.new and st.decode_error and "offset" in st.decode_error
        assert db.session_data(DEVICE_ID, 6) == [bytes(data)]
        assert db.conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == 0


def test_dating() -> None:
    d = date_session(10_000, 1_700_000_000, None, None)
    assert (d.start_epoch, d.approximate) == (1_700_000_000, False)
    d = date_session(10_000, 0, (70_000, 1_700_000_060), (999_999, 1_800_000_000))
    assert (d.start_epoch, d.approximate, d.how) == (1_700_000_000, True, "clock record")
    d = date_session(10_000, 0, None, (3_610_000, 1_800_000_000))
    assert (d.start_epoch, d.approximate, d.how) == (1_800_000_000 - 3600, True, "uptime at sync")
    d = date_session(10_000, 0, None, (5_000, 1_800_000_000))  # rebooted since: unknown
    assert (d.start_epoch, d.approximate) == (None, True)
    # a later session started at a lower uptime: the board rebooted after this one
    d = date_session(10_000, 0, None, (3_610_000, 1_800_000_000), later_start_uptime_ms=2_000)
    assert (d.start_epoch, d.approximate, d.how) == (None, True, "unknown")
    d = date_session(10_000, 0, None, (3_610_000, 1_800_000_000), later_start_uptime_ms=20_000)
    assert d.how == "uptime at sync"
    dec = decode(make_session(1, 2, uptime_ms=60_000), sync_clock=(160_000, 1_800_000_000))
    assert dec.dating.start_epoch == 1_800_000_000 - 100
    assert dec.reps[0]["at"] == iso(1_800_000_000 - 100 + 3)  # rep at uptime 63 s


def test_newer_schema_and_foreign_databases_are_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    con = sqlite3.connect(newer)
    con.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(UserError, match="newer than this heeltrack"):
        Database(newer)
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    with Database(empty) as db:  # an empty file is a new database
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with pytest.raises(UserError, match="is a directory"):
        Database(tmp_path)


def test_path_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEELTRACK_DB", str(tmp_path / "env.sqlite3"))
    assert resolve_path(str(tmp_path / "arg.sqlite3")) == tmp_path / "arg.sqlite3"
    assert resolve_path(None) == tmp_path / "env.sqlite3"
    monkeypatch.delenv("HEELTRACK_DB")
    assert resolve_path(None).name == "heeltrack.sqlite3"
    assert "heeltrack" in str(resolve_path(None).parent)


def test_a_copy_damaged_inside_the_database_is_not_held_and_is_replaced(tmp_path: Path) -> None:
    data = make_session(8, 12)
    with Database(tmp_path / "h.sqlite3") as db:
        db.store_session(DEVICE_ID, 8, data)
        damaged = bytearray(data)
        damaged[200] ^= 0x10
        # bytes changed in the blob: SQLite's own checks still pass, the hash column matches
        db.conn.execute("UPDATE sessions SET data=? WHERE sid=8", (bytes(damaged),))
        assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert not db.has_session(DEVICE_ID, 8, sha(data))
        st = db.store_session(DEVICE_ID, 8, data)
        assert st.new and st.replaced and st.reps == 12
        assert db.has_session(DEVICE_ID, 8, sha(data))
        assert db.session_data(DEVICE_ID, 8) == [data]
        assert db.conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == 12
        assert db.conn.execute("SELECT COUNT(*) FROM sets").fetchone()[0] == 2


def test_a_new_database_created_by_another_process_meanwhile_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # found: of 180 opens of one new file from several processes at once, 2 said "an SQLite
    # database but not a HeelTrack one" (the other process created the schema between this
    # one's look at the version and at the tables) and 2 said "in use"
    from heeltrack import db as D

    path = tmp_path / "new.sqlite3"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    for stmt in D.SCHEMA.split(";"):
        if stmt.strip():
            other.execute(stmt)
    other.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    seen: list[str] = []

    def connect(*args: object, **kw: object) -> sqlite3.Connection:
        conn = real_connect(*args, **kw)  # type: ignore[arg-type]

        def trace(stmt: str) -> None:
            seen.append(stmt)
            if len(seen) == 2 and other.in_transaction:
                other.execute("COMMIT")  # the other process finishes right after our first look

        conn.set_trace_callback(trace)
        return conn

    real_connect = sqlite3.connect
    monkeypatch.setattr(D.sqlite3, "connect", connect)
    with Database(path, timeout=2) as db:
        assert not db.created
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "user_version" in seen[0]
    other.close()


def test_a_failed_first_sync_leaves_no_database_behind(tmp_path: Path) -> None:
    from heeltrack.cli import main

    db = tmp_path / "new.sqlite3"
    assert main(["sync", "--port", str(tmp_path / "no-such-port"), "--db", str(db)]) == 2
    assert list(tmp_path.iterdir()) == []


def test_dates_are_right_or_bounded_never_confidently_wrong(tmp_path: Path) -> None:
    # found: sessions of earlier power-ups were dated from the uptime of the current one (five
    # sessions of five power-ups all got the same instant); a board switched off between uses
    # and synced days later was off by days
    day = 86_400
    t0 = 1_800_000_000
    with Database(tmp_path / "h.sqlite3") as db:
        # sync 1, in power-up 1 (the board's clock read uptime 100 s at t0 + 100)
        db.note_clock(DEVICE_ID, 1, 100_000, t0 + 100, 1000, "sync")
        db.note_listing(DEVICE_ID, 1, t0 + 100, t0 + 101)
        s1 = db.store_session(DEVICE_ID, 1, make_session(1, 3, uptime_ms=20_000, boot=1))
        # power-up 1 goes on: session 2 began at uptime 5000 s, synced only later
        # power-ups 2 and 3: switched off between uses, never synced, no clock
        # power-up 4: synced two days later; its own session 5 is dated from that reading
        db.note_clock(DEVICE_ID, 4, 50_000, t0 + 2 * day, 1000, "sync")
        db.note_listing(DEVICE_ID, 5, t0 + 2 * day - 1, t0 + 2 * day)
        s2 = db.store_session(DEVICE_ID, 2, make_session(2, 3, uptime_ms=5_000_000, boot=1))
        s3 = db.store_session(DEVICE_ID, 3, make_session(3, 3, uptime_ms=20_000, boot=2))
        s4 = db.store_session(DEVICE_ID, 4, make_session(4, 3, uptime_ms=20_000, boot=3))
        s5 = db.store_session(DEVICE_ID, 5, make_session(5, 3, uptime_ms=20_000, boot=4))
        s6 = db.store_session(DEVICE_ID, 6, make_session(6, 3, epoch_s=t0 + 3 * day, boot=5))
        dates = {
            sid: db.conn.execute(
                "SELECT started_at, approximate, earliest, latest FROM sessions WHERE sid=?",
                (sid,),
            ).fetchone()
            for sid in range(1, 7)
        }
    assert s1.dating is not None and s1.dating.start_epoch == t0 + 100 - 80
    assert dates[1] == (iso(t0 + 20), 1, None, None)
    assert dates[2] == (iso(t0 + 100 + 4_900), 1, None, None)  # same power-up as sync 1
    # power-ups 2 and 3: no reading of their clock anywhere: no date, but bounds (after
    # session 2 began, before session 5 began)
    assert dates[3] == (None, 1, iso(t0 + 5_000), iso(t0 + 2 * day - 30))
    assert dates[4] == (None, 1, iso(t0 + 5_000), iso(t0 + 2 * day - 30))
    assert s3.dating is not None
    assert s3.dating.text() == "between 2027-01-15 09:23 and 2027-01-17 08:00 UTC"  # as stored
    assert dates[5] == (iso(t0 + 2 * day - 30), 1, None, None)
    assert dates[6] == (iso(t0 + 3 * day), 0, None, None)  # its own clock: exact
    reps = db_reps(tmp_path / "h.sqlite3", 3)
    assert reps and all(at is None for at in reps)  # no rep time for an unknown date
    assert s2.dating and s4.dating and s5.dating and s6.dating


def db_reps(path: Path, sid: int) -> list[str | None]:
    con = sqlite3.connect(path)
    rows = con.execute(
        "SELECT r.at FROM reps r JOIN sessions s ON s.id = r.session_id WHERE s.sid=?", (sid,)
    ).fetchall()
    con.close()
    return [r[0] for r in rows]


def test_a_version_1_database_is_upgraded_and_keeps_its_sessions(tmp_path: Path) -> None:
    from heeltrack import db as D

    path = tmp_path / "old.sqlite3"
    con = sqlite3.connect(path)
    schema_v1 = D.SCHEMA.replace(
        "    boot INTEGER, start_uptime_ms INTEGER, earliest TEXT, latest TEXT,\n", ""
    ).replace("    program TEXT,\n", "")
    schema_v1 = schema_v1[: schema_v1.index("CREATE TABLE IF NOT EXISTS clocks")]
    con.executescript(schema_v1)
    con.execute(
        "INSERT INTO sessions (device_id, sid, sha256, size, data, started_at, synced_at) "
        "VALUES ('d', 1, 'x', 1, x'00', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')"
    )
    con.execute("PRAGMA user_version=1")
    con.commit()
    con.close()
    with Database(path) as db:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        row = db.conn.execute("SELECT started_at, boot, earliest FROM sessions").fetchone()
        assert row == ("2026-01-01T00:00:00Z", None, None)
        assert db.redate("d")  # older sessions keep the date they were stored with
        assert db.conn.execute("SELECT started_at FROM sessions").fetchone()[0] == (
            "2026-01-01T00:00:00Z"
        )
