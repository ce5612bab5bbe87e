"""A toe-tap set ends when the foot goes off to do something else: the seated person crosses
the legs for a few seconds, then taps the toes on the floor (heel down) out of habit. Those
taps are no continuation of the set, however steady their rhythm."""

from __future__ import annotations

import pytest

from heeltrack.analysis import analyze_trace_samples
from heeltrack.sim import distractors as d
from heeltrack.sim.session import _Sim
from heeltrack.trace import resample


def _set_then_fidget(seed: int) -> tuple[int, int, list[float]]:
    """(taps done, taps counted, reps counted more than 2 s after the set ended)."""
    s = _Sim(seed, "default")
    s.seated = True
    d.sitting(s.b, 4.0)
    s.exercise("toe_tap")
    d.legs_crossed(s.b, 7.0)
    d._toe_wag(s.b, 6.0)
    d.sitting(s.b, 12.0)
    trace, truth, _ = s.finish(100.0, False)
    sets = analyze_trace_samples(resample(trace, 100.0))["sets"]
    done = truth["sets"][0]
    late = [r["t_s"] for x in sets for r in x["reps"] if r["t_s"] > done["end_s"] + 2.0]
    counted = sum(x["count"] for x in sets if x["exercise"] == "toe_tap")
    return done["count"], counted, late


@pytest.mark.parametrize("seed", range(1, 11))
def test_taps_after_a_pause_elsewhere_do_not_continue_the_set(seed: int) -> None:
    done, counted, late = _set_then_fidget(seed)
    assert late == []
    assert abs(counted - done) <= 1
