"""`heeltrack config [--port P] [KEY=VALUE ...]`: read or change the program on the board.

$ heeltrack config                                  # the board's settings
$ heeltrack config heel_raise_hold_s=5 foot=right   # change two (validated first)
$ heeltrack config heel_raise_reps=12-15 toe_tap_rounds=3,4 idle=90
$ heeltrack config "heel_raise_reps=[12, 15]"        # the [min, max] its errors show

Keys are heel.config's (the board validates with the same code; the host checks first, so a bad
key or value changes nothing): foot, idle_timeout_s, heel_raise_reps, heel_raise_sets,
heel_raise_hold_s, heel_walk_steps, toe_tap_reps, toe_tap_rounds, ankle_circle_reps, buzzer.
Short names: hold (heel_raise_hold_s), idle (idle_timeout_s).
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from heel import config as C
from heeltrack.errors import UserError

HELP = "show or change the exercise program on the board (targets, hold, foot, idle timeout)"

ALIASES = {"hold": "heel_raise_hold_s", "hold_s": "heel_raise_hold_s", "idle": "idle_timeout_s"}
MEANING = {
    "foot": "the foot wearing the board",
    "idle_timeout_s": "a session ends after this long without a set (s)",
    "heel_raise_reps": "calf raises per set [min, max]",
    "heel_raise_sets": "calf-raise sets per session [min, max]",
    "heel_raise_hold_s": "hold at the top (s); 0 = no hold cue",
    "heel_walk_steps": "heel-walk steps of both feet",
    "toe_tap_reps": "toe taps per foot per round",
    "toe_tap_rounds": "toe-tap rounds [min, max]",
    "ankle_circle_reps": "ankle circles per direction",
    "buzzer": "use the buzzer (if the board has one)",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    short = ", ".join(f"{a} = {k}" for a, k in ALIASES.items())
    p.add_argument(
        "settings",
        nargs="*",
        metavar="KEY=VALUE",
        help=f"settings to change (short names: {short}; ranges as 12-15, 12,15, 12..15 or "
        "[12, 15])",
    )
    p.add_argument("--port", help="serial port (default: the one board found)")
    p.add_argument("--json", action="store_true", help="print the configuration as JSON")


def parse_value(key: str, text: str) -> Any:
    """'5' -> 5, '2.5' -> 2.5, 'true'/'on' -> True; '10-15', '10,15', '10..15', '[10, 15]' ->
    [10, 15]."""
    t = text.strip()
    low = t.lower()
    if low in ("true", "on", "yes"):
        return True
    if low in ("false", "off", "no"):
        return False
    m = re.fullmatch(r"\[?\s*(-?\d+)\s*(?:-|,|\.\.)\s*(-?\d+)\s*\]?", t)
    if m:
        return [int(m.group(1)), int(m.group(2))]
    try:
        v = json.loads(t)
    except ValueError:
        return t
    return v


def parse_settings(items: list[str]) -> dict[str, Any]:
    """KEY=VALUE strings -> changes, validated with heel.config (UserError: one line)."""
    changes: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise UserError(f"{item!r} is not KEY=VALUE, e.g. heel_raise_hold_s=5")
        key, text = item.split("=", 1)
        key = ALIASES.get(key.strip(), key.strip())
        if key not in C.DEFAULTS:
            raise UserError(f"unknown setting {key!r}; known: {', '.join(sorted(C.DEFAULTS))}")
        changes[key] = parse_value(key, text)
    try:
        C.merge(C.DEFAULTS, changes)
    except ValueError as e:
        raise UserError(f"{e}; nothing was changed") from None
    return changes


def show(cfg: dict[str, Any], changed: set[str], as_json: bool) -> None:
    if as_json:
        print(json.dumps(cfg, indent=1, sort_keys=True))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title="Program on the board", title_justify="left")
    for col in ("setting", "short name", "value", "default", "meaning"):
        t.add_column(col)
    short = {k: a for a, k in ALIASES.items() if "_" not in a}
    for key in sorted(cfg):
        v = json.dumps(cfg[key])
        mark = f"[bold green]{v}[/]" if key in changed else v
        t.add_row(
            key, short.get(key, ""), mark, json.dumps(C.DEFAULTS.get(key)), MEANING.get(key, "")
        )
    t.caption = "change one: heeltrack config KEY=VALUE (ranges: 12-15 or [12, 15])"
    Console().print(t)


def run(args: argparse.Namespace) -> int:
    from heeltrack.link import DeviceError, LinkError, connect
    from heeltrack.ports import resolve_port
    from heeltrack.transport import TransportError

    changes = parse_settings(args.settings)  # before touching the board
    port = resolve_port(args.port)
    try:
        with connect(port) as client:
            if changes:
                try:
                    cfg = client.set_config(changes)
                except DeviceError as e:
                    raise UserError(f"the board refused the change: {e.message}") from None
            else:
                cfg = client.get_config()
    except (LinkError, TransportError, OSError) as e:
        raise UserError(
            f"lost the board at {port} ({e}); check the cable and run the command again"
        ) from None
    show(cfg, set(changes), args.json)
    return 0
