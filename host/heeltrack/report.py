"""The progress report: one self-contained HTML page (no network: plots are inline SVG images).

    >>> from heeltrack.report import write_report
    >>> path = write_report(sessions, Path("report"))      # sessions: progress.load_sessions()
    >>> path                                               # report/heeltrack-report.html

Sections: the program; a summary (days, adherence, holds short, fast reps); weekly totals and
adherence (per day and per week); a timeline of the reps of each session; hold times against
the target; left/right balance; clockwise/counterclockwise balance; the sessions table.
Plots are drawn with matplotlib (Agg) as SVG and embedded as data: URLs, so the file opens
offline anywhere and can be mailed to a physiotherapist as it is. Each session is judged against
the program it ran under; "The program" shows the latest session's. Times are local; legends sit
beside the plots, never on the data; weeks not wholly inside the period are marked partial.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from heeltrack.errors import UserError
from heeltrack.files import write_atomic
from heeltrack.program import EXERCISES, LABELS, UNITS, Program
from heeltrack.progress import (
    SessionView,
    direction_balance,
    feet_balance,
    percent,
    rep_periods,
    short_holds,
    tempo,
    weekly,
)
from heeltrack.tables import date_text, local, plural

REPORT_NAME = "heeltrack-report.html"
MAX_TIMELINES = 14  # the most recent sessions drawn as timelines
COLORS = {
    "heel_raise": "#1f77b4",
    "heel_walk": "#2ca02c",
    "toe_tap": "#ff7f0e",
    "ankle_circle": "#9467bd",
}
FOOT_COLORS = {"left": "#4c72b0", "right": "#dd8452", "unknown": "#999999"}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "heeltrack",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return plt


def _img(fig: Any, alt: str) -> str:
    """The figure as an <img> with an inline SVG data: URL."""
    plt = _plt()
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img class="plot" alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{data}">'


def _label(s: SessionView) -> str:
    if s.started_at is None:
        return f"#{s.id} ({date_text(s, '%d %b')})"
    return ("~" if s.approximate else "") + f"{local(s.started_at):%a %d %b} #{s.id}"


def _legend_beside(ax: Any) -> None:
    """The legend to the right of the axes: never over the data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7, frameon=False)


def _headroom(ax: Any, top: float) -> None:
    """Room above the tallest bar for its value label."""
    ax.set_ylim(0, max(1.0, top) * 1.18)


# ---- plots -------------------------------------------------------------------------------


def plot_days(sessions: list[SessionView], today: date | None = None) -> str:
    """Adherence per day (the day's best session; missed days show as 0)."""
    plt = _plt()
    dated = [s for s in sessions if s.day is not None]
    first = min(s.day for s in dated if s.day)
    last = max(s.day for s in dated if s.day)
    end = max(last, today) if today else last
    days = [first + timedelta(days=i) for i in range((end - first).days + 1)]
    best = {d: 0.0 for d in days}
    for s in dated:
        assert s.day is not None
        best[s.day] = max(best[s.day], s.score)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.45 * len(days) + 1.5), 2.4))
    xs = range(len(days))
    vals = [100 * best[d] for d in days]
    colors = ["#2ca02c" if v >= 99 else "#f0ad4e" if v > 0 else "#d9534f" for v in vals]
    ax.bar(xs, [max(v, 1.5) for v in vals], color=colors)
    for x, v in zip(xs, vals, strict=True):
        if v == 0:
            ax.text(x, 4, "missed", rotation=90, ha="center", va="bottom", fontsize=7)
    ax.set_xticks(list(xs), [f"{d:%a\n%d %b}" for d in days], fontsize=7)
    ax.set_ylim(0, 105)
    ax.set_ylabel("% of the program")
    ax.set_title("Adherence per day (best session of the day)")
    return _img(fig, "adherence per day")


def plot_weeks(sessions: list[SessionView], today: date | None = None) -> str:
    plt = _plt()
    weeks = weekly(sessions, today)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.1 * len(weeks) + 2.5), 2.8))
    xs = list(range(len(weeks)))
    bottom = [0] * len(weeks)
    for ex in EXERCISES:
        vals = [w.reps[ex] for w in weeks]
        ax.bar(xs, vals, bottom=bottom, color=COLORS[ex], label=LABELS[ex], width=0.6)
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax.set_xticks(
        xs,
        [
            f"week of\n{w.start:%d %b}"
            + ("" if w.days_counted == 7 else f"\n(partial: {w.days_counted} of 7 days)")
            for w in weeks
        ],
        fontsize=7,
    )
    ax.set_ylabel("reps (sensor foot)")
    ax2 = ax.twinx()
    ax2.plot(xs, [100 * w.adherence for w in weeks], "k-o", label="adherence")
    ax2.set_ylim(0, 118)  # room for the labels above a 100% point
    ax2.set_ylabel("adherence %")
    for x, w in zip(xs, weeks, strict=True):
        ax2.annotate(
            percent(w.adherence),
            (x, 100 * w.adherence),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
        )
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.12, 1.0), fontsize=7, frameon=False
    )
    ax.set_title("Weekly totals and adherence to the program")
    return _img(fig, "weekly totals and adherence")


def plot_timelines(sessions: list[SessionView]) -> str:
    """One row per session: each rep a tick at its time, by exercise; fast reps hollow."""
    plt = _plt()
    shown = sessions[-MAX_TIMELINES:]
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(shown) + 1.2))
    longest = 1.0
    for row, s in enumerate(reversed(shown)):
        periods = rep_periods(s)
        t0 = min((r["t_ms"] for r in s.reps), default=0)
        for ex in EXERCISES:
            xs_ok: list[float] = []
            xs_fast: list[float] = []
            limit = s.program.min_period_s(ex)
            for r, p in zip(s.reps, periods, strict=True):
                if r["exercise"] != ex:
                    continue
                x = (r["t_ms"] - t0) / 60000.0
                longest = max(longest, x)
                (xs_fast if p is not None and limit is not None and p < limit else xs_ok).append(x)
            ax.plot(xs_ok, [row] * len(xs_ok), "|", color=COLORS[ex], markersize=11, mew=1.6)
            ax.plot(xs_fast, [row] * len(xs_fast), "x", color=COLORS[ex], markersize=5)
    for ex in EXERCISES:
        ax.plot([], [], "|", color=COLORS[ex], markersize=10, mew=2, label=LABELS[ex])
    ax.plot([], [], "x", color="#555555", label="faster than the program")
    ax.set_yticks(range(len(shown)), [_label(s) for s in reversed(shown)])
    ax.set_ylim(-0.7, len(shown) - 0.3)
    ax.set_xlim(-0.2, longest + 0.3)
    ax.set_xlabel("minutes since the session's first rep")
    _legend_beside(ax)
    ax.set_title("Timeline of the reps of each session")
    return _img(fig, "timeline of reps per session")


def plot_holds(sessions: list[SessionView]) -> str:
    """Each calf raise's hold against its session's target (a dashed mark per session)."""
    plt = _plt()
    shown = [s for s in sessions if s.results["heel_raise"].holds][-MAX_TIMELINES:]
    fig, ax = plt.subplots(figsize=(max(4.5, 0.6 * len(shown) + 2), 2.8))
    for i, s in enumerate(shown):
        target = s.program.hold_s
        holds = [
            r["hold_ms"] / 1000.0
            for r in s.reps
            if r["exercise"] == "heel_raise" and r["hold_ms"] is not None
        ]
        n = len(holds)
        xs = [i + (k - (n - 1) / 2) * 0.6 / max(n, 1) for k in range(n)]
        colors = ["#2ca02c" if h >= target else "#d9534f" for h in holds]
        ax.scatter(xs, holds, s=10, c=colors, alpha=0.8)
        if target > 0:
            ax.plot([i - 0.4, i + 0.4], [target, target], "k--", lw=1)
    ax.plot([], [], "k--", lw=1, label="the session's target")
    _legend_beside(ax)
    ax.set_xticks(
        range(len(shown)), [_label(s) for s in shown], rotation=30, ha="right", fontsize=7
    )
    ax.set_ylabel("hold at the top (s)")
    ax.set_title("Calf-raise holds against the target (red: short)")
    return _img(fig, "hold times against the target")


def plot_feet(sessions: list[SessionView]) -> str:
    plt = _plt()
    bal = feet_balance(sessions)
    feet = [f for f in ("left", "right", "unknown") if f in bal]
    fig, ax = plt.subplots(figsize=(5.5, 2.6))
    width = 0.8 / max(1, len(feet))
    for k, foot in enumerate(feet):
        xs = [i + (k - (len(feet) - 1) / 2) * width for i in range(len(EXERCISES))]
        vals = [bal[foot][ex] for ex in EXERCISES]
        ax.bar(xs, vals, width=width, color=FOOT_COLORS[foot], label=f"{foot} foot")
        for x, v in zip(xs, vals, strict=True):
            ax.text(x, v, str(v), ha="center", va="bottom", fontsize=7)
    _headroom(ax, max((bal[f][ex] for f in feet for ex in EXERCISES), default=1))
    ax.set_xticks(range(len(EXERCISES)), [LABELS[e] for e in EXERCISES])
    ax.set_ylabel("reps counted")
    _legend_beside(ax)
    ax.set_title("Left / right balance (the foot wearing the board)")
    return _img(fig, "left and right balance")


def plot_directions(sessions: list[SessionView]) -> str:
    plt = _plt()
    bal = direction_balance(sessions)
    feet = [f for f in ("left", "right", "unknown") if f in bal]
    fig, ax = plt.subplots(figsize=(4.2, 2.4))
    xs = list(range(len(feet)))
    cw = [bal[f]["cw"] for f in feet]
    ccw = [bal[f]["ccw"] for f in feet]
    ax.bar([x - 0.18 for x in xs], cw, width=0.36, color="#9467bd", label="clockwise")
    ax.bar([x + 0.18 for x in xs], ccw, width=0.36, color="#c5b0d5", label="counterclockwise")
    for x, a, b in zip(xs, cw, ccw, strict=True):
        ax.text(x - 0.18, a, str(a), ha="center", va="bottom", fontsize=7)
        ax.text(x + 0.18, b, str(b), ha="center", va="bottom", fontsize=7)
    _headroom(ax, max(cw + ccw, default=1))
    ax.set_xticks(xs, [f"{f} foot" for f in feet])
    ax.set_ylabel("circles")
    _legend_beside(ax)
    ax.set_title("Ankle circles: clockwise / counterclockwise")
    return _img(fig, "clockwise and counterclockwise balance")


# ---- page --------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#f6f7f9}
main{max-width:1020px;margin:0 auto;padding:18px 22px 40px;background:#fff}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .4em;border-bottom:1px solid
#ddd;padding-bottom:.2em}
.muted{color:#666;font-size:.9em}.plot{max-width:100%;height:auto;display:block;margin:.4em 0}
.cards{display:flex;gap:10px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:8px;
padding:8px 14px;min-width:120px}.card b{display:block;font-size:1.4em}
table{border-collapse:collapse;font-size:.85em;margin:.4em 0}th,td{border-bottom:1px solid #eee;
padding:3px 8px;text-align:left}th{background:#fafafa}td.num{text-align:right}
.ok{color:#2a7a2a}.warn{color:#b36b00}.bad{color:#b52a2a}
.row{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start}
"""


def _esc(x: object) -> str:
    return html.escape(str(x))


def _sessions_table(sessions: list[SessionView]) -> str:
    head = "".join(
        f"<th>{_esc(h)}</th>"
        for h in (
            "#",
            "date (local)",
            "foot",
            *LABELS.values(),
            "holds short",
            "fast reps",
            "program",
        )
    )
    rows = []
    for s in sessions:
        cells = [
            f'<td class="num">{s.id}</td>',
            f"<td>{_esc(_when(s))}</td>",
            f"<td>{_esc(s.foot or '?')}</td>",
        ]
        for ex in EXERCISES:
            r = s.results[ex]
            lo = r.sets_target[0]
            cls = "ok" if r.full_sets >= lo else "warn" if r.reps else "bad"
            text = (
                f"{r.cw} cw / {r.ccw} ccw"
                if ex == "ankle_circle"
                else f"{r.reps} {UNITS[ex]}, {plural(r.sets, 'set')}"
            )
            cells.append(
                f'<td class="{cls}">{_esc(text if r.reps else "-")} ({r.full_sets}/{lo})</td>'
            )
        hr = s.results["heel_raise"]
        fast = sum(r.fast_reps for r in s.results.values())
        cells.append(f'<td class="num">{hr.short_holds}/{hr.holds}</td>')
        cells.append(f'<td class="num">{fast}</td>')
        cls = "ok" if s.score >= 0.99 else "warn" if s.score >= 0.5 else "bad"
        cells.append(f'<td class="num {cls}">{percent(s.score)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _when(s: SessionView) -> str:
    return date_text(s)


def _tempo_table(sessions: list[SessionView]) -> str:
    rows = []
    for t in tempo(sessions):
        if not t.periods:
            continue
        share = t.fast / t.periods
        cls = "ok" if share < 0.1 else "warn" if share < 0.5 else "bad"
        limit = "-" if t.limit_s is None else f"{t.limit_s:g} s"
        median = "-" if t.median_s is None else f"{t.median_s:.1f} s"
        fast = f"{t.fast} of {t.periods} ({percent(share)})" if t.limit_s is not None else "-"
        rows.append(
            f"<tr><td>{_esc(LABELS[t.exercise])}</td><td class='num'>{median}</td>"
            f"<td class='num'>{limit}</td><td class='num {cls}'>{fast}</td></tr>"
        )
    return (
        "<table><tr><th>exercise</th><th>median time per rep</th><th>program: at least</th>"
        "<th>reps faster than that</th></tr>" + "".join(rows) + "</table>"
        "<p class='muted'>Time per rep: from one rep to the next within a set, so a set of n "
        'reps gives n - 1 of them (the first rep has no time before it); "x of y" counts '
        "those shorter than the tempo of the session's program (the latest program's is "
        "shown). People often do home exercises faster than prescribed.</p>"
    )


def _holds_text(sessions: list[SessionView], program: Program) -> str:
    short = short_holds(sessions)
    per: dict[int, int] = {}
    for h in short:
        per[h["session"]] = per.get(h["session"], 0) + 1
    worst = sorted(per.items(), key=lambda kv: -kv[1])[:3]
    if not short:
        return "<p>Every calf raise was held at least as long as its session's target.</p>"
    names = {s.id: _label(s) for s in sessions}
    text = ", ".join(f"{_esc(names[sid])}: {n}" for sid, n in worst)
    return (
        f"<p>{len(short)} calf raises were held shorter than their session's target "
        f"({program.hold_s:g} s in the latest program); most in "
        f"{text}.</p>"
    )


def render_html(
    sessions: list[SessionView],
    program: Program | None = None,
    since: date | None = None,
    today: date | None = None,
    generated: datetime | None = None,
) -> str:
    """The report page as a string (UserError if there are no sessions)."""
    if not sessions:
        raise UserError("no sessions to report; run `heeltrack sync` (or `heeltrack demo`) first")
    program = program or sessions[-1].program  # the latest session's
    generated = local(generated or datetime.now(UTC))
    dated = [s for s in sessions if s.day is not None]
    weeks = weekly(sessions, today)
    hr_holds = sum(s.results["heel_raise"].holds for s in sessions)
    short = sum(s.results["heel_raise"].short_holds for s in sessions)
    fast = sum(r.fast_reps for s in sessions for r in s.results.values())
    reps = sum(r.reps for s in sessions for r in s.results.values())
    adherence = (
        sum(w.adherence * w.days_counted for w in weeks)
        / max(1, sum(w.days_counted for w in weeks))
        if weeks
        else 0.0
    )
    period = (
        f"{min(s.day for s in dated if s.day)} to {max(s.day for s in dated if s.day)}"
        if dated
        else "dates unknown"
    )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>HeelTrack report {_esc(period)}</title><style>{CSS}</style></head><body><main>",
        "<h1>HeelTrack: heel-exercise progress</h1>",
        f"<p class='muted'>{len(sessions)} sessions, {_esc(period)}"
        + (f" (since {since.isoformat()})" if since else "")
        + f". Generated {generated:%Y-%m-%d %H:%M %Z}; times are local. Counts are made by the "
        "board on the foot wearing it; dates marked ~ were reconstructed from the board's "
        "uptime. Each session is judged against the program it ran under.</p>",
        "<div class='cards'>",
        f"<div class='card'>days exercised<b>{len({s.day for s in dated})}"
        f"/{sum(w.days_counted for w in weeks)}</b></div>",
        f"<div class='card'>adherence<b>{percent(adherence)}</b></div>",
        f"<div class='card'>reps counted<b>{reps}</b></div>",
        f"<div class='card'>holds short of the target<b>{short}/{hr_holds}</b></div>",
        f"<div class='card'>reps faster than the program<b>{fast}</b></div>",
        "</div>",
        "<h2>The program</h2><p class='muted'>As of the latest session"
        + (
            "; earlier sessions ran under other targets and are judged against those"
            if any(x.program != program for x in sessions)
            else ""
        )
        + ".</p><table><tr><th>exercise</th><th>target per session</th>"
        "<th>slowest tempo asked</th></tr>",
    ]
    for ex in EXERCISES:
        lim = program.min_period_s(ex)
        parts.append(
            f"<tr><td>{_esc(LABELS[ex])}</td><td>{_esc(program.describe(ex))}</td>"
            f"<td>{'-' if lim is None else f'one rep every {lim:g} s or slower'}</td></tr>"
        )
    parts.append("</table>")
    if dated:
        parts += ["<h2>Adherence</h2>", plot_days(sessions, today), plot_weeks(sessions, today)]
    parts += ["<h2>Sessions</h2>", plot_timelines(sessions)]
    if hr_holds:
        parts += ["<h2>Holds</h2>", plot_holds(sessions), _holds_text(sessions, program)]
    parts += ["<h2>Tempo</h2>", _tempo_table(sessions)]
    parts += ["<h2>Balance</h2><div class='row'>", plot_feet(sessions)]
    if direction_balance(sessions):
        parts.append(plot_directions(sessions))
    parts += ["</div>", "<h2>All sessions</h2>", _sessions_table(sessions)]
    parts.append(
        "<p class='muted'>(a/b) after a cell: full sets done / sets the program asks. "
        "Details of one session: <code>heeltrack show ID</code>; every rep: "
        "<code>heeltrack export</code>.</p></main></body></html>"
    )
    return "\n".join(parts)


def write_report(
    sessions: list[SessionView],
    out_dir: Path,
    program: Program | None = None,
    since: date | None = None,
    today: date | None = None,
) -> Path:
    """Write out_dir/heeltrack-report.html atomically; returns its path."""
    text = render_html(sessions, program, since, today)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create the report's directory {out_dir}: {e.strerror}") from None
    if not out_dir.is_dir():
        raise UserError(f"{out_dir} is not a directory; the report goes into a directory")
    path = out_dir / REPORT_NAME
    write_atomic(path, text)
    return path
