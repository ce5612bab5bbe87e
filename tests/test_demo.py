"""`heeltrack demo`: a simulated week through the firmware on the virtual board (unix port),
flashed with mpremote, synced and reported. Fails (never skips) without the unix port."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from heeltrack.cli import main
from heeltrack.demo import DB_NAME, GAP_S, IDLE_TIMEOUT_S, build_week, week_plan
from heeltrack.report import REPORT_NAME


def test_week_plan_has_variety_and_is_deterministic() -> None:
    plan = week_plan(1, 7)
    assert plan == week_plan(1, 7)
    assert len(plan) == 7 and not plan[0].missed and not plan[-1].missed
    today = datetime.now(UTC).date()
    assert plan[-1].day == today - timedelta(days=1)
    assert {p.foot for p in plan} == {"left", "right"}
    variants = [p.variant for p in plan if not p.missed]
    assert "short holds" in variants and "fast tempo" in variants
    assert any(any(p.missed for p in week_plan(seed, 7)) for seed in range(1, 4))
    # every rest inside a session is shorter than the idle timeout, the gap after it longer
    assert GAP_S > IDLE_TIMEOUT_S + 10


def test_build_week_places_the_days_in_one_recording() -> None:
    plan = week_plan(3, 2)
    week = build_week(3, plan, speed=10)
    assert len(week.sessions) == 2
    a, b = week.sessions
    assert a.start_ms >= 30_000  # the lead-in: time to set the clock first
    assert b.start_ms == a.start_ms + a.length_ms + int(GAP_S * 1000)
    assert week.length_ms == b.start_ms + b.length_ms + int(GAP_S * 1000)
    assert {s["exercise"] for s in a.truth["sets"]} == {
        "heel_raise",
        "heel_walk",
        "toe_tap",
        "ankle_circle",
    }


def test_demo_runs_the_firmware_end_to_end(
    tmp_path: Path,
    micropython_bin: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HEELTRACK_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("COLUMNS", "200")
    out = tmp_path / "demo"
    assert main(["demo", "--days", "2", "--out", str(out), "--speed", "60"]) == 0
    text = capsys.readouterr().out
    db = out / DB_NAME
    assert f"heeltrack sessions --db {db}" in text and "heeltrack export" in text
    assert "Simulated vs counted" in text
    assert (out / REPORT_NAME).stat().st_size > 10_000
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT started_at, approximate, foot FROM sessions ORDER BY started_at"
    ).fetchall()
    plan = week_plan(1, 2)
    assert [(r[0][:10], r[1], r[2]) for r in rows] == [(p.day.isoformat(), 0, p.foot) for p in plan]
    counted = dict(con.execute("SELECT exercise, COUNT(*) FROM reps GROUP BY exercise"))
    con.close()
    # the board's firmware counted every exercise of the program (accuracy is the engine's
    # business: benchmarks/; here: the numbers come through the whole chain)
    assert set(counted) == {"heel_raise", "heel_walk", "toe_tap", "ankle_circle"}
    assert counted["heel_raise"] >= 20 and counted["toe_tap"] >= 20
    # the commands it prints work on what it made
    assert main(["sessions", "--db", str(db)]) == 0
    assert main(["show", "1", "--db", str(db)]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0"], "--days must be between 1 and 31"),
        # one speed range for demo and virtual
        (["--speed", "0"], "--speed must be between 0.1 and 200 (times real time), got 0"),
        (["--speed", "500"], "--speed must be between 0.1 and 200 (times real time), got 500"),
    ],
)
def test_demo_bad_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["demo", "--out", str(tmp_path / "d"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_demo_out_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "file"
    f.write_text("keep me")
    assert main(["demo", "--out", str(f)]) == 2
    assert "is a file" in capsys.readouterr().err and f.read_text() == "keep me"
