"""Tiny rigid-body helpers for unit tests: orientation paths -> ideal IMU signals.

Deliberately simple (no noise model): the simulator in heeltrack.sim is the real
generator; these make textbook motions whose answer is known by construction.
"""

from __future__ import annotations

import numpy as np

RATE = 1000.0  # internal rate, decimated to 100 Hz


def rot_to(d: np.ndarray) -> np.ndarray:
    """Rotation matrices (N,3,3) taking the x axis to unit vectors d (N,3), no twist."""
    x = np.array([1.0, 0.0, 0.0])
    out = np.empty((len(d), 3, 3))
    for i, v in enumerate(d):
        axis = np.cross(x, v)
        s = np.linalg.norm(axis)
        c = float(np.dot(x, v))
        if s < 1e-12:
            out[i] = np.eye(3)
            continue
        k = axis / s
        kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
        out[i] = np.eye(3) + s * kx + (1 - c) * kx @ kx
    return out


def imu_from_rotations(rot: np.ndarray, base: np.ndarray | None = None):
    """Specific force (g) and body rate (deg/s) of a still-positioned body turning as rot
    (in its own frame), placed in a fixed pose `base` (foot -> world)."""
    if base is not None:
        rot = base @ rot
    g_world = np.array([0.0, 0.0, 1.0])
    acc = np.einsum("nji,j->ni", rot, g_world)  # R^T g
    rel = np.einsum("nji,njk->nik", rot[:-1], rot[1:])  # R_k^T R_k+1
    w = np.stack(
        [rel[:, 2, 1] - rel[:, 1, 2], rel[:, 0, 2] - rel[:, 2, 0], rel[:, 1, 0] - rel[:, 0, 1]], 1
    )
    w = np.degrees(w / 2.0 * RATE)
    w = np.vstack([w, w[-1:]])
    return acc, w


def decimate(acc: np.ndarray, gyro: np.ndarray, factor: int = 10):
    n = len(acc) // factor * factor
    a = acc[:n].reshape(-1, factor, 3).mean(1)
    g = gyro[:n].reshape(-1, factor, 3).mean(1)
    t = np.arange(len(a)) / (RATE / factor)
    return t, a, g


def pitch_rotation(theta_rad: np.ndarray) -> np.ndarray:
    """Nose-down pitch (rotation about +y) by theta: toes go down for theta > 0."""
    c, s = np.cos(theta_rad), np.sin(theta_rad)
    r = np.zeros((len(theta_rad), 3, 3))
    r[:, 0, 0] = c
    r[:, 0, 2] = s
    r[:, 1, 1] = 1
    r[:, 2, 0] = -s
    r[:, 2, 2] = c
    return r


def circles(n: int, period_s: float, half_angle_deg: float, clockwise: bool, lead_s: float = 2.0):
    """Toe tracing n circles; cw = toe up, then wearer's right (-y), down, left (+y)."""
    t = np.arange(int((n * period_s + 2 * lead_s) * RATE)) / RATE
    phase = np.clip((t - lead_s) / period_s, 0, n) * 2 * np.pi
    sign = 1.0 if clockwise else -1.0
    phi = np.pi / 2 + sign * phase  # starts with the toe up
    amp = np.radians(half_angle_deg) * np.clip((t - lead_s + 0.5) / 0.5, 0, 1)
    amp = amp * np.clip((n * period_s + lead_s + 0.5 - t) / 0.5, 0, 1)
    d = np.stack([np.cos(amp), np.sin(amp) * np.cos(phi), np.sin(amp) * np.sin(phi)], 1)
    completions = lead_s + period_s * np.arange(1, n + 1)
    return rot_to(d), completions
