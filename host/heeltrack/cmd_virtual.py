"""`heeltrack virtual`: run the firmware on a virtual board behind a pseudo-terminal.

$ heeltrack virtual --simulate 7 --speed 20 &
/dev/pts/5
$ heeltrack flash --port /dev/pts/5
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from heeltrack.cli_args import check_speed
from heeltrack.errors import UserError
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
    p.add_argument(
        "--board", metavar="NAME", default="virtual", help="board file in boards/ (default virtual)"
    )
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
    p.add_argument(
        "--pico",
        action="store_true",
        help="an emulated Raspberry Pi Pico (rp2040js running MicroPython's rp2 firmware, "
        "board pico-mpu6050) instead of the unix port; --fs is then its 2 MiB flash",
    )
    p.add_argument("--firmware", metavar="UF2", help="--pico: the MicroPython rp2 firmware")
    p.add_argument("--bootrom", metavar="BIN", help="--pico: the RP2040 bootrom (16 KiB)")
    p.add_argument(
        "--stats",
        metavar="FILE",
        help="--pico: keep the emulator's cycle counts (JSON) in FILE (benchmarks/bench_pico.py)",
    )


def _announce(board: VirtualBoard) -> None:
    o = board.opts
    print(
        f"virtual board {o.board}: image {o.image}, LED log {o.led_log}, speed x{o.speed:g}; "
        "stop with Ctrl-C",
        file=sys.stderr,
        flush=True,
    )


def _trace(args: argparse.Namespace) -> Any:
    if args.trace:
        from heeltrack.trace import read_trace

        return read_trace(args.trace)
    if args.simulate is not None:
        from heeltrack.sim import simulate

        trace, _truth = simulate(args.simulate)
        return trace
    return None


def _announce_pico(board: object) -> None:
    from heeltrack.pico import PicoBoard

    assert isinstance(board, PicoBoard)
    o = board.opts
    print(
        f"emulated Pico: flash image {o.image}, firmware {board.firmware}, LED log {o.led_log}, "
        f"at most x{o.speed:g} real time; stop with Ctrl-C",
        file=sys.stderr,
        flush=True,
    )


def run_pico(args: argparse.Namespace) -> int:
    from heeltrack import pico

    if args.board not in ("virtual", pico.BOARD):
        raise UserError(f"--pico emulates the {pico.BOARD} board, not {args.board}")
    check_speed(args.speed)
    image = Path(args.fs) if args.fs else pico.default_image()
    trace = _trace(args)
    opts = pico.PicoOptions(
        image=image,
        raw=None,
        firmware=Path(args.firmware) if args.firmware else None,
        bootrom=Path(args.bootrom) if args.bootrom else None,
        speed=args.speed,
        led_log=Path(args.led_log) if args.led_log else Path(str(image) + ".led.log"),
        link=Path(args.link) if args.link else None,
        stats=Path(args.stats) if args.stats else None,
    )
    if trace is not None:
        opts.raw = make_raw(trace, pico.BOARD, opts.workdir / "imu.raw")
    return pico.run_pico(opts, announce=_announce_pico)


def run(args: argparse.Namespace) -> int:
    if args.pico:
        return run_pico(args)
    if args.firmware or args.bootrom or args.stats:
        raise UserError("--firmware, --bootrom and --stats are for the emulated Pico: add --pico")
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
    trace = _trace(args)
    if trace is not None:
        opts.raw = make_raw(trace, args.board, opts.workdir / "imu.raw")
    return run_virtual(opts, announce=_announce)
