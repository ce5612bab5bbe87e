"""The parameter ranges the simulator draws people, exercises, sensors and distractors from.

    >>> r = get_ranges("wide")
    >>> lo, hi = r.span("raise_deg")              # person mean of the calf-raise pitch, deg
    >>> r.p("hr_bounce")                           # share of people who bounce

"default" is what the simulator always drew (old seeds keep their meaning as far as
practical); "wide" covers at least the ranges documented for the second simulator
(../shared/data/sim-b/README.md), the wider-but-plausible ranges of issue 9 and the facts of
real calf-raise recordings. A name missing from a table raises KeyError: every model reads
both tables, so they must list the same names (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

from heeltrack.errors import UserError

RANGE_NAMES = ("default", "wide")

# (low, high) spans; units in the name's comment. Person means first, then per-rep clips.
_SPANS_DEFAULT: dict[str, tuple[float, float]] = {
    # person (drawn once per trace, in this order, from the main random stream)
    "tempo": (0.75, 1.3),  # > 1: slower
    "raise_deg": (14.0, 36.0),  # calf raise peak toe-down pitch, person mean
    "rise_s": (0.6, 1.5),  # x tempo
    "lower_s": (0.6, 1.6),  # x tempo
    "hold_s": (0.3, 4.5),
    "pause_s": (0.4, 2.2),
    "hw_cadence": (72.0, 118.0),  # heel walk, steps/min (both feet)
    "hw_step": (0.22, 0.42),  # heel walk: sensor-foot travel per step, m
    "tap_hz": (0.6, 1.35),
    "stool_h": (0.10, 0.25),  # toe-tap step height, m
    "stool_d": (0.15, 0.40),  # toe-tap step distance in front of the toes, m
    "circle_s": (1.5, 3.4),  # x tempo
    "circle_person_clip_s": (1.3, 3.8),
    "circle_deg": (12.0, 28.0),
    "shank_deg": (0.0, 40.0),
    "walk_cadence": (100.0, 125.0),
    # per-rep clips and set sizes
    "raise_clip_deg": (12.0, 40.0),
    "rise_clip_s": (0.5, 2.0),
    "lower_clip_s": (0.5, 2.0),
    "hold_clip_s": (0.0, 6.0),
    "pause_clip_s": (0.3, 3.0),
    "hr_reps": (5, 16),  # integers, high exclusive
    "hw_steps": (5, 16),
    "hw_dorsi_deg": (10.0, 30.0),  # toes up while heel walking
    "tt_taps": (6, 16),
    "tt_gap_m": (0.02, 0.08),  # hover above the step between taps
    "tt_pitch_deg": (5.0, 20.0),  # foot pitch at contact (> 0 toes down)
    "circle_clip_s": (1.2, 4.0),
    "circle_clip_deg": (10.0, 30.0),
    "circle_reps": (5, 11),
    "mount_deg": (0.0, 15.0),
    # drawn from the second stream (features the old simulator lacked)
    "hr_inv": (0.0, 0.12),  # inversion coupling: roll per pitch while the heel is up
    "hr_wobble": (0.12, 0.3),  # out-of-plane rate peak / pitch rate peak (ankle wobble)
    "hw_vc": (0.15, 0.38),  # heel contact speed, m/s
    "hw_roll_deg": (0.0, 0.0),  # forward roll over the heel during stance
    "hw_clear_m": (0.02, 0.05),
    "other_strike": (0.08, 0.25),  # the other foot's strike felt here / own strike
    "ring_hz": (35.0, 80.0),
    "ring_tau_s": (0.012, 0.018),
    "ring_rel": (0.12, 0.18),  # ringing / impact peak
    "ring_lat": (0.0, 0.2),  # out-of-sagittal share of the ringing
    "tt_vc": (0.1, 0.7),  # toe-tap contact speed, m/s (default: from the old impact sizes)
    "ac_plantar_deg": (0.0, 15.0),
    "ac_tilt_deg": (0.0, 0.0),
    "ac_kappa": (0.0, 0.0),  # inversion-adduction coupling of circles
    "ac_speed_mod": (0.0, 0.0),
    "ac_jitter": (0.17, 0.17),  # period variation circle to circle
    "ac_ratio": (0.5, 1.0),
    "clock_err": (0.0, 0.0),
    "g_sens_dps": (0.0, 0.1),  # gyro g-sensitivity, dps/g
}

_SPANS_WIDE: dict[str, tuple[float, float]] = {
    **_SPANS_DEFAULT,
    "tempo": (0.6, 1.4),
    "raise_deg": (10.0, 55.0),
    "rise_s": (0.3, 1.6),
    "lower_s": (0.4, 1.8),
    "hold_s": (0.0, 5.0),
    "pause_s": (0.0, 2.2),
    "hw_cadence": (60.0, 130.0),
    "hw_step": (0.15, 0.5),
    "tap_hz": (0.6, 2.0),
    "stool_h": (0.06, 0.30),
    "stool_d": (0.10, 0.40),
    "circle_s": (1.0, 3.6),
    "circle_person_clip_s": (1.0, 4.5),
    "circle_deg": (8.0, 32.0),
    "walk_cadence": (92.0, 125.0),
    "raise_clip_deg": (10.0, 55.0),
    "rise_clip_s": (0.3, 2.0),
    "lower_clip_s": (0.35, 2.3),
    "hold_clip_s": (0.0, 6.0),
    "pause_clip_s": (0.0, 3.0),
    "hr_reps": (10, 16),
    "hw_steps": (7, 15),
    "hw_dorsi_deg": (10.0, 35.0),
    "tt_taps": (8, 13),
    "tt_gap_m": (0.02, 0.09),
    "tt_pitch_deg": (-15.0, 30.0),
    "circle_clip_s": (1.0, 4.5),
    "circle_clip_deg": (8.0, 32.0),
    "circle_reps": (8, 9),
    "mount_deg": (0.0, 20.0),
    "hr_inv": (0.0, 0.3),
    "hr_wobble": (0.1, 0.55),
    "hw_vc": (0.1, 0.45),
    "hw_roll_deg": (3.0, 10.0),
    "hw_clear_m": (0.02, 0.08),
    "other_strike": (0.08, 0.5),
    "ring_hz": (16.0, 80.0),
    "ring_tau_s": (0.006, 0.045),
    "ring_rel": (0.1, 0.45),
    "ring_lat": (0.0, 0.7),
    "tt_vc": (0.1, 0.7),
    "ac_plantar_deg": (0.0, 35.0),
    "ac_tilt_deg": (-20.0, 20.0),
    "ac_kappa": (0.0, 0.6),
    "ac_speed_mod": (0.0, 0.3),
    "ac_jitter": (0.15, 0.15),
    "ac_ratio": (0.5, 1.0),
    "clock_err": (-0.01, 0.01),
    "g_sens_dps": (0.0, 0.1),
}

# probabilities of discrete choices
_P_DEFAULT: dict[str, float] = {
    "hr_bounce": 0.0,  # a person whose heel does not touch down between reps
    "hr_real": 0.0,  # a person who raises like the public recordings (quick, big, wobbly)
    "hr_small_set": 0.0,  # a set of 6-9 reps (the 'sometimes' of the program)
    "hw_turn": 0.0,  # a heel walk with a turn
    "tt_soft": 0.0,  # a soft tap
    "tt_hesitate": 0.08,
    "tt_checked": 0.0,  # a person who checks each lift at its top with a jerk
    "tt_kicked": 0.0,  # ... or starts each way down from the hover with one
    "tt_low_hover": 0.0,  # a person who hovers low over the floor between taps
    "tt_smooth": 0.0,  # a person whose foot floats at the top of each lift, no pause
    "tt_steady_lift": 0.0,  # ... who lifts the foot onto the step at a steady speed
    "ac_miscount": 0.0,
    "t_offset": 0.0,  # a trace whose clock starts at the board's uptime
    "fine_jitter": 0.0,  # sub-ms timestamp jitter and rare dropped samples in every trace
    "wide_distractors": 0.0,  # weight shifts, tucked feet, foot forward, wiggles, ...
}
_P_WIDE: dict[str, float] = {
    "hr_bounce": 0.2,
    "hr_real": 0.25,
    "hr_small_set": 0.15,
    "hw_turn": 0.3,
    "tt_soft": 0.1,
    "tt_hesitate": 0.1,
    "tt_checked": 0.3,
    "tt_kicked": 0.3,
    "tt_low_hover": 0.3,
    "tt_smooth": 0.35,
    "tt_steady_lift": 0.15,
    "ac_miscount": 0.2,
    "t_offset": 0.15,
    "fine_jitter": 1.0,
    "wide_distractors": 1.0,
}


@dataclass(frozen=True)
class Ranges:
    name: str
    spans: dict[str, tuple[float, float]]
    probs: dict[str, float]

    def span(self, key: str) -> tuple[float, float]:
        return self.spans[key]

    def ints(self, key: str) -> tuple[int, int]:
        """An integer span (low inclusive, high exclusive), e.g. reps per set."""
        lo, hi = self.spans[key]
        return int(lo), int(hi)

    def p(self, key: str) -> float:
        return self.probs[key]

    @property
    def wide(self) -> bool:
        return self.name == "wide"


DEFAULT = Ranges("default", _SPANS_DEFAULT, _P_DEFAULT)
WIDE = Ranges("wide", _SPANS_WIDE, _P_WIDE)


def get_ranges(name: str | Ranges) -> Ranges:
    if isinstance(name, Ranges):
        return name
    if name == "default":
        return DEFAULT
    if name == "wide":
        return WIDE
    raise UserError(f"unknown ranges {name!r}; use one of {', '.join(RANGE_NAMES)}")
