"""The emulated Pico (`heeltrack virtual --pico`): the official MicroPython rp2 firmware in
rp2040js, driven as a user drives a real Pico. They fail (never skip) without Node, the runner's
packages (scripts/bootstrap: npm ci in emulator/) or the firmware (../shared/rp2).

The emulator runs busy code at about 0.3x real time; the boards here run with --speed 5 (emulated
time at most 5x real time: idle time is skipped up to that bound)."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from heeltrack.pico import (
    BOOTROM_NAME,
    FIRMWARE_NAME,
    find_node,
    find_rp2_file,
    rep_blinks,
    runner_script,
)
from tests.test_virtual import HEELTRACK, _env, _wait_for, mpremote

SPEED = "5"
TRACE_SEED = 3  # simulate_set(3, "heel_raise"): 11 reps in 55 s


@pytest.fixture(scope="module")
def pico_ready() -> None:
    """Node, rp2040js, the firmware and the bootrom: an error (not a skip) when one is missing."""
    find_node()
    runner_script()
    find_rp2_file(None, FIRMWARE_NAME, "firmware", "firmware")
    find_rp2_file(None, BOOTROM_NAME, "bootrom", "bootrom")


@contextmanager
def pico_board(tmp: Path, image: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start `heeltrack virtual --pico --fs IMAGE ARGS`; yield (port, process)."""
    proc = subprocess.Popen(
        [*HEELTRACK, "virtual", "--pico", "--fs", str(image), "--speed", SPEED, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(tmp),
    )
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().decode().strip()
        assert port.startswith("/dev/"), proc.stderr.read().decode() if proc.stderr else port
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def heeltrack(tmp: Path, *args: str, timeout: float = 120) -> str:
    proc = subprocess.run(
        [*HEELTRACK, *args], capture_output=True, text=True, env=_env(tmp), timeout=timeout
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc.stdout


@pytest.fixture(scope="module")
def flashed(pico_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Pico flash image with the firmware flashed by `heeltrack flash --board pico-mpu6050`
    (the app not started) and a 10 s idle timeout; tests copy it."""
    tmp = tmp_path_factory.mktemp("pico")
    image = tmp / "flashed.img"
    with pico_board(tmp, image) as (port, _proc):
        out = heeltrack(tmp, "flash", "--board", "pico-mpu6050", "--port", port, "--no-start")
        assert "31 verified" in out or "verified" in out, out
        heeltrack(tmp, "config", "--port", port, "idle=10")
        assert '"idle_timeout_s": 10' in mpremote(port, "cat", ":config.json")
    return image


@pytest.fixture(scope="module")
def heel_raise_trace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    from heeltrack.analysis import analyze_file
    from heeltrack.sim import simulate_set
    from heeltrack.trace import write_trace

    path = tmp_path_factory.mktemp("trace") / "heel_raise.csv"
    tr, _truth = simulate_set(TRACE_SEED, "heel_raise")
    write_trace(path, tr.t, tr.acc, tr.gyro, foot=tr.foot, rate_hz=tr.rate_hz)
    analysis = analyze_file(path)
    assert analysis["sets"] and analysis["sets"][0]["count"] >= 8
    return path, analysis


def exported_reps(tmp: Path, db: Path) -> dict[int, list[dict[str, str]]]:
    proc = subprocess.run(
        [*HEELTRACK, "export", "--format", "csv", "--db", str(db)],
        capture_output=True,
        text=True,
        env=_env(tmp),
        timeout=60,
    )
    if proc.returncode == 2 and "no sessions yet" in proc.stderr:
        return {}
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    by_session: dict[int, list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(out)):
        by_session.setdefault(int(row["session"]), []).append(row)
    return by_session


def assert_reps_match(rows: list[dict[str, str]], expected: list[dict]) -> None:
    """The board's reps are the analysis' first len(rows) reps: same holds, same spacing (the
    session clock starts at the set, the trace's at its first sample)."""
    assert 0 < len(rows) <= len(expected)
    t = [float(r["t_s"]) for r in rows]
    offset = float(expected[0]["t_s"]) - t[0]
    for row, want in zip(rows, expected, strict=False):
        assert row["exercise"] == "heel_raise"
        assert abs(float(row["t_s"]) + offset - want["t_s"]) < 0.015, (row, want)
        # (one run in about six after power cuts gave a hold 19 ms off: two samples; the
        # block grid may start a sample or two later against the trace after a restart)
        assert abs(float(row["hold_s"]) - want["hold_s"]) < 0.03, (row, want)


def sync_until(tmp: Path, port: str, db: Path, sessions: int, limit_s: float) -> None:
    end = time.monotonic() + limit_s
    while True:
        heeltrack(tmp, "sync", "--port", port, "--db", str(db))
        if len(exported_reps(tmp, db)) >= sessions:
            return
        assert time.monotonic() < end, "no closed session to sync yet"
        time.sleep(3)


def test_missing_node_is_one_line(tmp_path: Path) -> None:
    env = _env(tmp_path)
    env["PATH"] = str(tmp_path)  # no node here
    env.pop("HEELTRACK_NODE", None)
    proc = subprocess.run(
        [*HEELTRACK, "virtual", "--pico", "--fs", str(tmp_path / "p.img")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Node.js" in lines[0] and "install" in lines[0], proc.stderr


def test_missing_firmware_is_one_line(pico_ready: None, tmp_path: Path) -> None:
    proc = subprocess.run(
        [*HEELTRACK, "virtual", "--pico", "--fs", str(tmp_path / "p.img")]
        + ["--firmware", str(tmp_path / "none.uf2")],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "none.uf2" in lines[0], proc.stderr
    assert not (tmp_path / "p.img").exists() or (tmp_path / "p.img").stat().st_size == 2 << 20


def test_plain_mpremote_and_flash_persistence(pico_ready: None, tmp_path: Path) -> None:
    image = tmp_path / "pico.img"
    (tmp_path / "hello.txt").write_text("hello pico\n")
    with pico_board(tmp_path, image) as (port, _proc):
        out = mpremote(port, "exec", "import sys; print(sys.implementation._machine)")
        assert "Raspberry Pi Pico with RP2040" in out
        mpremote(port, "fs", "cp", str(tmp_path / "hello.txt"), ":hello.txt")
        assert "hello.txt" in mpremote(port, "ls")
        out = mpremote(port, "exec", "x = 1", "soft-reset", "exec", "print('x' in globals())")
        assert "False" in out
        mpremote(port, "reset")  # machine.reset(): the watchdog reboots the emulated chip
        assert "hello pico" in mpremote(port, "cat", ":hello.txt")
        listing = json.loads(heeltrack(tmp_path, "devices", "--json"))
        assert [d["port"] for d in listing if d["kind"] == "virtual"] == [port]
    assert image.stat().st_size == 2 << 20
    with pico_board(tmp_path, image) as (port, _proc):  # a new emulator on the same flash
        assert "hello pico" in mpremote(port, "cat", ":hello.txt")


def test_flash_play_sync_equals_analyze(
    flashed: Path, heel_raise_trace: tuple[Path, dict], tmp_path: Path
) -> None:
    trace, analysis = heel_raise_trace
    image = tmp_path / "pico.img"
    shutil.copy(flashed, image)
    db = tmp_path / "db.sqlite3"
    led = tmp_path / "led.log"
    with pico_board(tmp_path, image, "--trace", str(trace), "--led-log", str(led)) as (port, _):
        # the app starts at power-up (main.py; it turns the LED off first) and counts the trace
        # in emulated time; a sync before it runs would stop it at the REPL, as on a Pico
        # (the first rep's blink: its tasks are up, so a sync finds its link, not the REPL)
        _wait_for("the first rep", lambda: led.exists() and len(rep_blinks(led)) >= 1, limit_s=120)
        # a bound on waiting, not a timing check: the emulator slows to ~0.3x real time on a
        # loaded machine, and the 50 s trace plus the idle timeout must play out first
        sync_until(tmp_path, port, db, 1, limit_s=420)
        config = heeltrack(tmp_path, "config", "--port", port)
        assert "idle_timeout_s" in config or "idle" in config
    sessions = exported_reps(tmp_path, db)
    assert len(sessions) == 1
    rows = next(iter(sessions.values()))
    expected = [r for s in analysis["sets"] for r in s["reps"]]
    assert len(rows) == len(expected)
    assert_reps_match(rows, expected)


def test_power_cuts_while_logging_lose_and_repeat_nothing(
    flashed: Path, heel_raise_trace: tuple[Path, dict], tmp_path: Path
) -> None:
    trace, analysis = heel_raise_trace
    expected = [r for s in analysis["sets"] for r in s["reps"]]
    image = tmp_path / "pico.img"
    shutil.copy(flashed, image)
    rng = random.Random(12)
    blinks = []
    for cut in range(3):
        led = tmp_path / f"led{cut}.log"
        led.touch()
        with pico_board(tmp_path, image, "--trace", str(trace), "--led-log", str(led)) as (
            _port,
            proc,
        ):
            _wait_for("the first rep", lambda led=led: len(rep_blinks(led)) >= 1, limit_s=120)
            time.sleep(rng.uniform(0.0, 6.0))
            os.kill(proc.pid, signal.SIGKILL)  # the power cut: the runner dies with it
            proc.wait()
        blinks.append(len(rep_blinks(led)))
    db = tmp_path / "db.sqlite3"
    led = tmp_path / "led.log"
    with pico_board(tmp_path, image, "--led-log", str(led)) as (port, _proc):
        # the foot rests: no new session; the app closes the cut ones when it starts
        _wait_for("the app", lambda: led.exists() and led.stat().st_size > 0, limit_s=60)
        time.sleep(3)  # its tasks start after the LED is set up
        heeltrack(tmp_path, "sync", "--port", port, "--db", str(db))
        again = heeltrack(tmp_path, "sync", "--port", port, "--db", str(db))
        assert "0 new" in again
    sessions = exported_reps(tmp_path, db)
    assert len(sessions) == len(blinks), (sessions.keys(), blinks)
    for (_sid, rows), blinked in zip(sorted(sessions.items()), blinks, strict=True):
        # every rep that blinked was flushed before: it is there; at most the one being
        # logged when the power went is there without its blink
        assert blinked <= len(rows) <= blinked + 1, (len(rows), blinked)
        assert_reps_match(rows, expected)


def test_runner_refuses_a_foreign_image(pico_ready: None, tmp_path: Path) -> None:
    image = tmp_path / "other.img"
    image.write_bytes(b"\0" * 1000)
    proc = subprocess.run(
        [*HEELTRACK, "virtual", "--pico", "--fs", str(image)],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=60,
    )
    assert proc.returncode == 2 and "not a Pico flash image" in proc.stderr, proc.stderr
    assert proc.stderr.rstrip().endswith("(--fs IMAGE)"), proc.stderr
    assert image.read_bytes() == b"\0" * 1000
