"""`heeltrack flash`: compile and copy the firmware to the board, verify it, start the app
(the work is heeltrack.flash's)."""

from __future__ import annotations

import argparse
import sys

from heeltrack.flash import board_json, flash
from heeltrack.ports import resolve_port
from heeltrack.transport_serial import SerialTransport

HELP = "install the firmware on a board (mpy-cross + mpremote), verify by sha256, start it"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", help="serial port (default: the one board found)")
    p.add_argument(
        "--board",
        metavar="NAME",
        help="board file in boards/ (default: guessed from the board: Pico, Pico W, Pico 2, "
        "virtual)",
    )
    p.add_argument("--foot", choices=("left", "right"), help="the foot wearing the board")
    p.add_argument("--no-start", action="store_true", help="do not start the app afterwards")


def run(args: argparse.Namespace) -> int:
    if args.board is not None:
        board_json(args.board)  # an unknown or bad board file: refused before the board is touched
    port = resolve_port(args.port)
    with SerialTransport(port) as transport:
        result = flash(
            transport,
            board=args.board,
            foot=args.foot,
            start=not args.no_start,
            progress=lambda msg: print(msg, file=sys.stderr),
        )
    print(
        f"flashed {result.board} at {port}: {len(result.written)} files written, "
        f"{result.verified} verified, foot {result.foot}"
    )
    if not args.no_start:
        if result.started:
            print("the app is running")
        else:
            tail = result.output.strip().splitlines()[-3:]
            print("warning: the app did not report that it started:", file=sys.stderr)
            for line in tail:
                print("  " + line, file=sys.stderr)
            return 1
    return 0
