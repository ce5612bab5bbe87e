"""Simulated signals against other sources (markdown tables).

    python -m heeltrack.sim.compare [/work/shared/data/real]     # walking, stairs vs real
    python -m heeltrack.sim.compare --exercises [SIM_B_DIR]       # exercises vs sim-b

Real files are grouped by activity (walking, stairs_up, stairs_down) from their truth JSON;
the simulator produces 60 s of the same activity for seeds 0-4 (heeltrack.sim.simulate_activity).
The exercise table pools per-rep statistics (heeltrack.sim.exstats) of every set in sim-b and
of single sets of our simulator (seeds 0-39 per exercise, default and wide ranges): a check
that the two simulators produce signals of the same kind, not tuning data.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from heeltrack.sim import exstats
from heeltrack.sim.gaitstats import WalkingStats, walking_stats
from heeltrack.sim.session import EXERCISES, simulate_activity, simulate_set
from heeltrack.trace import read_trace

REAL_DIR = Path("/work/shared/data/real")
SIMB_DIR = Path("/work/shared/data/sim-b")
FIELDS = (
    "stride_hz",
    "gy_p2p_dps",
    "acc_peak_g",
    "gyro_p50_dps",
    "gyro_p90_dps",
    "gyro_p99_dps",
    "still_s",
)


def real_stats(directory: Path = REAL_DIR) -> dict[str, list[WalkingStats]]:
    """Walking statistics of each real recording, by the activity its truth JSON names."""
    out: dict[str, list[WalkingStats]] = {}
    for csv in sorted(directory.glob("*.csv")):
        truth = json.loads(csv.with_name(csv.stem + ".truth.json").read_text())
        activity = truth["distractors"][0]["activity"]
        out.setdefault(activity, []).append(walking_stats(read_trace(csv)))
    return out


def sim_stats(activity: str, seeds: range = range(5), seconds: float = 60.0) -> list[WalkingStats]:
    return [walking_stats(simulate_activity(s, activity, seconds)[0]) for s in seeds]


def _span(stats: list[WalkingStats], field: str) -> str:
    vals = [getattr(s, field) for s in stats]
    return f"{min(vals):.3g}–{max(vals):.3g}"


def table(directory: Path = REAL_DIR) -> str:
    real = real_stats(directory)
    lines = [
        "| activity | source | n | " + " | ".join(FIELDS) + " |",
        "|---" * (len(FIELDS) + 3) + "|",
    ]
    for activity in ("walking", "stairs_up", "stairs_down"):
        for name, stats in (("real", real.get(activity, [])), ("sim", sim_stats(activity))):
            if stats:
                cells = " | ".join(_span(stats, f) for f in FIELDS)
                lines.append(f"| {activity} | {name} | {len(stats)} | {cells} |")
    return "\n".join(lines)


def simb_sets(directory: Path = SIMB_DIR) -> dict[str, list[dict[str, list[float]]]]:
    """Per-set statistics of every set in the sim-b recordings, by exercise."""
    out: dict[str, list[dict[str, list[float]]]] = {e: [] for e in EXERCISES}
    for csv in sorted(directory.glob("*.csv")):
        truth = json.loads(csv.with_name(csv.stem + ".truth.json").read_text())
        if truth["sets"]:
            trace = read_trace(csv)
            for s in truth["sets"]:
                out[s["exercise"]].append(exstats.set_stats(trace, s))
    return out


def own_sets(ranges: str, seeds: range = range(40)) -> dict[str, list[dict[str, list[float]]]]:
    out: dict[str, list[dict[str, list[float]]]] = {}
    for ex in EXERCISES:
        out[ex] = []
        for seed in seeds:
            trace, truth = simulate_set(seed, ex, ranges=ranges)
            out[ex].append(exstats.set_stats(trace, truth["sets"][0]))
    return out


def exercise_table(directory: Path = SIMB_DIR, seeds: range = range(40)) -> str:
    sources = {
        "sim-b": simb_sets(directory),
        "default": own_sets("default", seeds),
        "wide": own_sets("wide", seeds),
    }
    lines = ["| exercise | statistic | " + " | ".join(sources) + " |", "|---|---|---|---|---|"]
    for ex in EXERCISES:
        pooled = {name: exstats.pool(sets[ex]) for name, sets in sources.items()}
        for field in exstats.FIELDS[ex]:
            cells = []
            for name in sources:
                v = pooled[name].get(field)
                cells.append("-" if v is None else f"{v[0]:.3g} / {v[1]:.3g} / {v[2]:.3g}")
            lines.append(f"| {ex} | {field} (p10 / p50 / p90) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--exercises":
        print(exercise_table(Path(args[1]) if len(args) > 1 else SIMB_DIR))
    else:
        print(table(Path(args[0]) if args else REAL_DIR))
