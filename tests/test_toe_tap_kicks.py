"""Some people start each toe tap's way down from the hover with a kick of the leg, and the
strap rings as the foot, still a moment before, sets off: an impact as strong as a tap's with
no contact at all (a ringing moves the foot nowhere). sim-b's tappers jolt so as they push
off from a rest on the step, and the engine counted those jolts as taps; ours lost the real
tap after a kick as the weaker of two close impacts. The simulator's wide ranges draw such
people (tt_kicked); here every person is one."""

from __future__ import annotations

from heel.motion.toe_tap import ToeTapDetector
from tests.support.toe_tap_blocks import feed_block
from tests.support.toe_tap_habits import habit_set

SEEDS = range(3100, 3132)


def _set(seed: int) -> tuple[int, list[float], list[float], list[float]]:
    """(taps done, taps counted (times), kicks (times), taps done (times))."""
    return habit_set(seed, "tt_kicked", "kick_jolts_s")


def test_the_simulator_kicks_at_the_start_of_the_descents() -> None:
    assert sum(len(_set(seed)[2]) for seed in SEEDS) >= 5 * len(SEEDS)
    for seed in SEEDS[:4]:
        _, _, kicks, taps = _set(seed)
        # each kick comes before a tap, on the way down to it
        assert all(any(0.05 < t - k < 1.0 for t in taps) for k in kicks)


def test_sets_with_kicks_are_counted() -> None:
    exact = sum(len(reps) == done for done, reps, _, _ in map(_set, SEEDS))
    # (measured: 25 of 32; 24 before an impact after which the foot sped down was refused, 20
    # before the kicks' impacts were judged)
    assert exact >= 24


def _after_impact_from_still(dv: int) -> ToeTapDetector:
    """A detector within a set: the foot still, an impact that leaves its vertical velocity
    at dv (mm/s), then a block in which it rises by 40 more (lifting off, or resting)."""
    det = ToeTapDetector()
    feed_block(det, 10000, 20, 0, 0, 0)  # still (a zero-velocity update)
    feed_block(det, 10100, 2000, 1, dv, 0)  # the impact
    assert det._pending
    feed_block(det, 10200, 20, 2, dv + 40, dv)  # judged here
    return det


def test_an_impact_right_after_a_still_moment_is_a_contact_only_if_it_stopped_the_foot() -> None:
    # a foot set down too slowly to be seen coming down (still a moment before) is stopped by
    # the contact: its velocity changes by the landing's 10-70 cm/s
    assert _after_impact_from_still(150)._pending
    # a kick's ringing changes nothing: the foot then sets off, up or down
    assert not _after_impact_from_still(10)._pending
    # a foot sent up at 0.7 m/s from a rest did not land: a stomp's lift-off (a standing
    # fidget's, which after the rule for kicks below made a 4-tap set)
    assert not _after_impact_from_still(700)._pending


def test_the_ringing_of_an_impact_found_no_contact_is_no_tap_but_a_stronger_impact_is() -> None:
    for snap, taken in ((1500, False), (2500, True)):
        det = ToeTapDetector()
        feed_block(det, 10000, 20, 0, 0, 0)
        feed_block(det, 10100, 2000, 1, 10, 0)
        # judged in this block (no contact), which holds another impact 80 ms after it
        feed_block(det, 10180, snap, 2, 50, 10)
        assert det._pending == taken


def test_an_impact_after_which_the_foot_sped_downward_is_no_contact() -> None:
    """A quick tapper kicks without a still moment at the top: the kick's block (impact 50 ms
    before its end) ends with the foot going down faster than it came in; a landing's ends
    slower. A kick must not stay pending: the real tap 0.15 s later is weaker."""
    for vz_after, pending in ((-400, False), (-150, True), (100, True)):
        det = ToeTapDetector()
        feed_block(det, 10000, 20, 0, 0, 0)
        feed_block(det, 10100, 20, 1, -100, 0)
        feed_block(det, 10200, 20, 2, -200, -100)  # lifting off the step, then on the way down
        feed_block(det, 10300, 3000, 3, vz_after, -200)
        assert det._pending == pending
