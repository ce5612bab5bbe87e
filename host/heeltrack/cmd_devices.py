"""`heeltrack devices`: list the ports where a HeelTrack board may be."""

from __future__ import annotations

import argparse
import json

from heeltrack.ports import candidates

HELP = "list candidate board ports (MicroPython RP2040/RP2350 USB ports, virtual boards)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print a JSON list")


def run(args: argparse.Namespace) -> int:
    found = candidates()
    if args.json:
        print(json.dumps([c.__dict__ for c in found], indent=1))
        return 0
    if not found:
        print("no boards found: plug in a Pico running MicroPython, or start `heeltrack virtual`")
        return 0
    for c in found:
        print(f"{c.port}\t{c.kind}\t{c.description}\tboards: {', '.join(c.boards)}")
    return 0
