"""The app (heel.app) in the MicroPython unix port, driven by the simulated chip.

Time is the chip's: the harness lets POLL_MS of sample periods pass (fake.advance) per poll
and runs one app.step() + feedback.update() after each, as the asyncio tasks do on a board.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np

from heel import records as R
from heel.app import POLL_MS
from heel.motion import events as E
from heeltrack.firmware import board_file
from heeltrack.rawtrace import trace_to_raw
from heeltrack.sim import simulate_activity, simulate_set
from heeltrack.trace import Trace
from tests.mp import run_mp

BOARD = str(board_file("virtual"))


def _mp(function: str, *args: object, timeout: float = 300) -> subprocess.CompletedProcess:
    """tests/mp/app_runs.py's `function` in the unix port."""
    return run_mp("app_runs", function, *args, timeout=timeout)


def _raw(trace: Trace, path: Path) -> Path:
    path.write_bytes(trace_to_raw(trace, BOARD))
    return path


def _still(seconds: float) -> Trace:
    n = int(seconds * 100)
    acc = np.zeros((n, 3))
    acc[:, 2] = 1.0
    return Trace(t=np.arange(n) * 0.01, acc=acc, gyro=np.zeros((n, 3)), foot="left")


def _concat(*traces: Trace) -> Trace:
    ts, accs, gyros, t0 = [], [], [], 0.0
    for tr in traces:
        ts.append(tr.t - tr.t[0] + t0)
        accs.append(tr.acc)
        gyros.append(tr.gyro)
        t0 = ts[-1][-1] + 0.01
    return Trace(
        t=np.concatenate(ts), acc=np.concatenate(accs), gyro=np.concatenate(gyros), foot="left"
    )


def _run(
    tmp: Path,
    trace: Trace,
    *,
    changes: dict | None = None,
    warmup: int = 0,
    locked: int = 0,
    prebegin: bool = False,
    record: bool = True,
    name: str = "",
) -> tuple[dict, str]:
    raw = _raw(trace, tmp / "imu.raw")
    (tmp / "root").mkdir(exist_ok=True)
    args = (str(raw), str(tmp / "root"), changes or {}, warmup, locked, prebegin, record, name)
    proc = _mp("session", BOARD, *args, timeout=120)
    out = proc.stdout.decode()
    line = [x for x in out.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :]), out


def _sessions(tmp: Path) -> list[tuple[dict, list]]:
    out = []
    for path in sorted((tmp / "root" / "sessions").glob("*")):
        if path.suffix in (".hts", ".open") or path.name[0].isdigit():
            try:
                out.append(R.decode_session(path.read_bytes()))
            except ValueError:
                continue
    return out


def test_per_sample_work_allocates_nothing_unix_port(micropython_bin, tmp_path):
    # 6.8 s warm-up, then 28 s (700 polls) under heap_lock: still, then walking
    per = POLL_MS // 10
    trace = _concat(_still(8), simulate_activity(5, "walking", seconds=25)[0], _still(5))
    result, out = _run(tmp_path, trace, warmup=680 // per, locked=2800 // per, record=False)
    assert result["locked"] == 2800
    assert "ALLOC 0" in out


def test_events_in_a_running_session_allocate_nothing(micropython_bin, tmp_path):
    # the session is open (begin allocates, once); a whole heel-raise set under heap_lock
    trace, truth = simulate_set(11, "heel_raise")
    per = POLL_MS // 10
    polls = int(len(trace.t) / per) - 300 // per
    warmup = 200 // per
    result, out = _run(tmp_path, trace, warmup=warmup, locked=polls, prebegin=True, record=False)
    assert "ALLOC 0" in out, out[-2000:]
    assert result["reps"] >= truth["sets"][0]["count"] - 2  # the set was counted meanwhile


def test_session_logged_and_feedback_within_300ms(micropython_bin, tmp_path):
    set_trace, truth = simulate_set(4, "heel_raise")
    trace = _concat(_still(3), set_trace, _still(25))
    result, _ = _run(tmp_path, trace, changes={"idle_timeout_s": 15})
    reps = [e for e in result["emitted"] if e[1] == E.EV_REP]
    expected = truth["sets"][0]["count"]
    assert abs(len(reps) - expected) <= 1, (len(reps), expected)

    # the log: one session, ended by the idle timeout, with the same reps
    sessions = _sessions(tmp_path)
    assert len(sessions) == 1
    _head, records = sessions[0]
    kinds = [k for k, _ in records]
    assert kinds[0] == R.SESSION_START and kinds[-1] == R.SESSION_END
    assert records[-1][1]["reason"] == R.END_IDLE
    logged = [r for k, r in records if k == R.REP]
    assert len(logged) == len(reps)
    assert all(r["set_no"] == 1 and r["exercise"] == E.HEEL_RAISE for r in logged)
    # log times are uptime: the app's start plus engine time
    assert [r["t_ms"] for r in logged] == [result["t0"] + e[3] for e in reps]

    # an LED blink starts within 300 ms (chip time) of every rep the engine emits
    led_on = [t for t, name, v in result["pins"] if name == "led" and v == 1]
    batches: dict[int, int] = {}
    for t_emit, *_ in reps:
        batches[t_emit] = batches.get(t_emit, 0) + 1
    latencies = []
    for t_emit in batches:
        first = min((t for t in led_on if t >= t_emit), default=None)
        assert first is not None
        latencies.append(first - t_emit)
    assert max(latencies) <= 300, latencies
    # every rep gets its own blink (reps confirmed together blink one after the other)
    assert len(led_on) >= len(reps)


def test_hold_cue_and_set_end_signal(micropython_bin, tmp_path):
    set_trace, truth = simulate_set(4, "heel_raise")
    holds = [r["hold_s"] for r in truth["sets"][0]["reps"]]
    target = 1
    trace = _concat(_still(3), set_trace, _still(5))
    result, _ = _run(tmp_path, trace, changes={"heel_raise_hold_s": target})
    beeps = [t for t, name, v in result["pins"] if name == "buzzer" and v == 1]
    long_holds = sum(1 for h in holds if h > target + 0.5)
    assert len(beeps) >= long_holds > 0
    # set end: the LED's two long blinks (500 ms on)
    pins = [(t, v) for t, name, v in result["pins"] if name == "led"]
    on_times = [pins[i + 1][0] - pins[i][0] for i in range(len(pins) - 1) if pins[i][1] == 1]
    assert sum(1 for d in on_times if d >= 490) >= 2


def test_device_interface_for_the_link(micropython_bin, tmp_path):
    out = _mp("device_interface", BOARD, str(tmp_path)).stdout.decode().splitlines()
    keys = json.loads(out[0])
    for k in ("device_id", "fw", "board", "foot", "uptime_ms", "epoch_s", "free"):
        assert k in keys
    assert out[1].startswith("ERR setting 'foot' must be 'left' or 'right'")
    assert json.loads(out[2])["foot"] == "right"
    assert out[3] == "right 5000"
    assert out[4].split()[1] in ("1767225602", "1767225603")


def test_running_asyncio_app_allocates_nothing(micropython_bin, tmp_path):
    # the real tasks in real time: sampling every 25 ms, feedback every 10 ms
    out = _mp("asyncio_heap", BOARD, str(tmp_path)).stdout.decode().split()
    assert out[0] == "ALLOC" and out[1] == "0", out
    assert int(out[3]) > 0  # it was sampling meanwhile


def test_imu_lost_mid_session_faults_are_rate_limited_and_session_ends(micropython_bin, tmp_path):
    set_trace, _truth = simulate_set(4, "heel_raise")
    raw = _raw(_concat(_still(3), set_trace), tmp_path / "imu.raw")
    (tmp_path / "root").mkdir()
    out = _mp("imu_lost", BOARD, str(raw), str(tmp_path / "root")).stdout.decode().split()
    polls, errors = int(out[1]), int(out[3])
    # ended after the idle time (30 s) without samples, counted in polls of POLL_MS
    assert polls < 5000 and 30000 <= polls * POLL_MS <= 30000 + POLL_MS
    assert errors >= polls  # every poll failed ...
    _head, records = _sessions(tmp_path)[0]
    faults = [r for k, r in records if k == R.FAULT and r["code"] == R.FAULT_I2C]
    assert 1 <= len(faults) <= polls // 400 + 1  # ... but the log got a few summed FAULTs
    assert sum(f["value"] for f in faults) <= errors
    assert records[-1][0] == R.SESSION_END and records[-1][1]["reason"] == R.END_IDLE


def test_an_unexpected_error_does_not_stop_the_counting(micropython_bin, tmp_path):
    out = _mp("flaky_sampler", BOARD, str(tmp_path)).stdout.decode()
    assert out.count("sampling failed") == 1 and "bug 1" in out and "bug 2" not in out
    last = out.split()
    assert last[-4:-2] == ["ERRORS", "3"] and int(last[-1]) > 0


def test_a_board_name_the_log_cannot_hold_does_not_stop_the_counting(micropython_bin, tmp_path):
    # found: a 64-byte name made every SessionLog.begin raise; the app printed a traceback and
    # never logged nor blinked. Now every rep blinks and the lost events are counted and shown.
    set_trace, truth = simulate_set(4, "heel_raise")
    trace = _concat(_still(3), set_trace, _still(25))
    result, out = _run(tmp_path, trace, changes={"idle_timeout_s": 15}, name="n" * 64)
    reps = [e for e in result["emitted"] if e[1] == E.EV_REP]
    assert abs(len(reps) - truth["sets"][0]["count"]) <= 1 and result["reps"] == len(reps)
    assert "Traceback" not in out and out.count("the session log failed") == 1
    assert "longer than 63 bytes" in result["log_error"]
    assert result["unlogged"] == len(result["emitted"])  # set start, reps, set end: none logged
    assert _sessions(tmp_path) == []
    # every rep blinked, and the ten fast flashes (every 10 s) said the log fails
    led_on = [t for t, name, v in result["pins"] if name == "led" and v == 1]
    assert len(led_on) >= len(reps) + 2 + 10  # + the set end's two blinks
