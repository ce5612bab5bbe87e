"""`heeltrack live [--port P] [--seconds N]`: a live counter from the board's event stream.

$ heeltrack live --port /dev/ttyACM0

Shows the current exercise, the reps of the set against the program's target, the hold of the
last calf raise (and the running hold while the heel is up, if the firmware reports it), the
session's total. On a terminal it redraws in place (rich Live); piped, it prints one line per
event. Ctrl-C (or --seconds) ends it; the board keeps counting.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from heel.motion import events as E
from heeltrack.errors import UserError
from heeltrack.program import LABELS, Program

HELP = "live counter from the board: current exercise, reps in the set, hold timer"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", help="serial port (default: the one board found)")
    p.add_argument("--seconds", type=float, help="stop after this many seconds")


def _name(ex: int) -> str:
    return LABELS.get(E.EXERCISES[ex], "?") if 0 <= ex < len(E.EXERCISES) else "-"


@dataclass
class LiveState:
    """What the screen shows, updated from events and INFO replies."""

    program: Program
    exercise: int = -1
    direction: int = 0
    reps: int = 0
    sets: int = 0
    total: int = 0
    last_hold_ms: int | None = None
    hold_ms: int = 0  # running hold (if the firmware reports it in INFO)
    session: Any = None
    lines: list[str] = field(default_factory=list)

    def event(self, kind: int, exercise: int, value: int) -> str:
        """Apply one event; returns its line for the log."""
        name = _name(exercise)
        if kind == E.EV_SET_START:
            self.exercise, self.direction, self.reps = exercise, value, 0
            self.sets += 1
            d = E.DIRECTIONS[value] if 0 < value < len(E.DIRECTIONS) else ""
            line = f"set {self.sets}: {name}" + (f" {d}" if d else "")
        elif kind == E.EV_REP:
            self.exercise = exercise
            self.reps += 1
            self.total += 1
            target = self.target()
            line = f"{name} {self.reps}/{target}"
            if exercise == E.HEEL_RAISE:
                self.last_hold_ms = value
                goal = self.program.hold_s
                short = " (short)" if goal and value < goal * 1000 else ""
                line += f"  hold {value / 1000:.1f} s{short}"
        elif kind == E.EV_SET_END:
            self.sets = max(self.sets, 1)  # a set that began before we listened
            line = f"set {self.sets} done: {value} {name}"
            self.exercise = -1
        else:
            line = f"event {kind}"
        self.lines = (self.lines + [line])[-6:]
        return line

    def target(self) -> int:
        if 0 <= self.exercise < len(E.EXERCISES):
            return self.program.reps_per_set(E.EXERCISES[self.exercise])
        return 0

    def info(self, info: dict[str, Any]) -> None:
        """Before the first set start is seen (we joined mid-set), the board's INFO tells the
        exercise and the reps so far; after it, the events do."""
        self.session = info.get("session")
        ex = info.get("exercise")
        if self.sets == 0 and isinstance(ex, int) and ex >= 0:
            self.exercise = ex
            self.reps = int(info.get("count", self.reps) or 0)
        self.hold_ms = int(info.get("hold_ms", 0) or 0)

    def render(self) -> Any:
        from rich.panel import Panel
        from rich.table import Table

        t = Table.grid(padding=(0, 2))
        t.add_column(justify="right", style="dim")
        t.add_column()
        t.add_row("exercise", f"[bold]{_name(self.exercise)}[/]")
        target = self.target()
        done = target and self.reps >= target
        t.add_row("reps", f"[bold {'green' if done else 'white'}]{self.reps}[/] / {target or '-'}")
        hold = f"{self.hold_ms / 1000:.1f} s" if self.hold_ms else "-"
        last = f"{self.last_hold_ms / 1000:.1f} s" if self.last_hold_ms is not None else "-"
        t.add_row("hold", f"{hold}   last {last} (target {self.program.hold_s:g} s)")
        t.add_row(
            "session",
            f"{self.sets} sets, {self.total} reps"
            if self.session is not None or self.total
            else "waiting for the first set",
        )
        t.add_row("", "\n".join(self.lines) or "[dim]no events yet[/]")
        return Panel(t, title="HeelTrack live", subtitle="Ctrl-C to stop")


def follow(
    client: Any, state: LiveState, seconds: float | None, on_event: Any, on_tick: Any
) -> None:
    """Subscribe to events; feed them to `state`; poll INFO 4 times a second (keeps the link
    open and gives the running hold)."""
    from heel.link import frame as F

    client.request(F.T_LIVE, b"\x01")
    end = None if seconds is None else time.monotonic() + seconds
    try:
        while end is None or time.monotonic() < end:
            state.info(client.hello())
            while client.events:
                ev = client.events.popleft()
                on_event(state.event(ev.kind, ev.exercise, ev.value))
            on_tick()
            time.sleep(0.25)
    finally:
        try:
            client.request(F.T_LIVE, b"\x00")
        except Exception:  # noqa: BLE001 - the board may be gone: nothing to unsubscribe
            pass


def run(args: argparse.Namespace) -> int:
    import serial
    from rich.console import Console

    from heeltrack.link import DeviceError, LinkError, connect
    from heeltrack.ports import resolve_port

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
    except (LinkError, serial.SerialException, OSError) as e:
        raise UserError(
            f"lost the board at {port} ({e}); check the cable and run the command again"
        ) from None
    if not console.is_terminal:
        print(f"{state.sets} sets, {state.total} reps", file=sys.stderr)
    return 0
