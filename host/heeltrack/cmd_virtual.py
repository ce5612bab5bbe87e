"""`heeltrack virtual`: run the firmware on a virtual board behind a pseudo-terminal.

$ heeltrack virtual --simulate 7 --speed 20 &
/dev/pts/5
$ heeltrack flash --port /dev/pts/5
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from heeltrack.cli_args import check_speed
from heeltrack.firmware import board_file
from heeltrack.virtual import (
    DEFAULT_FS_BYTES,
    MAX_SPEED,
    MIN_SPEED,
    VirtualBoard,
    VirtualOptions,
    default_image,
    make_raw,
    run_virtual,
)

HELP = "run the firmware on a virtual board (unix port + pseudo-terminal); prints its port"


def add_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--trace", metavar="CSV", help="feed the IMU from this trace CSV")
    src.add_argument(
        "--simulate", metavar="SEED", type=int, help="feed the IMU from a simulated session"
    )
    p.add_argument(
        "--fs",
        metavar="IMAGE",
        help="littlefs image file of the board's flash (created on first use; default under "
        "the user data dir, one per board)",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help=f"run X times faster than real time ({MIN_SPEED:g}-{MAX_SPEED:g}, default 1)",
    )
    p.add_argument("--board", default="virtual", help="board file in boards/ (default virtual)")
    p.add_argument(
        "--fs-size",
        type=int,
        default=DEFAULT_FS_BYTES // 1024,
        metavar="KIB",
        help=f"size of a new image in KiB (default {DEFAULT_FS_BYTES // 1024})",
    )
    p.add_argument(
        "--led-log", metavar="FILE", help="record LED/buzzer changes here (default IMAGE.led.log)"
    )
    p.add_argument("--link", metavar="PATH", help="also make PATH a symlink to the port")


def _announce(board: VirtualBoard) -> None:
    o = board.opts
    print(
        f"virtual board {o.board}: image {o.image}, LED log {o.led_log}, speed x{o.speed:g}; "
        "stop with Ctrl-C",
        file=sys.stderr,
        flush=True,
    )


def run(args: argparse.Namespace) -> int:
    board_file(args.board)  # UserError for an unknown board
    image = Path(args.fs) if args.fs else default_image(args.board)
    check_speed(args.speed)
    opts = VirtualOptions(
        image=image,
        raw=None,
        speed=args.speed,
        board=args.board,
        fs_bytes=args.fs_size * 1024,
        led_log=Path(args.led_log) if args.led_log else Path(str(image) + ".led.log"),
        link=Path(args.link) if args.link else None,
    )
    trace = None
    if args.trace:
        from heeltrack.trace import read_trace

        trace = read_trace(args.trace)
    elif args.simulate is not None:
        from heeltrack.sim import simulate

        trace, _truth = simulate(args.simulate)
    if trace is not None:
        opts.raw = make_raw(trace, args.board, opts.workdir / "imu.raw")
    return run_virtual(opts, announce=_announce)
