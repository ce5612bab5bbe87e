"""Toe taps: when dead reckoning says an impact landed on a raised surface (a step), which
lets a run of taps start a set although the foot's pose at contact is near the floor's."""

from __future__ import annotations

from types import SimpleNamespace

from heel.motion.toe_tap import ToeTapDetector


def _landed(
    lift_mm: int, vz_mm_s: int, since_floor_ms: int = 1300, came_down: bool = False
) -> bool:
    det = ToeTapDetector()
    det._floor_elev = 0
    det._floor_t = 10000
    dr = SimpleNamespace(known=True, elevation_mm=lift_mm, vz_before=vz_mm_s)
    return det._landed_raised(SimpleNamespace(dr=dr, t=10000 + since_floor_ms), came_down)


def test_a_foot_coming_down_onto_a_step_landed_on_it() -> None:
    assert _landed(lift_mm=160, vz_mm_s=-300)
    assert _landed(lift_mm=120, vz_mm_s=-67)


def test_a_foot_barely_moving_down_is_not_known_to_have_landed() -> None:
    # a foot rocking on its heel for 1.3 s without a rest: the integration drifted 7 cm up
    # and 4 cm/s down (a tap on a step reads 6 cm/s or more in the block before it)
    assert not _landed(lift_mm=70, vz_mm_s=-37)


def test_too_long_after_leaving_the_floor_the_height_is_not_trusted() -> None:
    assert not _landed(lift_mm=160, vz_mm_s=-300, since_floor_ms=3000)


def test_a_bump_then_the_contact_is_one_landing_at_the_contact_s_height() -> None:
    # the contact's own block has the foot stopped already: the bump 20 ms before saw it
    # coming down
    assert not _landed(lift_mm=188, vz_mm_s=-43)
    assert _landed(lift_mm=188, vz_mm_s=-43, came_down=True)
    # a stomp jolts on the way down 7 cm up, then lands on the floor: not raised
    assert not _landed(lift_mm=-7, vz_mm_s=-533, came_down=True)
