"""World-frame kinematics of the sensor foot at 1 kHz, built segment by segment.

    >>> b = Builder(Geometry.from_foot(0.26, 0.06), rng)
    >>> b.still(3.0, "standing")                      # every segment starts and ends flat
    >>> ang = keys([0, 1.0, 2.0], [0, 0.4, 0])        # smooth key-framed channel
    >>> b.pivot_segment(pitch=ang, contact="mtp")     # rock about the ball of the foot

Every segment starts and ends with the foot flat on the floor and at rest, and channels are
key-framed with quintic smoothsteps (zero rate and acceleration at the keys), so the whole
timeline is continuous in position, velocity and acceleration (C2) across segments.
Contacts are kinematic: arrive() makes a channel reach its key with a contact velocity and
stop within a few ms (the deceleration IS the impact, so integrating the acceleration gives
the true velocity and position); the ringing of shoe, strap and tissue that follows is an
Impact (a zero-mean displacement and rotation added in render.kinematics).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from heeltrack.sim.ranges import DEFAULT, Ranges
from heeltrack.sim.rotations import CHAIN_AXES, PITCH, ROLL, YAW, chain
from heeltrack.sim.sensor import DLPF_TAPS

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


def arrive(x: np.ndarray, v: float | np.ndarray, width_s: float, approach_s: float) -> int:
    """Make channel x (n,) or (n,k), at rest at its last sample, hit with velocity v and stop.

    In place: over the last `approach_s + width_s` the channel gets an additive correction
    (zero position, rate and acceleration where it starts) so that it reaches the contact
    with rate v (units per second) `width_s` before its end, then decelerates as a
    half-sine pulse (peak about v*pi/(2 width)) to rest exactly at its end value. Returns
    the contact's sample index. Just before contact the channel is about v*width/2 short of
    its end (the sole or the heel pad is compressed by that much during the stop). What the
    channel itself still moves in its last width_s (a smooth key's tail) is taken into
    account, so the rate at contact is v.
    """
    n = len(x)
    w = max(2, samples(width_s))
    ic = n - 1 - w
    tau = min(samples(approach_s), ic)
    if tau < 2:
        raise ValueError("arrive: channel too short for the approach")
    v = np.asarray(v, dtype=float) - (x[ic + 1] - x[ic - 1]) * (FS / 2)
    big_w, big_t = w / FS, tau / FS
    u = np.arange(w + 1) / w
    dec = np.multiply.outer(-big_w / 2 + big_w * (u / 2 + np.sin(np.pi * u) / (2 * np.pi)), v)
    uu = np.arange(tau + 1) / tau
    h_p = uu**3 * (10.0 + uu * (-15.0 + 6.0 * uu))
    h_v = uu**3 * (-4.0 + uu * (7.0 - 3.0 * uu))
    app = np.multiply.outer(-big_w / 2 * h_p + big_t * h_v, v)
    x[ic - tau : ic] += app[:-1]
    x[ic:n] += dec  # dec[0] == app[-1]: the two pieces join in position, rate, acceleration
    return ic


# g(u) = u s'(u) / s(u) of the quintic smoothstep s: 3 at u -> 0, falling to 0 at u = 1
_U = np.linspace(1e-4, 1.0, 4001)
_G = (_U * 30 * _U**2 * (1 - _U) ** 2 / smoothstep(_U))[::-1]
_U = _U[::-1]


def drop(height: float, v: float, dur_s: float, width_s: float) -> np.ndarray:
    """A stroke from rest `height` above a surface that hits it at speed v and stops.

    The movement aims at a point below the surface (a smoothstep from rest towards it) and
    the surface cuts it short: the foot crosses the surface at speed v after dur_s (sooner
    if v is too fast for that: at most 2.7 * height / v), then stops as in arrive() within
    width_s, resting v*width/2 below the surface (the sole compressed). Returns the heights
    (relative to the surface) from the stroke's start, at rest, to the end of the stop; the
    contact is width_s before the end. Fast taps accelerate early and arrive nearly at
    cruise; slow ones slow down onto the surface."""
    n_c = samples(min(dur_s, 2.7 * height / v))
    dur_s = n_c / FS  # the crossing falls exactly on a sample
    u_c = float(np.interp(v * dur_s / height, _G, _U))
    depth = height / float(smoothstep(np.array(u_c)))
    total = dur_s / u_c
    fall = height - depth * smoothstep(np.arange(n_c) / FS / total)
    w = max(2, samples(width_s))
    u = np.arange(w + 1) / w
    big_w = w / FS
    stop = -v * big_w * (u / 2 + np.sin(np.pi * u) / (2 * np.pi))
    return np.concatenate([fall, stop])


def decel_peak(v: float, width_s: float) -> float:
    """Peak deceleration (m/s^2) of arrive()'s stop from speed v (m/s) over width_s."""
    return abs(v) * np.pi / (2.0 * max(2, samples(width_s)) / FS)


def speed_for_seen_peak(amp_g: float, width_s: float, ring_rel: float, ring_hz: float) -> float:
    """Contact speed whose stop (plus its ringing) peaks at amp_g after the MPU6050's DLPF.

    The old impact model was specified by the size the chip shows; the kinematic one by a
    contact speed: this keeps the default ranges' impacts the same size as before."""
    w = max(2, samples(width_s))
    k = np.arange(w + int(0.08 * FS))
    pulse = np.where(k < w, np.sin(np.pi * k / w), 0.0)
    ring = ring_rel * np.exp(-k / (0.015 * FS)) * np.sin(2 * np.pi * ring_hz * k / FS)
    seen = float(np.abs(np.convolve(pulse + ring, DLPF_TAPS)[: len(k)]).max())
    return amp_g * G / seen * 2.0 * (w / FS) / np.pi


@dataclass
class Strap:
    """How the shoe, strap and tissue ring after a contact (per person)."""

    hz: tuple[float, float] = (35.0, 80.0)
    tau_s: float = 0.015
    rel: float = 0.15  # ringing amplitude / deceleration peak
    lateral: float = 0.0  # share of the ringing across the sagittal plane
    transmit: float = 0.15  # the other foot's strike as felt here / this foot's own strike

    @classmethod
    def draw(cls, rx: np.random.Generator, ranges: Ranges) -> Strap:
        transmit = float(rx.uniform(*ranges.span("other_strike")))
        if not ranges.wide:
            return cls(transmit=transmit)
        f = float(rx.uniform(*ranges.span("ring_hz")))
        return cls(
            hz=(0.85 * f, 1.15 * f),
            tau_s=float(rx.uniform(*ranges.span("ring_tau_s"))),
            rel=float(rx.uniform(*ranges.span("ring_rel"))),
            lateral=float(rx.uniform(*ranges.span("ring_lat"))),
            transmit=transmit,
        )


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
    """The ringing after a contact, or a transient felt from elsewhere (the other foot).

    The contact's own deceleration is in the kinematics already (arrive()); this adds a
    decaying oscillation of the sensor (displacement along `direction`, rotation about the
    body axis `gyro_axis`) that starts and ends at rest, so it carries no net velocity."""

    t_s: float
    ring_ms2: float  # peak acceleration of the ringing, m/s^2
    direction: np.ndarray  # world unit vector of the ringing displacement
    ring_hz: float = 60.0
    tau_s: float = 0.015
    gyro_dps: float = 0.0  # peak angular rate of the ringing
    gyro_axis: np.ndarray = field(default_factory=lambda: np.array([1.0, 0.0, 0.0]))
    decel_g: float = 0.0  # peak deceleration of the contact itself (0: transmitted)


@dataclass
class Builder:
    """Accumulates angle channels (N,6) and sensor positions (N,3) at FS."""

    geom: Geometry
    rng: np.random.Generator
    # second random stream: draws of the models the first simulator lacked, so that the
    # main stream (and with it what an old seed means) stays as it was
    rx: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    ranges: Ranges = DEFAULT
    strap: Strap = field(default_factory=Strap)
    foot_sign: float = 1.0  # +1 right foot, -1 left: inversion is +roll on the right foot
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

    def ring_hz(self) -> float:
        """A ringing frequency of this person's strap (one draw from the main stream, as the
        old impact model made, so the stream stays aligned)."""
        lo, hi = self.strap.hz
        return lo + (hi - lo) * float(self.rng.random())

    def contact_speed(self, amp_g: float, width_s: float, ring_hz: float) -> float:
        """Contact speed for an impact of amp_g as the chip shows it (the default ranges)."""
        return speed_for_seen_peak(amp_g, width_s, self.strap.rel, ring_hz)

    def impact(
        self,
        t_s: float,
        decel_ms2: float,
        direction: np.ndarray,
        ring_hz: float,
        gyro_dps: float = 0.0,
        rel: float | None = None,
    ) -> None:
        """Record the ringing after a contact at t_s whose stop peaked at decel_ms2 (m/s^2)
        along `direction` (world); rel overrides the strap's ringing share (transients)."""
        d = np.asarray(direction, dtype=float)
        d = d / np.linalg.norm(d)
        lat = self.strap.lateral
        if lat > 0:  # part of the ringing rocks the sensor sideways on its strap
            side = np.cross([0.0, 0.0, 1.0], d)
            if np.linalg.norm(side) < 1e-6:
                side = np.array([-np.sin(self.yaw), np.cos(self.yaw), 0.0])
            side = side / np.linalg.norm(side) * float(self.rx.choice([-1.0, 1.0]))
            d = d * np.sqrt(1 - lat * lat) + side * lat
        axis = self.rx.normal(size=3) * np.array([1.0, 1.0 - 0.8 * lat, 0.4 + lat])
        gyro = gyro_dps * (1.0 + 3.0 * lat)
        self.impacts.append(
            Impact(
                t_s,
                (self.strap.rel if rel is None else rel) * decel_ms2,
                d,
                ring_hz,
                self.strap.tau_s * float(self.rx.uniform(0.8, 1.25)),
                gyro,
                axis / np.linalg.norm(axis),
                decel_ms2 / G,
            )
        )

    def strike(
        self,
        x: np.ndarray,
        t0: float,
        speed: float,
        direction: np.ndarray,
        width_s: float,
        approach_s: float,
        ring_hz: float,
        gyro_dps: float = 0.0,
    ) -> float:
        """A contact at the end of the path x (n,3, world; at rest at its end), which starts
        at time t0: it arrives at `speed` against `direction` (the world direction of the
        deceleration, e.g. up) and stops within width_s. Returns the contact time."""
        d = np.asarray(direction, dtype=float)
        d = d / np.linalg.norm(d)
        ic = arrive(x, -speed * d, width_s, approach_s)
        t = t0 + ic / FS
        self.impact(t, decel_peak(speed, width_s), d, ring_hz, gyro_dps)
        return t

    def transmitted(self, t_s: float, amp_g: float, ring_hz: float, gyro_dps: float = 0.0) -> None:
        """A transient felt from elsewhere (the other foot's strike, a stomp nearby): ringing
        only, no contact of this foot."""
        self.impact(t_s, amp_g * G, np.array([0.0, 0.0, 1.0]), ring_hz, gyro_dps, rel=1.0)


def finish(b: Builder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate: angles (N,6), positions (N,3), number of chain axes check."""
    assert len(CHAIN_AXES) == 6
    return np.concatenate(b.ang), np.concatenate(b.pos), np.arange(b.n) / FS
