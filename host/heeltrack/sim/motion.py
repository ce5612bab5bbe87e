"""World-frame kinematics of the sensor foot at 1 kHz, built segment by segment.

    >>> b = Builder(Geometry.from_foot(0.26, 0.06), rng)
    >>> b.still(3.0, "standing")                      # every segment starts and ends flat
    >>> ang = keys([0, 1.0, 2.0], [0, 0.4, 0])        # smooth key-framed channel
    >>> b.pivot_segment(pitch=ang, contact="mtp")     # rock about the ball of the foot

Every segment starts and ends with the foot flat on the floor and at rest, and channels are
key-framed with quintic smoothsteps (zero rate and acceleration at the keys), so the whole
timeline is continuous in position, velocity and acceleration (C2) across segments.
Impacts are recorded as events and added to the acceleration later (sensor.py / session.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from heeltrack.sim.rotations import CHAIN_AXES, PITCH, ROLL, YAW, chain

FS = 1000.0  # internal kinematics rate, Hz
G = 9.80665


def smoothstep(u: np.ndarray) -> np.ndarray:
    """Quintic 0->1 on [0, 1] with zero first and second derivative at both ends."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (10.0 + u * (-15.0 + 6.0 * u))


def samples(duration_s: float) -> int:
    return max(1, int(round(duration_s * FS)))


def keys(
    times: list[float],
    values: list[float] | np.ndarray,
    n: int | None = None,
    skew: list[float] | None = None,
) -> np.ndarray:
    """Channel through (times[k], values[k]) with quintic smoothsteps between keys.

    times are seconds from the segment start (increasing, first 0); n samples at FS
    (default: up to the last key). Before/after the keys the end values hold.
    skew[k] > 1 makes interval k start slowly and end fast (u**skew), < -1 the reverse;
    the result stays C2 with zero rate at every key.
    """
    tk = np.asarray(times, dtype=float)
    vk = np.asarray(values, dtype=float)
    if n is None:
        n = samples(tk[-1])
    t = np.arange(n) / FS
    i = np.clip(np.searchsorted(tk, t, side="right") - 1, 0, len(tk) - 2)
    span = np.maximum(tk[i + 1] - tk[i], 1e-9)
    u = np.clip((t - tk[i]) / span, 0.0, 1.0)
    if skew is not None:
        g = np.asarray(skew, dtype=float)[i]
        u = np.where(g > 1, u ** np.abs(g), np.where(g < -1, 1 - (1 - u) ** np.abs(g), u))
    s = smoothstep(u)
    return vk[i] + (vk[i + 1] - vk[i]) * s


def taper(n: int, ramp_s: float = 0.3) -> np.ndarray:
    """Window that is 0 (with zero derivatives) at both ends and 1 in the middle."""
    r = max(1, min(samples(ramp_s), n // 2))
    w = np.ones(n)
    up = smoothstep(np.arange(r) / r)
    w[:r] = up
    w[n - r :] = np.minimum(w[n - r :], up[::-1])
    return w


def wobble(
    rng: np.random.Generator,
    n: int,
    amp: float,
    f_lo: float,
    f_hi: float,
    k: int = 3,
    ramp_s: float = 0.3,
) -> np.ndarray:
    """Smooth random signal (sum of k sinusoids), peak about `amp`, tapered to 0 at the ends."""
    t = np.arange(n) / FS
    f = rng.uniform(f_lo, f_hi, size=k)
    ph = rng.uniform(0, 2 * np.pi, size=k)
    a = rng.uniform(0.5, 1.0, size=k)
    x = (a[None, :] * np.sin(2 * np.pi * t[:, None] * f[None, :] + ph[None, :])).sum(axis=1)
    x *= amp / max(float(a.sum()) * 0.7, 1e-9)
    # a segment too short for the full ramp gets a proportionally smaller wobble, so that
    # the taper never makes a sharp kink (bounded angular acceleration)
    ramp = min(ramp_s, n / FS / 4)
    return x * taper(n, ramp) * min(1.0, ramp / 0.1) ** 2


@dataclass
class Geometry:
    """Foot points relative to the sensor (instep), in the foot frame, metres."""

    heel: np.ndarray
    mtp: np.ndarray
    toe: np.ndarray
    below: np.ndarray
    height: float

    @classmethod
    def from_foot(cls, foot_len: float, sensor_height: float) -> Geometry:
        h = -sensor_height
        return cls(
            heel=np.array([-0.42 * foot_len, 0.0, h]),
            mtp=np.array([0.30 * foot_len, 0.0, h]),
            toe=np.array([0.56 * foot_len, 0.0, h + 0.01]),
            below=np.array([0.0, 0.0, h]),
            height=sensor_height,
        )

    def point(self, name: str) -> np.ndarray:
        return np.asarray(getattr(self, name))


@dataclass
class Impact:
    """A short deceleration transient of the foot (added to the world acceleration)."""

    t_s: float
    amp_g: float  # peak as the chip shows it (after its DLPF, before saturation), g
    width_s: float  # 0.010-0.040
    direction: np.ndarray  # world unit vector of the added acceleration
    ring_hz: float = 60.0
    gyro_dps: float = 0.0  # small ringing of the angular rate


@dataclass
class Builder:
    """Accumulates angle channels (N,6) and sensor positions (N,3) at FS."""

    geom: Geometry
    rng: np.random.Generator
    ang: list[np.ndarray] = field(default_factory=list)
    pos: list[np.ndarray] = field(default_factory=list)
    n: int = 0
    yaw: float = 0.0
    floor: np.ndarray = field(default_factory=lambda: np.zeros(3))  # world point under sensor
    impacts: list[Impact] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    sets: list[dict] = field(default_factory=list)
    # end of the last rise onto the toes (a heel-raise rep or a tiptoe), s
    last_rise_s: float = -1e9

    @property
    def t(self) -> float:
        return self.n / FS

    def flat_pos(self) -> np.ndarray:
        return self.floor + np.array([0.0, 0.0, self.geom.height])

    def heading(self) -> np.ndarray:
        return np.array([np.cos(self.yaw), np.sin(self.yaw), 0.0])

    def world(self, v: np.ndarray) -> np.ndarray:
        """Foot-frame vector -> world with the current heading and the foot flat."""
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1], v[2]])

    def contact(self, name: str) -> np.ndarray:
        """World position of a foot point while the foot is flat at the current place."""
        return self.flat_pos() + self.world(self.geom.point(name))

    def channels(self, n: int) -> np.ndarray:
        a = np.zeros((n, 6))
        a[:, YAW] = self.yaw
        return a

    def add(self, ang: np.ndarray, pos: np.ndarray) -> None:
        self.ang.append(ang)
        self.pos.append(pos)
        self.n += len(ang)

    def label(self, activity: str, start_s: float, end_s: float | None = None) -> None:
        self.labels.append(
            {"activity": activity, "start_s": start_s, "end_s": self.t if end_s is None else end_s}
        )

    def rot(self, ang: np.ndarray) -> np.ndarray:
        return chain(ang)[0]

    def pivot(self, ang: np.ndarray, c: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Sensor positions when foot point r (foot frame; (3,) or (n,3)) sits at world c."""
        rot = self.rot(ang)
        r = np.broadcast_to(r, (len(ang), 3))
        return np.broadcast_to(c, (len(ang), 3)) - np.einsum("nij,nj->ni", rot, r)

    # -- generic segments -------------------------------------------------------------
    def still(self, duration_s: float, activity: str | None = None, sway_deg: float = 0.05) -> None:
        """Foot flat and (almost) motionless: micro-sway about the point under the sensor."""
        n = samples(duration_s)
        t0 = self.t
        ang = self.channels(n)
        ang[:, PITCH] = np.radians(wobble(self.rng, n, sway_deg, 0.1, 0.6))
        ang[:, ROLL] = np.radians(wobble(self.rng, n, sway_deg, 0.1, 0.6))
        self.add(ang, self.pivot(ang, self.contact("below"), self.geom.below))
        if activity:
            self.label(activity, t0)

    def pivot_segment(
        self,
        pitch: np.ndarray | None = None,
        roll: np.ndarray | None = None,
        contact: str = "below",
        extra: dict[int, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Foot rocking about a floor contact point (heel, mtp, toe, below); returns angles."""
        n = len(pitch if pitch is not None else roll)  # type: ignore[arg-type]
        ang = self.channels(n)
        if pitch is not None:
            ang[:, PITCH] = pitch
        if roll is not None:
            ang[:, ROLL] = roll
        for k, v in (extra or {}).items():
            ang[:, k] = v
        self.add(ang, self.pivot(ang, self.contact(contact), self.geom.point(contact)))
        return ang

    def free_segment(self, ang: np.ndarray, offset: np.ndarray) -> None:
        """Foot in the air: sensor at flat position + world offset (n,3); offset ends at 0."""
        self.add(ang, self.flat_pos()[None, :] + offset)

    def impact(
        self, t_s: float, amp_g: float, width_s: float, direction: np.ndarray, gyro_dps: float = 0.0
    ) -> None:
        d = np.asarray(direction, dtype=float)
        self.impacts.append(
            Impact(
                t_s,
                amp_g,
                width_s,
                d / np.linalg.norm(d),
                float(self.rng.uniform(35, 80)),
                gyro_dps,
            )
        )


def finish(b: Builder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate: angles (N,6), positions (N,3), number of chain axes check."""
    assert len(CHAIN_AXES) == 6
    return np.concatenate(b.ang), np.concatenate(b.pos), np.arange(b.n) / FS
