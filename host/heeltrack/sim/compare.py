"""Walking and stairs statistics, simulated vs the real recordings (a markdown table).

    python -m heeltrack.sim.compare [/work/shared/data/real]

Real files are grouped by activity (walking, stairs_up, stairs_down) from their truth JSON;
the simulator produces 60 s of the same activity for seeds 0-4 (heeltrack.sim.simulate_activity).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from heeltrack.sim.gaitstats import WalkingStats, walking_stats
from heeltrack.sim.session import simulate_activity
from heeltrack.trace import read_trace

REAL_DIR = Path("/work/shared/data/real")
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


if __name__ == "__main__":
    print(table(Path(sys.argv[1]) if len(sys.argv) > 1 else REAL_DIR))
