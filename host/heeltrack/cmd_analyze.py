"""`heeltrack analyze TRACE.csv [--json] [--runtime cpython|micropython]`."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.table import Table

from heeltrack.analysis import analyze_file

HELP = "recognise and count the exercises in a trace CSV with the board's own engine"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("trace", help="trace CSV (t_s,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps, foot frame)")
    p.add_argument("--json", action="store_true", help="print the analysis JSON instead of a table")
    p.add_argument(
        "--runtime",
        choices=("cpython", "micropython"),
        default="cpython",
        help="run the engine here (cpython) or in the MicroPython unix port",
    )


def run(args: argparse.Namespace) -> int:
    result = analyze_file(args.trace, runtime=args.runtime)
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    console = Console()
    if not result["sets"]:
        console.print(f"{args.trace}: no exercise sets found")
        return 0
    table = Table(title=f"{args.trace}: {len(result['sets'])} sets")
    for col in ("#", "exercise", "start", "end", "count", "detail"):
        table.add_column(col, justify="right" if col in ("#", "count") else "left")
    for i, s in enumerate(result["sets"], 1):
        detail = s.get("direction", "")
        holds = [r["hold_s"] for r in s["reps"] if "hold_s" in r]
        if holds:
            detail = (
                f"hold {min(holds):.1f}-{max(holds):.1f} s (mean {sum(holds) / len(holds):.1f})"
            )
        table.add_row(
            str(i),
            s["exercise"],
            f"{s['start_s']:.1f} s",
            f"{s['end_s']:.1f} s",
            str(s["count"]),
            detail,
        )
    console.print(table)
    return 0
