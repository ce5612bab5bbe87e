"""From the kinematics of a Builder to the trace the strapped MPU6050 reports.

    >>> t, acc, gyro, true = render(builder, mount, SensorParams.draw(rng), rng, rate_hz=100.0)

f_body = R^T (p'' + g z) / g with p'' the second difference of the 1 kHz sensor path plus the
impact transients; w_body from the rotation chain (rotations.chain). Both are then turned by
the mounting error (so it stays in the data, as on a real strap) and passed to the chip model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heeltrack.sim.motion import FS, Builder, G, Impact
from heeltrack.sim.rotations import chain_t, rates_of
from heeltrack.sim.sensor import DLPF_TAPS, SensorParams, mpu6050


@dataclass
class Truth:
    """The noise-free body-frame signals at FS (before mounting error), for tests."""

    t: np.ndarray
    f_g: np.ndarray
    w_dps: np.ndarray
    angles: np.ndarray
    pos: np.ndarray


def add_impacts(
    acc: np.ndarray, w: np.ndarray, impacts: list[Impact], rng: np.random.Generator
) -> None:
    """Add each impact's pulse + ringing to world acc (m/s^2) and a small ringing to w (rad/s)."""
    n = len(acc)
    for imp in impacts:
        i0 = int(round(imp.t_s * FS))
        width = max(2, int(round(imp.width_s * FS)))
        length = width + int(0.08 * FS)
        if i0 >= n:
            continue
        k = np.arange(min(length, n - i0))
        pulse = np.where(k < width, np.sin(np.pi * k / width), 0.0)
        ring = 0.15 * np.exp(-k / (0.015 * FS)) * np.sin(2 * np.pi * imp.ring_hz * k / FS)
        shape = pulse + ring
        # amp_g is the size the chip shows (after its ~44 Hz DLPF, before saturation):
        # scale the physical pulse up by what the filter takes off a short transient
        seen = float(np.abs(np.convolve(shape, DLPF_TAPS)[: len(shape)]).max())
        acc[i0 : i0 + len(k)] += (imp.amp_g * G / seen * shape)[:, None] * imp.direction
        if imp.gyro_dps:
            axis = rng.normal(size=3) * np.array([1.0, 1.0, 0.4])
            axis /= np.linalg.norm(axis)
            g_ring = np.exp(-k / (0.02 * FS)) * np.sin(2 * np.pi * 0.5 * imp.ring_hz * k / FS)
            w[i0 : i0 + len(k)] += np.radians(imp.gyro_dps) * g_ring[:, None] * axis


def kinematics(b: Builder) -> Truth:
    ang = np.concatenate(b.ang)
    pos = np.concatenate(b.pos)
    rot, w_t = chain_t(ang, rates_of(ang, FS))
    w = np.ascontiguousarray(w_t.T)
    acc = np.zeros_like(pos)
    acc[1:-1] = (pos[2:] - 2 * pos[1:-1] + pos[:-2]) * (FS * FS)
    add_impacts(acc, w, b.impacts, b.rng)
    acc[:, 2] += G
    acc_t = acc.T / G
    # f_body = R^T a: f_i = sum_j R[j, i] a_j
    f = np.stack(
        [rot[0, i] * acc_t[0] + rot[1, i] * acc_t[1] + rot[2, i] * acc_t[2] for i in range(3)],
        axis=1,
    )
    return Truth(np.arange(len(ang)) / FS, f, np.degrees(w), ang, pos)


def render(
    b: Builder,
    mount: np.ndarray,
    sensor: SensorParams,
    rng: np.random.Generator,
    rate_hz: float = 100.0,
    jitter: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Truth]:
    """Output trace (t, acc g, gyro dps) in the nominal foot frame, and the kinematic truth."""
    truth = kinematics(b)
    # mount maps sensor axes -> foot axes; the sensor reads mount^T v
    t, acc, gyro = mpu6050(truth.f_g @ mount, truth.w_dps @ mount, sensor, rng, rate_hz, jitter)
    return t, acc, gyro, truth
