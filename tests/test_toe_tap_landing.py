"""Toe taps: when dead reckoning says an impact landed on a raised surface (a step), which
lets a run of taps start a set although the foot's pose at contact is near the floor's."""

from __future__ import annotations

from types import SimpleNamespace

from heel.motion.toe_tap import ToeTapDetector
from tests.support.toe_tap_blocks import feed_block


def _landed(
    lift_mm: int,
    vz_mm_s: int,
    since_floor_ms: int = 1300,
    came_down: bool = False,
    still_at_mm: int | None = None,
) -> bool:
    """still_at_mm: the foot was still in the block before, this high (else it moved)."""
    det = ToeTapDetector()
    det._floor_elev = 0
    det._floor_t = 10000
    run = 5
    if still_at_mm is not None:
        run = 1
        det._elev_before = still_at_mm
    dr = SimpleNamespace(known=True, elevation_mm=lift_mm, vz_before=vz_mm_s, run=run)
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


def _floor_rest_block(det: ToeTapDetector, t: int, elevation_mm: int) -> None:
    """One 0.1 s block of the foot resting in the floor pose (0.6 s still), no impact."""
    posture = SimpleNamespace(still_run=6, still=True, has_flat=True, pitch_flat=10, roll_flat=-5)
    dr = SimpleNamespace(known=True, elevation_mm=elevation_mm, run=0, vz=0, vz_before=0)
    sets = SimpleNamespace(key=-1)
    e = SimpleNamespace(
        t=t, gyro_peak=20, posture=posture, dr=dr, snap_max=20, snap_t=t - 50, sets=sets
    )
    det.block(e)


def _floor_after_rest(rest_t: int, elevation_mm: int) -> tuple[int, int]:
    """The floor (height, time) after a rest block at rest_t, elevation_mm up; the foot left
    the floor (height 0) at 10 s."""
    det = ToeTapDetector()
    det._floor_elev = 0
    det._floor_t = 10000
    _floor_rest_block(det, rest_t, elevation_mm)
    return det._floor_elev, det._floor_t


def test_a_foot_resting_flat_on_the_step_keeps_the_floor_it_left() -> None:
    # it rests flat on a 25 cm stool 1.5 s after leaving the floor (a pause between taps):
    # the lift of the next taps is still measured from the floor
    assert _floor_after_rest(11500, elevation_mm=250) == (0, 10000)


def test_a_rest_a_few_cm_up_is_the_floor() -> None:
    # a hard stomp's landing may integrate to 5 cm off: within dead reckoning's margin
    assert _floor_after_rest(11500, elevation_mm=50) == (50, 11500)


def test_a_rest_long_after_leaving_the_floor_is_the_floor_again() -> None:
    # the integration drifts: 3 s later a flat rest 25 cm "up" may well be the floor
    assert _floor_after_rest(13000, elevation_mm=250) == (250, 13000)


class _Stretch:
    """Dead reckoning with one remembered stretch over every time."""

    def __init__(self, travel_mm: int, rise_mm: int, ms: int) -> None:
        self.found_travel_mm = travel_mm
        self.found_rise_mm = rise_mm
        self.found_ms = ms

    def stretch_over(self, t: int) -> bool:
        return True


def _is_step(travel_mm: int, rise_mm: int) -> bool:
    det = ToeTapDetector()
    det._pending = True
    det._t_tap = 20000
    det._still_after = 4  # (rested after it: no tap either way, only the step is judged)
    e = SimpleNamespace(t=20400, dr=_Stretch(travel_mm, rise_mm, 800), sets=None)
    det._decide(e)
    return det._step_t == 20000


def test_a_swing_that_carried_the_foot_forward_is_a_step() -> None:
    assert _is_step(travel_mm=350, rise_mm=0)
    assert _is_step(travel_mm=350, rise_mm=90)  # a heel-walk stride drifts up to 10 cm
    assert not _is_step(travel_mm=40, rise_mm=0)


def test_a_swing_up_onto_a_stool_is_no_step() -> None:
    # the first tap on a 25 cm stool ends a stretch that came from the floor 39 cm behind
    assert not _is_step(travel_mm=390, rise_mm=260)


def _block(det: ToeTapDetector, t: int, snap: int, run: int, vz: int, vz_before: int) -> None:
    """One 0.1 s block of a foot held up off the floor pose (taps on a step), no set yet."""
    feed_block(
        det, t, snap, run, vz, vz_before, key=-1, pitch=200, elevation_mm=300, still=run == 0
    )


def _impact_then_still(vz_into_mm_s: int) -> bool:
    """An impact, then the foot still (a zero-velocity block): is it still a tap?"""
    det = ToeTapDetector()
    _block(det, 10000, snap=20, run=8, vz=vz_into_mm_s, vz_before=vz_into_mm_s)
    _block(det, 10100, snap=800, run=9, vz=vz_into_mm_s, vz_before=vz_into_mm_s)
    assert det._pending
    _block(det, 10200, snap=20, run=0, vz=0, vz_before=vz_into_mm_s)
    return det._pending


def test_a_foot_that_came_down_and_stopped_made_a_contact() -> None:
    assert _impact_then_still(vz_into_mm_s=-250)


def test_a_jolt_at_the_top_of_a_lift_then_a_hover_is_no_contact() -> None:
    # the strap jolts as the lift stops (the foot not moving down), then the foot hovers
    assert not _impact_then_still(vz_into_mm_s=30)


def test_a_foot_hovering_over_the_step_then_set_down_slowly_landed_on_it() -> None:
    # hovering 10 cm up, the foot was still for the dead reckoning; it set down at 12 cm/s
    # within the contact's block, too slowly to be seen coming down
    assert _landed(lift_mm=105, vz_mm_s=0, still_at_mm=96)


def test_a_foot_leaving_the_floor_did_not_land() -> None:
    # the jolt of a stomp's lift-off: still on the floor a moment ago, 4-5 cm up by now
    assert not _landed(lift_mm=45, vz_mm_s=0, still_at_mm=0)
    # ... or on a floor the integration put 5 cm up after a hard stomp
    assert not _landed(lift_mm=90, vz_mm_s=0, still_at_mm=50)
