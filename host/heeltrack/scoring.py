"""Score analysis results against truth (both in the analysis JSON shape of DESIGN.md).

A predicted set matches the truth set it overlaps most in time (each used once).
Reps outside every truth set (with a margin) are false reps.

    s = score(predicted_sets, truth_sets, duration_s)
    s.sets_found, s.label_ok, s.count_errors, s.false_reps, ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MARGIN_S = 2.0  # a rep this close to a truth set belongs to it


@dataclass
class SetResult:
    exercise: str
    truth_count: int
    found: bool
    predicted_exercise: str | None = None
    predicted_count: int = 0
    direction_ok: bool | None = None
    hold_errors: list[float] = field(default_factory=list)

    @property
    def label_ok(self) -> bool:
        return self.found and self.predicted_exercise == self.exercise

    @property
    def count_error(self) -> int:
        return self.predicted_count - self.truth_count


@dataclass
class Score:
    sets: list[SetResult] = field(default_factory=list)
    false_reps: int = 0  # predicted reps outside every truth set
    extra_sets: int = 0  # predicted sets matching no truth set
    distractor_s: float = 0.0  # time outside truth sets

    def merge(self, other: Score) -> None:
        self.sets += other.sets
        self.false_reps += other.false_reps
        self.extra_sets += other.extra_sets
        self.distractor_s += other.distractor_s


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> float:
    lo = max(a["start_s"], b["start_s"] - MARGIN_S)
    hi = min(a["end_s"], b["end_s"] + MARGIN_S)
    return max(0.0, hi - lo)


def score(predicted: list[dict[str, Any]], truth: list[dict[str, Any]], duration_s: float) -> Score:
    out = Score()
    used: set[int] = set()
    for ts in truth:
        best, best_ov = None, 0.0
        for i, ps in enumerate(predicted):
            if i in used:
                continue
            ov = _overlap(ps, ts)
            if ov > best_ov:
                best, best_ov = i, ov
        r = SetResult(ts["exercise"], ts["count"], found=best is not None)
        if best is not None:
            used.add(best)
            ps = predicted[best]
            r.predicted_exercise = ps["exercise"]
            r.predicted_count = ps["count"]
            if ts["exercise"] == "ankle_circle":
                r.direction_ok = ps.get("direction") == ts.get("direction")
            if ts["exercise"] == "heel_raise" and ps["exercise"] == "heel_raise":
                r.hold_errors = _hold_errors(ps["reps"], ts["reps"])
        out.sets.append(r)
    out.extra_sets = len(predicted) - len(used)
    # false reps: predicted reps not within any truth set's span (+ margin)
    for ps in predicted:
        for rep in ps["reps"]:
            t = rep["t_s"]
            if not any(ts["start_s"] - MARGIN_S <= t <= ts["end_s"] + MARGIN_S for ts in truth):
                out.false_reps += 1
    in_sets = sum(ts["end_s"] - ts["start_s"] for ts in truth)
    out.distractor_s = max(0.0, duration_s - in_sets)
    return out


def _hold_errors(pred: list[dict[str, Any]], truth: list[dict[str, Any]]) -> list[float]:
    """Pair reps by nearest time (within 1.5 s) and return hold_s errors."""
    errors = []
    for tr in truth:
        near = min(pred, key=lambda p: abs(p["t_s"] - tr["t_s"]), default=None)
        if near is not None and abs(near["t_s"] - tr["t_s"]) <= 1.5 and "hold_s" in near:
            errors.append(near["hold_s"] - tr["hold_s"])
    return errors


def summary(s: Score) -> dict[str, Any]:
    """Figures of the DESIGN.md budget table, overall and per exercise."""

    def figures(rs: list[SetResult]) -> dict[str, Any]:
        n = len(rs)
        if n == 0:
            return {"sets": 0}
        found = [r for r in rs if r.found]
        holds = [abs(e) for r in rs for e in r.hold_errors]
        dirs = [r.direction_ok for r in rs if r.direction_ok is not None]
        return {
            "sets": n,
            "found": len(found) / n,
            "label_ok": sum(r.label_ok for r in rs) / n,
            "exact": sum(r.label_ok and r.count_error == 0 for r in rs) / n,
            "within1": sum(r.label_ok and abs(r.count_error) <= 1 for r in rs) / n,
            "count_mae": sum(abs(r.count_error) for r in rs) / n,
            "direction_ok": (sum(dirs) / len(dirs)) if dirs else None,
            "hold_mae_s": (sum(holds) / len(holds)) if holds else None,
        }

    per = {}
    for ex in ("heel_raise", "heel_walk", "toe_tap", "ankle_circle"):
        per[ex] = figures([r for r in s.sets if r.exercise == ex])
    hours = s.distractor_s / 3600.0
    return {
        "all": figures(s.sets),
        "per_exercise": per,
        "false_reps": s.false_reps,
        "extra_sets": s.extra_sets,
        "distractor_hours": hours,
        "false_reps_per_hour": (s.false_reps / hours) if hours > 0 else 0.0,
    }
