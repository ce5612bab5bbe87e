"""`heeltrack show SESSION [--db FILE]`: one session against the program: per exercise, per set
and per rep (holds short of the target, reps faster than the program's tempo).

$ heeltrack show 3 --db demo/heeltrack-demo.sqlite3
"""

from __future__ import annotations

import argparse

from heeltrack.cli_args import add_db_argument
from heeltrack.progress import open_existing
from heeltrack.tables import program_table, reps_table, sets_table

HELP = "show one session: exercises, sets and reps against the program"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("session", metavar="SESSION", help="session id (the # of `heeltrack sessions`)")
    add_db_argument(p)
    p.add_argument("--no-reps", action="store_true", help="leave out the table of single reps")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from heeltrack.progress import load_session

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
    console.print(program_table(s))
    if s.sets:
        console.print(sets_table(s))
    if s.reps and not args.no_reps:
        console.print(reps_table(s))
    return 0
