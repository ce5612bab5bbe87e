"""heel.config (program targets, validation) and heel.feedback (LED/buzzer patterns), in CPython
and the unix port."""

from __future__ import annotations

import json

import pytest

from heel import config as C
from heel import feedback as FB
from tests.mp import run_mp


class Clock:
    def __init__(self) -> None:
        self.t = 0

    def __call__(self) -> int:
        return self.t


class Pin:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.v = 0
        self.edges: list[tuple[int, int]] = []

    def value(self, v: int) -> None:
        if v != self.v:
            self.v = v
            self.edges.append((self.clock.t, v))


def run_for(fb: FB.Feedback, clock: Clock, ms: int, step: int = 10) -> None:
    for _ in range(ms // step):
        clock.t += step
        fb.update()


def on_durations(pin: Pin) -> list[int]:
    e = pin.edges
    return [e[i + 1][0] - e[i][0] for i in range(len(e) - 1) if e[i][1] == 1]


def test_defaults_are_the_seed_program():
    cfg = C.merge(C.DEFAULTS, {})
    assert cfg["heel_raise_reps"] == [10, 15] and cfg["heel_raise_sets"] == [3, 4]
    assert C.hold_ms(cfg) == 3000
    assert cfg["heel_walk_steps"] == 20 and C.rep_target(cfg, 1) == 10  # sensor foot
    assert cfg["toe_tap_reps"] == 10 and cfg["toe_tap_rounds"] == [3, 4]
    assert cfg["ankle_circle_reps"] == 8 and C.rep_target(cfg, 3) == 8
    assert cfg["idle_timeout_s"] == 120 and cfg["foot"] in ("left", "right")


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"foot": "both"}, "'foot' must be 'left' or 'right'"),
        ({"hold": 3}, "unknown setting 'hold'"),
        ({"heel_raise_reps": [15, 10]}, "min <= max"),
        ({"heel_raise_reps": 12}, "[min, max]"),
        ({"heel_raise_hold_s": -1}, "in 0..30"),
        ({"idle_timeout_s": "60"}, "an integer"),
        ({"buzzer": 1}, "true or false"),
    ],
)
def test_bad_settings_are_one_line_errors(changes, words):
    with pytest.raises(ValueError) as e:
        C.merge(C.DEFAULTS, changes)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_load_save_round_trip_and_bad_file(tmp_path):
    path = str(tmp_path / "config.json")
    assert C.load(path) == C.merge(C.DEFAULTS, {})  # missing file: the program
    cfg = C.merge(C.DEFAULTS, {"foot": "right", "heel_raise_hold_s": 4.5})
    C.save(cfg, path)
    assert C.load(path) == cfg and not (tmp_path / "config.json.tmp").exists()
    assert C.digest(cfg) != C.digest(C.merge(C.DEFAULTS, {}))
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        C.load(path)
    (tmp_path / "config.json").write_text(json.dumps({"foot": "up"}))
    with pytest.raises(ValueError, match="config.json: setting 'foot'"):
        C.load(path)


def test_config_digest_is_the_same_in_the_unix_port(micropython_bin):
    out = run_mp("firmware_values", "config_digest", {"foot": "right"})
    assert out.stdout.decode().strip() == C.digest(C.merge(C.DEFAULTS, {"foot": "right"}))


def test_rep_blinks_at_once_and_queues_without_loss():
    clock = Clock()
    led = Pin(clock)
    fb = FB.Feedback(led, None, clock)
    clock.t = 1000
    fb.rep()
    assert led.edges[-1] == (1000, 1)  # on at the call, not at the next update
    fb.rep()
    fb.rep()  # confirmed together: blink one after the other
    run_for(fb, clock, 1000)
    assert on_durations(led) == [80, 80, 80]
    assert [t for t, v in led.edges if v == 1] == [1000, 1200, 1400]


def test_set_end_hold_target_and_store_full_patterns():
    clock = Clock()
    led, buzz = Pin(clock), Pin(clock)
    fb = FB.Feedback(led, buzz, clock)
    fb.set_end()
    run_for(fb, clock, 2000)
    assert on_durations(led) == [500, 500]  # two long blinks
    fb.hold()
    run_for(fb, clock, 1000)
    assert on_durations(buzz) == [300]  # one beep, the LED is left alone
    assert on_durations(led) == [500, 500]
    fb.target()
    run_for(fb, clock, 1000)
    assert on_durations(buzz) == [300, 100, 100]
    fb.store_full(True)
    run_for(fb, clock, 25000)
    fast = [d for d in on_durations(led) if d == 50]
    assert len(fast) == 15  # five flashes at 0, 10 and 20 s
    assert on_durations(buzz)[-3:] == [100, 100, 100]  # three beeps, once
    fb.store_full(False)
    n = len(led.edges)
    run_for(fb, clock, 15000)
    assert len(led.edges) == n


def test_hold_cue_on_the_led_without_a_buzzer():
    clock = Clock()
    led = Pin(clock)
    fb = FB.Feedback(led, None, clock)
    fb.hold()
    run_for(fb, clock, 1000)
    assert on_durations(led) == [300]


def test_active_low_led():
    clock = Clock()
    raw = Pin(clock)
    raw.v = 1
    fb = FB.Feedback(FB.Inverted(raw), None, clock)
    clock.t = 10
    fb.rep()
    run_for(fb, clock, 500)
    assert [v for _, v in raw.edges] == [0, 1]  # on = low, then back high


class StubLog:
    """Stand-in for heel.store.SessionLog whose filesystem is full of unsynced data."""

    def __init__(self) -> None:
        self.active: int | None = None
        self.full = False
        self.device_id = "0" * 16
        self.calls: list[str] = []

    def begin(self, *args: object) -> int:
        self.active = 1
        return 1

    def note_boot(self, uptime_ms: int) -> int:
        return 1

    def _append(self, name: str) -> bool:
        self.calls.append(name)
        self.full = True
        return False

    def append_rep(self, *a: object) -> bool:
        return self._append("rep")

    def append_set_start(self, *a: object) -> bool:
        return self._append("set_start")

    def append_set_end(self, *a: object) -> bool:
        return self._append("set_end")

    def end(self, *a: object) -> None:
        self.active = None

    def free_bytes(self) -> int:
        return 0


def test_store_full_is_signalled_and_counting_goes_on():
    from heel.app import App
    from heel.board import load_board
    from heel.imu.fake_mpu6050 import ArraySource, FakeMPU6050
    from heel.imu.mpu6050 import MPU6050
    from heel.motion import events as E
    from heeltrack.firmware import board_file

    board = load_board(str(board_file("virtual")))
    fake = FakeMPU6050(ArraySource([[0, 0, 8192, 0, 0, 0]], loop=True))
    imu = MPU6050(fake, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms)
    clock = Clock()
    led = Pin(clock)
    log = StubLog()
    app = App(board, C.merge(C.DEFAULTS, {}), imu, log, led=led, clock=clock, config_path=None)
    app._on_event(E.EV_SET_START, E.HEEL_RAISE, 1000, 0)
    for k in range(3):
        app._on_event(E.EV_REP, E.HEEL_RAISE, 2000 + 1000 * k, 500)
    assert app.reps == 3 and log.calls == ["set_start", "rep", "rep", "rep"]
    run_for(app.feedback, clock, 3000)
    # every rep still blinks, and the store-full warning (five fast flashes) shows
    durations = on_durations(led)
    assert durations.count(80) == 3 and durations.count(50) == 5


class FailingLog(StubLog):
    """A session log that cannot begin a session (e.g. a value it cannot store) until `fixed`."""

    fixed = False

    def begin(self, *args: object) -> int:
        if not self.fixed:
            raise ValueError("text field longer than 63 bytes")
        return super().begin(*args)

    def _append(self, name: str) -> bool:
        self.calls.append(name)
        return self.active is not None

    def append_fault(self, code: int, value: int) -> bool:
        return self._append(f"fault {code} {value}")


def test_a_log_that_cannot_begin_is_signalled_counted_and_counting_goes_on(capsys):
    from heel import records as R
    from heel.app import App
    from heel.board import load_board
    from heel.imu.fake_mpu6050 import ArraySource, FakeMPU6050
    from heel.imu.mpu6050 import MPU6050
    from heel.motion import events as E
    from heeltrack.firmware import board_file

    board = load_board(str(board_file("virtual")))
    fake = FakeMPU6050(ArraySource([[0, 0, 8192, 0, 0, 0]], loop=True))
    imu = MPU6050(fake, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms)
    clock = Clock()
    led = Pin(clock)
    log = FailingLog()
    app = App(board, C.merge(C.DEFAULTS, {}), imu, log, led=led, clock=clock, config_path=None)
    app._on_event(E.EV_SET_START, E.HEEL_RAISE, 1000, 0)
    for k in range(3):
        app._on_event(E.EV_REP, E.HEEL_RAISE, 2000 + 1000 * k, 500)
    app._on_event(E.EV_SET_END, E.HEEL_RAISE, 5000, 3)
    # counted, every rep blinks, the failure is counted and shown, one line said why
    assert app.reps == 3 and app.unlogged == 5 and log.active is None
    info = app.info()
    assert info["unlogged"] == 5 and "longer than 63 bytes" in info["log_error"]
    run_for(app.feedback, clock, 25000)
    durations = on_durations(led)
    assert durations.count(80) == 3  # the reps
    assert durations.count(50) == 3 * 10  # ten fast flashes at 0, 10 and 20 s
    out = capsys.readouterr().out
    assert out.count("the session log failed") == 1 and "Traceback" not in out
    # the log works again: the next session says how many events were lost meanwhile
    log.fixed = True
    app._on_event(E.EV_SET_START, E.TOE_TAP, 30000, 0)
    assert log.active == 1 and log.calls[-2:] == [f"fault {R.FAULT_UNLOGGED} 5", "set_start"]
    assert app.info()["log_error"] is None and app.unlogged == 5
    n = len(led.edges)
    run_for(app.feedback, clock, 25000)
    assert len(led.edges) == n  # no more warnings
