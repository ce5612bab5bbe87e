"""`heeltrack show SESSION [--db FILE]`: one session against the program: per exercise, per set
and per rep (holds short of the target, reps faster than the program's tempo).

$ heeltrack show 3 --db demo/heeltrack-demo.sqlite3
"""

from __future__ import annotations

import argparse

from heeltrack.program import LABELS, UNITS, Program
from heeltrack.progress import (
    SessionView,
    add_db_argument,
    open_existing,
    percent,
    rep_periods,
    set_stats,
)

HELP = "show one session: exercises, sets and reps against the program"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("session", metavar="SESSION", help="session id (the # of `heeltrack sessions`)")
    add_db_argument(p)
    p.add_argument("--no-reps", action="store_true", help="leave out the table of single reps")


def _f(x: float | None, unit: str = " s") -> str:
    return "-" if x is None else f"{x:.1f}{unit}"


def program_table(s: SessionView, program: Program) -> object:
    from rich.table import Table

    t = Table(title="Against the program", title_justify="left")
    t.add_column("exercise")
    t.add_column("program")
    t.add_column("done")
    t.add_column("full sets", justify="right")
    t.add_column("notes")
    for ex, label in LABELS.items():
        r = s.results[ex]
        lo, hi = r.sets_target
        done = f"{r.reps} {UNITS[ex]} in {r.sets} {'set' if r.sets == 1 else 'sets'}"
        if ex == "ankle_circle":
            done = f"{r.cw} cw, {r.ccw} ccw"
        notes = []
        if r.short_holds:
            notes.append(f"[yellow]{r.short_holds} of {r.holds} holds < {program.hold_s:g} s[/]")
        if r.fast_reps:
            notes.append(f"[yellow]{r.fast_reps} reps faster than the program[/]")
        if ex == "ankle_circle" and r.reps and (not r.cw or not r.ccw):
            notes.append("[yellow]one direction only[/]")
        ok = "green" if r.full_sets >= lo else "yellow" if r.full_sets else "red"
        t.add_row(
            label,
            program.describe(ex),
            done,
            f"[{ok}]{r.full_sets}/{lo}[/]",
            ", ".join(notes) or ("[green]ok[/]" if r.full_sets >= lo else ""),
        )
    t.caption = f"score against the program: {percent(s.score)}"
    return t


def sets_table(s: SessionView, program: Program) -> object:
    from rich.table import Table

    t = Table(title="Sets", title_justify="left")
    for col, just in (
        ("set", "right"),
        ("exercise", "left"),
        ("dir", "left"),
        ("start", "left"),
        ("length", "right"),
        ("count / target", "right"),
        ("mean hold", "right"),
        ("holds short", "right"),
        ("rep every", "right"),
        ("fast reps", "right"),
    ):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for row in set_stats(s, program):
        start = row["started_at"][11:19] if row["started_at"] else f"+{row['start_ms']} ms"
        ok = row["count"] >= row["target"]
        t.add_row(
            str(row["set_no"]),
            LABELS.get(row["exercise"], row["exercise"]),
            row["direction"] or "",
            start,
            _f(row["duration_s"]),
            f"[{'green' if ok else 'yellow'}]{row['count']} / {row['target']}[/]",
            _f(row["mean_hold_s"]),
            str(row["short_holds"]) if row["mean_hold_s"] is not None else "-",
            _f(row["median_period_s"]),
            str(row["fast_reps"]) if row["fast_reps"] else "-",
        )
    return t


def reps_table(s: SessionView, program: Program) -> object:
    from rich.table import Table

    t = Table(title="Reps", title_justify="left")
    for col in ("set", "exercise", "time (UTC)", "t (s)", "hold", "since previous", "flags"):
        t.add_column(col)
    hold_ms = program.hold_s * 1000
    for r, period in zip(s.reps, rep_periods(s), strict=True):
        flags = []
        if r["hold_ms"] is not None and hold_ms and r["hold_ms"] < hold_ms:
            flags.append("[yellow]short hold[/]")
        limit = program.min_period_s(r["exercise"])
        if period is not None and limit is not None and period < limit:
            flags.append("[yellow]fast[/]")
        t.add_row(
            str(r["set_no"] or "-"),
            LABELS.get(r["exercise"], r["exercise"])
            + (f" {r['direction']}" if r["direction"] else ""),
            (r["at"] or "")[11:19],
            f"{r['t_s']:.1f}" if r["t_s"] is not None else "",
            _f(r["hold_ms"] / 1000 if r["hold_ms"] is not None else None),
            _f(period),
            " ".join(flags),
        )
    return t


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from heeltrack.progress import load_session

    program = Program.from_config()
    with open_existing(args.db) as db:
        s = load_session(db.conn, args.session)
    console = Console()
    console.print(
        f"[bold]Session {s.id}[/]: {s.when()}, {s.foot or 'unknown'} foot, board {s.board or '?'} "
        f"{s.device_id} (its session {s.sid})"
        + (
            " - date reconstructed from the board's uptime"
            if s.approximate and s.started_at
            else ""
        )
    )
    if s.decode_error:
        console.print(f"[red]the stored log does not decode: {s.decode_error}[/]")
    console.print(program_table(s, program))
    if s.sets:
        console.print(sets_table(s, program))
    if s.reps and not args.no_reps:
        console.print(reps_table(s, program))
    return 0
