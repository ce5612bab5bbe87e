"""`heeltrack sync [--port P] [--db FILE] [--keep]`: copy the board's sessions into the database
(the work is heeltrack.sync.sync_device's)."""

from __future__ import annotations

import argparse
import sqlite3
from typing import Any

from heeltrack.cli_args import add_db_argument
from heeltrack.db import Database, Stored, resolve_path
from heeltrack.errors import UserError
from heeltrack.link import LinkError, SessionEntry, connect
from heeltrack.ports import resolve_port
from heeltrack.sync import SyncReport, sync_device
from heeltrack.transport import TransportError

HELP = "copy the board's session logs into the local database (verified, resumable)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", help="the board's serial port (default: the one plugged in)")
    add_db_argument(parser)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="leave the sessions on the board (marked synced) instead of deleting them",
    )


def _describe(e: SessionEntry, s: Stored) -> str:
    d = s.dating
    if s.decode_error:
        return f"session {e.sid}: stored raw, but it does not decode ({s.decode_error})"
    when = d.text() if d is not None else "date unknown"
    text = f"session {e.sid}: {when}, {s.sets} sets, {s.reps} reps, {e.size} bytes"
    if d is not None and d.approximate:
        if d.start_epoch is None:
            text += " (recorded before the board's clock was set, and it restarted since)"
        else:
            text += " (recorded before the board's clock was set: date reconstructed from uptime)"
    return text


def _sync(db: Database | None, args: argparse.Namespace, console: Any) -> SyncReport:
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    path = resolve_path(args.db)
    port = resolve_port(args.port)
    conn = connect(port)
    made = None
    try:
        if db is None:  # a new database is made once a board answers: a failed sync leaves none
            db = made = Database(path)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("syncing", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return sync_device(conn.client, db, port=port, keep=args.keep, progress=progress)
    except (LinkError, TransportError, OSError) as err:
        raise UserError(
            f"the link to the board at {port} failed ({err}); everything received is kept: "
            "run `heeltrack sync` again to resume"
        ) from None
    except sqlite3.Error as err:
        raise UserError(
            f"the database {path} failed ({err}); is another `heeltrack sync` running? "
            "Nothing was deleted on the board that is not stored"
        ) from None
    finally:
        conn.close()
        if made is not None:
            made.close()


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console(stderr=True)
    path = resolve_path(args.db)
    # an existing database is checked before the board is asked (a bad one changes nothing)
    db = Database(path) if path.exists() else None
    try:
        report = _sync(db, args, console)
    finally:
        if db is not None:
            db.close()
    for msg in report.messages:
        print(f"note: {msg}")
    for e, stored in report.new:
        print(_describe(e, stored))
    for sid, why in report.failed:
        print(f"session {sid}: {why}")
    kib = report.bytes_read / 1024
    where = "kept on the board (marked synced)" if args.keep else "deleted on the board"
    plural = "" if len(report.new) == 1 else "s"
    print(
        f"board {report.device_id}: {len(report.new)} new session{plural} ({kib:.1f} KiB in "
        f"{report.seconds:.1f} s)"
        + (f", {len(report.already)} already held" if report.already else "")
        + (f"; {where}" if report.new or report.already else "")
    )
    if report.still_open:
        print(f"{len(report.still_open)} session(s) still being recorded were left on the board")
    return 1 if report.failed else 0
