"""HeelTrack installed as a user installs it: the wheel, in a fresh venv, away from the checkout.

The wheel is built once per test session (no build isolation: setuptools comes with the dev
tools, nothing is downloaded) and installed with --no-deps into a new venv that sees the
dependencies already installed here through a .pth line (never the checkout: the editable
install's finder is not loaded that way). Everything the commands need must be in the wheel:
the board files, main.py, the virtual board's boot code, the heel package.
"""

from __future__ import annotations

import os
import shutil
import signal
import site
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from heeltrack.sim import simulate_set
from heeltrack.trace import write_trace

CHECKOUT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # from a clean copy: setuptools reuses an in-tree build/ directory, stale files and all
    source = tmp_path_factory.mktemp("source") / "heeltrack"
    junk = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")
    shutil.copytree(CHECKOUT, source, ignore=shutil.ignore_patterns(*junk))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", out, "."],
        cwd=source,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    assert "license" not in build.stderr.lower(), build.stderr  # no licence-table deprecation
    (found,) = out.glob("heeltrack-*.whl")
    return found


@pytest.fixture(scope="session")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", env_dir], check=True)
    lib = next((env_dir / "lib").glob("python3*/site-packages"))
    # the dependencies installed here (numpy, pyserial, mpremote, ...), behind the wheel's files
    (lib / "heeltrack-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", env_dir / "bin" / "python", "install",
         "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    return env_dir


def run(venv: Path, cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HEELTRACK_RUNTIME_DIR"] = str(cwd / "run")
    env["XDG_DATA_HOME"] = str(cwd / "data")
    return subprocess.run(
        [str(venv / "bin" / "heeltrack"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_wheel_holds_the_board_files_and_the_firmware(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "heeltrack_firmware/main.py",
        "heeltrack_firmware/virtual/boot.py",
        "heeltrack_firmware/package.json",
        "heeltrack_firmware/boards/pico-mpu6050.json",
        "heeltrack_firmware/boards/virtual.json",
        "heel/start.py",
        "heel/imu/fake_mpu6050.py",
        "heeltrack/unixport/engine_stream.py",
        "heeltrack/py.typed",
    ):
        assert needed in names


def test_the_installed_package_runs_from_its_own_files(venv: Path, tmp_path: Path) -> None:
    where = run(venv, tmp_path, "--version")
    assert where.returncode == 0 and where.stdout.startswith("heeltrack ")
    probe = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import heel, heeltrack.firmware as f; print(heel.__file__); print(f.BOARDS)"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    assert str(CHECKOUT) not in probe.stdout and str(venv) in probe.stdout


def test_analyze_in_the_installed_package(venv: Path, tmp_path: Path, micropython_bin: str) -> None:
    trace, truth = simulate_set(7100, "heel_raise")
    write_trace(tmp_path / "set.csv", trace.t, trace.acc, trace.gyro, foot=trace.foot)
    proc = run(venv, tmp_path, "analyze", "set.csv", "--json")
    assert proc.returncode == 0, proc.stderr
    assert '"exercise": "heel_raise"' in proc.stdout
    # the unix port runs the engine from a script file the wheel ships (heeltrack.unixport)
    mp = run(venv, tmp_path, "analyze", "set.csv", "--json", "--runtime", "micropython")
    assert mp.returncode == 0, mp.stderr
    assert mp.stdout == proc.stdout


@pytest.fixture
def virtual(venv: Path, tmp_path: Path, micropython_bin: str) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HEELTRACK_RUNTIME_DIR"] = str(tmp_path / "run")
    proc = subprocess.Popen(
        [str(venv / "bin" / "heeltrack"), "virtual", "--fs", str(tmp_path / "board.img")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    try:
        assert port.startswith("/dev/"), proc.stderr.read() if proc.poll() is not None else port
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


def test_virtual_devices_and_flash_in_the_installed_package(
    venv: Path, tmp_path: Path, virtual: str
) -> None:
    devices = run(venv, tmp_path, "devices")
    assert devices.returncode == 0, devices.stderr
    assert f"{virtual}\tvirtual" in devices.stdout and "boards: virtual" in devices.stdout
    flashed = run(venv, tmp_path, "flash", "--port", virtual, "--foot", "right")
    assert flashed.returncode == 0, flashed.stderr
    assert "flashed virtual" in flashed.stdout and "the app is running" in flashed.stdout
    refused = run(venv, tmp_path, "flash", "--port", virtual, "--board", "nosuch")
    assert refused.returncode == 2 and "choose one of: pico-mpu6050" in refused.stderr


def test_demo_in_the_installed_package(venv: Path, tmp_path: Path, micropython_bin: str) -> None:
    proc = run(venv, tmp_path, "demo", "--days", "1", "--out", "out", timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (tmp_path / "out" / "heeltrack-report.html").is_file()
    assert shutil.which("heeltrack", path=str(venv / "bin"))
