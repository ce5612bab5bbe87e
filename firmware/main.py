"""HeelTrack firmware entry point: copied to the board's / as main.py by `heeltrack flash`.

Loads /board.json (heel.board) and /config.json (heel.config: the exercise program,
the foot, the idle timeout), builds the hardware and runs the app (heel.app):
- on a Pico: machine.I2C for the MPU6050, machine.Pin for the LED and the buzzer;
- on the virtual board (`heeltrack virtual`, the unix port): the simulated chip
  heel.imu.fake_mpu6050 fed by the board's trace, and pins that record to a host log.
Ctrl-C stops the app (the session is closed) and leaves the REPL, as usual.

    >>> import main          # at the REPL: start the app again
"""

import time

from heel import VERSION, config
from heel.app import POLL_MS, App
from heel.board import load_board
from heel.feedback import Inverted
from heel.store import SessionLog


def _virtual():
    try:
        import virtualboard  # registered by firmware/virtual/boot.py on the virtual board
    except ImportError:
        return None
    return virtualboard


def hardware(board):
    """-> (i2c bus, led, buzzer or None, ms clock, poll_ms, wall clock or None)."""
    vb = _virtual()
    if vb is not None:
        from heel.imu.fake_mpu6050 import FakeMPU6050

        bus = FakeMPU6050(vb.source, addr=board.imu_addr, clock=vb.ticks_ms)
        vb.attach_chip(bus)
        buzzer = vb.pin("buzzer") if board.buzzer_pin is not None else None
        # poll as often in virtual time as a Pico does in real time (the FIFO holds 0.85 s)
        poll_ms = max(1, POLL_MS * 1000 // vb.speed_milli)
        return bus, vb.pin("led"), buzzer, vb.ticks_ms, poll_ms, None
    import machine

    bus = machine.I2C(
        board.i2c_id, sda=machine.Pin(board.sda), scl=machine.Pin(board.scl), freq=board.freq
    )
    led = machine.Pin(board.led_pin, machine.Pin.OUT)
    if not board.led_active_high:
        led = Inverted(led)
    buzzer = None
    if board.buzzer_pin is not None:
        buzzer = machine.Pin(board.buzzer_pin, machine.Pin.OUT)
    return bus, led, buzzer, time.ticks_ms, POLL_MS, time.time


def _error_blink(led, seconds=5):
    for _ in range(seconds * 10):
        led.value(1)
        time.sleep_ms(50)
        led.value(0)
        time.sleep_ms(50)


def main():
    try:
        board = load_board("/board.json")
    except ValueError as e:
        print("heeltrack: %s; run `heeltrack flash --board NAME` or copy boards/NAME.json" % e)
        return None
    try:
        cfg = config.load("/config.json")
    except ValueError as e:  # keep counting with the seed's program rather than not at all
        print("heeltrack: %s; using the default program" % e)
        cfg = config.merge(config.DEFAULTS, {})
    bus, led, buzzer, clock, poll_ms, wall = hardware(board)
    from heel.imu.mpu6050 import MPU6050

    try:
        imu = MPU6050(bus, board.imu_addr, board.rate_hz, ticks_ms=clock)
    except OSError as e:
        print("heeltrack: IMU: %s" % (e,))
        _error_blink(led)
        raise
    log = SessionLog(root="/sessions")
    app = App(board, cfg, imu, log, led=led, buzzer=buzzer, clock=clock, wall=wall, poll_ms=poll_ms)
    print(
        "heeltrack %s on %s, %s foot: counting; Ctrl-C for the REPL"
        % (VERSION, board.name, cfg["foot"])
    )
    app.run()
    return app


main()
