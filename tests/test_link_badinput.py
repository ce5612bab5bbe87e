"""Bad input to `heeltrack sync`: one clear line, exit status 2, nothing lost or changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from heeltrack.cli import main
from heeltrack.errors import UserError
from heeltrack.transport_serial import SerialTransport
from tests.support.pty_board import Board
from tests.support.sessions import make_session

SESSIONS = {1: make_session(1, 5), 2: make_session(2, 30)}


@pytest.fixture
def board(tmp_path: Path, micropython_bin: str) -> Iterator[Board]:
    b = Board(tmp_path / "b", mode="app", sessions=SESSIONS)
    yield b
    b.close()


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("heeltrack sync: error: ")
    assert "Traceback" not in err
    return lines[0]


def test_unknown_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.sqlite3"
    assert main(["sync", "--port", "/dev/heeltrack-no-such-port", "--db", str(db)]) == 2
    assert "/dev/heeltrack-no-such-port" in one_error_line(capsys)
    # a path that exists but is no serial port
    assert main(["sync", "--port", "/dev/null", "--db", str(db)]) == 2
    line = one_error_line(capsys)
    assert "/dev/null" in line and line.endswith("(--port PORT)")
    # the library's own error names the setting as data, not the CLI's flag
    with pytest.raises(UserError) as e:
        SerialTransport("/dev/null")
    assert e.value.option == "port" and "--port" not in str(e.value)


def test_board_without_heeltrack_firmware(
    tmp_path: Path, micropython_bin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = Board(tmp_path / "plain", mode="plain")
    try:
        db = tmp_path / "h.sqlite3"
        assert main(["sync", "--port", plain.port, "--db", str(db)]) == 2
        line = one_error_line(capsys)
        assert "has no HeelTrack firmware" in line and "heeltrack flash" in line
        assert plain.proc.poll() is None  # the board is left running, at its REPL
    finally:
        plain.close()


GARBAGE = b"these are my notes, not a database\n" * 10


def test_a_file_that_is_not_a_database_is_left_untouched(
    board: Board, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "notes.txt"
    db.write_bytes(GARBAGE)
    assert main(["sync", "--port", board.port, "--db", str(db)]) == 2
    assert "not a HeelTrack database" in one_error_line(capsys)
    assert db.read_bytes() == GARBAGE
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("notes")) == ["notes.txt"]
    assert board.on_board() == SESSIONS  # the board was not even asked


def test_a_damaged_database_is_left_untouched(
    board: Board, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    assert main(["sync", "--port", board.port, "--db", str(db), "--keep"]) == 0
    capsys.readouterr()
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    raw = bytearray(db.read_bytes())
    assert len(raw) > 8192
    for i in range(4096, len(raw), 97):  # scribble over everything after the first pages
        raw[i] ^= 0x5A
    db.write_bytes(bytes(raw))
    assert main(["sync", "--port", board.port, "--db", str(db)]) == 2
    assert "is damaged" in one_error_line(capsys)
    assert db.read_bytes() == bytes(raw)
    assert sorted(board.on_board()) == [1, 2]  # nothing deleted on the board


def test_another_programs_sqlite_database_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "other.sqlite3"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = db.read_bytes()
    assert main(["sync", "--port", "/dev/null-port", "--db", str(db)]) == 2
    assert "not a HeelTrack one" in one_error_line(capsys)
    assert db.read_bytes() == before


def test_a_database_in_use_is_reported_and_nothing_is_deleted(
    board: Board,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import functools

    import heeltrack.cmd_sync as cmd
    from heeltrack.db import Database

    monkeypatch.setattr(cmd, "Database", functools.partial(Database, timeout=0.1))
    db = tmp_path / "h.sqlite3"
    Database(db).close()
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program writing
    try:
        assert main(["sync", "--port", board.port, "--db", str(db)]) == 2
        assert "another `heeltrack sync` running" in one_error_line(capsys)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert board.on_board() == SESSIONS


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (["sync"], "has no HeelTrack firmware"),
        (["config"], "has no HeelTrack firmware"),
        (["live", "--seconds", "1"], "has no HeelTrack firmware"),
        (["record", "out.csv", "--seconds", "1"], "has no HeelTrack firmware"),
    ],
)
def test_a_plain_micropython_board_gets_one_line_and_nothing_on_stdout(
    tmp_path: Path,
    micropython_bin: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    words: str,
) -> None:
    # found: mpremote printed b'raw REPL; CTRL-B to exit\r\r\n>' on stdout first, and record
    # said "the board could not record: >" after a blank line
    monkeypatch.chdir(tmp_path)
    plain = Board(tmp_path / "plain", mode="plain")
    try:
        args = [command[0], "--port", plain.port, *command[1:]]
        if command[0] == "sync":
            args += ["--db", str(tmp_path / "h.sqlite3")]
        assert main(args) == 2
        out, err = capsys.readouterr()
        assert out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err, err
        assert lines[0].startswith(f"heeltrack {command[0]}: error: ")
        assert words in lines[0] and "heeltrack flash" in lines[0], lines[0]
        assert not (tmp_path / "out.csv").exists()
    finally:
        plain.close()
