"""From the kinematics of a Builder to the trace the strapped MPU6050 reports.

    >>> t, acc, gyro, true = render(builder, mount, SensorParams.draw(rng), rng, rate_hz=100.0)

f_body = R^T (p'' + g z) / g with p'' the second difference of the 1 kHz sensor path (the
contacts' decelerations are in the path already, motion.arrive; the ringing after them is
added here as a zero-mean displacement and rotation); w_body from the rotation chain
(rotations.chain). Both are then turned by the mounting error (so it stays in the data, as on
a real strap) and passed to the chip model. Integrating the specific force therefore gives
back the true velocity and position (Kinematics, for checking a strapdown estimate).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from heeltrack.sim.motion import FS, Builder, G, Impact, smoothstep
from heeltrack.sim.rotations import CPITCH, CROLL, CYAW, chain, chain_t, rates_of
from heeltrack.sim.sensor import SensorParams, mpu6050


@dataclass
class Truth:
    """The noise-free body-frame signals at FS (before mounting error), for tests."""

    t: np.ndarray
    f_g: np.ndarray
    w_dps: np.ndarray
    angles: np.ndarray
    pos: np.ndarray


@dataclass
class Kinematics:
    """True motion of the sensor, in the time base of the trace (and of the truth JSON).

    pos (N,3) m and vel (N,3) m/s of the sensor point in the world frame (z up; the floor
    the trace starts on is z = 0); rot (N,3,3) turns a vector in the trace's axes into the
    world frame (the strap's mounting error included), so a strapdown integration of the
    trace should reproduce pos and vel. rot_foot is the foot frame's orientation, mount the
    strap (foot vector = mount @ trace vector) and points the foot's contact points (heel,
    mtp = ball of the foot, toe) in the foot frame from the sensor, so that
    point("heel") gives the heel's world position. fine: the 1 kHz Truth (tests).
    """

    t: np.ndarray
    pos: np.ndarray
    vel: np.ndarray
    rot: np.ndarray
    rot_foot: np.ndarray
    mount: np.ndarray
    points: dict[str, np.ndarray]
    fine: Truth = field(repr=False)

    def point(self, name: str) -> np.ndarray:
        """World position (N,3) of a foot point: heel, mtp, toe, below (sole under sensor)."""
        return self.pos + np.einsum("nij,j->ni", self.rot_foot, self.points[name])


def ring_shape(imp: Impact, n_max: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit ringing displacement and angle shapes of one impact (start and end at rest)."""
    om = 2 * np.pi * imp.ring_hz
    length = min(n_max, int(min(7 * imp.tau_s, 0.4) * FS) + 2)
    k = np.arange(length) / FS
    onset = smoothstep(k * 2 * imp.ring_hz)  # over half a period: no step in acceleration
    end = 1.0 - smoothstep((k - 0.6 * length / FS) / (0.4 * length / FS))
    shape = np.exp(-k / imp.tau_s) * np.sin(om * k) * onset * end
    return shape * (imp.ring_ms2 / om**2), shape * (np.radians(imp.gyro_dps) / om)


def add_rings(pos: np.ndarray, ang: np.ndarray, impacts: list[Impact]) -> None:
    """Add each impact's ringing to the sensor path (m) and the body-fixed angle channels."""
    n = len(pos)
    for imp in impacts:
        i0 = int(round(imp.t_s * FS))
        if i0 >= n:
            continue
        disp, theta = ring_shape(imp, n - i0)
        m = len(disp)
        pos[i0 : i0 + m] += disp[:, None] * imp.direction
        if imp.gyro_dps:
            ax = imp.gyro_axis
            ang[i0 : i0 + m, CROLL] += theta * ax[0]
            ang[i0 : i0 + m, CPITCH] += theta * ax[1]
            ang[i0 : i0 + m, CYAW] += theta * ax[2]


def kinematics(b: Builder) -> Truth:
    ang = np.concatenate(b.ang)
    pos = np.concatenate(b.pos)
    add_rings(pos, ang, b.impacts)
    rot, w_t = chain_t(ang, rates_of(ang, FS))
    w = np.ascontiguousarray(w_t.T)
    acc = np.zeros_like(pos)
    acc[1:-1] = (pos[2:] - 2 * pos[1:-1] + pos[:-2]) * (FS * FS)
    acc[:, 2] += G
    acc_t = acc.T / G
    # f_body = R^T a: f_i = sum_j R[j, i] a_j
    f = np.stack(
        [rot[0, i] * acc_t[0] + rot[1, i] * acc_t[1] + rot[2, i] * acc_t[2] for i in range(3)],
        axis=1,
    )
    return Truth(np.arange(len(ang)) / FS, f, np.degrees(w), ang, pos)


def sensor_kinematics(
    fine: Truth, b: Builder, mount: np.ndarray, rate_hz: float, t_offset: float
) -> Kinematics:
    """The sensor's true motion sampled at rate_hz (exact orientations, central velocities)."""
    step = max(1, int(round(FS / rate_hz)))
    idx = np.arange(0, len(fine.t), step)
    vel = np.gradient(fine.pos, 1.0 / FS, axis=0)[idx]
    rot_foot = chain(fine.angles[idx])[0]
    return Kinematics(
        t=fine.t[idx] + t_offset,
        pos=fine.pos[idx],
        vel=vel,
        rot=rot_foot @ mount,
        rot_foot=rot_foot,
        mount=mount,
        points={k: b.geom.point(k).copy() for k in ("heel", "mtp", "toe", "below")},
        fine=fine,
    )


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
