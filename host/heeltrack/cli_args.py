"""Options several commands share, spelt and checked the same everywhere (the CLI layer only).

add_db_argument(parser)        # --db FILE
add_since_argument(parser)     # --since DATE  -> parse_since(args.since)
check_speed(args.speed)        # --speed X, the virtual board's range (demo and virtual)
"""

from __future__ import annotations

import argparse
from datetime import date

from heeltrack.errors import UserError
from heeltrack.virtual import MAX_SPEED, MIN_SPEED


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    from heeltrack.db import ENV_VAR, default_path

    parser.add_argument(
        "--db", metavar="FILE", help=f"database file (default: ${ENV_VAR}, else {default_path()})"
    )


def add_since_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since", metavar="DATE", help="only sessions on or after DATE (YYYY-MM-DD)"
    )


def parse_since(text: str | None) -> date | None:
    """--since DATE (YYYY-MM-DD); UserError otherwise."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"--since {text!r} is not a date; write it as YYYY-MM-DD") from None


def check_speed(speed: float) -> float:
    """--speed within the virtual board's range; UserError otherwise."""
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise UserError(
            f"--speed must be between {MIN_SPEED:g} and {MAX_SPEED:g} (times real time), "
            f"got {speed:g}"
        )
    return speed
