"""`heeltrack sessions [--db FILE] [--since DATE]`: one row per synced session against the
program, and the weekly adherence.

$ heeltrack sessions --db demo/heeltrack-demo.sqlite3
"""

from __future__ import annotations

import argparse

from heeltrack.cli_args import add_db_argument, add_since_argument, parse_since
from heeltrack.progress import open_existing, require_sessions
from heeltrack.tables import sessions_table, weeks_table

HELP = "list the synced sessions against the program (reps, sets, holds, tempo, feet)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_db_argument(p)
    add_since_argument(p)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    since = parse_since(args.since)
    with open_existing(args.db) as db:
        sessions = require_sessions(db.conn, db.path, since)
    console = Console()
    console.print(sessions_table(sessions))
    if any(s.day for s in sessions):
        console.print(weeks_table(sessions))
    console.print("details of one session: [bold]heeltrack show SESSION[/] (the # column)")
    return 0
