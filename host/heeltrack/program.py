"""The seed's exercise program and how a session compares with it.

    >>> from heeltrack.program import Program
    >>> prog = Program.from_config()                 # heel.config.DEFAULTS: the seed's program
    >>> prog.reps_per_set("heel_raise"), prog.sets_per_session("heel_raise")
    (10, (3, 4))
    >>> prog.min_period_s("heel_raise")              # tempo: 2 s up-and-down + the hold
    5.0

The targets are the board's own (heel.config: the same keys `heeltrack config` changes); they
are not repeated here. What this module adds is the host's reading of the seed for things the
board does not need: how many sets of each exercise make a session, and the slowest tempo the
program asks for ("slowly lift your heels ... for a few seconds"; circles "without rushing").

Per session and exercise, the board on ONE foot sees:
    heel_raise    3-4 sets of 10-15 reps (both heels rise together)
    heel_walk     1 set of ~10 steps of the sensor foot (about 20 steps of both feet)
    toe_tap       3-4 rounds of 10 taps of the sensor foot (the other leg's rounds alternate)
    ankle_circle  2 sets: 8 circles cw and 8 ccw with the sensor foot
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from heel import config as C
from heel.motion import events as E

EXERCISES: tuple[str, ...] = tuple(E.EXERCISES)
LABELS = {
    "heel_raise": "calf raises",
    "heel_walk": "heel walk",
    "toe_tap": "toe taps",
    "ankle_circle": "ankle circles",
}
UNITS = {"heel_raise": "reps", "heel_walk": "steps", "toe_tap": "taps", "ankle_circle": "circles"}
TARGET_KEYS = tuple(k for k in C.PROGRAM_KEYS if k != "idle_timeout_s")
RAISE_MOVE_S = 2.0  # a calf raise's way up and down, slowly: about 1 s each
CIRCLE_MIN_S = 1.5  # a smooth, unrushed ankle circle takes at least this long
TAP_MIN_S = 0.5  # gentle taps: not more than two a second


@dataclass(frozen=True)
class Program:
    """Targets of the program (from a heel.config configuration)."""

    cfg: dict[str, Any]

    @classmethod
    def from_config(cls, cfg: dict[str, Any] | None = None) -> Program:
        """The program of a board configuration (the seed's defaults for missing keys; only the
        targets are kept, so programs compare equal when their targets do); ValueError with
        heel.config's message if a value is invalid."""
        merged = C.merge(C.DEFAULTS, cfg or {})
        return cls({k: merged[k] for k in TARGET_KEYS})

    @property
    def hold_s(self) -> float:
        return float(self.cfg["heel_raise_hold_s"])

    def reps_per_set(self, exercise: str) -> int:
        """Reps of the sensor foot that complete a set (the board's own target cue)."""
        return int(C.rep_target(self.cfg, EXERCISES.index(exercise)))

    def reps_range(self, exercise: str) -> tuple[int, int]:
        """(min, max) reps per set; max = min where the seed gives one number."""
        if exercise == "heel_raise":
            lo, hi = self.cfg["heel_raise_reps"]
            return int(lo), int(hi)
        n = self.reps_per_set(exercise)
        return n, n

    def sets_per_session(self, exercise: str) -> tuple[int, int]:
        """(min, max) sets of the sensor foot per session."""
        if exercise == "heel_raise":
            lo, hi = self.cfg["heel_raise_sets"]
            return int(lo), int(hi)
        if exercise == "toe_tap":
            lo, hi = self.cfg["toe_tap_rounds"]
            return int(lo), int(hi)
        if exercise == "ankle_circle":
            return 2, 2  # one per direction
        return 1, 1

    def min_period_s(self, exercise: str) -> float | None:
        """The shortest time from one rep to the next that the program's tempo allows, or
        None where the seed sets no tempo (heel walk)."""
        if exercise == "heel_raise":
            return RAISE_MOVE_S + self.hold_s
        if exercise == "ankle_circle":
            return CIRCLE_MIN_S
        if exercise == "toe_tap":
            return TAP_MIN_S
        return None

    def describe(self, exercise: str) -> str:
        """The target in words, e.g. '3-4 sets x 10-15 reps, hold 3 s'."""
        s_lo, s_hi = self.sets_per_session(exercise)
        r_lo, r_hi = self.reps_range(exercise)
        sets = f"{s_lo}" if s_lo == s_hi else f"{s_lo}-{s_hi}"
        reps = f"{r_lo}" if r_lo == r_hi else f"{r_lo}-{r_hi}"
        if exercise == "heel_raise":
            return f"{sets} sets x {reps} reps, hold {self.hold_s:g} s"
        if exercise == "heel_walk":
            return f"~{self.cfg['heel_walk_steps']} steps (~{reps} by the sensor foot)"
        if exercise == "toe_tap":
            return f"{sets} rounds x {reps} taps per foot"
        return f"{reps} per direction (cw, ccw) per leg"


@dataclass
class ExerciseResult:
    """One exercise of one session against the program."""

    exercise: str
    sets: int = 0
    full_sets: int = 0  # sets that reached the reps target
    reps: int = 0
    holds: int = 0  # heel raises with a hold measured
    short_holds: int = 0  # holds below the target
    fast_reps: int = 0  # reps that came sooner than min_period_s after the previous one
    cw: int = 0
    ccw: int = 0
    sets_target: tuple[int, int] = (0, 0)

    @property
    def score(self) -> float:
        """0..1: full sets done / sets the program asks (the minimum); circles: per direction."""
        lo = self.sets_target[0]
        if lo <= 0:
            return 1.0
        return min(1.0, self.full_sets / lo)


def compare(
    program: Program, sets: list[dict[str, Any]], reps: list[dict[str, Any]]
) -> dict[str, ExerciseResult]:
    """Each exercise of a session against the program. `sets`: dicts with exercise, set_no,
    count, direction; `reps`: dicts with exercise, set_no, t_ms, hold_ms, direction."""
    out = {ex: ExerciseResult(ex, sets_target=program.sets_per_session(ex)) for ex in EXERCISES}
    full_dirs: dict[str, set[str]] = {}
    for s in sets:
        ex = s["exercise"]
        if ex not in out:
            continue
        r = out[ex]
        r.sets += 1
        if int(s["count"] or 0) >= program.reps_per_set(ex):
            if ex == "ankle_circle":
                full_dirs.setdefault(ex, set()).add(s.get("direction") or "")
            r.full_sets += 1
    if "ankle_circle" in full_dirs:
        # both directions are the target: a third cw set does not stand in for ccw
        out["ankle_circle"].full_sets = len(full_dirs["ankle_circle"] & {"cw", "ccw"})
    hold_ms = program.hold_s * 1000.0
    previous: dict[Any, int] = {}
    for rep in sorted(reps, key=lambda r: r["t_ms"]):
        ex = rep["exercise"]
        if ex not in out:
            continue
        r = out[ex]
        r.reps += 1
        if rep.get("direction") == "cw":
            r.cw += 1
        elif rep.get("direction") == "ccw":
            r.ccw += 1
        if ex == "heel_raise" and rep.get("hold_ms") is not None:
            r.holds += 1
            if hold_ms > 0 and rep["hold_ms"] < hold_ms:
                r.short_holds += 1
        key = (ex, rep.get("set_no"))
        limit = program.min_period_s(ex)
        if key in previous and limit is not None:
            if (rep["t_ms"] - previous[key]) / 1000.0 < limit:
                r.fast_reps += 1
        previous[key] = rep["t_ms"]
    return out


def session_score(results: dict[str, ExerciseResult]) -> float:
    """0..1: the mean of the exercises' scores (each exercise counts the same)."""
    return sum(r.score for r in results.values()) / max(1, len(results))
