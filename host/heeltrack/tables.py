"""The terminal views of the sessions (rich tables): what `sessions`, `show` and `demo` print.

    from heeltrack.tables import sessions_table, weeks_table, program_table, sets_table
    Console().print(sessions_table(sessions))        # sessions: heeltrack.progress.load_sessions

Each session is shown against the program it ran under (SessionView.program). Times are the
computer's local time; holds to the hundredth of a second, so that a short one is visibly short
(2.97 s against a 3 s target).
"""

from __future__ import annotations

from datetime import datetime

from heeltrack.program import LABELS, UNITS, Program
from heeltrack.progress import SessionView, percent, rep_periods, set_stats, weekly


def local(t: datetime) -> datetime:
    """A UTC time in the computer's time zone."""
    return t.astimezone()


def hold_text(ms: float | None) -> str:
    """A hold as shown everywhere: '2.97 s' ('-' if none)."""
    return "-" if ms is None else f"{ms / 1000:.2f} s"


def plural(n: int, word: str) -> str:
    """'1 set', '3 sets'."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _cell(s: SessionView, ex: str) -> str:
    r = s.results[ex]
    if not r.reps:
        return "[dim]-[/]"
    lo = r.sets_target[0]
    mark = "[green]✓[/]" if r.full_sets >= lo else f"[yellow]{r.full_sets}/{lo}[/]"
    if ex == "ankle_circle":
        return f"{r.cw}+{r.ccw} {mark}"
    return f"{r.reps} in {r.sets} {mark}"


def date_text(s: SessionView, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A session's date as shown everywhere, in local time: '2026-11-24 18:03', '~...' if
    approximate, 'between ... and ...' when only bounds are known, or 'date unknown'."""
    if s.started_at is not None:
        return ("~" if s.approximate else "") + local(s.started_at).strftime(fmt)
    lo = local(s.earliest).strftime(fmt) if s.earliest else None
    hi = local(s.latest).strftime(fmt) if s.latest else None
    if lo and hi:
        return f"between {lo} and {hi}"
    if lo or hi:
        return f"after {lo}" if lo else f"before {hi}"
    return "date unknown"


def _date(s: SessionView) -> str:
    return date_text(s)


HEADS = {
    "heel_raise": "calf raises",
    "heel_walk": "heel walk",
    "toe_tap": "toe taps",
    "ankle_circle": "circles\ncw+ccw",
}


def sessions_table(sessions: list[SessionView]) -> object:
    """One row per session; fits 100 columns."""
    from rich.table import Table

    t = Table(title="Sessions", title_justify="left", box=None, header_style="bold")
    t.add_column("#", justify="right")
    t.add_column("date (local)", no_wrap=True)
    t.add_column("foot", no_wrap=True)
    for ex in LABELS:
        t.add_column(HEADS[ex], no_wrap=True)
    t.add_column("short\nholds", justify="right", no_wrap=True)
    t.add_column("fast\nreps", justify="right", no_wrap=True)
    t.add_column("score", justify="right", no_wrap=True)
    for s in sessions:
        hr = s.results["heel_raise"]
        fast = sum(r.fast_reps for r in s.results.values())
        score = s.score
        color = "green" if score >= 0.99 else "yellow" if score >= 0.5 else "red"
        t.add_row(
            str(s.id),
            _date(s) if not s.decode_error else f"{_date(s)} [red](damaged)[/]",
            s.foot or "?",
            *[_cell(s, ex) for ex in LABELS],
            f"{hr.short_holds}/{hr.holds}" if hr.holds else "-",
            str(fast) if fast else "-",
            f"[{color}]{percent(score)}[/]",
        )
    latest = sessions[-1].program if sessions else Program.from_config()
    t.caption = (
        "N in S: reps in S sets; ✓ = the sets the program asks, else full sets/asked; fast: "
        "reps sooner after the previous than the program's tempo; ~ = date rebuilt from the "
        "board's uptime. Each session is scored against the program it ran under; the latest: "
        + "; ".join(f"{LABELS[e]} {latest.describe(e)}" for e in LABELS)
    )
    return t


def weeks_table(sessions: list[SessionView]) -> object:
    from rich.table import Table

    t = Table(title="Weeks", title_justify="left", box=None, header_style="bold")
    t.add_column("week of", no_wrap=True)
    t.add_column("days\nexercised", justify="right", no_wrap=True)
    for ex in LABELS:
        t.add_column(HEADS[ex].split("\n")[0], justify="right", no_wrap=True)
    t.add_column("adherence", justify="right", no_wrap=True)
    for w in weekly(sessions):
        t.add_row(
            w.start.isoformat() + ("" if w.days_counted == 7 else " (partial)"),
            f"{w.days_done}/{w.days_counted}",
            *[str(w.reps[ex]) for ex in LABELS],
            percent(w.adherence),
        )
    return t


def _clock(iso_utc: str | None) -> str:
    """'18:03:12' local time of a stored UTC ISO time ('' if unknown)."""
    from heeltrack.progress import parse_time

    t = parse_time(iso_utc)
    return local(t).strftime("%H:%M:%S") if t is not None else ""


def _f(x: float | None, unit: str = " s") -> str:
    return "-" if x is None else f"{x:.1f}{unit}"


def program_table(s: SessionView) -> object:
    from rich.table import Table

    program = s.program
    t = Table(title="Against the program", title_justify="left")
    t.add_column("exercise")
    t.add_column("program")
    t.add_column("done")
    t.add_column("full sets", justify="right")
    t.add_column("notes")
    for ex, label in LABELS.items():
        r = s.results[ex]
        lo, hi = r.sets_target
        done = f"{r.reps} {UNITS[ex]} in {plural(r.sets, 'set')}"
        if ex == "ankle_circle":
            done = f"{r.cw} cw, {r.ccw} ccw"
        notes = []
        if r.short_holds:
            notes.append(f"[yellow]{r.short_holds} of {r.holds} holds < {program.hold_s:g} s[/]")
        if r.fast_reps:
            notes.append(f"[yellow]{r.fast_reps} reps faster than the program[/]")
        if ex == "ankle_circle" and r.reps and (not r.cw or not r.ccw):
            notes.append("[yellow]one direction only[/]")
        ok = "green" if r.full_sets >= lo else "yellow" if r.full_sets else "red"
        t.add_row(
            label,
            program.describe(ex),
            done,
            f"[{ok}]{r.full_sets}/{lo}[/]",
            ", ".join(notes) or ("[green]ok[/]" if r.full_sets >= lo else ""),
        )
    t.caption = f"score against the program: {percent(s.score)}" + (
        "" if s.program_known else " (the session logged no program: judged on the defaults)"
    )
    return t


def sets_table(s: SessionView) -> object:
    from rich.table import Table

    t = Table(title="Sets", title_justify="left")
    for col, just in (
        ("set", "right"),
        ("exercise", "left"),
        ("dir", "left"),
        ("start", "left"),
        ("length", "right"),
        ("count / target", "right"),
        ("mean hold", "right"),
        ("holds short", "right"),
        ("rep every", "right"),
        ("fast reps", "right"),
    ):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for row in set_stats(s):
        start = _clock(row["started_at"]) or f"+{row['start_ms']} ms"
        ok = row["count"] >= row["target"]
        t.add_row(
            str(row["set_no"]),
            LABELS.get(row["exercise"], row["exercise"]),
            row["direction"] or "",
            start,
            _f(row["duration_s"]),
            f"[{'green' if ok else 'yellow'}]{row['count']} / {row['target']}[/]",
            hold_text(row["mean_hold_s"] * 1000 if row["mean_hold_s"] is not None else None),
            str(row["short_holds"]) if row["mean_hold_s"] is not None else "-",
            _f(row["median_period_s"]),
            str(row["fast_reps"]) if row["fast_reps"] else "-",
        )
    return t


def reps_table(s: SessionView) -> object:
    from rich.table import Table

    program = s.program
    t = Table(title="Reps", title_justify="left")
    for col in ("set", "exercise", "time", "t (s)", "hold", "since previous", "flags"):
        t.add_column(col)
    hold_ms = program.hold_s * 1000
    for r, period in zip(s.reps, rep_periods(s), strict=True):
        flags = []
        if r["hold_ms"] is not None and hold_ms and r["hold_ms"] < hold_ms:
            flags.append("[yellow]short hold[/]")
        limit = program.min_period_s(r["exercise"])
        if period is not None and limit is not None and period < limit:
            flags.append("[yellow]fast[/]")
        t.add_row(
            str(r["set_no"] or "-"),
            LABELS.get(r["exercise"], r["exercise"])
            + (f" {r['direction']}" if r["direction"] else ""),
            _clock(r["at"]),
            f"{r['t_s']:.1f}" if r["t_s"] is not None else "",
            hold_text(r["hold_ms"]),
            _f(period),
            " ".join(flags),
        )
    return t
