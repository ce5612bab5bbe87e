"""Signal statistics of labelled exercise sets, to compare simulators (ours, sim-b) alike.

    >>> stats = set_stats(trace, truth_set)        # {"pitch_rate_dps": [...], ...} per rep
    >>> pooled = pool([stats, ...])                 # {name: (p10, p50, p90)}

Everything is read from the trace as the engine would see it (the nominal foot frame, no
knowledge of the strap's error), per rep of the truth set:
  heel_raise:   peak |gy|, peak |gx|, peak |gz| within 0.6 s of the rep, peak |a|, rep interval
  heel_walk:    impact (max | |a| - 1 g | within 50 ms of the contact), stance pitch, interval
  toe_tap:      impact as above, foot pitch 30-60 ms before contact, tap interval
  ankle_circle: gyro norm median over the set, circle period
Pitch from the accelerometer: atan2(-ax, az), degrees, toes down > 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from heeltrack.trace import Trace, resample

RATE_HZ = 100.0
FIELDS = {
    "heel_raise": ("pitch_rate_dps", "roll_rate_dps", "yaw_rate_dps", "acc_peak_g", "interval_s"),
    "heel_walk": ("impact_g", "stance_pitch_deg", "interval_s"),
    "toe_tap": ("impact_g", "contact_pitch_deg", "interval_s"),
    "ankle_circle": ("gyro_median_dps", "period_s"),
}


def _window(t: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (t >= lo) & (t <= hi)


def set_stats(trace: Trace, s: dict[str, Any]) -> dict[str, list[float]]:
    """Per-rep statistics of one truth set (see the module docstring)."""
    r = resample(trace, RATE_HZ)
    t, acc, gyro = r.t, r.acc, r.gyro
    anorm = np.linalg.norm(acc, axis=1)
    pitch = np.degrees(np.arctan2(-acc[:, 0], acc[:, 2]))
    times = [rep["t_s"] for rep in s["reps"]]
    out: dict[str, list[float]] = {k: [] for k in FIELDS[s["exercise"]]}
    ex = s["exercise"]
    if len(times) > 1:
        key = "period_s" if ex == "ankle_circle" else "interval_s"
        out[key] = [float(v) for v in np.diff(times)]
    for tr in times:
        if ex == "heel_raise":
            w = _window(t, tr - 0.6, tr + 0.6)
            if not w.any():
                continue
            peak = np.abs(gyro[w]).max(axis=0)
            out["pitch_rate_dps"].append(float(peak[1]))
            out["roll_rate_dps"].append(float(peak[0]))
            out["yaw_rate_dps"].append(float(peak[2]))
            out["acc_peak_g"].append(float(anorm[w].max()))
        elif ex in ("heel_walk", "toe_tap"):
            w = _window(t, tr - 0.05, tr + 0.05)
            if not w.any():
                continue
            out["impact_g"].append(float(np.abs(anorm[w] - 1.0).max()))
            if ex == "heel_walk":
                ws = _window(t, tr + 0.15, tr + 0.3)
                if ws.any():
                    out["stance_pitch_deg"].append(float(np.median(pitch[ws])))
            else:
                wb = _window(t, tr - 0.06, tr - 0.03)
                if wb.any():
                    out["contact_pitch_deg"].append(float(np.median(pitch[wb])))
    if ex == "ankle_circle":
        w = _window(t, s["start_s"], s["end_s"])
        out["gyro_median_dps"] = [float(np.median(np.linalg.norm(gyro[w], axis=1)))]
    return out


def pool(stats: list[dict[str, list[float]]]) -> dict[str, tuple[float, float, float, int]]:
    """{field: (p10, p50, p90, n)} over all reps of all sets given."""
    merged: dict[str, list[float]] = {}
    for st in stats:
        for k, v in st.items():
            merged.setdefault(k, []).extend(v)
    return {
        k: (*(float(x) for x in np.percentile(v, [10, 50, 90])), len(v))  # type: ignore[misc]
        for k, v in merged.items()
        if v
    }
