"""`heeltrack demo` as a library: a simulated week played through the virtual board's firmware.

    >>> from heeltrack.demo import run_demo
    >>> result = run_demo(Path("demo-out"), days=7, speed=100.0)
    >>> result.db, result.report, result.stored

What happens (no hardware; every count is made by the board's own firmware):
1. week_plan(): one session a day of the seed's program (calf raises, heel walk, toe taps,
   ankle circles both ways), with missed days, days of short holds and of fast tempo, and the
   board worn on the left foot some days and on the right foot the others;
2. build_week(): the IMU trace of each day from the simulator (heeltrack.sim), converted to
   the chip's raw samples (heeltrack.rawtrace) and joined into one recording, with the foot at
   rest between the days long enough for the board to close each session (idle timeout);
3. a virtual board (heeltrack.virtual) on a fresh filesystem image, flashed with the firmware
   (heeltrack.flash, mpremote underneath) - the recording plays `speed` times faster than real
   time while the app counts;
4. over the serial link (heeltrack.link) the board's clock is set to each simulated day (the
   user's local days: the views show local time) and the foot setting changed where the plan
   changes feet, in the rest before that day's session, never while the day before still plays
   (a session the board ends early and begins again keeps its day);
5. sync into <out>/heeltrack-demo.sqlite3 (heeltrack.sync.sync_device), then the HTML
   report (heeltrack.report).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from heel.motion.engine import RATE_HZ as ENGINE_RATE_HZ
from heeltrack.errors import UserError
from heeltrack.trace import Trace
from heeltrack.virtual import MAX_SPEED, MIN_SPEED

RATE_HZ = float(ENGINE_RATE_HZ)
SAMPLE_MS = 10
RAW_BYTES = 12
LEAD_REAL_S = 3.0  # real seconds of rest before the first day: time to set the clock
GAP_S = 75.0  # rest after a day: the board closes the session after IDLE_TIMEOUT_S
IDLE_TIMEOUT_S = 60  # the demo board's idle_timeout_s: longer than any rest in a session
DB_NAME = "heeltrack-demo.sqlite3"
DEFAULT_SPEED = 60.0

Say = Callable[[str], None]


@dataclass
class DayPlan:
    """One day of the simulated week."""

    day: date
    missed: bool
    foot: str = "left"
    variant: str = "normal"  # "normal", "short holds", "fast tempo"
    start_hour: float = 18.0  # local hour the session starts (it ends the same local day)


@dataclass
class DaySession:
    """A day's session placed in the week's recording."""

    plan: DayPlan
    start_ms: int  # where its trace starts in the recording (= board uptime)
    length_ms: int
    truth: dict[str, Any]

    @property
    def epoch_s(self) -> int:
        """When its trace starts: start_hour on its day, in local time (the views' time)."""
        d = self.plan.day
        start = datetime(d.year, d.month, d.day) + timedelta(hours=self.plan.start_hour)
        return int(start.astimezone().timestamp())  # a naive datetime is local time


@dataclass
class Week:
    raw: bytes
    sessions: list[DaySession]
    plan: list[DayPlan]

    @property
    def length_ms(self) -> int:
        return len(self.raw) // RAW_BYTES * SAMPLE_MS


def week_plan(seed: int, days: int = 7, today: date | None = None) -> list[DayPlan]:
    """`days` local days ending yesterday: about one day in four missed (never the first or
    the last), short holds on one day, fast tempo on another, the board on both feet."""
    if not 1 <= days <= 31:
        raise UserError(f"a demo week has 1 to 31 days, not {days}")
    rng = np.random.default_rng(seed)
    today = today or date.today()  # local: the days the views show
    first = today - timedelta(days=days)
    plan = []
    for i in range(days):
        missed = 0 < i < days - 1 and bool(rng.random() < 0.25)
        plan.append(
            DayPlan(
                day=first + timedelta(days=i),
                missed=missed,
                foot="left" if (i // 2) % 2 == 0 else "right",
                start_hour=float(rng.uniform(7.0, 20.0)),
            )
        )
    done = [p for p in plan if not p.missed]
    if len(done) >= 3:
        done[1].variant = "short holds"
        done[-2].variant = "fast tempo"
    elif len(done) == 2:
        done[1].variant = "fast tempo"
    return plan


def day_trace(seed: int, plan: DayPlan) -> tuple[Trace, dict[str, Any]]:
    """The day's session: the seed's program done by one simulated person (the same person
    all week; the strap sits a little differently each day)."""
    from heeltrack.sim import distractors as d
    from heeltrack.sim.gait import walk
    from heeltrack.sim.session import _Sim, draw_person

    s = _Sim(seed * 1000 + plan.day.toordinal() % 1000)
    person = draw_person(np.random.default_rng(seed))  # the week's person
    person["foot"] = plan.foot
    rng = s.rng
    if plan.variant == "short holds":
        person["hold_s"] = float(rng.uniform(0.6, 1.2))
    elif plan.variant == "fast tempo":
        person.update(rise_s=0.5, lower_s=0.5, hold_s=0.5, pause_s=0.35, circle_s=1.3)
        person["tap_hz"] = 1.3
    else:
        person["hold_s"] = float(rng.uniform(2.8, 4.0))
        person["rise_s"] = float(rng.uniform(0.9, 1.4))
        person["lower_s"] = float(rng.uniform(0.9, 1.4))
    s.person.update({k: v for k, v in person.items() if k != "mount_deg"})

    # strapped on, the person walks to the spot (the board learns the foot's floor pose)
    walk(s.b, int(rng.integers(6, 12)), s.person["walk_cadence"])
    d.standing(s.b, 4.0)
    for i in range(3 if rng.random() < 0.7 else 4):
        if i:
            s.rest(float(rng.uniform(12, 20)))
        s.exercise("heel_raise")
    s.rest(float(rng.uniform(10, 15)))
    s.exercise("heel_walk")
    s.rest(float(rng.uniform(10, 15)))
    for i in range(3):
        if i:
            d.sitting(s.b, float(rng.uniform(12, 16)))  # the other leg's round
        s.exercise("toe_tap")
    d.sitting(s.b, float(rng.uniform(10, 15)))
    s.exercise("ankle_circle", ["cw", "ccw"])
    s.rest(4.0)
    trace, truth, _ = s.finish(RATE_HZ, False)
    truth["variant"] = plan.variant
    truth["foot"] = plan.foot
    return trace, truth


def _rest_trace(seconds: float, gravity: np.ndarray | None = None) -> Trace:
    """The board at rest: lying flat (z up), or still on the foot (`gravity`, in g)."""
    n = max(1, int(round(seconds * RATE_HZ)))
    acc = np.zeros((n, 3))
    acc[:] = (0.0, 0.0, 1.0) if gravity is None else gravity
    return Trace(t=np.arange(n) / RATE_HZ, acc=acc, gyro=np.zeros((n, 3)), rate_hz=RATE_HZ)


def _day_traces(
    seed: int, todo: list[DayPlan], on_day: Callable[[DayPlan], None] | None
) -> list[tuple[Trace, dict[str, Any]]]:
    """day_trace of each day, on every core (the simulator is numpy-heavy CPython)."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = min(len(todo), os.cpu_count() or 1)
    if workers <= 1:
        out = []
        for p in todo:
            if on_day is not None:
                on_day(p)
            out.append(day_trace(seed, p))
        return out
    with ProcessPoolExecutor(workers) as pool:
        futures = [pool.submit(day_trace, seed, p) for p in todo]
        out = []
        for p, f in zip(todo, futures, strict=True):
            out.append(f.result())
            if on_day is not None:
                on_day(p)
        return out


def build_week(
    seed: int,
    plan: list[DayPlan],
    speed: float,
    board: str = "virtual",
    on_day: Callable[[DayPlan], None] | None = None,
) -> Week:
    """The whole week's chip recording: a lead-in rest, then per exercised day its session
    followed by GAP_S of rest."""
    from heeltrack.firmware import load_board
    from heeltrack.rawtrace import trace_to_raw

    board_obj = load_board(board)
    lead_s = max(30.0, LEAD_REAL_S * speed)
    parts = [trace_to_raw(_rest_trace(lead_s), board_obj)]
    pos = len(parts[0]) // RAW_BYTES * SAMPLE_MS
    rest = trace_to_raw(_rest_trace(GAP_S), board_obj)
    todo = [p for p in plan if not p.missed]
    traces = _day_traces(seed, todo, on_day)
    sessions = []
    for p, (trace, truth) in zip(todo, traces, strict=True):
        raw = trace_to_raw(trace, board_obj)
        length = len(raw) // RAW_BYTES * SAMPLE_MS
        sessions.append(DaySession(p, pos, length, truth))
        parts += [raw, rest]
        pos += length + len(rest) // RAW_BYTES * SAMPLE_MS
    return Week(b"".join(parts), sessions, plan)


@dataclass
class DemoResult:
    out: Path
    db: Path
    report: Path | None
    week: Week
    stored: list[Any] = field(default_factory=list)  # heeltrack.sync SyncReport.new
    seconds: dict[str, float] = field(default_factory=dict)  # phase -> wall seconds
    dated_late: int = 0  # sessions whose clock came after they began (dated approximately)
    lost_samples: int = 0  # GAP records in the sessions: the board fell behind (FIFO overflow)


class _Relay:
    """A VirtualBoard relaying in a background thread."""

    def __init__(self, opts: Any) -> None:
        from heeltrack.virtual import VirtualBoard

        self.board = VirtualBoard(opts)
        self.thread: threading.Thread | None = None

    def __enter__(self) -> str:
        port = self.board.start()
        self.thread = threading.Thread(target=self.board.run, daemon=True)
        self.thread.start()
        return port

    def __exit__(self, *exc: object) -> None:
        self.board.stop()
        if self.thread is not None:
            self.thread.join(5)
        self.board.close()


def play_week(
    client: Any,
    week: Week,
    progress: Callable[[int, int, str], None] | None = None,
    poll_s: float = 0.2,
) -> int:
    """Follow the board while the recording plays: set its clock (and foot) for each day in
    the rest before it, once the day before has played (the board reads the clock when a
    session begins, and may end a day's session early and begin another: that one must still
    read its own day); return when the last session is closed. Returns how many sessions got
    their clock only after they had begun (dated from the day before's clock then)."""
    from heeltrack.link import LinkError

    late = 0
    todo = list(week.sessions)
    done: list[DaySession] = []
    foot = None
    end_ms = week.length_ms
    text = "starting"
    stalled_since = time.monotonic()
    last_up = -1
    while True:
        try:
            info = client.hello()
            up = int(info.get("uptime_ms", 0))
            if todo:
                nxt = todo[0]
                prev = done[-1] if done else None
                # the day before has played: its sessions have all begun (GAP_S of rest left)
                ready = prev is None or up >= prev.start_ms + prev.length_ms
                if ready:
                    if nxt.plan.foot != foot:
                        client.set_config({"foot": nxt.plan.foot})
                        foot = nxt.plan.foot
                    # the clock reads the day's epoch_s exactly when its trace starts
                    clock = client.set_clock(nxt.epoch_s - (nxt.start_ms - up) // 1000)
                    if clock.get("session") is not None and up >= nxt.start_ms:
                        late += 1
                    done.append(todo.pop(0))
            current = [s for s in done if s.start_ms <= up]
            if current and up < current[-1].start_ms + current[-1].length_ms:
                p = current[-1].plan
                text = f"{p.day:%a %d %b}: {p.variant} session, {p.foot} foot"
            elif up < end_ms:
                text = "foot at rest"
            else:
                text = "the board closes the last session"
            if progress is not None:
                progress(min(up, end_ms), end_ms, text)
            if not todo and up >= end_ms and info.get("session") is None:
                return late
        except LinkError as e:
            raise UserError(f"the virtual board stopped answering ({e})") from None
        if up != last_up:
            last_up = up
            stalled_since = time.monotonic()
        elif time.monotonic() - stalled_since > 20:
            raise UserError("the virtual board's clock stopped advancing; run the demo again")
        time.sleep(poll_s)


class Phases:
    """What run_demo reports as it goes (the CLI draws it with rich; tests record it)."""

    def start(self, name: str, total: float | None = None) -> None: ...

    def update(self, done: float, total: float | None = None, text: str = "") -> None: ...

    def end(self, summary: str = "") -> None: ...


def run_demo(
    out: Path,
    days: int = 7,
    speed: float = DEFAULT_SPEED,
    seed: int = 1,
    phases: Phases | None = None,
    today: date | None = None,
) -> DemoResult:
    """The whole demo (see the module docstring); the database and the report go to `out`,
    the board's filesystem image and the recording to a temporary directory."""
    import tempfile

    from heeltrack.db import Database
    from heeltrack.flash import flash
    from heeltrack.link import LinkError, connect
    from heeltrack.progress import load_sessions
    from heeltrack.report import write_report
    from heeltrack.sync import sync_device
    from heeltrack.transport_serial import SerialTransport
    from heeltrack.virtual import VirtualOptions

    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise UserError(f"the speed must be {MIN_SPEED:g} to {MAX_SPEED:g} times real time")
    ph = phases or Phases()
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / DB_NAME
    for old in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        old.unlink(missing_ok=True)  # a fresh demo database each run
    seconds: dict[str, float] = {}
    t = time.monotonic()

    plan = week_plan(seed, days, today)
    exercised = [p for p in plan if not p.missed]
    ph.start(
        f"simulating {len(exercised)} sessions ({days - len(exercised)} days missed)",
        len(exercised),
    )
    n = [0]

    def on_day(p: DayPlan) -> None:
        ph.update(n[0], text=f"{p.day:%a %d %b}: {p.variant}, {p.foot} foot")
        n[0] += 1

    week = build_week(seed, plan, speed, on_day=on_day)
    ph.update(len(exercised))
    ph.end(f"{week.length_ms / 60000:.0f} min of IMU data")
    seconds["simulate"] = time.monotonic() - t

    with tempfile.TemporaryDirectory(prefix="heeltrack-demo-") as tmp:
        raw = Path(tmp) / "week.raw"
        raw.write_bytes(week.raw)
        opts = VirtualOptions(
            image=Path(tmp) / "board.img",
            raw=raw,
            speed=speed,
            led_log=Path(tmp) / "led.log",
            workdir=Path(tmp),
        )
        t = time.monotonic()
        ph.start("starting the virtual board and flashing the firmware (mpremote)")
        with _Relay(opts) as port:
            first_foot = week.sessions[0].plan.foot if week.sessions else "left"
            with SerialTransport(port) as transport:
                result = flash(
                    transport,
                    board="virtual",
                    foot=first_foot,
                    progress=lambda msg: ph.update(0, text=msg),
                )
            if not result.started:
                raise UserError(
                    "the firmware did not start on the virtual board: "
                    + " / ".join(result.output.strip().splitlines()[-2:])
                )
            ph.end(f"{len(result.written)} files flashed to {port}")
            seconds["flash"] = time.monotonic() - t
            t = time.monotonic()
            try:
                with connect(port) as client:
                    client.set_config({"idle_timeout_s": IDLE_TIMEOUT_S})
                    ph.start(
                        f"playing the week through the board's firmware, x{speed:g}",
                        week.length_ms / 1000,
                    )
                    late = play_week(
                        client,
                        week,
                        progress=lambda up, end, text: ph.update(up / 1000, end / 1000, text),
                    )
                    ph.end(f"{len(week.sessions)} sessions counted by the board")
                    seconds["play"] = time.monotonic() - t
                    t = time.monotonic()
                    ph.start("syncing (heeltrack sync)")
                    with Database(db_path) as db:
                        rep = sync_device(
                            client,
                            db,
                            port=port,
                            progress=lambda done, total: ph.update(done, total),
                        )
                    ph.end(f"{len(rep.new)} sessions, {rep.bytes_read / 1024:.1f} KiB")
                    seconds["sync"] = time.monotonic() - t
            except LinkError as e:
                raise UserError(
                    f"the link to the virtual board failed ({e}); run the demo again"
                ) from None
    t = time.monotonic()
    ph.start("writing the report")
    with Database(db_path) as db:
        sessions = load_sessions(db.conn)
    report = write_report(sessions, out, today=plan[-1].day) if sessions else None
    ph.end(str(report) if report else "no sessions: no report")
    seconds["report"] = time.monotonic() - t
    return DemoResult(out, db_path, report, week, rep.new, seconds, late, lost_samples(db_path))


def simulated_vs_counted(
    result: DemoResult,
) -> list[tuple[DayPlan, dict[str, int] | None, dict[str, int]]]:
    """Per planned day: (the plan, reps the simulated person did per exercise - None on a
    missed day -, reps the board counted per exercise in the sessions dated that day). Days
    are local days, as every view shows them."""
    import sqlite3

    from heeltrack.program import EXERCISES
    from heeltrack.tables import local

    con = sqlite3.connect(result.db)
    try:
        rows = con.execute(
            "SELECT s.started_at, r.exercise, COUNT(*) FROM reps r "
            "JOIN sessions s ON s.id = r.session_id WHERE s.started_at IS NOT NULL GROUP BY 1, 2"
        ).fetchall()
    finally:
        con.close()
    counted: dict[date, dict[str, int]] = {}
    for started, ex, n in rows:
        day = local(datetime.fromisoformat(started.replace("Z", "+00:00"))).date()
        counted.setdefault(day, {})[ex] = counted.get(day, {}).get(ex, 0) + n
    out: list[tuple[DayPlan, dict[str, int] | None, dict[str, int]]] = []
    for p in result.week.plan:
        sim = None
        if not p.missed:
            (ds,) = [s for s in result.week.sessions if s.plan is p]
            sets = ds.truth["sets"]
            sim = {ex: sum(s["count"] for s in sets if s["exercise"] == ex) for ex in EXERCISES}
        out.append((p, sim, counted.get(p.day, {})))
    return out


def lost_samples(db_path: Path) -> int:
    """Samples the board reported missing (GAP records) in the stored sessions."""
    import sqlite3

    from heel import records as R

    con = sqlite3.connect(db_path)
    try:
        lost = 0
        for (data,) in con.execute("SELECT data FROM sessions"):
            try:
                _h, recs = R.decode_session(bytes(data))
            except ValueError:
                continue
            lost += sum(int(f.get("missing", 0)) for t, f in recs if t == R.GAP)
        return lost
    finally:
        con.close()
