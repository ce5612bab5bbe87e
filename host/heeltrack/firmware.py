"""Where the board's files are, in a checkout or installed from a wheel, and the board catalogue.

    from heeltrack import firmware
    firmware.HEEL                       # the device package `heel` (what goes to /lib/heel)
    firmware.MAIN, firmware.BOOT        # the board's /main.py; the virtual board's boot code
    firmware.board_names()              # ['pico-mpu6050', 'pico-w-mpu6050', ...]
    firmware.board_file("virtual")      # its JSON file; UserError naming the known ones
    firmware.load_board("pico-mpu6050") # heel.board.Board, checked by the board's own loader
    firmware.usb_ids()                  # (vid, pid) -> board names, to recognise a plugged board

They are package data (pyproject.toml maps firmware/ to `heeltrack_firmware` and boards/ to
`heeltrack_firmware.boards`), found with importlib.resources, so `pip install heeltrack` works
away from the checkout as well as in it. The board catalogue is boards/*.json: this module is
the only place that lists or opens them.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import heel
from heeltrack.errors import UserError


def _directory(package: str) -> Path:
    path = Path(str(files(package)))
    if not path.is_dir():  # pragma: no cover - a zipped install, which pip never makes
        raise UserError(f"heeltrack is installed without its {package} files; reinstall it")
    return path


HEEL = Path(heel.__file__).resolve().parent  # the device package, shared by host and board
FIRMWARE = _directory("heeltrack_firmware")  # main.py, package.json, virtual/boot.py
MAIN = FIRMWARE / "main.py"
BOOT = FIRMWARE / "virtual" / "boot.py"
PACKAGE_JSON = FIRMWARE / "package.json"
BOARDS = _directory("heeltrack_firmware.boards")


def board_names() -> list[str]:
    return sorted(p.stem for p in BOARDS.glob("*.json"))


def board_file(name: str) -> Path:
    """The board file of `name`; UserError listing the known boards if there is none."""
    path = BOARDS / f"{name}.json"
    if not name or "/" in name or not path.is_file():
        raise UserError(f"unknown board {name!r}; choose one of: {', '.join(board_names())}")
    return path


def load_board(name: str) -> Any:
    """The checked board (heel.board.Board) of `name`; UserError with the loader's message."""
    from heel.board import load_board as load

    try:
        return load(str(board_file(name)))
    except ValueError as e:
        raise UserError(str(e)) from None


def usb_ids() -> dict[tuple[int, int], list[str]]:
    """(vid, pid) -> names of the board files that declare them (bad files are skipped here:
    heel.board reports them where they are used)."""
    ids: dict[tuple[int, int], list[str]] = {}
    for name in board_names():
        try:
            usb = json.loads((BOARDS / f"{name}.json").read_text()).get("usb")
            if usb:
                key = (int(str(usb["vid"]), 0), int(str(usb["pid"]), 0))
                ids.setdefault(key, []).append(name)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return ids
