"""`heeltrack sessions` and `heeltrack show` over a database made with the board's encoder,
and the program comparison behind them (heeltrack.program, heeltrack.progress)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from heeltrack.cli import main
from heeltrack.db import Database
from heeltrack.program import Program
from heeltrack.progress import (
    direction_balance,
    feet_balance,
    load_sessions,
    short_holds,
    tempo,
    weekly,
)
from tests.test_report_fixtures import make_db


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "220")  # rich tables at full width in captured output
    return make_db(tmp_path / "h.sqlite3")


def test_program_targets_come_from_the_board_config() -> None:
    p = Program.from_config()
    assert p.reps_range("heel_raise") == (10, 15)
    assert p.sets_per_session("heel_raise") == (3, 4)
    assert p.reps_per_set("heel_walk") == 10  # 20 steps of both feet
    assert p.sets_per_session("toe_tap") == (3, 4) and p.reps_per_set("toe_tap") == 10
    assert p.reps_per_set("ankle_circle") == 8 and p.sets_per_session("ankle_circle") == (2, 2)
    assert p.min_period_s("heel_raise") == 5.0  # 2 s up and down + 3 s hold
    changed = Program.from_config({"heel_raise_hold_s": 5, "heel_raise_reps": [8, 12]})
    assert changed.min_period_s("heel_raise") == 7.0 and changed.reps_per_set("heel_raise") == 8
    with pytest.raises(ValueError):
        Program.from_config({"heel_raise_hold_s": -1})


def test_sessions_are_scored_against_the_program(db: Path) -> None:
    with Database(db) as d:
        s1, s2, s3, s4 = load_sessions(d.conn)
    assert [s.id for s in (s1, s2, s3, s4)] == [1, 2, 3, 4]  # undated last
    assert s1.score == 1.0 and s3.score == 1.0
    hr = s2.results["heel_raise"]
    assert (hr.sets, hr.full_sets, hr.reps) == (2, 1, 18)
    assert hr.short_holds == 12 and hr.fast_reps == 11  # 2.5 s apart < 5 s
    ac = s2.results["ankle_circle"]
    assert (ac.cw, ac.ccw, ac.full_sets, ac.fast_reps) == (8, 0, 1, 7)
    assert s2.score == pytest.approx((1 / 3 + 0 + 0 + 1 / 2) / 4)
    assert s4.started_at is None and s4.when() == "date unknown"


def test_weeks_and_balances(db: Path) -> None:
    with Database(db) as d:
        sessions = load_sessions(d.conn)
    (week,) = weekly(sessions)
    assert week.start == date(2026, 11, 16)
    assert (week.days_done, week.days_counted, week.sessions) == (3, 4, 3)
    assert week.adherence == pytest.approx((1 + sessions[1].score + 0 + 1) / 4)
    # later days without a session count as missed
    assert weekly(sessions, today=date(2026, 11, 22))[0].days_counted == 7
    assert feet_balance(sessions)["left"]["heel_raise"] == 45
    assert feet_balance(sessions)["right"]["ankle_circle"] == 24
    assert direction_balance(sessions) == {
        "left": {"cw": 8, "ccw": 8},
        "right": {"cw": 16, "ccw": 8},
    }


def test_sessions_command_prints_a_row_per_session(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sessions", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "2026-11-16 18:00" in out and "date unknown" in out
    assert "12/18" in out  # short holds of session 2
    assert "21%" in out and "100%" in out
    assert "2026-11-16" in out and "3/4" in out  # the week: 3 of 4 days
    assert main(["sessions", "--db", str(db), "--since", "2026-11-18"]) == 0
    out = capsys.readouterr().out
    assert "2026-11-19" in out and "2026-11-17" not in out


def test_show_lists_sets_and_reps_with_flags(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "2", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Session 2" in out and "right foot" in out
    assert "12 of 18 holds < 3 s" in out
    assert "one direction only" in out
    assert out.count("short hold fast") == 11
    assert "12 / 10" in out and "6 / 10" in out
    assert main(["show", "2", "--db", str(db), "--no-reps"]) == 0
    assert "short hold fast" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "99"], "no session 99 in the database (ids 1..4)"),
        (["show", "abc"], "not a number"),
        (["sessions", "--since", "yesterday"], "YYYY-MM-DD"),
        (["sessions", "--since", "2030-01-01"], "no sessions on or after 2030-01-01"),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    before = db.read_bytes()
    assert main([*argv, "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert db.read_bytes() == before


@pytest.mark.parametrize("command", ["sessions", "show 1", "report", "export"])
def test_missing_or_empty_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    missing = tmp_path / "none.sqlite3"
    assert main([*command.split(), "--db", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "no database at" in err and len(err.strip().splitlines()) == 1
    assert err.rstrip().endswith("or name another database file (--db FILE)")
    assert not missing.exists()  # reading never creates a database
    empty = tmp_path / "empty.sqlite3"
    Database(empty).close()
    assert main([*command.split(), "--db", str(empty)]) == 2
    err = capsys.readouterr().err
    assert ("holds no sessions yet" in err or "no session 1" in err) and err.count("\n") == 1


def test_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    assert main(["sessions", "--db", str(junk)]) == 2
    assert "not a HeelTrack database" in capsys.readouterr().err
    assert junk.read_text() == "hello"


def test_tempo_and_short_holds_over_sessions(db: Path) -> None:
    with Database(db) as d:
        sessions = load_sessions(d.conn)
    t = {x.exercise: x for x in tempo(sessions)}
    assert (t["heel_raise"].periods, t["heel_raise"].fast) == (89, 11)
    assert t["heel_raise"].median_s == 6.0 and t["heel_raise"].limit_s == 5.0
    assert (t["ankle_circle"].fast, t["heel_walk"].limit_s) == (7, None)
    holds = short_holds(sessions)
    assert len(holds) == 12 and {h["session"] for h in holds} == {2}
    assert holds[0] == {"session": 2, "set": 1, "at": "2026-11-17T07:00:01Z", "hold_s": 0.8}
