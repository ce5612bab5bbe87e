"""`heeltrack export --format csv|json [--out DIR] [--db FILE] [--since DATE]`: one row per rep,
to standard output or into DIR/heeltrack-reps.csv (.json).

Columns (heeltrack.progress.EXPORT_COLUMNS; JSON: a list of objects with these keys, null for
empty):
    session      the session's id in the database (`heeltrack show SESSION`)
    device       the board's device id
    set          set number within the session (1, 2, ...)
    exercise     heel_raise | heel_walk | toe_tap | ankle_circle
    time         when the rep happened, UTC ISO 8601 (empty if the session's date is unknown)
    t_s          seconds since the session began
    hold_s       heel_raise: seconds the heel stayed within 80% of the rep's peak; else empty
    direction    ankle_circle: cw | ccw (seen from behind the heel); else empty
    foot         left | right: the foot wearing the board
    approximate  1 if the date was reconstructed from the board's uptime, else 0
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

from heeltrack.cli_args import add_db_argument, add_since_argument, parse_since
from heeltrack.errors import UserError
from heeltrack.files import write_atomic
from heeltrack.progress import EXPORT_COLUMNS, export_rows, open_existing, require_sessions

HELP = "export every rep as CSV or JSON (session, set, exercise, time, hold, direction, foot)"


EXPORT_NAME = "heeltrack-reps"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("csv", "json"), default="csv", help="default csv")
    p.add_argument(
        "--out",
        metavar="DIR",
        help=f"write DIR/{EXPORT_NAME}.csv (or .json) instead of to standard output",
    )
    add_db_argument(p)
    add_since_argument(p)


def render(rows: list[dict[str, object]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, indent=1) + "\n"
    buf = io.StringIO()
    w = csv.DictWriter(buf, [c for c, _ in EXPORT_COLUMNS], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def run(args: argparse.Namespace) -> int:
    since = parse_since(args.since)
    with open_existing(args.db) as db:
        require_sessions(db.conn, db.path, since)
        rows = export_rows(db.conn, since)
    text = render(rows, args.format)
    if args.out:
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise UserError(f"--out {out} is a file; give the directory to write into")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UserError(f"--out {out}: cannot create the directory ({e.strerror})") from None
        path = out / f"{EXPORT_NAME}.{args.format}"
        write_atomic(path, text)
        print(f"{len(rows)} reps written to {path}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
