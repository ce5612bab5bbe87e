"""One 0.1 s block for a ToeTapDetector without an engine: what the unit tests of the toe-tap
contact judgement feed it (the posture, the dead reckoning and the set tracker it reads)."""

from __future__ import annotations

from types import SimpleNamespace

from heel.motion.sets import KEY_TAP
from heel.motion.toe_tap import ToeTapDetector


def feed_block(
    det: ToeTapDetector,
    t: int,
    snap: int,
    run: int,
    vz: int,
    vz_before: int,
    *,
    key: int = KEY_TAP,
    pitch: int = 300,
    elevation_mm: int = 0,
    still: bool = False,
) -> None:
    """A block ending at t ms whose strongest impact (snap mg) came 50 ms before its end; the
    foot held up off the floor pose (pitch, 1000 * sin), the dead reckoning `run` blocks into
    its stretch with the vertical velocity vz at the block's end (vz_before at the one
    before), within a set of taps unless `key` says otherwise."""
    posture = SimpleNamespace(
        still_run=0, still=still, has_flat=True, pitch_flat=pitch, roll_flat=0
    )
    dr = SimpleNamespace(known=True, elevation_mm=elevation_mm, run=run, vz=vz, vz_before=vz_before)
    det.block(
        SimpleNamespace(
            t=t,
            gyro_peak=300,
            posture=posture,
            dr=dr,
            snap_max=snap,
            snap_t=t - 50,
            sets=SimpleNamespace(key=key),
        )
    )
