"""Board files: every file in boards/ loads (CPython and unix port); bad ones name the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from heel.board import load_board
from heeltrack.firmware import board_file, board_names
from tests.mp import run_mp

BOARD_FILES = [board_file(name) for name in board_names()]
GOOD: dict[str, Any] = json.loads(board_file("pico-mpu6050").read_text())


def test_the_expected_boards_exist() -> None:
    names = {p.stem for p in BOARD_FILES}
    assert {"pico-mpu6050", "pico-w-mpu6050", "pico2-mpu6050", "virtual"} <= names


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.name)
def test_every_board_file_loads(path: Path) -> None:
    b = load_board(str(path))
    assert b.name == path.stem
    assert sorted(b.axis_index) == [0, 1, 2]
    assert b.rate_hz == 100 and b.imu_addr in (0x68, 0x69)
    if b.mcu == "unix":
        assert b.imu_type == "fake_mpu6050" and b.usb_vid is None
    else:
        assert (b.i2c_id, b.sda, b.scl, b.freq) == (0, 4, 5, 400000)
        assert (b.usb_vid, b.usb_pid) == (0x2E8A, 0x0005)  # MicroPython on rp2
        assert b.led_pin == "LED"


def test_every_board_file_loads_in_the_unix_port(micropython_bin: str) -> None:
    paths = [str(p) for p in BOARD_FILES]
    lines = run_mp("firmware_values", "boards", paths).stdout.decode().splitlines()
    assert lines == [
        f"{b.name} {b.axis_index} {b.axis_sign} {b.imu_addr}"
        for b in (load_board(str(p)) for p in BOARD_FILES)
    ]


def test_reference_board_values() -> None:
    b = load_board(GOOD)
    assert (b.button_pin, b.buzzer_pin) == (None, None)
    ok = copy.deepcopy(GOOD)
    ok["button"] = {"pin": 15, "pull_up": True}
    ok["buzzer"] = {"pin": 16}
    ok["axes"] = ["x", "-y", "-z"]  # strapped upside down
    b = load_board(ok)
    assert (b.button_pin, b.button_pull_up, b.buzzer_pin) == (15, True, 16)
    assert (b.axis_index, b.axis_sign) == ((0, 1, 2), (1, -1, -1))
    ok["axes"] = ["y", "-x", "z"]
    assert load_board(ok).axis_index == (1, 0, 2)


def _set(d: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    for k in keys[:-1]:
        d = d[k]
    if value is KeyError:
        del d[keys[-1]]
    else:
        d[keys[-1]] = value


BAD = [
    ("i2c.sda", "GP4", "field 'i2c.sda' must be a GPIO number 0-29, got 'GP4'"),
    ("i2c.sda", 5, "field 'i2c.sda' GP5 cannot be SDA of I2C0; use e.g. GP0, GP4, GP8, GP12"),
    ("i2c.scl", 7, "field 'i2c.scl' GP7 cannot be SCL of I2C0"),
    ("i2c.id", 2, "field 'i2c.id' must be a number 0-1, got 2"),
    ("i2c.freq", 4_000_000, "field 'i2c.freq' must be a number 10000-1000000, got 4000000"),
    ("i2c", None, "field 'i2c' must be an object with id, sda, scl, freq, got null"),
    ("i2c.sdaa", 4, "field 'i2c.sdaa' is not a known field"),
    ("buzer", None, "field 'buzer' is not a known field"),
    ("axes", KeyError, "field 'axes' is missing"),
    ("axes", ["x", "x", "z"], "field 'axes' must use each board axis x, y, z once"),
    ("axes", ["x", "y", "-z"], "field 'axes' x, y, -z is a mirror image"),
    ("axes", ["x", "y"], "field 'axes' must be a list of 3 axis names"),
    ("axes", ["x", "y", "w"], "field 'axes' item 2 must be one of x -x y -y z -z, got 'w'"),
    ("axes", "xyz", "field 'axes' must be a list of 3 axis names"),
    ("imu.addr", 0x50, "field 'imu.addr' must be a number 104-105, got 80"),
    ("imu.addr", "0xZZ", "field 'imu.addr' must be a number like 0x68, got '0xZZ'"),
    ("imu.rate_hz", 300, "field 'imu.rate_hz' must be 100: the engine counts at 100 samples"),
    # 50 Hz would silently mis-time everything the engine measures
    ("imu.rate_hz", 50, "field 'imu.rate_hz' must be 100: the engine counts at 100 samples"),
    ("imu.rate_hz", 100.0, "field 'imu.rate_hz' must be 100: the engine counts at 100 samples"),
    ("imu.type", "bmi160", "field 'imu.type' must be one of mpu6050, fake_mpu6050"),
    ("imu.type", "fake_mpu6050", "field 'imu.type' fake_mpu6050 goes with mcu unix"),
    ("mcu", "esp32", "field 'mcu' must be one of rp2040, rp2350, unix, got 'esp32'"),
    ("led.pin", 30, "field 'led.pin' must be a GPIO number 0-29 or \"LED\", got 30"),
    ("led.active_high", 1, "field 'led.active_high' must be true or false, got 1"),
    ("button", {"pin": 15, "pull_up": "yes"}, "field 'button.pull_up' must be true or false"),
    ("button", {"pin": 15}, "field 'button.pull_up' is missing"),
    ("buzzer", {"pin": 4}, "field 'buzzer.pin' uses GPIO 4, already used by 'i2c.sda'"),
    ("usb.vid", "2E8A", "field 'usb.vid' must be a number like 0x1, got '2E8A'"),
    ("name", "", "field 'name' must be a non-empty string"),
    ("notes", 5, "field 'notes' must be a string, got 5"),
]


@pytest.mark.parametrize("field,value,message", BAD, ids=[f"{b[0]}={b[1]!r}" for b in BAD])
def test_bad_board_file_names_file_and_field(
    tmp_path: Path, field: str, value: Any, message: str
) -> None:
    d = copy.deepcopy(GOOD)
    _set(d, field, value)
    path = tmp_path / "x.json"
    path.write_text(json.dumps(d))
    with pytest.raises(ValueError) as e:
        load_board(str(path))
    text = str(e.value)
    assert text.startswith(f"{path}: {message}"), text
    assert "\n" not in text


def test_bad_board_messages_are_the_same_in_the_unix_port(
    tmp_path: Path, micropython_bin: str
) -> None:
    paths = []
    for n, (field, value, _) in enumerate(BAD):
        d = copy.deepcopy(GOOD)
        _set(d, field, value)
        p = tmp_path / f"b{n}.json"
        p.write_text(json.dumps(d))
        paths.append(str(p))
    lines = run_mp("firmware_values", "board_errors", paths).stdout.decode().splitlines()
    expected = []
    for p in paths:
        with pytest.raises(ValueError) as e:
            load_board(p)
        expected.append(str(e.value))
    assert lines == expected


def test_rp2350_allows_more_gpios_rp2040_does_not() -> None:
    d = copy.deepcopy(GOOD)
    d["buzzer"] = {"pin": 40}
    with pytest.raises(ValueError, match="'buzzer.pin' must be a GPIO number 0-29"):
        load_board(d)
    d["mcu"] = "rp2350"
    assert load_board(d).buzzer_pin == 40


@pytest.mark.parametrize(
    "text,message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object with name, mcu"),
    ],
)
def test_unreadable_board_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "y.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_board(str(path))
    with pytest.raises(ValueError, match="cannot read the board file"):
        load_board(str(tmp_path / "missing.json"))


def test_dict_errors_name_the_board() -> None:
    d = copy.deepcopy(GOOD)
    d["axes"] = ["x", "y", "y"]
    with pytest.raises(ValueError, match=r"^board pico-mpu6050: field 'axes'"):
        load_board(d)


def test_a_name_the_session_log_cannot_hold_is_refused() -> None:
    # every SESSION_START stores the board name (at most 63 bytes): a longer one used to pass
    # here and then stop every session from being logged
    ok = copy.deepcopy(GOOD)
    ok["name"] = "n" * 63
    assert load_board(ok).name == "n" * 63
    for name, words in (
        ("n" * 64, "at most 63 bytes"),
        ("é" * 32, "at most 63 bytes"),  # 64 bytes of UTF-8
        ("pico\nmpu", "printable"),
    ):
        bad = copy.deepcopy(GOOD)
        bad["name"] = name
        with pytest.raises(ValueError, match=f"field 'name' must .*{words}"):
            load_board(bad)
