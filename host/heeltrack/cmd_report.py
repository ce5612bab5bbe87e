"""`heeltrack report [--out DIR] [--since DATE] [--db FILE]`: write the progress report, one
self-contained HTML page (plots inline, works offline): DIR/heeltrack-report.html.

$ heeltrack report --out report --since 2026-11-01
"""

from __future__ import annotations

import argparse
from pathlib import Path

from heeltrack.progress import add_db_argument, open_existing, parse_since, require_sessions
from heeltrack.report import REPORT_NAME, write_report

HELP = "write the progress report: one offline HTML page with plots"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out", metavar="DIR", default=".", help=f"directory for {REPORT_NAME} (default: .)"
    )
    p.add_argument("--since", metavar="DATE", help="only sessions on or after DATE (YYYY-MM-DD)")
    add_db_argument(p)


def run(args: argparse.Namespace) -> int:
    since = parse_since(args.since)
    with open_existing(args.db) as db:
        sessions = require_sessions(db.conn, db.path, since)
    path = write_report(sessions, Path(args.out), since=since)
    print(f"report of {len(sessions)} sessions: {path}")
    return 0
