"""`heeltrack export --format csv|json [--out FILE] [--db FILE] [--since DATE]`: one row per rep.

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
import os
import sys
import tempfile
from pathlib import Path

from heeltrack.errors import UserError
from heeltrack.progress import (
    EXPORT_COLUMNS,
    add_db_argument,
    export_rows,
    open_existing,
    parse_since,
    require_sessions,
)

HELP = "export every rep as CSV or JSON (session, set, exercise, time, hold, direction, foot)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("csv", "json"), default="csv", help="default csv")
    p.add_argument("--out", metavar="FILE", help="write here (default: standard output)")
    add_db_argument(p)
    p.add_argument("--since", metavar="DATE", help="only sessions on or after DATE (YYYY-MM-DD)")


def render(rows: list[dict[str, object]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, indent=1) + "\n"
    buf = io.StringIO()
    w = csv.DictWriter(buf, [c for c, _ in EXPORT_COLUMNS], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename: an error never leaves half a file behind."""
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UserError(f"--out {path} is a directory; give a file name")
    if not directory.is_dir():
        raise UserError(f"--out {path}: the directory {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror}") from None


def run(args: argparse.Namespace) -> int:
    since = parse_since(args.since)
    with open_existing(args.db) as db:
        require_sessions(db.conn, db.path, since)
        rows = export_rows(db.conn, since)
    text = render(rows, args.format)
    if args.out:
        write_atomic(Path(args.out), text)
        print(f"{len(rows)} reps written to {args.out} ({args.format})", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
