"""The app (heel.app) in the MicroPython unix port, driven by the simulated chip.

Time is the chip's: the harness lets POLL_MS of sample periods pass (fake.advance) per poll
and runs one app.step() + feedback.update() after each, as the asyncio tasks do on a board.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from heel import records as R
from heel.app import POLL_MS
from heel.motion import events as E
from heeltrack.firmware import board_file
from heeltrack.micropython import run_script
from heeltrack.rawtrace import trace_to_raw
from heeltrack.sim import simulate_activity, simulate_set
from heeltrack.trace import Trace

BOARD = str(board_file("virtual"))

HARNESS = """
import gc, json, micropython
from heel.imu.fake_mpu6050 import FakeMPU6050, FileSource
from heel.imu.mpu6050 import MPU6050
from heel.board import load_board
from heel.store import SessionLog
from heel.app import App
from heel import config

board = load_board(BOARD)
if NAME:
    board.name = NAME  # a name the log cannot store (load_board refuses it; the app must cope)
fake = FakeMPU6050(FileSource(RAW), addr=board.imu_addr)
imu = MPU6050(fake, board.imu_addr, board.rate_hz, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms)
PINS = []

class Pin:
    def __init__(self, name):
        self.name = name
        self.v = 0
    def value(self, v):
        if v != self.v:
            self.v = v
            if RECORD:
                PINS.append((fake.ticks_ms(), self.name, v))

cfg = config.merge(config.DEFAULTS, CHANGES)
log = SessionLog(root=ROOT + "/sessions", id_path=ROOT + "/id")
app = App(board, cfg, imu, log, led=Pin("led"), buzzer=Pin("buzzer"), clock=fake.ticks_ms,
          config_path=ROOT + "/config.json")
EMITTED = []
if RECORD:
    app.subscribe(lambda k, ex, t, v: EMITTED.append((fake.ticks_ms(), k, ex, t, v)))

PER = app.poll_ms // 10  # samples per poll, as on the board

def poll():
    fake.advance(PER)
    n = app.step()
    app.feedback.update()
    return n

fed = 0
for _ in range(WARMUP):
    fed += poll()
if PREBEGIN:
    app._begin(0)
locked = 0
if LOCKED:
    gc.collect()
    a0 = gc.mem_alloc()
    micropython.heap_lock()
    try:
        for _ in range(LOCKED):
            locked += poll()
    finally:
        micropython.heap_unlock()
    print("ALLOC", gc.mem_alloc() - a0)
while not fake.finished:
    fed += poll()
for _ in range(40):
    fed += poll()
app.stop()
print("RESULT", json.dumps({"fed": fed + locked, "locked": locked, "emitted": EMITTED,
      "pins": PINS, "reps": app.reps, "t0": app.t0, "sessions": app.sessions,
      "unlogged": app.unlogged, "log_error": app.log_error}))
"""


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
    prelude = (
        f"BOARD = {BOARD!r}\nRAW = {str(raw)!r}\nROOT = {str(tmp / 'root')!r}\n"
        f"CHANGES = {json.dumps(changes or {})}\nWARMUP = {warmup}\nLOCKED = {locked}\n"
        f"PREBEGIN = {prebegin}\nRECORD = {record}\nNAME = {name!r}\n"
    )
    proc = run_script(prelude + HARNESS, timeout=120)
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
    script = f"""
import json
from heel.imu.fake_mpu6050 import FakeMPU6050, ArraySource
from heel.imu.mpu6050 import MPU6050
from heel.board import load_board
from heel.store import SessionLog
from heel.app import App
from heel import config
board = load_board({BOARD!r})
fake = FakeMPU6050(ArraySource([[0, 0, 8192, 0, 0, 0]], loop=True))
imu = MPU6050(fake, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms)
root = {str(tmp_path)!r}
log = SessionLog(root=root + "/sessions", id_path=root + "/id")
app = App(board, config.load(root + "/config.json"), imu, log, clock=fake.ticks_ms,
          config_path=root + "/config.json")
print(json.dumps(sorted(app.info())))
try:
    app.set_config({{"foot": "middle"}})
except ValueError as e:
    print("ERR", e)
print(json.dumps(app.set_config({{"foot": "right", "heel_raise_hold_s": 5}})))
print(config.load(root + "/config.json")["foot"], app._hold_target)
app.set_clock(1767225600)
fake.advance(250)
app.step()
print("EPOCH", app.epoch_s(), app.info()["epoch_s"])
"""
    out = run_script(script).stdout.decode().splitlines()
    keys = json.loads(out[0])
    for k in ("device_id", "fw", "board", "foot", "uptime_ms", "epoch_s", "free"):
        assert k in keys
    assert out[1].startswith("ERR setting 'foot' must be 'left' or 'right'")
    assert json.loads(out[2])["foot"] == "right"
    assert out[3] == "right 5000"
    assert out[4].split()[1] in ("1767225602", "1767225603")


def test_running_asyncio_app_allocates_nothing(micropython_bin, tmp_path):
    # the real tasks in real time: sampling every 25 ms, feedback every 10 ms
    script = f"""
import gc, asyncio, time
from heel.imu.fake_mpu6050 import FakeMPU6050, ArraySource
from heel.imu.mpu6050 import MPU6050
from heel.board import load_board
from heel.store import SessionLog
from heel.app import App
from heel import config
board = load_board({BOARD!r})
fake = FakeMPU6050(ArraySource([[0, 0, 8192, 0, 0, 0]], loop=True), clock=time.ticks_ms)
imu = MPU6050(fake, ticks_ms=time.ticks_ms)
class Pin:
    def value(self, v):
        pass
root = {str(tmp_path)!r}
log = SessionLog(root=root + "/sessions", id_path=root + "/id")
app = App(board, config.merge(config.DEFAULTS, {{}}), imu, log, led=Pin(), clock=time.ticks_ms,
          config_path=None)
async def measure():
    await asyncio.sleep_ms(300)
    gc.collect()
    gc.disable()
    a0 = gc.mem_alloc()
    s0 = app.sampler.fed
    await asyncio.sleep_ms(1500)
    a1 = gc.mem_alloc()
    gc.enable()
    print("ALLOC", a1 - a0, "SAMPLES", app.sampler.fed - s0)
async def main():
    asyncio.create_task(app._sampling())
    asyncio.create_task(app._feedback())
    await measure()
asyncio.run(main())
"""
    out = run_script(script).stdout.decode().split()
    assert out[0] == "ALLOC" and out[1] == "0", out
    assert int(out[3]) > 0  # it was sampling meanwhile


def test_imu_lost_mid_session_faults_are_rate_limited_and_session_ends(micropython_bin, tmp_path):
    set_trace, _truth = simulate_set(4, "heel_raise")
    raw = _raw(_concat(_still(3), set_trace), tmp_path / "imu.raw")
    (tmp_path / "root").mkdir()
    script = f"""
from heel.imu.fake_mpu6050 import FakeMPU6050, FileSource
from heel.imu.mpu6050 import MPU6050
from heel.board import load_board
from heel.store import SessionLog
from heel.app import App
from heel import config
board = load_board({BOARD!r})
fake = FakeMPU6050(FileSource({str(raw)!r}))
imu = MPU6050(fake, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms)
root = {str(tmp_path / "root")!r}
log = SessionLog(root=root + "/sessions", id_path=root + "/id")
app = App(board, config.merge(config.DEFAULTS, {{"idle_timeout_s": 30}}), imu, log,
          clock=fake.ticks_ms, config_path=None)
while not fake.finished:
    fake.advance(3)
    app.step()
assert log.active is not None and app.reps > 0
fake.present = False  # the sensor's cable comes loose: every transaction fails
polls = 0
while log.active is not None and polls < 5000:
    fake.advance(3)
    app.step()
    polls += 1
print("POLLS", polls, "ERRORS", imu.errors)
"""
    out = run_script(script).stdout.decode().split()
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
    script = f"""
import asyncio, time
from heel.imu.fake_mpu6050 import FakeMPU6050, ArraySource
from heel.imu.mpu6050 import MPU6050
from heel.board import load_board
from heel.store import SessionLog
from heel.app import App
from heel import config
board = load_board({BOARD!r})
fake = FakeMPU6050(ArraySource([[0, 0, 8192, 0, 0, 0]], loop=True), clock=time.ticks_ms)
imu = MPU6050(fake, ticks_ms=time.ticks_ms)
root = {str(tmp_path)!r}
log = SessionLog(root=root + "/sessions", id_path=root + "/id")
app = App(board, config.merge(config.DEFAULTS, {{}}), imu, log, clock=time.ticks_ms,
          config_path=None)
real_poll = app.sampler.poll
calls = [0]
def flaky(sink):
    calls[0] += 1
    if calls[0] <= 3:
        raise ValueError("bug %d" % calls[0])
    return real_poll(sink)
app.sampler.poll = flaky
async def main():
    asyncio.create_task(app._sampling())
    await asyncio.sleep_ms(400)
asyncio.run(main())
print("ERRORS", app.errors, "FED", app.sampler.fed)
"""
    out = run_script(script).stdout.decode()
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
