"""The simulator's API, truth JSON, sessions, output timing, realism vs real walks, and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from heeltrack.cli import main
from heeltrack.errors import UserError
from heeltrack.sim import EXERCISES, simulate, simulate_activity, simulate_set
from heeltrack.sim.compare import FIELDS, real_stats, sim_stats
from heeltrack.trace import read_trace, resample

REAL = Path("/work/shared/data/real")


@pytest.fixture(scope="module")
def sessions() -> list:
    return [simulate(seed) for seed in range(4)]


def test_deterministic_per_seed() -> None:
    a_trace, a_truth = simulate(11, minutes=2.0)
    b_trace, b_truth = simulate(11, minutes=2.0)
    assert np.array_equal(a_trace.acc, b_trace.acc) and np.array_equal(a_trace.t, b_trace.t)
    assert a_truth == b_truth
    c_trace, _ = simulate(12, minutes=2.0)
    assert len(c_trace.t) != len(a_trace.t) or not np.array_equal(c_trace.acc, a_trace.acc)


def _check_set(s: dict) -> None:
    assert s["exercise"] in EXERCISES
    assert s["count"] == len(s["reps"]) > 0
    assert s["start_s"] <= s["reps"][0]["t_s"] <= s["reps"][-1]["t_s"] <= s["end_s"] + 1e-9
    times = [r["t_s"] for r in s["reps"]]
    assert times == sorted(times)
    assert ("direction" in s) == (s["exercise"] == "ankle_circle")
    if "direction" in s:
        assert s["direction"] in ("cw", "ccw")
    for r in s["reps"]:
        assert ("hold_s" in r) == (s["exercise"] == "heel_raise")


def test_session_truth_shape(sessions: list) -> None:
    for trace, truth in sessions:
        json.loads(json.dumps(truth))  # plain JSON
        assert truth["foot"] in ("left", "right") and trace.foot == truth["foot"]
        assert 2 <= len(truth["sets"]) <= 6
        assert 120 <= trace.duration_s <= 8.5 * 60
        for s in truth["sets"]:
            _check_set(s)
        for a, b in zip(truth["sets"], truth["sets"][1:], strict=False):
            gap = b["start_s"] - a["end_s"]
            same_block = a["exercise"] == b["exercise"] == "ankle_circle"
            assert gap > (0.5 if same_block else 10.0), (a, b)
            if same_block and gap < 10.0:
                assert a["direction"] != b["direction"]
        for d in truth["distractors"]:
            assert set(d) == {"activity", "start_s", "end_s"} and d["end_s"] >= d["start_s"]
            for s in truth["sets"]:  # no distractor overlaps a set
                assert d["end_s"] <= s["start_s"] + 1e-6 or d["start_s"] >= s["end_s"] - 1e-6
        p = truth["person"]
        assert 0.22 <= p["foot_len_m"] <= 0.29 and 0 <= p["mount_deg"] <= 15


def test_session_plan_follows_program(sessions: list) -> None:
    seen = {s["exercise"] for _, truth in sessions for s in truth["sets"]}
    assert seen == set(EXERCISES)
    for _, truth in sessions:
        kinds = [s["exercise"] for s in truth["sets"]]
        dirs = [s["direction"] for s in truth["sets"] if s["exercise"] == "ankle_circle"]
        assert dirs in ([], ["cw"], ["cw", "ccw"])
        assert kinds.count("heel_raise") <= 3


def test_still_segments_read_one_g(sessions: list) -> None:
    checked = 0
    for trace, truth in sessions:
        for d in truth["distractors"]:
            if d["activity"] in ("standing", "sitting") and d["end_s"] - d["start_s"] > 2.0:
                w = (trace.t > d["start_s"] + 0.3) & (trace.t < d["end_s"] - 0.3)
                a = np.linalg.norm(trace.acc[w], axis=1)
                assert abs(float(np.median(a)) - 1.0) < 0.08
                assert float(a.std()) < 0.03
                checked += 1
    assert checked >= 4


def test_distractors_kind_has_no_sets() -> None:
    trace, truth = simulate(3, kind="distractors", minutes=3.0)
    assert truth["sets"] == []
    assert trace.duration_s >= 180.0
    acts = {d["activity"] for d in truth["distractors"]}
    assert len(acts) >= 3


def test_every_activity_and_exercise_runs() -> None:
    for ex in EXERCISES:
        _, truth = simulate_set(1, ex)
        assert [s["exercise"] for s in truth["sets"]] == [ex]
    for act in ("fidgeting", "legs_crossed", "stomping", "tiptoe", "swaying"):
        trace, truth = simulate_activity(2, act, seconds=10.0)
        assert truth["sets"] == [] and act in {d["activity"] for d in truth["distractors"]}
        assert np.isfinite(trace.acc).all()
    trace, truth = simulate_activity(2, "stomping", seconds=5.0)
    assert np.abs(trace.acc).max() > 1.8  # stomps hit hard


@pytest.mark.parametrize("rate", [50.0, 104.0, 200.0])
def test_other_rates_and_jitter(rate: float, tmp_path: Path) -> None:
    trace, truth = simulate_set(6, "toe_tap", rate_hz=rate, jitter=True)
    dt = np.diff(trace.t)
    assert dt.min() > 0
    assert abs(float(np.median(dt)) - 1.0 / rate) < 0.15 / rate
    assert float(np.std(dt)) > 0.02 / rate  # jittered
    assert dt.max() > 1.8 / rate  # dropped samples
    # round trip through the trace CSV and the analyser's resampler
    from heeltrack.trace import write_trace

    path = tmp_path / "x.csv"
    write_trace(path, trace.t, trace.acc, trace.gyro, foot=trace.foot, rate_hz=rate)
    back = read_trace(path)
    assert back.foot == truth["foot"] and len(back.t) == len(trace.t)
    r = resample(back, 100.0)
    assert abs(len(r.t) - 100.0 * trace.duration_s) < 3


def test_unjittered_output_is_a_clean_grid() -> None:
    trace, _ = simulate_set(2, "heel_raise")
    assert np.allclose(np.diff(trace.t), 0.01)


def test_walking_statistics_within_real_recordings() -> None:
    real = real_stats(REAL)["walking"]
    sims = sim_stats("walking", seeds=range(3), seconds=40.0)
    for field in FIELDS:
        lo = min(getattr(s, field) for s in real)
        hi = max(getattr(s, field) for s in real)
        for s in sims:
            v = getattr(s, field)
            if field == "gyro_p50_dps":
                # known gap: real feet keep moving more during stance (see the report)
                assert 0.5 * lo <= v <= hi, (field, v, lo, hi)
            elif field == "gyro_p99_dps":
                assert 0.85 * lo <= v <= hi, (field, v, lo, hi)  # sim saturates at 500 dps
            elif field == "acc_peak_g":
                # the real IMUs had +-16 g; the MPU6050 at +-4 g clips heel strikes per axis
                assert min(0.9 * lo, 3.3) <= v <= hi, (field, v, lo, hi)
            else:
                assert 0.9 * lo <= v <= 1.1 * hi, (field, v, lo, hi)
        assert all(s.strides >= 10 for s in sims)


def test_bad_arguments_raise_user_error() -> None:
    with pytest.raises(UserError):
        simulate(1, kind="nonsense")
    with pytest.raises(UserError):
        simulate(1, rate_hz=0.0)
    with pytest.raises(UserError):
        simulate_set(1, "push_up")


def test_cli_writes_traces_and_truth(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "sims"
    rc = main(["simulate", "--out", str(out), "--seed", "5", "--count", "2", "--kind", "set"])
    assert rc == 0
    for seed in (5, 6):
        trace = read_trace(out / f"sim_set_{seed}.csv")
        truth = json.loads((out / f"sim_set_{seed}.truth.json").read_text())
        assert trace.foot == truth["foot"] and trace.rate_hz == 100.0
        assert len(truth["sets"]) == 1 and truth["sets"][0]["count"] >= 5
    assert sorted(p.name for p in out.iterdir()) == [
        "sim_set_5.csv",
        "sim_set_5.truth.json",
        "sim_set_6.csv",
        "sim_set_6.truth.json",
    ]
    assert "sim_set_5.csv" in capsys.readouterr().out


def test_cli_wide_ranges(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "wide"
    rc = main(["simulate", "--out", str(out), "--seed", "3", "--ranges", "wide", "--minutes", "2"])
    assert rc == 0
    truth = json.loads((out / "sim_session_wide_3.truth.json").read_text())
    trace = read_trace(out / "sim_session_wide_3.csv")
    assert truth["ranges"] == "wide" and truth["sets"]
    assert abs(trace.t[0] - truth["t_offset_s"]) < 0.01
    # the same seed with the default ranges is another trace, and says so
    assert main(["simulate", "--out", str(out), "--seed", "3", "--minutes", "2"]) == 0
    assert json.loads((out / "sim_session_3.truth.json").read_text())["ranges"] == "default"
    assert "sim_session_wide_3.csv" in capsys.readouterr().out


def test_cli_writes_kinematics_on_request(tmp_path: Path) -> None:
    out = tmp_path / "k"
    args = ["simulate", "--out", str(out), "--kind", "set", "--exercise", "toe_tap"]
    assert main([*args, "--seed", "4", "--kinematics", "--ranges", "wide"]) == 0
    table = np.loadtxt(out / "sim_set_wide_4.kin.csv", delimiter=",", skiprows=1)
    trace = read_trace(out / "sim_set_wide_4.csv")
    assert table.shape[1] == 16 and abs(table[-1, 0] - trace.t[-1]) < 0.05
    rot = table[:, 7:].reshape(-1, 3, 3)
    assert np.allclose(rot @ rot.transpose(0, 2, 1), np.eye(3), atol=1e-5)
    assert table[:, 3].max() > 0.1  # the foot went up onto the step
    assert main([*args, "--seed", "5"]) == 0
    assert not list(out.glob("sim_set_5.kin.csv"))  # not by default


def test_api_ranges_and_kinematics() -> None:
    trace, truth, kin = simulate(5, minutes=1.0, ranges="wide", with_kinematics=True)
    assert truth["ranges"] == "wide"
    assert kin.pos.shape == kin.vel.shape == (len(kin.t), 3)
    assert kin.rot.shape == (len(kin.t), 3, 3)
    assert abs(float(np.median(np.diff(kin.t))) - 0.01) < 1e-9  # 100 Hz
    assert kin.t[0] == pytest.approx(truth["t_offset_s"])
    assert abs(kin.t[-1] - trace.t[-1]) < 0.05
    # rot maps the trace's axes to the world: at rest the accelerometer reads world up
    still = [d for d in truth["distractors"] if d["activity"] in ("standing", "sitting")]
    t0 = still[0]["start_s"] + 0.5
    k, j = np.searchsorted(kin.t, t0), np.searchsorted(trace.t, t0)
    assert np.allclose(kin.rot[k] @ trace.acc[j], [0, 0, 1], atol=0.08)
    assert np.abs(kin.vel[k]).max() < 0.01
    with pytest.raises(UserError):
        simulate(5, ranges="huge")


@pytest.mark.parametrize(
    "args",
    [
        ["--ranges", "huge"],
        ["--count", "-1"],
        ["--count", "0"],
        ["--kind", "marathon"],
        ["--rate", "0"],
        ["--minutes", "-3"],
        ["--exercise", "heel_raise"],  # needs --kind set
    ],
)
def test_cli_rejects_bad_arguments(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    rc = main(["simulate", "--out", str(tmp_path / "o"), *args])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "Traceback" not in err


def test_cli_rejects_unwritable_out(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for out in (blocker, blocker / "sub", tmp_path / "nul\0byte"):
        assert main(["simulate", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 3 and "Traceback" not in err
    assert blocker.read_text() == "x"  # nothing stored is touched
