"""Rotation chains with exact body angular rates, vectorised over time.

    >>> ang = np.zeros((1000, 6)); ang[:, 1] = np.linspace(0, 0.3, 1000)   # pitch ramp
    >>> R, w = chain(ang, rates_of(ang, 1000.0))      # R: foot -> world, w: body rad/s

The orientation of the foot is R = Rz(yaw) Ry(pitch) Rx(roll) Rz(cyaw) Ry(cpitch) Rx(croll):
heading, foot pitch (positive = toes down = plantarflexion), roll, then a second, body-fixed
set used for ankle circles around a neutral pose. For a product A1..An of elementary rotations
the body rate is exactly sum_k (A_k+1..A_n)^T e_k dtheta_k/dt (the identity behind R^T dR/dt),
so no finite differences of R are taken.
"""

from __future__ import annotations

import numpy as np

# axis index of each angle channel (0=x, 1=y, 2=z)
CHAIN_AXES = (2, 1, 0, 2, 1, 0)
YAW, PITCH, ROLL, CYAW, CPITCH, CROLL = range(6)


def elementary(axis: int, angle: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotations by `angle` (rad) about body axis 0=x, 1=y, 2=z."""
    c, s = np.cos(angle), np.sin(angle)
    n = len(angle)
    m = np.zeros((n, 3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    m[:, axis, axis] = 1.0
    m[:, i, i] = c
    m[:, j, j] = c
    m[:, i, j] = -s
    m[:, j, i] = s
    return m


def rates_of(angles: np.ndarray, fs: float) -> np.ndarray:
    """Time derivative of smooth angle channels (second-order central differences)."""
    out = np.empty_like(angles)
    out[1:-1] = (angles[2:] - angles[:-2]) * (fs / 2.0)
    out[0] = (angles[1] - angles[0]) * fs
    out[-1] = (angles[-1] - angles[-2]) * fs
    return out


def chain_t(angles: np.ndarray, rates: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Like chain() but R as (3, 3, N) and the rate as (3, N): contiguous in time, fast."""
    n = len(angles)
    right = np.zeros((3, 3, n))  # A_{k+1}..A_n, built from the right
    right[0, 0] = right[1, 1] = right[2, 2] = 1.0
    omega = np.zeros((3, n))
    for k in range(len(CHAIN_AXES) - 1, -1, -1):
        a = np.ascontiguousarray(angles[:, k])
        r = None if rates is None else np.ascontiguousarray(rates[:, k])
        if not a.any() and (r is None or not r.any()):
            continue  # identity, no rate
        axis = CHAIN_AXES[k]
        if r is not None:
            omega += right[axis] * r  # right^T e_axis is row `axis` of right
        # left-multiply by the elementary rotation: only two rows mix
        i, j = [(1, 2), (2, 0), (0, 1)][axis]
        c, s = np.cos(a), np.sin(a)
        ri, rj = right[i].copy(), right[j]
        right[i] = c * ri - s * rj
        right[j] = s * ri + c * rj
    return right, omega


def chain(angles: np.ndarray, rates: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """R (N,3,3) foot->world for the angle channels (N,6); body angular rate (N,3) rad/s."""
    right, omega = chain_t(angles, rates)
    return np.ascontiguousarray(right.transpose(2, 0, 1)), np.ascontiguousarray(omega.T)


def rotation_matrix(axis: np.ndarray, angle: float) -> np.ndarray:
    """3x3 rotation by `angle` (rad) about the unit vector `axis` (Rodrigues)."""
    a = np.asarray(axis, dtype=float)
    a = a / np.linalg.norm(a)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * (k @ k)


def random_mount(rng: np.random.Generator, max_deg: float = 15.0) -> tuple[np.ndarray, float]:
    """A random mounting rotation about a random axis, angle uniform in [0, max_deg]."""
    axis = rng.normal(size=3)
    deg = float(rng.uniform(0.0, max_deg))
    return rotation_matrix(axis, np.radians(deg)), deg
