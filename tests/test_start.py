"""The firmware's entry point (heel.start): the board file's imu.type picks the driver and its
bus; a board file that does not fit the hardware is refused with a message, never guessed."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from heel import start
from heel.board import load_board
from heel.imu.fake_mpu6050 import ArraySource, FakeMPU6050
from heeltrack.firmware import board_file

RESTING = [[0, 0, 8192, 0, 0, 0]]


def test_the_fake_chip_is_refused_anywhere_but_on_the_virtual_board(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "virtualboard", raising=False)
    board = load_board(str(board_file("virtual")))
    with pytest.raises(ValueError, match="not the virtual board"):
        start.hardware(board)


def test_mpu6050_means_the_i2c_bus_on_the_board_files_pins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: dict[str, object] = {}

    class Pin:
        OUT = 1

        def __init__(self, pin: object, mode: int | None = None) -> None:
            self.pin = pin

        def value(self, v: int | None = None) -> int:
            return 0

    def i2c(bus_id: int, sda: Pin, scl: Pin, freq: int) -> FakeMPU6050:
        made.update(id=bus_id, sda=sda.pin, scl=scl.pin, freq=freq)
        return FakeMPU6050(ArraySource(RESTING, loop=True))  # the chip answers on that bus

    machine = types.SimpleNamespace(Pin=Pin, I2C=i2c)
    monkeypatch.setitem(sys.modules, "machine", machine)
    monkeypatch.setattr(start.time, "ticks_ms", lambda: 0, raising=False)
    board = load_board(str(board_file("pico-mpu6050")))
    hw = start.hardware(board)
    assert made == {"id": 0, "sda": 4, "scl": 5, "freq": 400000}
    assert hw.imu.rate_hz == 100 and hw.buzzer is None


def test_a_board_file_with_an_unknown_driver_is_refused(tmp_path: Path) -> None:
    data = json.loads(board_file("pico-mpu6050").read_text())
    board = load_board(data)
    board.imu_type = "bmi270"  # a driver this firmware does not have
    with pytest.raises(ValueError, match="no driver for imu.type 'bmi270'"):
        start.hardware(board)
