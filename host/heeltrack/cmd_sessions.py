"""`heeltrack sessions [--db FILE] [--since DATE]`: one row per synced session against the
program, and the weekly adherence.

$ heeltrack sessions --db demo/heeltrack-demo.sqlite3
"""

from __future__ import annotations

import argparse

from heeltrack.program import LABELS, Program
from heeltrack.progress import (
    SessionView,
    add_db_argument,
    open_existing,
    parse_since,
    percent,
    require_sessions,
    weekly,
)

HELP = "list the synced sessions against the program (reps, sets, holds, tempo, feet)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_db_argument(p)
    p.add_argument("--since", metavar="DATE", help="only sessions on or after DATE (YYYY-MM-DD)")


def _cell(s: SessionView, ex: str) -> str:
    r = s.results[ex]
    if not r.reps:
        return "[dim]-[/]"
    lo = r.sets_target[0]
    mark = "[green]✓[/]" if r.full_sets >= lo else f"[yellow]{r.full_sets}/{lo}[/]"
    if ex == "ankle_circle":
        return f"{r.cw}+{r.ccw} {mark}"
    return f"{r.reps} in {r.sets} {mark}"


def _date(s: SessionView) -> str:
    if s.started_at is None:
        return "date unknown"
    return ("~" if s.approximate else "") + s.started_at.strftime("%a %Y-%m-%d %H:%M")


def sessions_table(sessions: list[SessionView], program: Program) -> object:
    from rich.table import Table

    t = Table(title="Sessions", title_justify="left")
    t.add_column("#", justify="right")
    t.add_column("date (UTC)", no_wrap=True)
    t.add_column("foot")
    for ex in LABELS:
        t.add_column(LABELS[ex] + (" cw+ccw" if ex == "ankle_circle" else ""))
    t.add_column("short holds", justify="right")
    t.add_column("fast reps", justify="right")
    t.add_column("program", justify="right")
    for s in sessions:
        hr = s.results["heel_raise"]
        fast = sum(r.fast_reps for r in s.results.values())
        score = s.score
        color = "green" if score >= 0.99 else "yellow" if score >= 0.5 else "red"
        t.add_row(
            str(s.id),
            _date(s) if not s.decode_error else f"{_date(s)} [red](damaged)[/]",
            s.foot or "?",
            *[_cell(s, ex) for ex in LABELS],
            f"{hr.short_holds}/{hr.holds}" if hr.holds else "-",
            str(fast) if fast else "-",
            f"[{color}]{percent(score)}[/]",
        )
    t.caption = (
        "N in S: reps in S sets; ✓ = the sets the program asks, else full sets/asked; "
        "~ = date reconstructed from the board's uptime\nprogram: "
        + "; ".join(f"{LABELS[e]} {program.describe(e)}" for e in LABELS)
    )
    return t


def weeks_table(sessions: list[SessionView]) -> object:
    from rich.table import Table

    t = Table(title="Weeks", title_justify="left")
    t.add_column("week of")
    t.add_column("days exercised", justify="right")
    for ex in LABELS:
        t.add_column(LABELS[ex], justify="right")
    t.add_column("adherence", justify="right")
    for w in weekly(sessions):
        t.add_row(
            w.start.isoformat(),
            f"{w.days_done}/{w.days_counted}",
            *[str(w.reps[ex]) for ex in LABELS],
            percent(w.adherence),
        )
    return t


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    since = parse_since(args.since)
    program = Program.from_config()
    with open_existing(args.db) as db:
        sessions = require_sessions(db.conn, db.path, since)
    console = Console()
    console.print(sessions_table(sessions, program))
    if any(s.day for s in sessions):
        console.print(weeks_table(sessions))
    console.print("details of one session: [bold]heeltrack show SESSION[/] (the # column)")
    return 0
