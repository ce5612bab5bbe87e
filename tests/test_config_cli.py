"""`heeltrack config` against the virtual board: read, change with validation, bad input."""

from __future__ import annotations

import json
import os
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from heeltrack.cli import main
from heeltrack.cmd_config import parse_settings, parse_value
from heeltrack.errors import UserError
from tests.test_live_record import Board, start_board


@pytest.fixture
def board(tmp_path: Path, micropython_bin: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Board]:
    monkeypatch.setenv("HEELTRACK_RUNTIME_DIR", str(tmp_path / "run"))
    b = start_board(tmp_path)
    yield b
    b.relay.__exit__(None, None, None)


def board_config(port: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["config", "--port", port, "--json"]) == 0
    cfg: dict[str, object] = json.loads(capsys.readouterr().out)
    return cfg


def test_values_are_parsed_and_validated_on_the_host() -> None:
    assert parse_value("x", "5") == 5 and parse_value("x", "2.5") == 2.5
    assert parse_value("x", "10-15") == [10, 15] == parse_value("x", "[10, 15]")
    assert parse_value("x", "10..15") == [10, 15] == parse_value("x", "10,15")
    assert parse_value("x", "off") is False and parse_value("x", "left") == "left"
    assert parse_settings(["hold=4", "idle=60"]) == {"heel_raise_hold_s": 4, "idle_timeout_s": 60}
    with pytest.raises(UserError, match="unknown setting 'reps'"):
        parse_settings(["reps=4"])
    with pytest.raises(UserError, match="must have 1 <= min <= max <= 100"):
        parse_settings(["heel_raise_reps=15-10"])


def test_config_reads_and_changes_the_program_on_the_board(
    board: Board, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = board_config(board.port, capsys)
    assert cfg["foot"] == "right"  # flashed with --foot right
    assert cfg["heel_raise_reps"] == [10, 15] and cfg["heel_raise_hold_s"] == 3
    assert (
        main(["config", "--port", board.port, "hold=5", "heel_raise_reps=12-15", "foot=left"]) == 0
    )
    out = capsys.readouterr().out
    assert "heel_raise_hold_s" in out
    # the table lists the short names the command accepts
    assert any(
        line.split()[:3] == ["│", "heel_raise_hold_s", "│"] and "hold" in line.split()[3:5]
        for line in out.splitlines()
    ), out
    cfg = board_config(board.port, capsys)
    assert (cfg["heel_raise_hold_s"], cfg["heel_raise_reps"], cfg["foot"]) == (5, [12, 15], "left")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("colour=red", "unknown setting 'colour'"),
        ("foot=middle", "must be 'left' or 'right'"),
        ("heel_raise_hold_s=99", "must be in 0..30"),
        ("idle_timeout_s=abc", "must be an integer"),
        ("hold", "is not KEY=VALUE"),
    ],
)
def test_bad_settings_change_nothing(
    board: Board, capsys: pytest.CaptureFixture[str], setting: str, message: str
) -> None:
    before = board_config(board.port, capsys)
    assert main(["config", "--port", board.port, "hold=4", setting]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert board_config(board.port, capsys) == before


def test_a_port_with_no_board_behind_it(capsys: pytest.CaptureFixture[str]) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        assert main(["config", "--port", os.ttyname(slave)]) == 2
    finally:
        os.close(master)
        os.close(slave)
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "check the port" in err
    assert err.rstrip().endswith("(--port PORT)")  # the CLI names the flag
