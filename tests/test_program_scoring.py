"""Each session is judged against the program it ran under (issue 10, item 5): the board logs its
targets with every session, the database keeps them, and `sessions`, `show` and `report` use
them; sessions of older firmware get the board's configuration if its digest matches theirs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from heel import config as C
from heeltrack.cli import main
from heeltrack.db import SCHEMA_VERSION, Database
from heeltrack.progress import load_sessions
from heeltrack.report import render_html
from tests.test_report_fixtures import DAY, DEVICE, MONDAY, SessionSpec, raises, session_bytes

TWELVE = C.merge(C.DEFAULTS, {"heel_raise_reps": [12, 15], "heel_raise_hold_s": 2})


def eleven_reps(sid: int, program: bytes = b"", digest: str = "ab") -> SessionSpec:
    """Three sets of 11 calf raises held 2.5 s: full sets of the seed's program (10-15, hold
    3 s: all holds short), not of 12-15 with a 2 s hold (no hold short)."""
    sets = [raises(11, hold_ms=2500) for _ in range(3)]
    return SessionSpec(sid, MONDAY + sid * DAY + 18 * 3600, "left", sets, program, digest)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "h.sqlite3"
    with Database(path) as d:
        d.store_session(DEVICE, 1, session_bytes(eleven_reps(1)))  # older firmware: no program
        d.store_session(DEVICE, 2, session_bytes(eleven_reps(2, C.pack_program(TWELVE))))
    return path


def test_the_packed_program_round_trips() -> None:
    assert len(C.pack_program(TWELVE)) == 13
    back = C.unpack_program(C.pack_program(TWELVE))
    assert {k: back[k] for k in C.PROGRAM_KEYS} == {k: TWELVE[k] for k in C.PROGRAM_KEYS}
    with pytest.raises(ValueError):
        C.unpack_program(b"\x00" * 12)


def test_sessions_are_judged_against_their_own_program(db: Path) -> None:
    with Database(db) as d:
        old, new = load_sessions(d.conn)
    assert not old.program_known and old.program.reps_range("heel_raise") == (10, 15)
    assert new.program_known and new.program.reps_range("heel_raise") == (12, 15)
    assert old.results["heel_raise"].full_sets == 3 and old.results["heel_raise"].short_holds == 33
    assert new.results["heel_raise"].full_sets == 0 and new.results["heel_raise"].short_holds == 0
    text = render_html([old, new])
    assert "3-4 sets x 12-15 reps, hold 2 s" in text  # the latest session's program
    assert "earlier sessions ran under other targets" in text


def test_show_and_sessions_print_the_sessions_program(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "2", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "3-4 sets x 12-15 reps, hold 2 s" in out and "0/3" in out
    assert main(["show", "1", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "3-4 sets x 10-15 reps, hold 3 s" in out and "judged on the defaults" in out
    assert main(["sessions", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "33 in 3 ✓" in out and "33 in 3 0/3" in out


def test_an_older_sessions_program_is_the_boards_config_if_the_digest_matches(
    tmp_path: Path,
) -> None:
    with Database(tmp_path / "h.sqlite3") as d:
        same = session_bytes(eleven_reps(1, digest=C.digest(TWELVE)))
        other = session_bytes(eleven_reps(2, digest="0badcafe"))
        d.store_session(DEVICE, 1, same, board_config=TWELVE)
        d.store_session(DEVICE, 2, other, board_config=TWELVE)
        rows = dict(d.conn.execute("SELECT sid, program FROM sessions").fetchall())
    assert rows == {1: C.dumps(TWELVE), 2: None}


def test_a_schema_1_database_gains_the_programs_of_the_logs_it_holds(db: Path) -> None:
    con = sqlite3.connect(db)
    con.execute("ALTER TABLE sessions DROP COLUMN program")
    for col in ("boot", "start_uptime_ms", "earliest", "latest"):  # schema 3's
        con.execute(f"ALTER TABLE sessions DROP COLUMN {col}")
    con.execute("DROP TABLE clocks")
    con.execute("DROP TABLE listings")
    con.execute("PRAGMA user_version=1")
    con.commit()
    con.close()
    with Database(db) as d:
        assert d.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        rows = dict(d.conn.execute("SELECT sid, program FROM sessions").fetchall())
    assert rows[1] is None and rows[2] is not None
    assert C.merge(C.DEFAULTS, __import__("json").loads(rows[2]))["heel_raise_reps"] == [12, 15]
