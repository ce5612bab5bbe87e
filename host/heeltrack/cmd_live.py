"""`heeltrack live [--port P] [--seconds N]`: a live counter from the board's event stream.

$ heeltrack live --port /dev/ttyACM0

Shows the current exercise, the reps of the set against the program's target, the hold of the
last calf raise (and the running hold while the heel is up), the session's total
(heeltrack.live). On a terminal it redraws in place (rich Live); piped, it prints one line per
event. Ctrl-C (or --seconds) ends it; the board keeps counting.
"""

from __future__ import annotations

import argparse
import sys

from heeltrack.errors import UserError
from heeltrack.live import LiveState, follow
from heeltrack.program import Program

HELP = "live counter from the board: current exercise, reps in the set, hold timer"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", help="serial port (default: the one board found)")
    p.add_argument("--seconds", type=float, help="stop after this many seconds")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from heeltrack.link import DeviceError, LinkError, connect
    from heeltrack.ports import resolve_port
    from heeltrack.transport import TransportError

    if args.seconds is not None and args.seconds <= 0:
        raise UserError(f"--seconds must be > 0, got {args.seconds:g}")
    port = resolve_port(args.port)
    console = Console()
    try:
        with connect(port) as client:
            if client.info.get("mode") == "repl":
                raise UserError(
                    f"the board at {port} is at the REPL, not counting: press its reset button "
                    "or run `heeltrack flash` to start the app"
                )
            try:
                program = Program.from_config(client.get_config())
            except ValueError:
                program = Program.from_config()
            state = LiveState(program)
            try:
                if console.is_terminal:
                    from rich.live import Live

                    with Live(state.render(), console=console, refresh_per_second=8) as live:
                        follow(
                            client,
                            state,
                            args.seconds,
                            lambda _line: None,
                            lambda: live.update(state.render()),
                        )
                else:
                    follow(
                        client,
                        state,
                        args.seconds,
                        lambda line: print(line, flush=True),
                        lambda: None,
                    )
            except KeyboardInterrupt:
                pass
    except DeviceError as e:
        raise UserError(f"the board refused the live view: {e.message}") from None
    except (LinkError, TransportError, OSError) as e:
        raise UserError(
            f"lost the board at {port} ({e}); check the cable and run the command again"
        ) from None
    if not console.is_terminal:
        print(f"{state.sets} sets, {state.total} reps", file=sys.stderr)
    return 0
