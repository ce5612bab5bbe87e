"""Toe taps: of two impacts close together the stronger is the tap (a bump brushing the step,
then the contact), but not when the first was a hard landing and the second came late enough
to be a tap of its own (a jolt at the top of the next lift, 0.4 s on, can be the stronger)."""

from __future__ import annotations

from types import SimpleNamespace

from heel.motion.toe_tap import ToeTapDetector


class _Sets:
    key = -1

    def candidate(self, *_args: int) -> None:
        pass


def _block(det: ToeTapDetector, t: int, snap: int, vz: int, vz_before: int) -> None:
    """One 0.1 s block of a foot tapping in the air (never still), an impact of `snap` mg
    20 ms before the block's end, the integration's vertical velocity at its start and end."""
    posture = SimpleNamespace(still_run=0, still=False, has_flat=True, pitch_flat=300, roll_flat=0)
    dr = SimpleNamespace(
        known=True,
        elevation_mm=200,
        run=20,
        vz=vz,
        vz_before=vz_before,
        stretch_over=lambda _t: False,
    )
    e = SimpleNamespace(
        t=t, gyro_peak=300, posture=posture, dr=dr, snap_max=snap, snap_t=t - 20, sets=_Sets()
    )
    det.block(e)


def _tap_then_late_stronger_impact(came_down_mm_s: int) -> ToeTapDetector:
    det = ToeTapDetector()
    _block(det, 10000, 20, vz=0, vz_before=200)  # the foot moves
    _block(det, 10100, 2000, vz=came_down_mm_s, vz_before=came_down_mm_s)  # impact at 10080
    _block(det, 10200, 20, vz=300, vz_before=came_down_mm_s)  # stopped, lifts again
    _block(det, 10300, 20, vz=300, vz_before=300)
    _block(det, 10400, 20, vz=0, vz_before=300)
    _block(det, 10500, 6000, vz=0, vz_before=0)  # the lift's top jolts, 400 ms on, stronger
    return det


def test_a_hard_landing_stays_a_tap_when_a_stronger_impact_comes_0_4_s_later() -> None:
    det = _tap_then_late_stronger_impact(came_down_mm_s=-500)
    assert det._t1 == 10080  # decided as a tap
    assert det._t_tap == 10480  # the jolt waits for its own judgement


def test_an_impact_not_seen_coming_down_gives_way_to_a_stronger_one() -> None:
    # (a push-off from a rest on the step, then the real tap)
    det = _tap_then_late_stronger_impact(came_down_mm_s=-20)
    assert det._t1 < 10000  # never decided
    assert det._t_tap == 10480
