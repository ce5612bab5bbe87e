"""Walking statistics of a foot trace, to compare simulated gait with real recordings.

    >>> from heeltrack.trace import read_trace
    >>> s = walking_stats(read_trace("walk.csv"))
    >>> s.stride_hz, s.gy_p2p_dps

Strides are found from the swing-phase peaks of the gyro norm (one per stride of the sensor foot),
on a 100 Hz resampled copy so that traces of any rate compare alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from heeltrack.trace import Trace, resample

RATE_HZ = 100.0
SWING_PEAK_DPS = 150.0  # gyro norm peak that marks a swing
MIN_STRIDE_S = 0.6
MAX_STRIDE_S = 2.0
STILL_DPS = 15.0  # gaitmap NormZuptDetector-like threshold


@dataclass
class WalkingStats:
    strides: int
    stride_hz: float  # median strides per second (of the sensor foot)
    gy_p2p_dps: float  # median gy peak-to-peak per stride
    acc_peak_g: float  # median per-stride max |a|
    gyro_p50_dps: float  # gyro norm percentiles over the strides
    gyro_p90_dps: float
    gyro_p99_dps: float
    still_s: float  # median longest still run (|gyro| < 15 dps) per stride

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def swing_peaks(gnorm: np.ndarray, rate_hz: float = RATE_HZ) -> np.ndarray:
    """Indices of swing peaks: local maxima above SWING_PEAK_DPS, at least MIN_STRIDE_S apart."""
    above = gnorm > SWING_PEAK_DPS
    idx: list[int] = []
    # one peak per contiguous run above threshold, merging runs closer than MIN_STRIDE_S
    edges = np.flatnonzero(np.diff(above.astype(np.int8)))
    starts = list(edges[~above[edges]] + 1) if len(edges) else []
    if above[0]:
        starts.insert(0, 0)
    min_gap = int(MIN_STRIDE_S * rate_hz)
    for s in starts:
        e = s
        while e < len(above) and above[e]:
            e += 1
        k = s + int(np.argmax(gnorm[s:e]))
        if idx and k - idx[-1] < min_gap:
            if gnorm[k] > gnorm[idx[-1]]:
                idx[-1] = k
            continue
        idx.append(k)
    return np.asarray(idx, dtype=int)


def walking_stats(trace: Trace) -> WalkingStats:
    """Per-stride statistics over the walking parts of `trace` (standing parts are ignored)."""
    r = resample(trace, RATE_HZ)
    gnorm = np.linalg.norm(r.gyro, axis=1)
    anorm = np.linalg.norm(r.acc, axis=1)
    peaks = swing_peaks(gnorm)
    periods, p2p, apk, still = [], [], [], []
    samples: list[np.ndarray] = []
    for a, b in zip(peaks[:-1], peaks[1:], strict=True):
        dur = (b - a) / RATE_HZ
        if not MIN_STRIDE_S <= dur <= MAX_STRIDE_S:
            continue
        periods.append(dur)
        seg = slice(a, b)
        p2p.append(float(np.ptp(r.gyro[seg, 1])))
        apk.append(float(anorm[seg].max()))
        samples.append(gnorm[seg])
        quiet = gnorm[seg] < STILL_DPS
        best = run = 0
        for q in quiet:
            run = run + 1 if q else 0
            best = max(best, run)
        still.append(best / RATE_HZ)
    if not periods:
        return WalkingStats(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    allg = np.concatenate(samples)
    return WalkingStats(
        strides=len(periods),
        stride_hz=float(1.0 / np.median(periods)),
        gy_p2p_dps=float(np.median(p2p)),
        acc_peak_g=float(np.median(apk)),
        gyro_p50_dps=float(np.percentile(allg, 50)),
        gyro_p90_dps=float(np.percentile(allg, 90)),
        gyro_p99_dps=float(np.percentile(allg, 99)),
        still_s=float(np.median(still)),
    )
