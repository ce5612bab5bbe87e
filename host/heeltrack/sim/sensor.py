"""MPU6050 model: from true specific force / angular rate at 1 kHz to what the chip reports.

    >>> params = SensorParams.draw(rng)
    >>> t, acc_g, gyro_dps = mpu6050(f_g, w_dps, params, rng, rate_hz=100.0, jitter=False)

Per axis scale error (+-3 %) and cross-axis coupling (+-2 %), bias (accel +-40 mg; gyro +-3 dps
typical, a few up to +-15 dps) with a slow drift, gyro g-sensitivity (up to 0.1 dps/g), white
noise (accel 400 ug/sqrt(Hz), gyro 0.005 dps/sqrt(Hz)) plus strap vibration that grows with
motion, the digital low-pass filter (DLPF_CFG=3, about 44 Hz, a 2nd-order Butterworth run at
1 kHz; CFG=4, 21 Hz, for output rates of 50 Hz and below, against aliasing), decimation to
the output rate, saturation at +-4 g / +-500 dps and quantisation (8192 LSB/g, 65.5 LSB/dps).
The wide ranges add an IMU clock off by up to +-1 %, sub-millisecond timestamp jitter and a
rare dropped sample in every trace, and in some traces timestamps that start at the board's
uptime. With jitter: coarser timestamp jitter, a further clock error, and samples (and bursts,
like a FIFO overflow) dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from heeltrack.sim.ranges import DEFAULT, Ranges

FS = 1000.0
ACC_LSB = 8192.0
GYRO_LSB = 65.5
DLPF_HZ = 44.0
DLPF_SLOW_HZ = 21.0  # DLPF_CFG=4, for output rates <= 50 Hz
ACC_NOISE = 400e-6  # g/sqrt(Hz)
GYRO_NOISE = 0.005  # dps/sqrt(Hz)


@dataclass
class SensorParams:
    acc_m: np.ndarray  # 3x3: I + scale + cross-axis
    gyro_m: np.ndarray
    acc_bias: np.ndarray  # g
    gyro_bias: np.ndarray  # dps
    gyro_drift: np.ndarray  # dps reached after warm-up
    drift_tau_s: float
    vib_g: float  # strap vibration, g rms at full motion
    vib_hz: float
    g_sens: np.ndarray = field(default_factory=lambda: np.zeros((3, 3)))  # dps per g
    clock_err: float = 0.0  # the IMU's sample clock runs (1 + clock_err) slow
    fine_jitter_s: float = 0.0  # timestamp jitter sigma in every trace
    drops_per_s: float = 0.0  # isolated dropped samples (1-3 at a time)
    t_offset_s: float = 0.0  # timestamps start here (the board's uptime)

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        rx: np.random.Generator | None = None,
        ranges: Ranges = DEFAULT,
    ) -> SensorParams:
        def matrix() -> np.ndarray:
            m = np.eye(3) + np.diag(rng.uniform(-0.03, 0.03, 3))
            off = rng.uniform(-0.02, 0.02, (3, 3))
            np.fill_diagonal(off, 0.0)
            return m + off

        gyro_bias = rng.normal(0.0, 1.5, 3).clip(-3, 3)
        if rng.random() < 0.15:  # an occasional bad part
            gyro_bias[rng.integers(3)] = rng.choice([-1, 1]) * rng.uniform(5, 15)
        p = cls(
            acc_m=matrix(),
            gyro_m=matrix(),
            acc_bias=rng.uniform(-0.04, 0.04, 3),
            gyro_bias=gyro_bias,
            gyro_drift=rng.normal(0.0, 0.4, 3),
            drift_tau_s=float(rng.uniform(60, 400)),
            vib_g=float(rng.uniform(0.005, 0.02)),
            vib_hz=float(rng.uniform(15, 35)),
        )
        if rx is None:
            return p
        # the second stream: what the first model lacked (the main stream stays aligned)
        p.g_sens = rx.uniform(-1.0, 1.0, (3, 3)) * float(rx.uniform(*ranges.span("g_sens_dps")))
        p.clock_err = float(rx.uniform(*ranges.span("clock_err")))
        if rx.random() < ranges.p("fine_jitter"):
            p.fine_jitter_s = float(rx.uniform(0.05e-3, 0.8e-3))
            p.drops_per_s = 1.0 / float(rx.uniform(25.0, 300.0))
        if rx.random() < ranges.p("t_offset"):
            p.t_offset_s = round(float(rx.uniform(5.0, 5000.0)), 1)
        return p

    def describe(self) -> dict[str, list[float] | float]:
        out: dict[str, list[float] | float] = {
            "acc_bias_g": [round(float(v), 4) for v in self.acc_bias],
            "gyro_bias_dps": [round(float(v), 3) for v in self.gyro_bias],
        }
        if self.clock_err:
            out["clock_err"] = round(self.clock_err, 5)
        if self.fine_jitter_s:
            out["jitter_ms"] = round(self.fine_jitter_s * 1000, 3)
        if self.t_offset_s:
            out["t_offset_s"] = self.t_offset_s
        return out


def _dlpf_taps(cut_hz: float, fs: float, n: int = 96) -> np.ndarray:
    """Impulse response of a 2nd-order Butterworth low-pass (bilinear), truncated to n taps."""
    k = np.tan(np.pi * cut_hz / fs)
    q = 1.0 / np.sqrt(2.0)
    norm = 1.0 / (1.0 + k / q + k * k)
    b0 = k * k * norm
    b = (b0, 2 * b0, b0)
    a1 = 2.0 * (k * k - 1.0) * norm
    a2 = (1.0 - k / q + k * k) * norm
    h = np.zeros(n)
    x1 = x2 = y1 = y2 = 0.0
    for i in range(n):
        x0 = 1.0 if i == 0 else 0.0
        y0 = b[0] * x0 + b[1] * x1 + b[2] * x2 - a1 * y1 - a2 * y2
        h[i] = y0
        x2, x1, y2, y1 = x1, x0, y1, y0
    return h


DLPF_TAPS = _dlpf_taps(DLPF_HZ, FS)
DLPF_SLOW_TAPS = _dlpf_taps(DLPF_SLOW_HZ, FS, 160)


def lowpass(x: np.ndarray, taps: np.ndarray = DLPF_TAPS) -> np.ndarray:
    """Causal DLPF over each column of x (N, 3); starts from the first value (no start-up step)."""
    out = np.empty_like(x)
    pad = len(taps)
    for k in range(x.shape[1]):
        col = np.concatenate([np.full(pad, x[0, k]), x[:, k]])
        out[:, k] = np.convolve(col, taps)[pad : pad + len(x)]
    return out


def _band_noise(rng: np.random.Generator, n: int, hz: float) -> np.ndarray:
    """Unit-rms narrow-band noise around `hz` (strap resonance), (n, 3)."""
    t = np.arange(n) / FS
    env = np.cumsum(rng.normal(0, 1, (n, 3)), axis=0)
    env -= np.linspace(env[0], env[-1], n)
    phase = 2 * np.pi * hz * t[:, None] + 0.002 * env
    return np.sqrt(2.0) * np.sin(phase + rng.uniform(0, 2 * np.pi, 3))


def mpu6050(
    f_g: np.ndarray,
    w_dps: np.ndarray,
    p: SensorParams,
    rng: np.random.Generator,
    rate_hz: float = 100.0,
    jitter: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chip output (t, acc g, gyro dps) for true values at FS in the sensor frame."""
    n = len(f_g)
    t = np.arange(n) / FS
    motion = np.clip(np.linalg.norm(w_dps, axis=1) / 300.0, 0.0, 1.0)[:, None]
    vib = _band_noise(rng, n, p.vib_hz) * (0.15 + motion)
    acc = f_g @ p.acc_m.T + p.acc_bias + vib * p.vib_g
    acc += rng.normal(0.0, ACC_NOISE * np.sqrt(FS / 2), (n, 3))
    drift = p.gyro_drift[None, :] * (1.0 - np.exp(-t / p.drift_tau_s))[:, None]
    gyro = w_dps @ p.gyro_m.T + p.gyro_bias + drift + vib * p.vib_g * 20.0
    gyro += f_g @ p.g_sens.T
    gyro += rng.normal(0.0, GYRO_NOISE * np.sqrt(FS / 2), (n, 3))
    taps = DLPF_TAPS if rate_hz > 50.5 else DLPF_SLOW_TAPS
    acc, gyro = lowpass(acc, taps), lowpass(gyro, taps)

    # sample instants of the output clock
    clock = 1.0 + (rng.uniform(-0.003, 0.003) if jitter else 0.0) + p.clock_err
    count = int(np.floor((n - 1) / FS * rate_hz / clock)) + 1
    ts = np.arange(count) * clock / rate_hz
    idx = np.minimum(np.rint(ts * FS).astype(int), n - 1)
    keep = np.ones(count, dtype=bool)
    reported = ts.copy()
    if p.fine_jitter_s:
        # the MCU stamps each sample late by 0.5 ms and a little jitter, to 0.1 ms; a sample
        # is lost now and then (1-3 at a time)
        sig = min(p.fine_jitter_s, 0.15 / rate_hz)  # timestamps never run backwards
        reported = ts + 0.5e-3 + rng.normal(0.0, sig, count).clip(-3 * sig, 3 * sig)
        reported = np.round(reported, 4)
        for d in np.flatnonzero(rng.random(count) < p.drops_per_s / rate_hz):
            keep[d : d + int(rng.integers(1, 4))] = False
        keep[0] = keep[-1] = True
    if jitter:
        keep &= rng.random(count) > 0.004
        for _ in range(rng.integers(1, 4)):  # FIFO overflow bursts
            s = int(rng.integers(0, count))
            keep[s : s + int(rng.integers(2, 25))] = False
        keep[0] = keep[-1] = True
        reported = ts + rng.normal(0.0, 0.12 / rate_hz, count).clip(-0.4 / rate_hz, 0.4 / rate_hz)
    idx, reported = idx[keep], reported[keep]
    a = np.clip(np.rint(acc[idx] * ACC_LSB), -32768, 32767) / ACC_LSB
    g = np.clip(np.rint(gyro[idx] * GYRO_LSB), -32768, 32767) / GYRO_LSB
    return reported, a, g
