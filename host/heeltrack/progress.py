"""Queries over the database (heeltrack.db): sessions, sets, reps, weekly totals, adherence,
left/right and cw/ccw balance, holds short of the target, tempo.

    >>> from heeltrack.progress import open_existing, load_sessions, weekly
    >>> db = open_existing(None)                       # $HEELTRACK_DB, else the default path
    >>> sessions = load_sessions(db.conn)              # oldest first, with sets and reps
    >>> for s in sessions: print(s.id, s.when(), s.score)
    >>> for w in weekly(sessions): print(w.start, w.adherence)

Everything here reads; nothing changes the database. Sessions are the rows of the `sessions`
table (their `id` is what `heeltrack show` takes); a session's date may be approximate
(reconstructed from the board's uptime) or unknown. Each session is judged against the program
it ran under (the configuration logged with it, sessions.program); a session whose program is
unknown (older firmware) against the seed's defaults.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from heeltrack.db import Database, resolve_path, when_text
from heeltrack.errors import UserError
from heeltrack.program import EXERCISES, ExerciseResult, Program, compare, session_score

FEET = ("left", "right")


def open_existing(db_arg: str | None) -> Database:
    """The database for a reading command; UserError if there is none yet (never creates one)."""
    path = resolve_path(db_arg)
    if not path.exists():
        raise UserError(
            f"no database at {path}; run `heeltrack sync` with the board plugged in (or "
            "`heeltrack demo`), or name another database file",
            option="db",
        )
    return Database(path)


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


@dataclass
class SessionView:
    """A stored session with its sets and reps (dicts of the db rows) and its program scores."""

    id: int
    device_id: str
    sid: int
    started_at: datetime | None
    approximate: bool
    foot: str | None
    board: str | None
    decode_error: str | None
    program: Program = field(default_factory=Program.from_config)  # the one it ran under
    program_known: bool = False  # False: not logged (older firmware), judged on the defaults
    earliest: datetime | None = None  # the date is unknown, but not before this
    latest: datetime | None = None  # ... nor after this
    sets: list[dict[str, Any]] = field(default_factory=list)
    reps: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, ExerciseResult] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return session_score(self.results)

    @property
    def day(self) -> date | None:
        return self.started_at.date() if self.started_at else None

    @property
    def duration_s(self) -> float:
        ends = [s["end_ms"] or s["start_ms"] for s in self.sets if s["start_ms"] is not None]
        starts = [s["start_ms"] for s in self.sets if s["start_ms"] is not None]
        return (max(ends) - min(starts)) / 1000.0 if starts else 0.0

    def when(self, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """'2026-11-24 18:03 UTC', '~2026-11-24 18:03 UTC' if approximate, 'between ... and
        ... UTC' when only bounds are known, or 'date unknown'."""
        if self.started_at is None:
            return when_text(
                None,
                True,
                self.earliest.timestamp() if self.earliest else None,
                self.latest.timestamp() if self.latest else None,
                fmt,
            )
        text = self.started_at.strftime(fmt) + " UTC"
        return ("~" + text) if self.approximate else text

    def total(self, exercise: str) -> int:
        return self.results[exercise].reps if exercise in self.results else 0


def _rows(cur: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _program(text: str | None, fallback: Program) -> tuple[Program, bool]:
    if text:
        try:
            return Program.from_config(json.loads(text)), True
        except ValueError:  # not JSON, or a value this heeltrack does not accept
            pass
    return fallback, False


def _view(conn: sqlite3.Connection, row: dict[str, Any], fallback: Program) -> SessionView:
    sid = int(row["id"])
    sets = _rows(
        conn.execute(
            "SELECT set_no, exercise, direction, start_ms, end_ms, count, started_at FROM sets "
            "WHERE session_id=? ORDER BY set_no",
            (sid,),
        )
    )
    reps = _rows(
        conn.execute(
            "SELECT set_no, exercise, t_ms, t_s, at, hold_ms, direction, foot FROM reps "
            "WHERE session_id=? ORDER BY t_ms, id",
            (sid,),
        )
    )
    program, known = _program(row["program"], fallback)
    v = SessionView(
        id=sid,
        device_id=str(row["device_id"]),
        sid=int(row["sid"]),
        started_at=parse_time(row["started_at"]),
        approximate=bool(row["approximate"]),
        foot=row["foot"],
        board=row["board"],
        decode_error=row["decode_error"],
        program=program,
        program_known=known,
        earliest=parse_time(row["earliest"]),
        latest=parse_time(row["latest"]),
        sets=sets,
        reps=reps,
    )
    v.results = compare(program, sets, reps)
    return v


_SESSION_COLS = (
    "id, device_id, sid, started_at, approximate, foot, board, decode_error, program, "
    "earliest, latest"
)


def load_sessions(
    conn: sqlite3.Connection, since: date | None = None, program: Program | None = None
) -> list[SessionView]:
    """All sessions, oldest first (sessions of unknown date last); with `since`, only those
    dated on or after that day. `program`: for sessions that logged none (default: the
    seed's)."""
    program = program or Program.from_config()
    rows = _rows(conn.execute(f"SELECT {_SESSION_COLS} FROM sessions ORDER BY id"))
    out = [_view(conn, r, program) for r in rows]
    if since is not None:
        out = [s for s in out if s.day is not None and s.day >= since]
    far = datetime.max.replace(tzinfo=UTC)
    out.sort(key=lambda s: (s.started_at or far, s.id))
    return out


def require_sessions(
    conn: sqlite3.Connection, path: Path | str, since: date | None = None
) -> list[SessionView]:
    """load_sessions, or UserError when there are none to show."""
    sessions = load_sessions(conn, since)
    if sessions:
        return sessions
    if since is not None and conn.execute("SELECT 1 FROM sessions LIMIT 1").fetchone():
        raise UserError(
            f"no sessions on or after {since.isoformat()} in {path}; try an earlier date"
        )
    raise UserError(
        f"the database {path} holds no sessions yet; run `heeltrack sync` with the board "
        "plugged in (or `heeltrack demo`)"
    )


def load_session(conn: sqlite3.Connection, session_id: str | int) -> SessionView:
    """One session by its id (the # column of `heeltrack sessions`); UserError if unknown."""
    try:
        n = int(session_id)
    except ValueError:
        raise UserError(
            f"session {session_id!r} is not a number; `heeltrack sessions` lists the ids"
        ) from None
    rows = _rows(conn.execute(f"SELECT {_SESSION_COLS} FROM sessions WHERE id=?", (n,)))
    if not rows:
        ids = [r[0] for r in conn.execute("SELECT id FROM sessions ORDER BY id")]
        known = f"ids {ids[0]}..{ids[-1]}" if ids else "no sessions at all"
        raise UserError(
            f"no session {n} in the database ({known}); `heeltrack sessions` lists them"
        )
    return _view(conn, rows[0], Program.from_config())


# ---- progress over many sessions ------------------------------------------------------------


@dataclass
class Week:
    start: date  # Monday
    days_done: int  # days with a session
    days_counted: int  # days of this week within the period followed
    sessions: int
    reps: dict[str, int]
    adherence: float  # 0..1: mean over the counted days of the day's best session score


def weekly(sessions: list[SessionView], today: date | None = None) -> list[Week]:
    """ISO weeks from the first dated session to `today` (default: the last session's day):
    totals per exercise and adherence (a missed day counts 0, a day's best session counts)."""
    dated = [s for s in sessions if s.day is not None]
    if not dated:
        return []
    first = min(s.day for s in dated if s.day)
    last = max(s.day for s in dated if s.day)
    end = max(last, today) if today else last
    best: dict[date, float] = {}
    for s in dated:
        assert s.day is not None
        best[s.day] = max(best.get(s.day, 0.0), s.score)
    weeks: list[Week] = []
    monday = first - timedelta(days=first.weekday())
    while monday <= end:
        days = [monday + timedelta(days=i) for i in range(7)]
        counted = [d for d in days if first <= d <= end]
        in_week = [
            s for s in dated if s.day is not None and monday <= s.day < days[-1] + timedelta(1)
        ]
        reps = {ex: sum(s.total(ex) for s in in_week) for ex in EXERCISES}
        adherence = sum(best.get(d, 0.0) for d in counted) / len(counted) if counted else 0.0
        weeks.append(
            Week(monday, len({s.day for s in in_week}), len(counted), len(in_week), reps, adherence)
        )
        monday += timedelta(days=7)
    return weeks


def feet_balance(sessions: list[SessionView]) -> dict[str, dict[str, int]]:
    """foot -> exercise -> reps (sessions of unknown foot under 'unknown')."""
    out: dict[str, dict[str, int]] = {}
    for s in sessions:
        foot = s.foot if s.foot in FEET else "unknown"
        row = out.setdefault(foot or "unknown", {ex: 0 for ex in EXERCISES})
        for ex in EXERCISES:
            row[ex] += s.total(ex)
    return out


def direction_balance(sessions: list[SessionView]) -> dict[str, dict[str, int]]:
    """foot -> {'cw': circles, 'ccw': circles}."""
    out: dict[str, dict[str, int]] = {}
    for s in sessions:
        r = s.results.get("ankle_circle")
        if r is None or not (r.cw or r.ccw):
            continue
        row = out.setdefault(s.foot or "unknown", {"cw": 0, "ccw": 0})
        row["cw"] += r.cw
        row["ccw"] += r.ccw
    return out


def rep_periods(session: SessionView) -> list[float | None]:
    """Per rep of `session` (in its order): seconds since the previous rep of the same set,
    None for a set's first rep."""
    last: dict[Any, int] = {}
    out: list[float | None] = []
    for r in session.reps:
        key = (r["exercise"], r["set_no"])
        out.append((r["t_ms"] - last[key]) / 1000.0 if key in last else None)
        last[key] = r["t_ms"]
    return out


def set_stats(session: SessionView, program: Program | None = None) -> list[dict[str, Any]]:
    """Per set: the row plus target, duration_s, mean_hold_s, short_holds, fast_reps,
    median_period_s; against the session's own program unless `program` is given."""
    program = program or session.program
    periods = rep_periods(session)
    hold_target_ms = program.hold_s * 1000.0
    out = []
    for s in session.sets:
        ex = s["exercise"]
        idx = [i for i, r in enumerate(session.reps) if r["set_no"] == s["set_no"]]
        holds = [session.reps[i]["hold_ms"] for i in idx if session.reps[i]["hold_ms"] is not None]
        pers = sorted(p for i in idx if (p := periods[i]) is not None)
        limit = program.min_period_s(ex) if ex in EXERCISES else None
        row = dict(s)
        row["target"] = program.reps_per_set(ex) if ex in EXERCISES else 0
        row["duration_s"] = (
            (s["end_ms"] - s["start_ms"]) / 1000.0 if s["end_ms"] is not None else None
        )
        row["mean_hold_s"] = sum(holds) / len(holds) / 1000.0 if holds else None
        row["short_holds"] = sum(1 for h in holds if hold_target_ms > 0 and h < hold_target_ms)
        row["fast_reps"] = sum(1 for p in pers if limit is not None and p < limit)
        row["median_period_s"] = pers[len(pers) // 2] if pers else None
        out.append(row)
    return out


EXPORT_COLUMNS = (
    ("session", "the session's id in the database (`heeltrack show SESSION`)"),
    ("device", "the board's device id"),
    ("set", "set number within the session (1, 2, ...)"),
    ("exercise", "heel_raise | heel_walk | toe_tap | ankle_circle"),
    ("time", "when the rep happened, UTC ISO 8601 (empty if the session's date is unknown)"),
    ("t_s", "seconds since the session began"),
    ("hold_s", "heel_raise: seconds the heel stayed within 80% of the rep's peak; else empty"),
    ("direction", "ankle_circle: cw | ccw (seen from behind the heel); else empty"),
    ("foot", "left | right: the foot wearing the board"),
    ("approximate", "1 if the date was reconstructed from the board's uptime, else 0"),
)


def export_rows(conn: sqlite3.Connection, since: date | None = None) -> list[dict[str, Any]]:
    """One dict per rep with the EXPORT_COLUMNS keys, oldest session first."""
    out: list[dict[str, Any]] = []
    for s in load_sessions(conn, since):
        for r in s.reps:
            out.append(
                {
                    "session": s.id,
                    "device": s.device_id,
                    "set": r["set_no"],
                    "exercise": r["exercise"],
                    "time": r["at"],
                    "t_s": round(float(r["t_s"]), 3) if r["t_s"] is not None else None,
                    "hold_s": r["hold_ms"] / 1000.0 if r["hold_ms"] is not None else None,
                    "direction": r["direction"] or None,
                    "foot": r["foot"] or s.foot,
                    "approximate": int(s.approximate),
                }
            )
    return out


def percent(x: float) -> str:
    return f"{round(100 * x):d}%"


@dataclass
class Tempo:
    exercise: str
    periods: int  # rep-to-rep intervals measured (within sets)
    fast: int  # of them shorter than the program's slowest tempo
    median_s: float | None
    limit_s: float | None  # program.min_period_s


def tempo(sessions: list[SessionView]) -> list[Tempo]:
    """Per exercise over all sessions: how fast the reps came, each against the tempo of its
    session's program; limit_s is the latest session's."""
    per: dict[str, list[float]] = {ex: [] for ex in EXERCISES}
    fast = {ex: 0 for ex in EXERCISES}
    for s in sessions:
        for r, p in zip(s.reps, rep_periods(s), strict=True):
            ex = r["exercise"]
            if p is not None and ex in per:
                per[ex].append(p)
                limit = s.program.min_period_s(ex)
                fast[ex] += limit is not None and p < limit
    latest = sessions[-1].program if sessions else Program.from_config()
    out = []
    for ex, ps in per.items():
        ps.sort()
        median = ps[len(ps) // 2] if ps else None
        out.append(Tempo(ex, len(ps), fast[ex], median, latest.min_period_s(ex)))
    return out


def short_holds(sessions: list[SessionView]) -> list[dict[str, Any]]:
    """Every calf raise held shorter than its session's target: session, set, at, hold_s."""
    out: list[dict[str, Any]] = []
    for s in sessions:
        target_ms = s.program.hold_s * 1000.0
        if target_ms <= 0:
            continue
        for r in s.reps:
            if (
                r["exercise"] == "heel_raise"
                and r["hold_ms"] is not None
                and r["hold_ms"] < target_ms
            ):
                out.append(
                    {
                        "session": s.id,
                        "set": r["set_no"],
                        "at": r["at"],
                        "hold_s": r["hold_ms"] / 1000.0,
                    }
                )
    return out
