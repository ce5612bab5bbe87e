"""A heel-walk stance may spin on the heel (a turn) but not rock (a bounce): the stance's
turning rate leaves out the turn about the vertical."""

from __future__ import annotations

import math

from heel.motion.heel_walk import _rocking


class _Block:
    def __init__(self, pitch_deg: float, w_dps: tuple[float, float, float]) -> None:
        # foot toes-up by pitch_deg: gravity in the foot frame (mg); rates in ddps
        p = math.radians(pitch_deg)
        self.ax = round(1000 * math.sin(p))
        self.ay = 0
        self.az = round(1000 * math.cos(p))
        self.gx_c, self.gy_c, self.gz_c = (round(10 * w) for w in w_dps)
        self.gyro_peak = sum(abs(round(10 * w)) for w in w_dps)


def _about_vertical(pitch_deg: float, rate_dps: float) -> tuple[float, float, float]:
    p = math.radians(pitch_deg)
    return (rate_dps * math.sin(p), 0.0, rate_dps * math.cos(p))


def test_a_foot_spinning_on_its_heel_about_the_vertical_does_not_rock() -> None:
    for pitch in (0.0, -25.0):
        assert _rocking(_Block(pitch, _about_vertical(pitch, 300.0))) < 60  # 6 deg/s


def test_a_foot_rocking_on_its_heel_keeps_its_rate() -> None:
    assert _rocking(_Block(-25.0, (0.0, 200.0, 0.0))) == 2000
    x, y, z = _about_vertical(-25.0, 300.0)
    spin_and_rock = (x, y + 200.0, z)
    assert 1800 < _rocking(_Block(-25.0, spin_and_rock)) < 2200


def test_a_jolted_block_keeps_its_whole_peak() -> None:
    b = _Block(0.0, (0.0, 0.0, 300.0))
    b.az = 3500  # an impact: its mean is no gravity
    assert _rocking(b) == 3000


def test_a_pivot_starting_within_the_block_does_not_rock() -> None:
    # the heel starts to pivot mid-block: its mean turn is 50 deg/s about the vertical (and
    # a little sway), its peak 240 deg/s
    x, y, z = _about_vertical(-25.0, 50.0)
    b = _Block(-25.0, (x, y + 5.0, z))
    b.gyro_peak = 2400
    assert _rocking(b) < 500


def test_a_bounce_with_a_little_turn_keeps_most_of_its_peak() -> None:
    # rocking about the toe axis at 40 deg/s mean, 5 deg/s turn about the vertical, peak 200
    x, y, z = _about_vertical(-25.0, 5.0)
    b = _Block(-25.0, (x, y + 40.0, z))
    b.gyro_peak = 2000
    assert _rocking(b) > 1800
