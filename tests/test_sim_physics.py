"""Physics of the simulator: frames, signs, exact rates, continuity, impacts, sensor model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from heeltrack.sim import simulate_set
from heeltrack.sim.motion import FS, Builder, Geometry, keys
from heeltrack.sim.render import kinematics
from heeltrack.sim.rotations import CPITCH, CYAW, PITCH, ROLL, YAW, chain, rates_of
from heeltrack.sim.sensor import ACC_LSB, GYRO_LSB, SensorParams, mpu6050
from heeltrack.sim.session import _distractors, _session, _Sim


def _foot_frame(v: np.ndarray, truth: dict) -> np.ndarray:
    """Undo the strap's mounting error: foot vector = mount @ reported vector."""
    return v @ np.asarray(truth["person"]["mount_matrix"]).T


@pytest.fixture(scope="module")
def heel_raises() -> list:
    return [simulate_set(seed, "heel_raise", with_kinematics=True) for seed in (1, 2, 3)]


def test_body_rate_equals_rt_rdot() -> None:
    """The chain's body rate is R^T dR/dt (checked against a fine numerical derivative)."""
    t = np.arange(3000) / FS
    ang = np.zeros((3000, 6))
    ang[:, YAW] = 0.4 * np.sin(1.3 * t)
    ang[:, PITCH] = 0.6 * np.sin(2.1 * t + 1)
    ang[:, ROLL] = 0.3 * np.cos(0.7 * t)
    ang[:, CYAW] = 0.2 * np.sin(4 * t)
    ang[:, CPITCH] = 0.3 * np.cos(4 * t)
    rot, w = chain(ang, rates_of(ang, FS))
    assert np.allclose(np.einsum("nji,njk->nik", rot, rot), np.eye(3), atol=1e-12)
    rdot = np.gradient(rot, 1 / FS, axis=0)
    skew = np.einsum("nji,njk->nik", rot, rdot)
    w_num = np.stack([skew[:, 2, 1], skew[:, 0, 2], skew[:, 1, 0]], axis=1)
    assert np.abs(w - w_num)[5:-5].max() < 1e-4
    assert np.abs(w).max() > 1.0


def test_sign_conventions_pitch() -> None:
    """Toes down (plantarflexion) gives +gy and ax = -sin(pitch) g at rest."""
    b = Builder(Geometry.from_foot(0.26, 0.06), np.random.default_rng(0))
    b.still(0.5)
    b.pivot_segment(pitch=keys([0, 1.0, 2.0], [0.0, np.radians(30), np.radians(30)]), contact="mtp")
    kin = kinematics(b)
    rising = (kin.t > 0.7) & (kin.t < 1.3)
    assert kin.w_dps[rising, 1].min() > 0  # +gy while the toes go down
    top = kin.t > 2.0
    assert np.allclose(kin.f_g[top, 0], -np.sin(np.radians(30)), atol=1e-6)
    assert np.allclose(kin.f_g[top, 2], np.cos(np.radians(30)), atol=1e-6)
    # heel rises while the ball of the foot stays on the floor
    rot = chain(kin.angles)[0]
    mtp_z = kin.pos[:, 2] + rot[:, 2, :] @ b.geom.mtp
    heel_z = kin.pos[:, 2] + rot[:, 2, :] @ b.geom.heel
    assert np.abs(mtp_z[kin.t >= 0.5]).max() < 1e-9
    assert heel_z[-1] == pytest.approx(0.72 * 0.26 * np.sin(np.radians(30)))


def test_still_gives_one_g_and_no_rate() -> None:
    trace, truth = simulate_set(5, "heel_raise")
    still = trace.t < truth["sets"][0]["start_s"] - 0.5
    a = np.linalg.norm(trace.acc[still], axis=1)
    assert abs(float(np.median(a)) - 1.0) < 0.08  # scale +-3 %, bias +-40 mg
    assert float(a.std()) < 0.02
    g = trace.gyro[still]
    assert np.abs(g - g.mean(axis=0)).max() < 2.0  # only noise around the bias
    assert np.abs(g.mean(axis=0)).max() <= 16.0  # bias within the chip's spread


def _jump_ratio(x: np.ndarray, eps: float, quiet: np.ndarray) -> float:
    """Largest step between 1 kHz samples relative to its neighbours' steps: ~1 for a C1
    signal (however fast), large where the signal jumps."""
    d = np.abs(np.diff(x, axis=0)).max(axis=1)
    nb = np.maximum(np.r_[d[1:], 0.0], np.r_[0.0, d[:-1]])
    ratio = (d - eps) / (nb + eps)
    return float(ratio[quiet[1:]].max())


@pytest.mark.parametrize("seed,plan", [(0, _session), (1, _distractors), (2, _session)])
def test_kinematics_continuous_no_jumps(seed: int, plan: Any) -> None:
    """Segments and transitions join smoothly: away from impacts neither the specific force
    nor the angular rate ever jumps (position, velocity and acceleration are continuous)."""
    s = _Sim(seed)
    plan(s, 4.0)
    kin = kinematics(s.b)
    quiet = np.ones(len(kin.t), dtype=bool)
    for imp in s.b.impacts:
        i = int(imp.t_s * FS)
        quiet[max(0, i - 5) : i + 120] = False
    assert _jump_ratio(kin.f_g, 1e-3, quiet) < 2.0
    assert _jump_ratio(kin.w_dps, 0.05, quiet) < 2.0
    assert len(s.b.labels) > 5


def test_jump_detector_sees_a_jump() -> None:
    x = np.zeros((1000, 3))
    x[:, 0] = np.sin(np.arange(1000) / 200.0)
    quiet = np.ones(1000, dtype=bool)
    assert _jump_ratio(x, 1e-3, quiet) < 1.5
    x[500:, 0] += 0.05  # a 50 mg step
    assert _jump_ratio(x, 1e-3, quiet) > 2.0


def test_heel_raise_integrated_gy_matches_commanded_pitch(heel_raises: list) -> None:
    for trace, truth, kin in heel_raises:
        gyro = _foot_frame(trace.gyro, truth)
        pitch_cmd = np.degrees(kin.angles[:, PITCH])
        for rep in truth["sets"][0]["reps"]:
            top = int(rep["t_s"] * FS)
            start = top
            while start > 0 and pitch_cmd[start] > 0.05:
                start -= 1
            t0, t1 = start / FS, rep["t_s"]
            before = (trace.t > t0 - 0.3) & (trace.t <= t0)
            bias = gyro[before, 1].mean()
            inside = (trace.t > t0) & (trace.t <= t1)
            integral = float(np.sum(gyro[inside, 1] - bias) / 100.0)
            assert abs(integral - pitch_cmd[top]) < 3.0, (integral, pitch_cmd[top])
            assert 10.0 < pitch_cmd[top] < 45.0


def test_heel_raise_truth_from_heel_height(heel_raises: list) -> None:
    for trace, truth, _ in heel_raises:
        s = truth["sets"][0]
        acc = _foot_frame(trace.acc, truth)
        for rep in s["reps"]:
            assert 0.0 <= rep["hold_s"] <= 7.0
            at = np.searchsorted(trace.t, rep["t_s"])
            assert acc[at, 0] < -np.sin(np.radians(8))  # toes down at the top
        assert s["count"] == len(s["reps"]) and 5 <= s["count"] <= 15


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_heel_walk_stance_is_nose_up(seed: int) -> None:
    trace, truth = simulate_set(seed, "heel_walk")
    acc = _foot_frame(trace.acc, truth)
    reps = truth["sets"][0]["reps"]
    for rep in reps:
        w = (trace.t > rep["t_s"] + 0.15) & (trace.t < rep["t_s"] + 0.35)
        pitch = np.degrees(np.arctan2(-acc[w, 0], acc[w, 2]))
        assert pitch.mean() < -5.0 and pitch.max() < -2.0  # nose up through stance
    heel_strikes = [
        np.abs(np.linalg.norm(acc, axis=1) - 1)[
            (trace.t > r["t_s"] - 0.03) & (trace.t < r["t_s"] + 0.05)
        ].max()
        for r in reps
    ]
    assert min(heel_strikes) > 0.4 and np.median(heel_strikes) > 1.0


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_circle_direction_follows_design(seed: int) -> None:
    """cw (toe up, right, down, left as seen from behind): the gyro turns positively about x."""
    for direction, sign in (("cw", 1.0), ("ccw", -1.0)):
        trace, truth = simulate_set(seed, "ankle_circle", direction=direction)
        s = truth["sets"][0]
        assert s["direction"] == direction
        w = (trace.t >= s["start_s"]) & (trace.t <= s["end_s"])
        gy, gz, t = trace.gyro[w, 1], trace.gyro[w, 2], trace.t[w]
        turn = float(np.mean(gy * np.gradient(gz, t) - gz * np.gradient(gy, t)))
        assert sign * turn > 0, (direction, turn)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_circle_reps_are_full_turns(seed: int) -> None:
    trace, truth, kin = simulate_set(seed, "ankle_circle", with_kinematics=True)
    s = truth["sets"][0]
    # phase of the toe displacement from the circle channels: one turn between reps
    phase = np.unwrap(np.arctan2(-kin.angles[:, CPITCH], kin.angles[:, CYAW]))
    times = [s["start_s"]] + [r["t_s"] for r in s["reps"]]
    turns = np.diff([phase[int(t * FS)] for t in times[1:]]) / (2 * np.pi)
    sign = 1 if s["direction"] == "cw" else -1
    assert np.allclose(sign * turns, 1.0, atol=0.1)
    periods = np.diff(times[1:])
    assert periods.min() > 1.0 and periods.max() < 4.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_toe_tap_impacts_where_truth_says(seed: int) -> None:
    trace, truth = simulate_set(seed, "toe_tap")
    s = truth["sets"][0]
    dev = np.abs(np.linalg.norm(trace.acc, axis=1) - np.median(np.linalg.norm(trace.acc, axis=1)))
    for rep in s["reps"]:
        w = (trace.t > rep["t_s"] - 0.02) & (trace.t < rep["t_s"] + 0.05)
        assert dev[w].max() > 0.15
    rest = trace.t < s["start_s"] - 0.2
    assert dev[rest].max() < 0.08
    assert 6 <= s["count"] <= 15


def test_sensor_saturation_and_quantisation() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    f = np.zeros((n, 3))
    f[:, 2] = 1.0
    f[1000:1100, 2] = 9.0  # far beyond +-4 g
    w = np.zeros((n, 3))
    w[500:700, 1] = 900.0  # beyond +-500 dps
    t, acc, gyro = mpu6050(f, w, SensorParams.draw(rng), rng, rate_hz=100.0)
    assert acc.max() <= 32767 / ACC_LSB and gyro.max() <= 32767 / GYRO_LSB
    assert acc[:, 2].max() == pytest.approx(32767 / ACC_LSB)
    assert gyro[:, 1].max() == pytest.approx(32767 / GYRO_LSB)
    assert np.allclose(acc * ACC_LSB, np.rint(acc * ACC_LSB))
    assert np.allclose(gyro * GYRO_LSB, np.rint(gyro * GYRO_LSB))
    assert np.allclose(np.diff(t), 0.01)


def test_sensor_noise_density() -> None:
    rng = np.random.default_rng(1)
    n = 60000
    f = np.zeros((n, 3))
    f[:, 2] = 1.0
    p = SensorParams.draw(rng)
    p.vib_g = 0.0
    _, acc, gyro = mpu6050(f, np.zeros((n, 3)), p, rng, rate_hz=100.0)
    # 400 ug/sqrt(Hz) over the ~44 Hz DLPF: ~3 mg rms; 0.005 dps/sqrt(Hz): ~0.04 dps rms
    assert 0.0015 < acc[:, 0].std() < 0.006
    assert gyro[:, 0].std() < 0.2
