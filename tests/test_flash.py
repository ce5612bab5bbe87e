"""`heeltrack flash` onto the virtual board; then the app counts a simulated session."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from heel import config as C
from heel import records as R
from heeltrack.errors import UserError
from heeltrack.firmware import PACKAGE_JSON
from heeltrack.flash import BoardInfo, compile_firmware, flash, guess_board
from heeltrack.ports import resolve_port
from heeltrack.sim import simulate
from heeltrack.transport import Transport
from tests.test_virtual import HEELTRACK, _env, mpremote, virtual_board

SEED = 3
SPEED = 20


def test_flash_then_the_app_counts_a_session(micropython_bin, tmp_path):
    _trace, truth = simulate(SEED)
    first = truth["sets"][0]
    with virtual_board(tmp_path, "--simulate", str(SEED), "--speed", str(SPEED)) as port:
        proc = subprocess.run(
            [*HEELTRACK, "flash", "--port", port, "--foot", "right"],
            capture_output=True,
            env=_env(tmp_path),
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr + proc.stdout
        assert "the app is running" in proc.stdout
        assert "verified" in proc.stdout
        # wait until the LED (recorded on the host) has blinked for the first set and its end
        led_log = tmp_path / "board.img.led.log"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            text = led_log.read_text() if led_log.exists() else ""
            if text.count("led 1") >= first["count"] + 2:
                break
            time.sleep(0.5)
        time.sleep(30 / SPEED)  # and a little more: the set ends (10 s without a rep)
        listing = mpremote(port, "ls", ":sessions")  # interrupts the app: the session closes
        names = [line.split()[-1] for line in listing.splitlines()[1:] if line.strip()]
        logs = [n for n in names if n[0].isdigit() and n != "next"]
        assert logs, listing
        local = tmp_path / "session.bin"
        mpremote(port, "fs", "cp", f":sessions/{logs[0]}", str(local))
        header, records = R.decode_session(local.read_bytes())
        start = records[0][1]
        assert records[0][0] == R.SESSION_START
        assert start["foot"] == "right" and start["board"] == "virtual"
        # the app logs the program it counts with (the defaults here), for the host's scoring
        program = C.unpack_program(start["program"])
        assert {k: program[k] for k in C.PROGRAM_KEYS} == {k: C.DEFAULTS[k] for k in C.PROGRAM_KEYS}
        reps = [r for k, r in records if k == R.REP]
        set1 = [r for r in reps if r["set_no"] == 1]
        assert abs(len(set1) - first["count"]) <= 1, records
        # the firmware on the board is the compiled one, and a second flash writes nothing
        assert "app.mpy" in mpremote(port, "ls", ":lib/heel")
        again = subprocess.run(
            [*HEELTRACK, "flash", "--no-start"],  # the port found through the registration
            capture_output=True,
            env=_env(tmp_path),
            text=True,
            timeout=120,
        )
        assert again.returncode == 0, again.stderr
        m = re.search(r": (\d+) files written, (\d+) verified", again.stdout)
        assert m, again.stdout
        # unchanged files are not copied again (other work may touch a module meanwhile)
        assert int(m.group(1)) <= 2 and int(m.group(2)) > 20
        # the LED log on the host saw the reps
        blinks = [ln for ln in led_log.read_text().splitlines() if ln.endswith("led 1")]
        assert len(blinks) >= len(reps)


def test_mip_install_from_package_json(micropython_bin, tmp_path):
    with virtual_board(tmp_path) as port:
        mpremote(port, "mip", "install", "--target", "/", str(PACKAGE_JSON), timeout=120)
        listing = mpremote(port, "ls", ":lib/heel")
        assert "app.py" in listing and "store.py" in listing
        assert "main.py" in mpremote(port, "ls")


def test_package_json_lists_every_module():
    # against the modules in git, so that work in progress in the tree does not count
    root = PACKAGE_JSON.parents[1]
    tracked = subprocess.run(
        ["git", "ls-files", "firmware/lib/heel"], cwd=root, capture_output=True, text=True
    ).stdout.split()
    modules = {p.removeprefix("firmware/") for p in tracked if p.endswith(".py")}
    on_disk = json.loads(PACKAGE_JSON.read_text())
    listed = {dest for dest, _src in on_disk["urls"]}
    # everything but the virtual board's simulated chip, which a real board has no use for
    modules.remove("lib/heel/imu/fake_mpu6050.py")
    assert listed == modules | {"main.py"}, (
        "firmware/package.json is stale: run "
        "`python -c 'from heeltrack.flash import write_package_json; write_package_json()'`"
    )
    assert all(dest == src for dest, src in on_disk["urls"])


def test_board_guess_and_bytecode():
    pico = BoardInfo((1, 24, 1), 0x1106, "Raspberry Pi Pico with RP2040", "rp2")
    assert guess_board(pico) == "pico-mpu6050"
    assert pico.bytecode == "6.1" and pico.arch == "armv6m"
    picow = BoardInfo((1, 24, 1), 0x1106, "Raspberry Pi Pico W with RP2040", "rp2")
    assert guess_board(picow) == "pico-w-mpu6050"
    pico2 = BoardInfo((1, 25, 0), 0x1F06, "Raspberry Pi Pico2 with RP2350", "rp2")
    assert guess_board(pico2) == "pico2-mpu6050" and pico2.arch == "armv7emsp"
    assert pico2.bytecode == "6.3"
    assert BoardInfo((1, 29, 0), 2822, "linux [GCC]", "linux").bytecode == "6.3"
    with pytest.raises(UserError):
        guess_board(BoardInfo((1, 24, 0), 0, "ESP32 module", "esp32"))


def test_no_board_found_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HEELTRACK_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setattr("serial.tools.list_ports.comports", lambda: [])
    with pytest.raises(UserError, match="no HeelTrack board found"):
        resolve_port(None)
    with pytest.raises(UserError, match="no serial port"):
        resolve_port(str(tmp_path / "ttyACM9"))
    proc = subprocess.run(
        [*HEELTRACK, "flash", "--port", str(tmp_path / "ttyACM9")],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
    )
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert sys.executable  # the CLI ran in this interpreter


def test_compiles_for_the_pico(tmp_path):
    files = compile_firmware("6.3", tmp_path, "armv6m")  # a Pico on MicroPython >= 1.23
    assert "/main.py" in files and "/lib/heel/app.mpy" in files
    mpys = [v for k, v in files.items() if k.endswith(".mpy")]
    assert len(mpys) == len(files) - 1 and all(v[:2] == b"M\x06" for v in mpys)


def test_real_boards_get_no_simulated_chip(tmp_path):
    files = compile_firmware("6.3", tmp_path, "armv6m", fake_chip=False)
    assert "/lib/heel/imu/mpu6050.mpy" in files
    assert "/lib/heel/imu/fake_mpu6050.mpy" not in files
    assert "/lib/heel/imu/fake_mpu6050.mpy" in compile_firmware("6.3", tmp_path / "v", "x64")


class Untouchable(Transport):
    """A board that must not be touched."""

    name = "/dev/ttyACM7"

    def write(self, data: bytes) -> None:
        raise AssertionError("the board was touched")

    def enter_raw_repl(self, soft_reset: bool = False) -> None:
        raise AssertionError("the board was touched")


def test_an_unknown_board_file_is_refused_before_the_board_is_touched(tmp_path, capsys):
    with pytest.raises(UserError, match="unknown board 'nosuch'; choose one of: pico-mpu6050"):
        flash(Untouchable(), board="nosuch")
    # the command says so before it even looks for the port
    proc = subprocess.run(
        [*HEELTRACK, "flash", "--board", "nosuch", "--port", str(tmp_path / "ttyACM9")],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "heeltrack flash: error: unknown board 'nosuch'; choose one of: pico-mpu6050, "
        "pico-w-mpu6050, pico2-mpu6050, virtual"
    ]
