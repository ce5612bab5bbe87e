"""`heeltrack demo [--days 7] [--speed X] [--out DIR]`: the quick start without hardware.

A simulated week of the seed's exercise program is played through the firmware on a virtual
board (flashed with mpremote), counted by the board itself, synced into DIR's database and
written up as DIR/heeltrack-report.html (heeltrack.demo has the details).

$ heeltrack demo --out heeltrack-demo
"""

from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path
from typing import Any

from heeltrack.cli_args import check_speed
from heeltrack.demo import (
    DB_NAME,
    DEFAULT_SPEED,
    DemoResult,
    Phases,
    run_demo,
    simulated_vs_counted,
)
from heeltrack.errors import UserError
from heeltrack.program import EXERCISES, LABELS

HELP = "play a simulated week through the virtual board's firmware, sync it, write the report"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--days", type=int, default=7, help="days to simulate (default 7)")
    p.add_argument(
        "--speed",
        type=float,
        default=DEFAULT_SPEED,
        help=f"times faster than real time (default {DEFAULT_SPEED:g}; lower it on a slow or "
        "busy computer: the board then misses samples)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default="heeltrack-demo",
        help=f"directory for {DB_NAME} and the report (default ./heeltrack-demo)",
    )
    p.add_argument("--seed", type=int, default=1, help="simulation seed (default 1)")


class RichPhases(Phases):
    """Phases drawn as rich progress bars, one line per finished phase."""

    def __init__(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[text]}"),
            console=console,
            transient=True,
        )
        self.task: Any = None
        self.name = ""
        self.t0 = 0.0

    def __enter__(self) -> RichPhases:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, name: str, total: float | None = None) -> None:
        self.name = name
        self.t0 = time.monotonic()
        self.task = self.progress.add_task(name, total=total, text="")

    def update(self, done: float, total: float | None = None, text: str = "") -> None:
        kw: dict[str, Any] = {"completed": done}
        if total is not None:
            kw["total"] = total
        if text:
            kw["text"] = text
        self.progress.update(self.task, **kw)

    def end(self, summary: str = "") -> None:
        self.progress.remove_task(self.task)
        took = time.monotonic() - self.t0
        self.console.print(
            f"[green]✓[/] {self.name}"
            + (f": {summary}" if summary else "")
            + f" [dim]({took:.1f} s)"
        )


def truth_table(result: DemoResult) -> Any:
    """What the simulated person did against what the board counted, per day."""
    from rich.table import Table

    t = Table(
        title="Simulated vs counted by the board (reps of the sensor foot)", title_justify="left"
    )
    t.add_column("day")
    t.add_column("session")
    for ex in EXERCISES:
        t.add_column(LABELS[ex], justify="right")
    for p, sim, got in simulated_vs_counted(result):
        if sim is None:
            t.add_row(f"{p.day:%a %d %b}", "[red]missed[/]", *[""] * len(EXERCISES))
            continue
        cells = []
        for ex in EXERCISES:
            c = got.get(ex, 0)
            color = "green" if c == sim[ex] else "yellow" if abs(c - sim[ex]) <= 2 else "red"
            cells.append(f"{sim[ex]} / [{color}]{c}[/]")
        t.add_row(f"{p.day:%a %d %b}", f"{p.variant}, {p.foot} foot", *cells)
    t.caption = "simulated / counted"
    return t


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from heeltrack.db import Database
    from heeltrack.progress import load_sessions
    from heeltrack.tables import sessions_table

    check_speed(args.speed)
    if args.days < 1 or args.days > 31:
        raise UserError(f"--days must be between 1 and 31, got {args.days}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; give a directory")
    console = Console()
    t0 = time.monotonic()
    console.print(
        f"[bold]HeelTrack demo[/]: {args.days} simulated days through the virtual board, "
        f"x{args.speed:g} real time"
    )
    with RichPhases(console) as phases:
        result = run_demo(out, days=args.days, speed=args.speed, seed=args.seed, phases=phases)
    with Database(result.db) as db:
        sessions = load_sessions(db.conn)
    if sessions:
        console.print(sessions_table(sessions))
    console.print(truth_table(result))
    if result.lost_samples:
        console.print(
            f"[yellow]the board lost {result.lost_samples} samples ({result.lost_samples / 100:.0f}"
            f" s): this computer was too busy for x{args.speed:g}; counts may be off. Try "
            "--speed 30[/]"
        )
    if result.dated_late:
        console.print(
            f"[yellow]{result.dated_late} session(s) began before the demo set the board's "
            "clock to their day: they show on the day before. Try a lower --speed[/]"
        )
    dbq = shlex.quote(str(result.db))
    first = sessions[0].id if sessions else 1
    console.print(
        f"done in {time.monotonic() - t0:.0f} s. Look further:\n"
        f"  heeltrack sessions --db {dbq}\n"
        f"  heeltrack show {first} --db {dbq}\n"
        f"  heeltrack report --db {dbq} --out {shlex.quote(str(out))}\n"
        f"  heeltrack export --db {dbq} --format csv --out {shlex.quote(str(out))}\n"
        + (f"report: {result.report}" if result.report else "")
    )
    return 0
