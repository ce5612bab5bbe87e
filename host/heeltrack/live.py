"""The live counter's state: what the board's event stream and INFO say, as lines and a panel.

    from heeltrack.live import LiveState, follow
    from heeltrack.program import Program
    state = LiveState(Program.from_config(client.get_config()))
    follow(client, state, seconds=60, on_event=print, on_tick=lambda: None)

follow() runs on LinkClient.live(): events as they come, the board's INFO four times a second
(the running hold of a calf raise, the reps so far when we join mid-set).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from heel.motion import events as E
from heeltrack.link import Event, LinkClient
from heeltrack.program import LABELS, Program
from heeltrack.tables import hold_text


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
                line += f"  hold {hold_text(value)}{short}"
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
        hold = hold_text(self.hold_ms) if self.hold_ms else "-"
        last = hold_text(self.last_hold_ms)
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
    client: LinkClient,
    state: LiveState,
    seconds: float | None,
    on_event: Callable[[str], None],
    on_tick: Callable[[], None],
) -> None:
    """Feed the board's live events and INFO to `state` for `seconds` (None: until
    KeyboardInterrupt); on_event(line) per event, on_tick() after each INFO."""
    end = None if seconds is None else time.monotonic() + seconds
    stream = client.live(info_every=0.25)
    try:
        for item in stream:
            if isinstance(item, Event):
                on_event(state.event(item.kind, item.exercise, item.value))
            else:
                state.info(item)
                on_tick()
            if end is not None and time.monotonic() >= end:
                break
    finally:
        stream.close()
