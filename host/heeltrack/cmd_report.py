"""`heeltrack report [--out DIR] [--since DATE] [--db FILE]`: write the progress report, one
self-contained HTML page (plots inline, works offline): DIR/heeltrack-report.html.

$ heeltrack report --out report --since 2026-11-01
"""

from __future__ import annotations

import argparse
from pathlib import Path

from heeltrack.cli_args import add_db_argument, add_since_argument, parse_since
from heeltrack.errors import UserError
from heeltrack.progress import open_existing, require_sessions
from heeltrack.report import REPORT_NAME, write_report

HELP = "write the progress report: one offline HTML page with plots"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out", metavar="DIR", default=".", help=f"directory for {REPORT_NAME} (default: .)"
    )
    add_since_argument(p)
    add_db_argument(p)


def run(args: argparse.Namespace) -> int:
    since = parse_since(args.since)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; give the directory for {REPORT_NAME}")
    with open_existing(args.db) as db:
        sessions = require_sessions(db.conn, db.path, since)
    path = write_report(sessions, out, since=since)
    print(f"report of {len(sessions)} sessions: {path}")
    return 0
