"""The local SQLite database of synced sessions: schema, durable idempotent storage, decoding.

    from heeltrack.db import Database, resolve_path
    with Database(resolve_path(None)) as db:
        for row in db.conn.execute("SELECT exercise, COUNT(*) FROM reps GROUP BY exercise"):
            print(row)

Tables (schema version in PRAGMA user_version; WAL journal, synchronous=FULL):

    devices   device_id, board, foot, fw, first_seen, last_seen, last_port
    sessions  id, device_id, sid, sha256 (hex), size, data (the raw session file), started_at
              (UTC ISO, NULL if unknown), approximate (1: date reconstructed from uptime),
              foot, board, fw, synced_at, decode_error, program (the configuration the session
              ran under, canonical JSON of heel.config; NULL if unknown);
              UNIQUE (device_id, sid, sha256)
    partials  device_id, sid, size, sha256, offset, data: the chunks of an unfinished transfer
    sets      id, session_id, set_no, exercise, direction, start_ms, end_ms, count, started_at
    reps      id, session_id, set_id, set_no, exercise, t_ms, t_s (from session start), at (UTC
              ISO or NULL), hold_ms, direction, foot

A session is stored once per (device, sid, sha256), in one transaction with its sets and reps.
Times t_ms are the board's uptime in ms (heel.records); `at` = started_at + (t_ms - the
session's start uptime).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from heel import config as C
from heel import records as R
from heel.motion import events as E
from heeltrack.errors import UserError

SCHEMA_VERSION = 3  # 2: sessions.program; 3: power-ups, clock readings, LISTs (dates)
ENV_VAR = "HEELTRACK_DB"
SQLITE_MAGIC = b"SQLite format 3\x00"

SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY,
    board TEXT, foot TEXT, fw TEXT,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, last_port TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL,
    sid INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    started_at TEXT,
    approximate INTEGER NOT NULL DEFAULT 0,
    foot TEXT, board TEXT, fw TEXT,
    synced_at TEXT NOT NULL,
    decode_error TEXT,
    program TEXT,
    boot INTEGER, start_uptime_ms INTEGER, earliest TEXT, latest TEXT,
    UNIQUE (device_id, sid, sha256)
);
CREATE TABLE IF NOT EXISTS partials (
    device_id TEXT NOT NULL,
    sid INTEGER NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    offset INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (device_id, sid, offset)
);
CREATE TABLE IF NOT EXISTS sets (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    set_no INTEGER NOT NULL,
    exercise TEXT NOT NULL,
    direction TEXT,
    start_ms INTEGER, end_ms INTEGER,
    count INTEGER,
    started_at TEXT
);
CREATE TABLE IF NOT EXISTS reps (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    set_id INTEGER REFERENCES sets(id) ON DELETE CASCADE,
    set_no INTEGER,
    exercise TEXT NOT NULL,
    t_ms INTEGER NOT NULL,
    t_s REAL,
    at TEXT,
    hold_ms INTEGER,
    direction TEXT,
    foot TEXT
);
CREATE INDEX IF NOT EXISTS reps_session ON reps (session_id);
CREATE TABLE IF NOT EXISTS clocks (
    device_id TEXT NOT NULL,
    boot INTEGER NOT NULL,
    uptime_ms INTEGER NOT NULL,
    epoch_s REAL NOT NULL,
    ms_per_s INTEGER NOT NULL DEFAULT 1000,
    source TEXT NOT NULL,
    PRIMARY KEY (device_id, boot, uptime_ms)
);
CREATE TABLE IF NOT EXISTS listings (
    device_id TEXT NOT NULL,
    max_sid INTEGER NOT NULL,
    asked REAL NOT NULL,
    answered REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sets_session ON sets (session_id);
"""


def default_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("heeltrack")) / "heeltrack.sqlite3"


def resolve_path(arg: str | None) -> Path:
    """`arg` (the CLI's --db) if given, else $HEELTRACK_DB, else the user's data directory."""
    if arg:
        return Path(arg).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return default_path()


def iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Dating:
    """When a session started: epoch seconds (None if unknown) and whether it is approximate."""

    start_epoch: float | None
    approximate: bool
    how: str  # "clock", "clock record", "uptime at sync", "same power-up", "unknown"
    earliest: float | None = None  # when unknown: bounds, if any (epoch seconds)
    latest: float | None = None

    def text(self) -> str:
        """'2026-11-24 18:03 UTC', 'about ...', 'between ... and ...' or 'date unknown'."""
        return when_text(self.start_epoch, self.approximate, self.earliest, self.latest)


def when_text(
    start: float | None,
    approximate: bool,
    earliest: float | None = None,
    latest: float | None = None,
    fmt: str = "%Y-%m-%d %H:%M",
) -> str:
    """A date as it may be shown: exact, approximate ('about'), bounded, or unknown."""

    def show(t: float) -> str:
        return datetime.fromtimestamp(t, UTC).strftime(fmt)

    if start is not None:
        return ("about " if approximate else "") + show(start) + " UTC"
    if earliest is not None and latest is not None:
        return f"between {show(earliest)} and {show(latest)} UTC"
    if earliest is not None:
        return f"after {show(earliest)} UTC"
    if latest is not None:
        return f"before {show(latest)} UTC"
    return "date unknown"


def date_session(
    start_uptime_ms: int,
    start_epoch_s: int,
    clock_record: tuple[int, int] | None,
    sync_clock: tuple[int, int] | None,
    later_start_uptime_ms: int | None = None,
) -> Dating:
    """Date a session: its own epoch if the clock was set; else reconstructed from uptime with a
    CLOCK record in the session, or with the (uptime_ms, epoch_s) pair seen at this sync if the
    board has not rebooted since: its uptime now is past the session's start, and no later
    session (`later_start_uptime_ms`: the least start uptime of the later ones) started at a
    lower uptime."""
    if start_epoch_s:
        return Dating(float(start_epoch_s), False, "clock")
    if clock_record is not None and clock_record[1]:
        up, ep = clock_record
        return Dating(ep - (up - start_uptime_ms) / 1000.0, True, "clock record")
    rebooted = later_start_uptime_ms is not None and later_start_uptime_ms < start_uptime_ms
    if (
        sync_clock is not None
        and sync_clock[0] > start_uptime_ms
        and sync_clock[1]
        and not rebooted
    ):
        up, ep = sync_clock
        return Dating(ep - (up - start_uptime_ms) / 1000.0, True, "uptime at sync")
    return Dating(None, True, "unknown")


@dataclass
class Stored:
    """What store_session did: the row id, whether it was new, its decoded summary."""

    session_id: int
    new: bool
    sets: int = 0
    reps: int = 0
    dating: Dating | None = None
    decode_error: str | None = None
    start_uptime_ms: int | None = None
    replaced: bool = False  # a damaged copy in the database was replaced by this one


class Database:
    """An open HeelTrack database; UserError (one line) if the file is not a usable one."""

    def __init__(self, path: Path | str, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.created = False  # this open made the schema (a new file)
        self._check_file()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as e:
            raise UserError(
                f"cannot open the database {self.path}: {e}; check its path", option="db"
            ) from None
        try:
            self._setup()
        except sqlite3.OperationalError as e:
            self.conn.close()
            if _busy(e):
                raise UserError(
                    f"the database {self.path} is in use by another program (another "
                    "`heeltrack sync`?); try again when it has finished"
                ) from None
            raise UserError(
                f"cannot use the database {self.path}: {e}; check its path", option="db"
            ) from None
        except sqlite3.DatabaseError as e:
            self.conn.close()
            why = " ".join(str(e).split())[:120]
            raise UserError(
                f"the database {self.path} is damaged ({why}); it was left untouched: move it "
                "away or choose another database file",
                option="db",
            ) from None
        except UserError:
            self.conn.close()
            raise

    def _check_file(self) -> None:
        p = self.path
        if p.is_dir():
            raise UserError(
                f"the database path {p} is a directory; name a file instead", option="db"
            )
        if p.exists() and p.stat().st_size > 0:
            try:
                with open(p, "rb") as f:
                    head = f.read(len(SQLITE_MAGIC))
            except OSError as e:
                raise UserError(
                    f"cannot read the database {p}: {e.strerror}; check its path", option="db"
                ) from None
            if head != SQLITE_MAGIC:
                raise UserError(
                    f"{p} is not a HeelTrack database (not SQLite); it was left untouched: "
                    "choose another database file or move this one away",
                    option="db",
                )

    def _setup(self) -> None:
        """Check the file and create the schema if it is new. Several processes may open one
        new file at once: whoever gets the write lock first creates it, the others then find
        it made (checked again under the lock); a busy file is retried up to the timeout."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self._setup_once()
                return
            except sqlite3.OperationalError as e:
                if not _busy(e) or time.monotonic() >= deadline:
                    raise
            time.sleep(0.02)

    def _setup_once(self) -> None:
        c = self.conn
        version = self._version()
        if version == 0:
            with self.transaction():  # BEGIN IMMEDIATE: one creator at a time
                version = self._version()
                if version == 0:
                    if c.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
                        raise UserError(
                            f"{self.path} is an SQLite database but not a HeelTrack one; it was "
                            "left untouched: choose another database file",
                            option="db",
                        )
                    for stmt in SCHEMA.split(";"):
                        if stmt.strip():
                            c.execute(stmt)
                    c.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                    self.created = True
                    version = SCHEMA_VERSION
        if not self.created:
            # an existing database: refuse a damaged one before changing anything
            problem = c.execute("PRAGMA quick_check").fetchone()[0]
            if problem != "ok":
                raise sqlite3.DatabaseError(problem)
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master")}
            if not {"devices", "sessions", "partials", "sets", "reps"} <= tables:
                raise sqlite3.DatabaseError("HeelTrack tables missing")
            if version < 2:
                self._upgrade_to_2()
            if version < 3:
                self._upgrade_to_3()
        if c.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=FULL")
        c.execute("PRAGMA foreign_keys=ON")

    def _upgrade_to_2(self) -> None:
        """Schema 1 -> 2: sessions.program, filled from the logs held (sessions of firmware
        that logged no program stay NULL: judged against the defaults, as before)."""
        c = self.conn
        with self.transaction():
            if self._version() >= 2:
                return  # another process did it meanwhile
            c.execute("ALTER TABLE sessions ADD COLUMN program TEXT")
            for row_id, data in c.execute("SELECT id, data FROM sessions").fetchall():
                program = decode(bytes(data)).program
                if program is not None:
                    c.execute("UPDATE sessions SET program=? WHERE id=?", (program, row_id))
            c.execute("PRAGMA user_version=2")

    def _upgrade_to_3(self) -> None:
        """Schema 2 -> 3: power-ups (boot) and start uptimes of sessions, the board clock readings
        and the LISTs seen, for dates that are never confidently wrong (sessions held before
        keep the dates they were stored with)."""
        c = self.conn
        with self.transaction():
            if self._version() >= 3:
                return  # another process did it meanwhile
            for col in ("boot INTEGER", "start_uptime_ms INTEGER", "earliest TEXT", "latest TEXT"):
                c.execute(f"ALTER TABLE sessions ADD COLUMN {col}")
            for stmt in SCHEMA.split(";"):
                if "clocks" in stmt or "listings" in stmt:
                    c.execute(stmt)
            c.execute("PRAGMA user_version=3")

    def _version(self) -> int:
        version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise UserError(
                f"the database {self.path} has schema version {version}, newer than this "
                f"heeltrack ({SCHEMA_VERSION}); upgrade heeltrack"
            )
        return version

    # -- plumbing ------------------------------------------------------------------------
    def transaction(self) -> _Transaction:
        return _Transaction(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- devices -------------------------------------------------------------------------
    def device_seen(self, info: dict[str, Any], port: str | None) -> str | None:
        """Record a HELLO; returns the device id last seen at `port` if that was a different
        board (a reformat gives the board a new id), else None."""
        dev = str(info["device_id"])
        c = self.conn
        previous = None
        if port:
            row = c.execute(
                "SELECT device_id FROM devices WHERE last_port=? ORDER BY last_seen DESC LIMIT 1",
                (port,),
            ).fetchone()
            known = c.execute("SELECT 1 FROM devices WHERE device_id=?", (dev,)).fetchone()
            if row and row[0] != dev and not known:
                previous = row[0]
        now = now_iso()
        with self.transaction():
            c.execute(
                "INSERT INTO devices (device_id, board, foot, fw, first_seen, last_seen, "
                "last_port) VALUES (?,?,?,?,?,?,?) ON CONFLICT(device_id) DO UPDATE SET "
                "board=excluded.board, foot=excluded.foot, fw=excluded.fw, "
                "last_seen=excluded.last_seen, last_port=excluded.last_port",
                (dev, info.get("board"), info.get("foot"), info.get("fw"), now, now, port),
            )
        return previous

    # -- sessions ------------------------------------------------------------------------
    def has_session(self, device_id: str, sid: int, sha256: bytes) -> bool:
        """True if a stored copy of this session holds bytes whose sha256 is `sha256`: the
        bytes are hashed, not the hash column trusted (a blob damaged inside the file passes
        PRAGMA integrity_check, and the board must not delete its good copy for it)."""
        return self._intact(device_id, sid, sha256.hex())[1]

    def _intact(self, device_id: str, sid: int, digest: str) -> tuple[int | None, bool]:
        """(id of a row for this session and hash, whether its bytes really hash to it)."""
        rows = self.conn.execute(
            "SELECT id, data FROM sessions WHERE device_id=? AND sid=? AND sha256=? ORDER BY id",
            (device_id, sid, digest),
        ).fetchall()
        for row_id, data in rows:
            if hashlib.sha256(bytes(data)).hexdigest() == digest:
                return int(row_id), True
        return (int(rows[0][0]) if rows else None), False

    def partial(self, device_id: str, sid: int, size: int, sha256: bytes) -> bytes:
        """The bytes held of an unfinished transfer of this very session (same size and hash);
        chunks of another version of it (a reformatted board reusing the number) are dropped."""
        c = self.conn
        rows = c.execute(
            "SELECT offset, data, size, sha256 FROM partials WHERE device_id=? AND sid=? "
            "ORDER BY offset",
            (device_id, sid),
        ).fetchall()
        parts: list[bytes] = []
        held = 0
        for off, data, psize, psha in rows:
            if psize != size or psha != sha256.hex():
                self.drop_partial(device_id, sid)
                return b""
            if off != held:
                break
            parts.append(data)
            held += len(data)
        return b"".join(parts)

    def add_partial(
        self, device_id: str, sid: int, size: int, sha256: bytes, offset: int, data: bytes
    ) -> None:
        """Store a chunk durably (its own transaction, fsync'd)."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO partials (device_id, sid, size, sha256, offset, data) "
                "VALUES (?,?,?,?,?,?)",
                (device_id, sid, size, sha256.hex(), offset, data),
            )

    def drop_partial(self, device_id: str, sid: int) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM partials WHERE device_id=? AND sid=?", (device_id, sid))

    def store_session(
        self,
        device_id: str,
        sid: int,
        data: bytes,
        sync_clock: tuple[int, int] | None = None,
        later_start_uptime_ms: int | None = None,
        board_config: dict[str, Any] | None = None,
    ) -> Stored:
        """Store a whole session (verified by the caller) once: (device, sid, sha256) is unique.
        Decodes it into sets and reps in the same transaction; drops its partial chunks. A
        stored copy whose bytes no longer match its hash is replaced (`replaced` is set).
        sync_clock, later_start_uptime_ms: see date_session. The program the session ran
        under is the one it logged, else `board_config` (the board's configuration now) if
        its digest is the one the session logged."""
        digest = hashlib.sha256(data).hexdigest()
        c = self.conn
        decoded = decode(data, sync_clock, later_start_uptime_ms)
        program = decoded.program
        if program is None and board_config is not None and decoded.config_digest:
            try:
                cfg = C.merge(C.DEFAULTS, board_config)
            except ValueError:
                cfg = None
            if cfg is not None and C.digest(cfg) == decoded.config_digest:
                program = C.dumps(cfg)
        with self.transaction():
            row_id, intact = self._intact(device_id, sid, digest)
            if intact:
                assert row_id is not None
                c.execute("DELETE FROM partials WHERE device_id=? AND sid=?", (device_id, sid))
                return Stored(row_id, new=False)
            if row_id is not None:  # damaged in the database: its sets and reps go with it
                c.execute("DELETE FROM sessions WHERE id=?", (row_id,))
            cur = c.execute(
                "INSERT INTO sessions (device_id, sid, sha256, size, data, started_at, "
                "approximate, foot, board, fw, synced_at, decode_error, program, boot, "
                "start_uptime_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    device_id,
                    sid,
                    digest,
                    len(data),
                    data,
                    iso(decoded.dating.start_epoch)
                    if decoded.dating.start_epoch is not None
                    else None,
                    int(decoded.dating.approximate),
                    decoded.foot,
                    decoded.board,
                    decoded.fw,
                    now_iso(),
                    decoded.error,
                    program,
                    decoded.boot or None,
                    decoded.start_uptime_ms,
                ),
            )
            session_id = int(cur.lastrowid or 0)
            for up, ep in decoded.clocks if decoded.boot else ():
                self.note_clock(device_id, decoded.boot, up, ep, 1000, f"session {sid}")
            set_ids: dict[int, int] = {}
            for s in decoded.sets:
                cur = c.execute(
                    "INSERT INTO sets (session_id, set_no, exercise, direction, start_ms, "
                    "end_ms, count, started_at) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        session_id,
                        s["set_no"],
                        s["exercise"],
                        s["direction"],
                        s["start_ms"],
                        s["end_ms"],
                        s["count"],
                        s["started_at"],
                    ),
                )
                set_ids[s["set_no"]] = int(cur.lastrowid or 0)
            c.executemany(
                "INSERT INTO reps (session_id, set_id, set_no, exercise, t_ms, t_s, at, "
                "hold_ms, direction, foot) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        session_id,
                        set_ids.get(r["set_no"]),
                        r["set_no"],
                        r["exercise"],
                        r["t_ms"],
                        r["t_s"],
                        r["at"],
                        r["hold_ms"],
                        r["direction"],
                        decoded.foot,
                    )
                    for r in decoded.reps
                ],
            )
            c.execute("DELETE FROM partials WHERE device_id=? AND sid=?", (device_id, sid))
            dating = decoded.dating
            if decoded.boot:
                dating = self.redate(device_id).get(session_id, dating)
        return Stored(
            session_id,
            new=True,
            sets=len(decoded.sets),
            reps=len(decoded.reps),
            dating=dating,
            decode_error=decoded.error,
            start_uptime_ms=decoded.start_uptime_ms,
            replaced=row_id is not None,
        )

    # -- dates ---------------------------------------------------------------------------
    def note_clock(
        self, device_id: str, boot: int, uptime_ms: int, epoch_s: float, ms_per_s: int, source: str
    ) -> None:
        """A reading of the board's uptime clock against true time, in power-up `boot`."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO clocks (device_id, boot, uptime_ms, epoch_s, ms_per_s, "
                "source) VALUES (?,?,?,?,?,?)",
                (device_id, boot, uptime_ms, epoch_s, ms_per_s or 1000, source),
            )

    def note_listing(self, device_id: str, max_sid: int, asked: float, answered: float) -> None:
        """A LIST: sessions up to max_sid had begun by `answered`, later ones not by `asked`."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO listings (device_id, max_sid, asked, answered) VALUES (?,?,?,?)",
                (device_id, max_sid, asked, answered),
            )

    def redate(self, device_id: str) -> dict[int, Dating]:
        """Date again every session of the board that knows its power-up (returns them by
        row id), never confidently wrong: its own clock reading (exact), else the nearest
        reading of the board's clock in the same power-up (approximate), else no date but
        bounds: after the sessions numbered before it and the LISTs that did not have it
        yet, before the sessions numbered after it and the first LIST that had it."""
        c = self.conn
        rows = c.execute(
            "SELECT id, sid, boot, start_uptime_ms, started_at, approximate FROM sessions "
            "WHERE device_id=? ORDER BY sid, id",
            (device_id,),
        ).fetchall()
        readings: dict[int, list[tuple[int, float, int]]] = {}
        for boot, up, ep, scale in c.execute(
            "SELECT boot, uptime_ms, epoch_s, ms_per_s FROM clocks WHERE device_id=?", (device_id,)
        ):
            readings.setdefault(int(boot), []).append((int(up), float(ep), int(scale)))
        lists = c.execute(
            "SELECT max_sid, asked, answered FROM listings WHERE device_id=?", (device_id,)
        ).fetchall()
        dated: dict[int, Dating] = {}
        for row_id, _sid, boot, up, started, approx in rows:
            if not boot or up is None:
                # older firmware: dated when stored, as well as it could be then
                start = _epoch(started)
                dated[row_id] = Dating(start, bool(approx), "stored")
            elif started is not None and not approx:
                dated[row_id] = Dating(_epoch(started), False, "clock")
            else:
                near = min(readings.get(int(boot), []), key=lambda r: abs(r[0] - up), default=None)
                if near is None:
                    dated[row_id] = Dating(None, True, "unknown")
                else:
                    t = near[1] - (near[0] - up) / near[2]
                    dated[row_id] = Dating(t, True, "same power-up")
        # bounds from the order of session numbers and from the LISTs
        lower: float | None = None
        for row_id, sid, *_ in rows:
            d = dated[row_id]
            if d.start_epoch is None:
                seen = [a for m, a, _ in lists if m < sid]
                d.earliest = max([x for x in (lower, *seen) if x is not None], default=None)
            lower = _later(lower, d.start_epoch if d.start_epoch is not None else d.earliest)
        upper: float | None = None
        for row_id, sid, *_ in reversed(rows):
            d = dated[row_id]
            if d.start_epoch is None:
                had = [b for m, _, b in lists if m >= sid]
                d.latest = min([x for x in (upper, *had) if x is not None], default=None)
            upper = _sooner(upper, d.start_epoch if d.start_epoch is not None else d.latest)
        with self.transaction():
            for row_id, _sid, boot, up, _started, _approx in rows:
                if boot and up is not None:
                    self._set_date(row_id, int(up), dated[row_id])
        return dated

    def _set_date(self, session_id: int, start_up: int, d: Dating) -> None:
        c = self.conn
        start = d.start_epoch

        def at(t_ms: int | None) -> str | None:
            return None if start is None or t_ms is None else iso(start + (t_ms - start_up) / 1e3)

        c.execute(
            "UPDATE sessions SET started_at=?, approximate=?, earliest=?, latest=? WHERE id=?",
            (
                iso(start) if start is not None else None,
                int(d.approximate),
                iso(d.earliest) if d.earliest is not None else None,
                iso(d.latest) if d.latest is not None else None,
                session_id,
            ),
        )
        c.executemany(
            "UPDATE reps SET at=? WHERE id=?",
            [
                (at(t), i)
                for i, t in c.execute(
                    "SELECT id, t_ms FROM reps WHERE session_id=?", (session_id,)
                ).fetchall()
            ],
        )
        c.executemany(
            "UPDATE sets SET started_at=? WHERE id=?",
            [
                (at(t), i)
                for i, t in c.execute(
                    "SELECT id, start_ms FROM sets WHERE session_id=?", (session_id,)
                ).fetchall()
            ],
        )

    def session_data(self, device_id: str, sid: int) -> list[bytes]:
        """The stored copies of a session (one, unless the board sent different versions)."""
        rows = self.conn.execute(
            "SELECT data FROM sessions WHERE device_id=? AND sid=? ORDER BY id", (device_id, sid)
        ).fetchall()
        return [bytes(r[0]) for r in rows]


def _busy(e: sqlite3.OperationalError) -> bool:
    return "locked" in str(e) or "busy" in str(e)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on an exception); nestable (inner ones are no-ops)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.outer = False

    def __enter__(self) -> sqlite3.Connection:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self.outer = True
        return self.conn

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if not self.outer:
            return
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")


@dataclass
class Decoded:
    dating: Dating
    foot: str | None
    board: str | None
    fw: str | None
    sets: list[dict[str, Any]]
    reps: list[dict[str, Any]]
    error: str | None
    start_uptime_ms: int | None = None
    config_digest: str | None = None
    program: str | None = None  # canonical JSON of the configuration logged with the session
    boot: int = 0  # the power-up it began in (0: unknown, older firmware)
    clocks: list[tuple[int, int]] = field(default_factory=list)  # (uptime_ms, epoch_s) seen


def decode(
    data: bytes,
    sync_clock: tuple[int, int] | None = None,
    later_start_uptime_ms: int | None = None,
) -> Decoded:
    """Sets and reps of a session file (heel.records), dated; a damaged file gives `error` and
    whatever decodes (nothing), never an exception: the raw bytes are kept regardless."""
    try:
        _header, recs = R.decode_session(data)
    except ValueError as e:
        return Decoded(Dating(None, True, "unknown"), None, None, None, [], [], str(e))
    start: dict[str, Any] = {}
    clock: tuple[int, int] | None = None
    for rtype, f in recs:
        if rtype == R.SESSION_START and not start:
            start = f
        elif rtype == R.CLOCK and clock is None:
            clock = (int(f["uptime_ms"]), int(f["epoch_s"]))
    up0 = int(start.get("uptime_ms", 0))
    boot = int(start.get("boot", 0) or 0)
    if boot:  # the power-up is known: a clock reading of another one never dates it
        sync_clock = later_start_uptime_ms = None
    dating = date_session(
        up0, int(start.get("epoch_s", 0)), clock, sync_clock, later_start_uptime_ms
    )
    clocks = [(int(f["uptime_ms"]), int(f["epoch_s"])) for t, f in recs if t == R.CLOCK]
    if start.get("epoch_s"):
        clocks.append((up0, int(start["epoch_s"])))

    def at(t_ms: int) -> str | None:
        if dating.start_epoch is None:
            return None
        return iso(dating.start_epoch + (t_ms - up0) / 1000.0)

    sets: list[dict[str, Any]] = []
    reps: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for rtype, f in recs:
        if rtype == R.SET_START:
            d = int(f.get("direction", 0))
            current = {
                "set_no": len(sets) + 1,
                "exercise": _exercise(f["exercise"]),
                "direction": E.DIRECTIONS[d] if 0 < d < len(E.DIRECTIONS) else None,
                "start_ms": f["t_ms"],
                "end_ms": None,
                "count": 0,
                "started_at": at(f["t_ms"]),
            }
            sets.append(current)
        elif rtype == R.REP:
            if current is None or current["end_ms"] is not None:
                current = None
            reps.append(
                {
                    "set_no": current["set_no"] if current else None,
                    "exercise": _exercise(f["exercise"]),
                    "t_ms": f["t_ms"],
                    "t_s": (f["t_ms"] - up0) / 1000.0,
                    "at": at(f["t_ms"]),
                    "hold_ms": f["hold_ms"] if f["exercise"] == E.HEEL_RAISE else None,
                    "direction": current["direction"] if current else None,
                }
            )
            if current is not None:
                current["count"] += 1
        elif rtype == R.SET_END and current is not None:
            current["end_ms"] = f["t_ms"]
            current["count"] = f.get("count", current["count"])
    return Decoded(
        dating,
        start.get("foot") or None,
        start.get("board"),
        start.get("fw_version"),
        sets,
        reps,
        None,
        up0 if start else None,
        start.get("config_digest") or None,
        _program(start.get("program")),
        boot,
        [c for c in clocks if c[1]],
    )


def _program(packed: bytes | None) -> str | None:
    """The configuration (canonical JSON) of a program logged in SESSION_START, or None."""
    if not packed:
        return None
    try:
        return str(C.dumps(C.unpack_program(packed)))
    except ValueError:
        return None


def _epoch(text: str | None) -> float | None:
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _later(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def _sooner(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _exercise(code: int) -> str:
    return E.EXERCISES[code] if 0 <= code < len(E.EXERCISES) else f"exercise_{code}"
