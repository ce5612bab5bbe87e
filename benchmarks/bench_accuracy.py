"""Counting accuracy of the engine on held-out simulated sessions and real recordings.

    python -m benchmarks.bench_accuracy [--sessions 60] [--distractor-traces 12]
                                        [--first-seed 50000]

Seeds: the engine was tuned on seeds 1000-1999 only; this benchmark uses seeds from
--first-seed (default 50000), never looked at while tuning. Real recordings: every file in
../shared/data/real (walking, stairs; no exercise at all), where every rep is a false rep.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from heeltrack.analysis import analyze_file, analyze_trace_samples
from heeltrack.scoring import Score, score, summary
from heeltrack.sim import simulate
from heeltrack.trace import resample

_BESIDE = Path(__file__).resolve().parents[2] / "shared"
REAL_DIR = (_BESIDE if _BESIDE.is_dir() else Path("/work/shared")) / "data" / "real"


def _one(job: tuple[int, str, float, bool]) -> Score:
    seed, kind, rate, jitter = job
    trace, truth = simulate(seed, kind=kind, rate_hz=rate, jitter=jitter)
    result = analyze_trace_samples(resample(trace, 100.0))
    return score(result["sets"], truth["sets"], trace.duration_s)


def _real(path: str) -> tuple[str, int, float]:
    result = analyze_file(path)
    from heeltrack.trace import read_trace

    dur = read_trace(path).duration_s
    return os.path.basename(path), sum(s["count"] for s in result["sets"]), dur


def run(
    sessions: int, distractors: int, first_seed: int, rate: float = 100.0, jitter: bool = False
) -> dict[str, Any]:
    jobs = [(first_seed + i, "session", rate, jitter) for i in range(sessions)]
    jobs += [(first_seed + 100000 + i, "distractors", rate, jitter) for i in range(distractors)]
    total = Score()
    with ProcessPoolExecutor() as pool:
        for s in pool.map(_one, jobs):
            total.merge(s)
        real = list(pool.map(_real, sorted(glob.glob(str(REAL_DIR / "*.csv")))))
    out = summary(total)
    out["real"] = [{"file": f, "false_reps": n, "minutes": d / 60} for f, n, d in real]
    return out


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=60)
    ap.add_argument("--distractor-traces", type=int, default=12)
    ap.add_argument("--first-seed", type=int, default=50000)
    ap.add_argument("--rate", type=float, default=100.0, help="simulated output rate, Hz")
    ap.add_argument("--jitter", action="store_true", help="jittered timestamps, dropped samples")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = run(args.sessions, args.distractor_traces, args.first_seed, args.rate, args.jitter)
    if args.json:
        print(json.dumps(out, indent=1))
        return
    print(
        "| exercise | sets | found | label ok | exact | within ±1 | count MAE | direction "
        "| hold MAE |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    rows = dict(out["per_exercise"])
    rows["all"] = out["all"]
    for ex, f in rows.items():
        if not f["sets"]:
            continue
        hold = "-" if f["hold_mae_s"] is None else f"{f['hold_mae_s']:.2f} s"
        print(
            f"| {ex} | {f['sets']} | {_pct(f['found'])} | {_pct(f['label_ok'])} | "
            f"{_pct(f['exact'])} | {_pct(f['within1'])} | {f['count_mae']:.2f} | "
            f"{_pct(f['direction_ok'])} | {hold} |"
        )
    print()
    print(
        f"false reps outside sets: {out['false_reps']} in {out['distractor_hours']:.2f} h of "
        f"non-exercise time = {out['false_reps_per_hour']:.2f} per hour; "
        f"extra sets: {out['extra_sets']}"
    )
    real = out["real"]
    print(
        f"real recordings ({len(real)} files, {sum(r['minutes'] for r in real):.1f} min of walking"
        f" and stairs): {sum(r['false_reps'] for r in real)} false reps"
    )
    for r in real:
        if r["false_reps"]:
            print(f"  {r['file']}: {r['false_reps']}")


if __name__ == "__main__":
    main()
