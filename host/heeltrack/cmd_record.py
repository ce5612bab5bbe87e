"""`heeltrack record OUT.csv [--port P] [--seconds N]`: record the board's IMU into a trace CSV
(the work is heeltrack.record's).

$ heeltrack record calf-raises.csv --seconds 60
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from heeltrack.errors import UserError
from heeltrack.record import MAX_SECONDS, record, save

HELP = "record the board's IMU samples into a trace CSV (foot frame, g and deg/s)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", metavar="OUT.csv", help="trace CSV to write")
    p.add_argument("--port", help="serial port (default: the one board found)")
    p.add_argument(
        "--seconds", type=float, default=60.0, help="how long to record (default 60; Ctrl-C ends)"
    )


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from heeltrack.ports import resolve_port
    from heeltrack.transport_serial import SerialTransport

    out = Path(args.out)
    if not 0 < args.seconds <= MAX_SECONDS:
        raise UserError(f"--seconds must be in (0, {MAX_SECONDS:g}], got {args.seconds:g}")
    if out.is_dir():
        raise UserError(f"{out} is a directory; give the CSV file to write")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise UserError(f"the directory of {out} does not exist")
    port = resolve_port(args.port)
    console = Console(stderr=True)
    with Progress(
        TextColumn("recording"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("rec", total=args.seconds)
        with SerialTransport(port) as transport:
            rec = record(
                transport,
                args.seconds,
                lambda r: bar.update(task, completed=(r.samples + r.gaps) / r.rate_hz),
            )
    save(rec, out)
    t = rec.samples / rec.rate_hz
    print(
        f"{rec.samples} samples ({t:.1f} s at {rec.rate_hz:g} Hz, {rec.foot or 'unknown'} foot)"
        f" written to {out}"
        + (f"; {rec.gaps} samples lost (FIFO overflow)" if rec.gaps else "")
        + ("" if rec.complete else "; stopped early"),
        file=sys.stderr if str(out) == "-" else sys.stdout,
    )
    return 0
