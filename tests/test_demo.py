"""`heeltrack demo`: a simulated week through the firmware on the virtual board (unix port),
flashed with mpremote, synced and reported. Fails (never skips) without the unix port."""

from __future__ import annotations

import sqlite3
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from heeltrack import demo
from heeltrack.cli import main
from heeltrack.demo import (
    DB_NAME,
    GAP_S,
    IDLE_TIMEOUT_S,
    DaySession,
    build_week,
    run_demo,
    simulated_vs_counted,
    week_plan,
)
from heeltrack.report import REPORT_NAME
from heeltrack.sim import simulate_set
from heeltrack.trace import Trace

# far from UTC both ways (POSIX TZ strings: no tzdata needed): UTC+14 and UTC-12
FAR_ZONES = ["XXX-14", "YYY+12"]


def in_zone(monkeypatch: pytest.MonkeyPatch, tz: str) -> None:
    monkeypatch.setenv("TZ", tz)
    time.tzset()


def local_date(iso_utc: str) -> date:
    return datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).astimezone().date()


def test_week_plan_has_variety_and_is_deterministic() -> None:
    plan = week_plan(1, 7)
    assert plan == week_plan(1, 7)
    assert len(plan) == 7 and not plan[0].missed and not plan[-1].missed
    assert plan[-1].day == date.today() - timedelta(days=1)
    assert {p.foot for p in plan} == {"left", "right"}
    variants = [p.variant for p in plan if not p.missed]
    assert "short holds" in variants and "fast tempo" in variants
    assert any(any(p.missed for p in week_plan(seed, 7)) for seed in range(1, 4))
    # every rest inside a session is shorter than the idle timeout, the gap after it longer
    assert GAP_S > IDLE_TIMEOUT_S + 10


@pytest.mark.parametrize("tz", FAR_ZONES)
def test_each_day_is_played_within_that_local_day(monkeypatch: pytest.MonkeyPatch, tz: str) -> None:
    # the views show local time: a day's session, start to end, lies within its local day
    in_zone(monkeypatch, tz)
    for p in week_plan(2, 31):
        s = DaySession(p, 0, 30 * 60_000, {})  # longer than any day's session
        first = datetime.fromtimestamp(s.epoch_s).date()
        last = datetime.fromtimestamp(s.epoch_s + s.length_ms // 1000).date()
        assert first == last == p.day, (p, first, last)


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
    assert [(local_date(r[0]), r[1], r[2]) for r in rows] == [(p.day, 0, p.foot) for p in plan]
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


def _split_day_traces(
    seed: int, todo: list[demo.DayPlan], on_day: Any
) -> list[tuple[Trace, dict[str, Any]]]:
    """The first day: a set, more rest than the board's idle timeout, another set (the board
    ends the session and begins a second one); the other days: one set."""
    out = []
    for i, p in enumerate(todo):
        parts = [simulate_set(40 + i, "heel_raise")]
        if i == 0:
            parts.append(simulate_set(50, "heel_raise"))
        traces = []
        for k, (trace, _truth) in enumerate(parts):
            if k:  # still on the foot, as the set ended
                traces.append(demo._rest_trace(IDLE_TIMEOUT_S + 30, trace.acc[0]))
            traces.append(trace)
        t0, ts = 0.0, []
        for tr in traces:
            ts.append(tr.t - tr.t[0] + t0)
            t0 = ts[-1][-1] + 0.01
        day = Trace(
            t=np.concatenate(ts),
            acc=np.concatenate([tr.acc for tr in traces]),
            gyro=np.concatenate([tr.gyro for tr in traces]),
            foot=p.foot,
            rate_hz=100.0,
        )
        truth = {"sets": [s for _tr, t in parts for s in t["sets"]]}
        out.append((day, truth))
    return out


@pytest.mark.parametrize("tz", FAR_ZONES[:1])
def test_a_day_the_board_splits_in_two_sessions_stays_on_its_day(
    tmp_path: Path, micropython_bin: str, monkeypatch: pytest.MonkeyPatch, tz: str
) -> None:
    """Every session the board logs while a day plays is dated on that day (local time, the
    views' time), however the board cuts the day into sessions."""
    in_zone(monkeypatch, tz)
    monkeypatch.setenv("HEELTRACK_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setattr(demo, "_day_traces", _split_day_traces)
    result = run_demo(tmp_path / "demo", days=2, speed=60)
    plan = [p.day for p in result.week.plan]
    con = sqlite3.connect(result.db)
    started = [r[0] for r in con.execute("SELECT started_at FROM sessions ORDER BY started_at")]
    reps = con.execute(
        "SELECT s.started_at, r.at FROM reps r JOIN sessions s ON s.id = r.session_id"
    ).fetchall()
    con.close()
    assert [local_date(s) for s in started] == [plan[0], plan[0], plan[1]], started
    assert len(reps) >= 15 and {local_date(s) for s, _ in reps} == set(plan)
    assert all(local_date(at) == local_date(s) for s, at in reps)  # no session crosses midnight
    assert result.dated_late == 0
    # the demo's table of simulated against counted puts both sessions of the first day on it
    table = simulated_vs_counted(result)
    assert [p.day for p, _sim, _got in table] == plan
    per_day = [sum(1 for s, _ in reps if local_date(s) == day) for day in plan]
    assert [sum(got.values()) for _p, _sim, got in table] == per_day
    assert [sum(sim.values()) for _p, sim, _got in table if sim] == [
        sum(s["count"] for s in ds.truth["sets"]) for ds in result.week.sessions
    ]
