"""The app (heel.app.App) on the simulated chip, in the unix port (tests/test_app.py).

    import app_runs; app_runs.session(BOARD, RAW, ROOT, {}, 0, 0, False, True, "")

Each function builds the app as main.py does, from a board file, a fake MPU6050 and a session
log under ROOT, runs one scenario and prints what the test checks.
"""

import json

from heel import config
from heel.app import App
from heel.board import load_board
from heel.imu.fake_mpu6050 import ArraySource, FakeMPU6050, FileSource
from heel.imu.mpu6050 import MPU6050
from heel.store import SessionLog

STILL = [[0, 0, 8192, 0, 0, 0]]  # the chip lying flat, for ever


class Pin:
    """An output pin that records its edges at chip time when `edges` is a list."""

    def __init__(self, name, clock=None, edges=None):
        self.name = name
        self.v = 0
        self.clock = clock
        self.edges = edges

    def value(self, v):
        if v != self.v:
            self.v = v
            if self.edges is not None:
                self.edges.append((self.clock(), self.name, v))


def _log(root):
    return SessionLog(root=root + "/sessions", id_path=root + "/id")


def session(board_path, raw, root, changes, warmup, locked, prebegin, record, name):
    """A recording played through app.step() + feedback.update(), one poll per POLL_MS of
    chip time, as the asyncio tasks do on a board. `locked` polls run under heap_lock after
    `warmup` polls (and after opening the session when `prebegin`); prints ALLOC (heap moved
    meanwhile) and a RESULT line of JSON."""
    import gc

    import micropython

    board = load_board(board_path)
    if name:
        board.name = name  # a name the log cannot store (load_board refuses it; the app must cope)
    fake = FakeMPU6050(FileSource(raw), addr=board.imu_addr)
    imu = MPU6050(
        fake, board.imu_addr, board.rate_hz, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms
    )
    pins = [] if record else None
    cfg = config.merge(config.DEFAULTS, changes)
    app = App(
        board,
        cfg,
        imu,
        _log(root),
        led=Pin("led", fake.ticks_ms, pins),
        buzzer=Pin("buzzer", fake.ticks_ms, pins),
        clock=fake.ticks_ms,
        config_path=root + "/config.json",
    )
    emitted = []
    if record:
        app.subscribe(lambda k, ex, t, v: emitted.append((fake.ticks_ms(), k, ex, t, v)))
    per = app.poll_ms // 10  # samples per poll, as on the board

    def poll():
        fake.advance(per)
        n = app.step()
        app.feedback.update()
        return n

    fed = 0
    for _ in range(warmup):
        fed += poll()
    if prebegin:
        app._begin(0)
    done = 0
    if locked:
        gc.collect()
        a0 = gc.mem_alloc()
        micropython.heap_lock()
        try:
            for _ in range(locked):
                done += poll()
        finally:
            micropython.heap_unlock()
        print("ALLOC", gc.mem_alloc() - a0)
    while not fake.finished:
        fed += poll()
    for _ in range(40):
        fed += poll()
    app.stop()
    result = {
        "fed": fed + done,
        "locked": done,
        "emitted": emitted,
        "pins": pins or [],
        "reps": app.reps,
        "t0": app.t0,
        "sessions": app.sessions,
        "unlogged": app.unlogged,
        "log_error": app.log_error,
    }
    print("RESULT", json.dumps(result))


def device_interface(board_path, root):
    """What the link asks of the app: info, set_config (refused and accepted), set_clock."""
    board = load_board(board_path)
    fake = FakeMPU6050(ArraySource(STILL, loop=True))
    imu = MPU6050(fake, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms)
    app = App(
        board,
        config.load(root + "/config.json"),
        imu,
        _log(root),
        clock=fake.ticks_ms,
        config_path=root + "/config.json",
    )
    print(json.dumps(sorted(app.info())))
    try:
        app.set_config({"foot": "middle"})
    except ValueError as e:
        print("ERR", e)
    print(json.dumps(app.set_config({"foot": "right", "heel_raise_hold_s": 5})))
    print(config.load(root + "/config.json")["foot"], app._hold_target)
    app.set_clock(1767225600)
    fake.advance(250)
    app.step()
    print("EPOCH", app.epoch_s(), app.info()["epoch_s"])


def _realtime_app(board_path, root, led=None):
    """The app on a still chip that keeps real time (time.ticks_ms), for its asyncio tasks."""
    import time

    board = load_board(board_path)
    fake = FakeMPU6050(ArraySource(STILL, loop=True), clock=time.ticks_ms)
    imu = MPU6050(fake, ticks_ms=time.ticks_ms)
    cfg = config.merge(config.DEFAULTS, {})
    return App(board, cfg, imu, _log(root), led=led, clock=time.ticks_ms, config_path=None)


def asyncio_heap(board_path, root):
    """The real tasks in real time (sampling, feedback): heap moved over 1.5 s with gc off."""
    import asyncio
    import gc

    app = _realtime_app(board_path, root, led=Pin("led"))

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


def imu_lost(board_path, raw, root):
    """A recording until a session runs, then the sensor gone: polls until the session ends
    and the driver's error count."""
    board = load_board(board_path)
    fake = FakeMPU6050(FileSource(raw))
    imu = MPU6050(fake, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms)
    log = _log(root)
    cfg = config.merge(config.DEFAULTS, {"idle_timeout_s": 30})
    app = App(board, cfg, imu, log, clock=fake.ticks_ms, config_path=None)
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


def flaky_sampler(board_path, root):
    """The sampling task when the sampler raises three times: the errors and samples fed."""
    import asyncio

    app = _realtime_app(board_path, root)
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
