"""A small database of sessions made with the board's own record encoder (heel.records), for
the user-side tests (sessions, show, export, report); plus tests of the fixture itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from heel import records as R
from heel.motion import events as E
from heeltrack.db import Database

DEVICE = "a1b2c3d4e5f60718"
DAY = 86_400
MONDAY = 1_794_787_200  # 2026-11-16 00:00 UTC, a Monday


@dataclass
class SetSpec:
    exercise: int
    reps: list[tuple[int, int]]  # (t_ms from the set's start, hold_ms)
    direction: int = E.DIR_NONE


@dataclass
class SessionSpec:
    sid: int
    epoch_s: int  # 0: the clock was not set
    foot: str = "left"
    sets: list[SetSpec] = field(default_factory=list)
    program: bytes = b""  # heel.config.pack_program of the configuration it ran under
    digest: str = "ab"


def session_bytes(spec: SessionSpec, uptime0: int = 10_000) -> bytes:
    buf = bytearray(R.RECORD_MAX)
    out = bytearray()
    out += buf[: R.encode_header(buf, 0, DEVICE, spec.sid)]
    n = R.encode_start(
        buf, 0, uptime0, spec.epoch_s, "virtual", spec.foot, "0.1", spec.digest, spec.program
    )
    out += buf[:n]
    t = uptime0 + 1_000
    for set_no, s in enumerate(spec.sets, 1):
        out += buf[: R.encode_into(buf, R.SET_START, s.exercise, t, s.direction)]
        for dt, hold in s.reps:
            out += buf[: R.encode_into(buf, R.REP, s.exercise, t + dt, hold, set_no)]
        end = t + (s.reps[-1][0] if s.reps else 0) + 1_000
        out += buf[: R.encode_into(buf, R.SET_END, s.exercise, end, len(s.reps))]
        t = end + 20_000
    out += buf[: R.encode_into(buf, R.SESSION_END, t, R.END_IDLE)]
    return bytes(out)


def raises(n: int, period_ms: int = 6_000, hold_ms: int = 3_200) -> SetSpec:
    return SetSpec(E.HEEL_RAISE, [(i * period_ms, hold_ms) for i in range(n)])


def simple(ex: int, n: int, period_ms: int = 1_000, direction: int = E.DIR_NONE) -> SetSpec:
    return SetSpec(ex, [(i * period_ms, 0) for i in range(n)], direction)


def full_session(sid: int, epoch_s: int, foot: str = "left") -> SessionSpec:
    """Everything the program asks, done well."""
    return SessionSpec(
        sid,
        epoch_s,
        foot,
        [
            raises(12),
            raises(12),
            raises(11),
            simple(E.HEEL_WALK, 10, 700),
            simple(E.TOE_TAP, 10),
            simple(E.TOE_TAP, 10),
            simple(E.TOE_TAP, 10),
            simple(E.ANKLE_CIRCLE, 8, 2_500, E.DIR_CW),
            simple(E.ANKLE_CIRCLE, 8, 2_500, E.DIR_CCW),
        ],
    )


def sloppy_session(sid: int, epoch_s: int, foot: str = "right") -> SessionSpec:
    """Short holds, fast raises, too few sets, only clockwise circles."""
    return SessionSpec(
        sid,
        epoch_s,
        foot,
        [
            raises(12, period_ms=2_500, hold_ms=800),  # fast and short holds
            raises(6),  # a short set
            simple(E.ANKLE_CIRCLE, 8, 1_000, E.DIR_CW),  # rushed circles
        ],
    )


SPECS = [
    full_session(1, MONDAY + 18 * 3600),
    sloppy_session(2, MONDAY + DAY + 7 * 3600),
    # Wednesday missed
    full_session(3, MONDAY + 3 * DAY + 19 * 3600, foot="right"),
    SessionSpec(4, 0, "left", [raises(10)]),  # clock never set, board restarted: date unknown
]


def make_db(path: Path) -> Path:
    with Database(path) as db:
        for spec in SPECS:
            db.store_session(DEVICE, spec.sid, session_bytes(spec))
    return path


def test_fixture_database_decodes_as_specified(tmp_path: Path) -> None:
    with Database(make_db(tmp_path / "h.sqlite3")) as db:
        counts = db.conn.execute(
            "SELECT s.sid, COUNT(r.id) FROM sessions s LEFT JOIN reps r ON r.session_id = s.id "
            "GROUP BY s.id ORDER BY s.sid"
        ).fetchall()
        assert counts == [(1, 91), (2, 26), (3, 91), (4, 10)]
        dates = db.conn.execute("SELECT started_at FROM sessions ORDER BY sid").fetchall()
        assert dates[0][0] == "2026-11-16T18:00:00Z" and dates[3][0] is None
