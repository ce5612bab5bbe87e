"""The firmware's entry points: the board file picks the hardware, then the app or the recorder
runs on it.

    from heel import start
    start.main()                  # /main.py: load /board.json and /config.json, run the app
    start.record(30)              # `heeltrack record` at the raw REPL: stream 30 s of samples

`imu.type` in the board file picks the driver and its bus (DRIVERS):
- "mpu6050": the MPU6050 driver on machine.I2C with the board's pins (a Pico);
- "fake_mpu6050": the same driver on the register-level simulated chip
  (heel.imu.fake_mpu6050), fed and clocked by the virtual board (`virtualboard`, registered
  by firmware/virtual/boot.py). Anywhere else this type is refused with a message.
LED and buzzer are machine.Pin outputs on a Pico and recording pins on the virtual board.
This is the only module that imports `machine`.
"""

import sys
import time

from heel import VERSION, config
from heel.app import POLL_MS, App
from heel.board import load_board
from heel.feedback import Inverted

BOARD_PATH = "/board.json"
CONFIG_PATH = "/config.json"
SESSIONS_DIR = "/sessions"


class Hardware:
    """What the board file describes, built: the IMU driver, LED, buzzer and clocks."""

    def __init__(self, imu, led, buzzer, clock, poll_ms, wall, ms_per_s=1000):
        self.imu = imu  # heel.imu.mpu6050.MPU6050
        self.led = led  # .value(v)
        self.buzzer = buzzer  # .value(v) or None
        self.clock = clock  # ticks_ms-like: the IMU's and the app's ms clock
        self.poll_ms = poll_ms  # how often the app reads the FIFO
        self.wall = wall  # epoch seconds from an RTC, or None
        self.ms_per_s = ms_per_s  # clock ms per real second


def _pico_mpu6050(board):
    import machine

    from heel.imu.mpu6050 import MPU6050

    led = machine.Pin(board.led_pin, machine.Pin.OUT)
    if not board.led_active_high:
        led = Inverted(led)
    buzzer = None
    if board.buzzer_pin is not None:
        buzzer = machine.Pin(board.buzzer_pin, machine.Pin.OUT)
    bus = machine.I2C(
        board.i2c_id, sda=machine.Pin(board.sda), scl=machine.Pin(board.scl), freq=board.freq
    )
    try:
        imu = MPU6050(bus, board.imu_addr, board.rate_hz, ticks_ms=time.ticks_ms)
    except OSError as e:
        print("heeltrack: IMU: %s" % (e,))
        _error_blink(led)
        raise
    return Hardware(imu, led, buzzer, time.ticks_ms, POLL_MS, time.time)


def _virtual_fake_mpu6050(board):
    try:
        import virtualboard as vb
    except ImportError:
        raise ValueError(
            "%s: imu.type 'fake_mpu6050' is the virtual board's simulated chip; this is not "
            "the virtual board: flash a board file with imu.type 'mpu6050'" % board.source
        ) from None
    from heel.imu.fake_mpu6050 import FakeMPU6050
    from heel.imu.mpu6050 import MPU6050

    chip = FakeMPU6050(vb.source, addr=board.imu_addr, clock=vb.ticks_ms)
    vb.attach_chip(chip)
    buzzer = vb.pin("buzzer") if board.buzzer_pin is not None else None
    # poll as often in virtual time as a Pico does in real time (the FIFO holds 0.85 s)
    poll_ms = max(1, POLL_MS * 1000 // vb.speed_milli)
    imu = MPU6050(chip, board.imu_addr, board.rate_hz, ticks_ms=vb.ticks_ms)
    return Hardware(imu, vb.pin("led"), buzzer, vb.ticks_ms, poll_ms, None, vb.speed_milli)


# imu.type -> builder(board) -> Hardware
DRIVERS = {"mpu6050": _pico_mpu6050, "fake_mpu6050": _virtual_fake_mpu6050}


def hardware(board):
    """The Hardware the board file describes (ValueError if it cannot be built here)."""
    build = DRIVERS.get(board.imu_type)
    if build is None:
        raise ValueError("%s: no driver for imu.type '%s'" % (board.source, board.imu_type))
    return build(board)


def _error_blink(led, seconds=5):
    for _ in range(seconds * 10):
        led.value(1)
        time.sleep_ms(50)
        led.value(0)
        time.sleep_ms(50)


def load(board_path=BOARD_PATH, config_path=CONFIG_PATH):
    """(board, configuration); a bad board file raises ValueError, a bad configuration gives
    the seed's program (counting with it beats not counting)."""
    board = load_board(board_path)
    try:
        cfg = config.load(config_path)
    except ValueError as e:
        print("heeltrack: %s; using the default program" % e)
        cfg = config.merge(config.DEFAULTS, {})
    return board, cfg


def build(board_path=BOARD_PATH, config_path=CONFIG_PATH, sessions=SESSIONS_DIR):
    """The App for this board, ready to run (ValueError for a bad board file)."""
    from heel.store import SessionLog

    board, cfg = load(board_path, config_path)
    hw = hardware(board)
    log = SessionLog(root=sessions)
    return App(
        board,
        cfg,
        hw.imu,
        log,
        led=hw.led,
        buzzer=hw.buzzer,
        clock=hw.clock,
        wall=hw.wall,
        poll_ms=hw.poll_ms,
        config_path=config_path,
        ms_per_s=hw.ms_per_s,
    )


def main(board_path=BOARD_PATH, config_path=CONFIG_PATH):
    """Run the app until Ctrl-C; a bad board file is reported and the REPL comes up."""
    try:
        app = build(board_path, config_path)
    except ValueError as e:
        print("heeltrack: %s; run `heeltrack flash --board NAME` or copy boards/NAME.json" % e)
        return None
    print(
        "heeltrack %s on %s, %s foot: counting; Ctrl-C for the REPL"
        % (VERSION, app.board.name, app.cfg["foot"])
    )
    app.run()
    return app


def record(seconds, board_path=BOARD_PATH, config_path=CONFIG_PATH):
    """Stream `seconds` of IMU samples to stdout as recorder frames (heel.recorder)."""
    from heel.recorder import Recorder

    board, cfg = load(board_path, config_path)
    hw = hardware(board)
    return Recorder(hw.imu, board, sys.stdout.buffer, cfg["foot"]).run(seconds, hw.poll_ms)
