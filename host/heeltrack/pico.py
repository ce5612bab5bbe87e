"""The emulated Pico: the official MicroPython rp2 firmware in rp2040js behind a pseudo-terminal.

    >>> board = PicoBoard(PicoOptions(image=Path("pico.flash"), raw=None))
    >>> port = board.start()        # e.g. /dev/pts/7: use it like a Pico's USB serial port
    >>> board.run()                 # relay until stop() / SIGTERM

The second kind of virtual board (`heeltrack virtual --pico`). The Node runner
(emulator/runner.mjs, rp2040js pinned in emulator/package.json) runs the chip: Cortex-M0+
code, the rp2 flash filesystem in a 2 MiB flash IMAGE kept across restarts, USB CDC serial on
its stdin/stdout, which this process relays to a pty. The MPU6050 on I2C0 (0x68) is the same
register model as the unix-port virtual board's (heel.imu.fake_mpu6050), run here in CPython:
the runner sends each I2C transaction with its emulated time over a pipe, and the chip's FIFO
fills from the trace (or a simulated session) in emulated time. One chip model, one trace
source (heeltrack.virtual.make_raw) for both boards.

Where Node or the runner's packages are missing, the command says in one line what to do.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import select
import subprocess
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heeltrack.errors import UserError
from heeltrack.files import find_executable, write_atomic
from heeltrack.virtual import (
    _die_with_parent,
    make_workdir,
    release_workdir,
    runtime_dir,
    serve_board,
)

FLASH_BYTES = 2 * 1024 * 1024  # RPI_PICO's flash (what IMAGE holds)
FIRMWARE_NAME = "micropython-v1.28.0-RPI_PICO.uf2"
BOOTROM_NAME = "rp2040-bootrom-b1.bin"
NODE_ENV = "HEELTRACK_NODE"
EMULATOR_ENV = "HEELTRACK_EMULATOR"  # the emulator/ directory (runner.mjs, node_modules)
RP2_ENV = "HEELTRACK_RP2"  # a directory holding the firmware and the bootrom
BOARD = "pico-mpu6050"
PEEK_BYTES = 1040  # a speculative read: the whole 1024-byte FIFO and some
MAX_PENDING_OUT = 256 * 1024  # bytes for a user who is not reading: beyond this, dropped
MAX_PENDING_IN = 1 << 20  # user bytes the runner has not taken yet
LOCK_WAIT_S = 2.0


def _checkout() -> Path:
    return Path(__file__).resolve().parents[2]


def emulator_dir() -> Path:
    configured = os.environ.get(EMULATOR_ENV)
    return Path(configured) if configured else _checkout() / "emulator"


def find_node() -> str:
    """The `node` binary ($HEELTRACK_NODE, else on PATH); UserError saying what to install."""
    return find_executable(
        NODE_ENV,
        "node",
        "the emulated Pico needs Node.js 18 or newer and npm: install them "
        "(Debian: sudo apt-get install nodejs npm), then run scripts/bootstrap",
    )


def runner_script() -> Path:
    """emulator/runner.mjs, with rp2040js installed beside it (UserError otherwise)."""
    root = emulator_dir()
    script = root / "runner.mjs"
    if not script.is_file():
        raise UserError(
            f"the Pico emulator is not here ({script} is missing): run the emulated Pico from "
            f"a HeelTrack checkout, or set {EMULATOR_ENV} to its emulator/ directory"
        )
    if not (root / "node_modules" / "rp2040js" / "package.json").is_file():
        raise UserError(
            f"rp2040js is not installed in {root}: run `npm ci` there (scripts/bootstrap does)"
        )
    return script


def rp2_dirs() -> list[Path]:
    """Where the firmware and the bootrom are looked for: $HEELTRACK_RP2, then ../shared/rp2
    beside the checkout (and beside its parent: a worktree)."""
    dirs = []
    configured = os.environ.get(RP2_ENV)
    if configured:
        dirs.append(Path(configured))
    root = _checkout()
    dirs += [root.parent / "shared" / "rp2", root.parent.parent / "shared" / "rp2"]
    return dirs


def find_rp2_file(given: str | None, name: str, what: str, option: str) -> Path:
    """`given` if it is a file, else `name` in rp2_dirs(); UserError about `option` otherwise."""
    if given:
        path = Path(given)
        if not path.is_file():
            raise UserError(f"{given}: no such file; name the {what}", option=option)
        return path
    for d in rp2_dirs():
        if (d / name).is_file():
            return d / name
    raise UserError(
        f"the {what} ({name}) was not found in {', '.join(str(d) for d in rp2_dirs())}: "
        f"name the file or set {RP2_ENV} to the directory holding it",
        option=option,
    )


def default_image() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("heeltrack")) / "virtual" / "pico.flash"


class RestSource:
    """The foot resting flat, for ever (no trace): az = +1 g = 8192 LSB at +-4 g."""

    def next_into(self, buf6: Any) -> bool:
        buf6[0] = buf6[1] = buf6[3] = buf6[4] = buf6[5] = 0
        buf6[2] = 8192
        return True


class ChipService:
    """The MPU6050 of the emulated Pico: heel.imu.fake_mpu6050 clocked by the emulated time.

    The runner sends "W t_us reg hex" (a register write), "P t_us reg" (the first byte of a
    read: answer what a long read from reg would return, changing nothing) and "C t_us reg n"
    (the read ended after n bytes: do it for real). A read of n bytes returns the first n bytes
    of a longer one, so the peek answers the chip's bytes one by one without a round trip each.
    """

    def __init__(self, source: Any, addr: int = 0x68) -> None:
        from heel.imu.fake_mpu6050 import FakeMPU6050

        self.addr = addr
        self.now_ms = 0
        self.chip = FakeMPU6050(source, addr=addr, clock=lambda: self.now_ms)
        self.chip.writes = None  # no write log: it would grow for ever
        self.reads = 0
        self.first_sample_ms = -1  # emulated time of the trace's first sample (benchmarks)

    def _at(self, t_us: int) -> None:
        self.now_ms = max(self.now_ms, t_us // 1000)
        before = self.chip.samples
        self.chip._catch_up()  # the samples due by now enter the FIFO for good
        if before == 0 and self.chip.samples and self.first_sample_ms < 0:
            # the FIFO was just enabled: its first sample was taken one period ago at most
            self.first_sample_ms = self.now_ms - (self.chip.samples - 1) * 10

    def write(self, t_us: int, reg: int, data: bytes) -> None:
        self._at(t_us)
        self.chip.writeto_mem(self.addr, reg, data)

    def peek(self, t_us: int, reg: int) -> bytes:
        self._at(t_us)
        chip = self.chip
        regs, st, n = bytes(chip._regs), list(chip._st), chip.transactions
        buf = bytearray(PEEK_BYTES)
        chip.readfrom_mem_into(self.addr, reg, buf)
        chip._regs[:] = regs
        for i, v in enumerate(st):
            chip._st[i] = v
        chip.transactions = n
        return bytes(buf)

    def commit(self, t_us: int, reg: int, n: int) -> None:
        self._at(t_us)
        if n > 0:
            self.chip.readfrom_mem_into(self.addr, reg, bytearray(n))
            self.reads += 1

    def handle(self, line: bytes) -> bytes | None:
        """One request line from the runner; the reply for a peek, else None."""
        parts = line.split()
        if not parts:
            return None
        kind, t_us, reg = parts[0], int(parts[1]), int(parts[2])
        if kind == b"W":
            self.write(t_us, reg, bytes.fromhex(parts[3].decode()))
        elif kind == b"P":
            data = self.peek(t_us, reg)
            return len(data).to_bytes(2, "little") + data
        elif kind == b"C":
            self.commit(t_us, reg, int(parts[3]))
        return None


def rep_blinks(led_log: Path) -> list[int]:
    """Emulated times (ms) at which the rep blinks in an LED log began: 80 ms flashes, each
    after its rep was written and flushed to the session log (longer lights are other cues)."""
    on = None
    out: list[int] = []
    for line in led_log.read_text().splitlines():
        t, _name, v = line.split()
        if v == "1":
            on = int(t)
        elif on is not None:
            if int(t) - on < 150:
                out.append(on)
            on = None
    return out


@dataclass
class PicoOptions:
    image: Path
    raw: Path | None  # chip records (heeltrack.rawtrace) to play; None: the foot rests
    firmware: Path | None = None
    bootrom: Path | None = None
    speed: float = 1.0  # emulated time runs at most this many times faster than real time
    led_log: Path | None = None
    link: Path | None = None
    stats: Path | None = None  # the runner writes its cycle counts here (benchmarks)
    workdir: Path = field(default_factory=make_workdir)


class PicoBoard:
    """One emulated Pico: the user-side pty, the Node runner, the chip and the relay."""

    def __init__(self, opts: PicoOptions) -> None:
        self.opts = opts
        try:
            self.node = find_node()
            self.script = runner_script()
            self.firmware = find_rp2_file(
                str(opts.firmware) if opts.firmware else None,
                FIRMWARE_NAME,
                "MicroPython rp2 firmware for the Pico (.uf2)",
                "firmware",
            )
            self.bootrom = find_rp2_file(
                str(opts.bootrom) if opts.bootrom else None,
                BOOTROM_NAME,
                "RP2040 bootrom",
                "bootrom",
            )
            self._lock = self._open_image(opts.image)
        except BaseException:
            release_workdir(opts.workdir)
            raise
        self.port = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self._user = self._user_slave = -1
        self._req_r = self._ans_w = -1
        self._req_buf = bytearray()
        self._out = bytearray()  # runner -> user
        self._in = bytearray()  # user -> runner
        self._registration: Path | None = None
        self._stop = False
        self._told = False
        self.exit_code: int | None = None
        source: Any
        if opts.raw is not None:
            from heel.imu.fake_mpu6050 import FileSource

            source = FileSource(str(opts.raw))
        else:
            source = RestSource()
        self.chip = ChipService(source)

    @staticmethod
    def _open_image(path: Path) -> Any:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and path.stat().st_size != FLASH_BYTES:
                raise UserError(
                    f"{path}: not a Pico flash image ({path.stat().st_size} bytes, not "
                    f"{FLASH_BYTES}); name another image file",
                    option="fs",
                )
            if not path.exists():
                with open(path, "wb") as f:
                    f.write(b"\xff" * FLASH_BYTES)
            lock = open(path, "rb")
        except OSError as e:
            raise UserError(f"{path}: cannot open the flash image ({e.strerror})") from None
        # a board killed a moment ago: its runner holds the lock until it has died too
        end = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return lock
            except OSError:
                if time.monotonic() > end:
                    lock.close()
                    raise UserError(
                        f"{path}: in use by another virtual board; stop it or give another image",
                        option="fs",
                    ) from None
                time.sleep(0.05)

    # ---- lifecycle -------------------------------------------------------------------
    def start(self) -> str:
        self._user, self._user_slave = os.openpty()
        tty.setraw(self._user_slave)
        os.set_blocking(self._user, False)
        self.port = os.ttyname(self._user_slave)
        if self.opts.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.opts.link.unlink()
            self.opts.link.symlink_to(self.port)
        self._register()
        return self.port

    def stop(self) -> None:
        self._stop = True

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._user, self._user_slave, self._req_r, self._ans_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._user = self._user_slave = self._req_r = self._ans_w = -1
        if self._registration is not None:
            with contextlib.suppress(OSError):
                self._registration.unlink()
        if self.opts.link is not None and self.opts.link.is_symlink():
            with contextlib.suppress(OSError):
                self.opts.link.unlink()
        self._lock.close()
        release_workdir(self.opts.workdir)

    def _register(self) -> None:
        directory = runtime_dir()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"virtual-{os.getpid()}.json"
        info = {
            "port": self.port,
            "pid": os.getpid(),
            "board": BOARD,
            "kind": "pico",
            "image": str(self.opts.image),
            "link": str(self.opts.link) if self.opts.link else None,
            "led_log": str(self.opts.led_log) if self.opts.led_log else None,
        }
        write_atomic(path, json.dumps(info))
        self._registration = path

    def _spawn(self) -> None:
        req_r, req_w = os.pipe()
        ans_r, ans_w = os.pipe()
        args = [
            self.node,
            str(self.script),
            "--firmware",
            str(self.firmware),
            "--bootrom",
            str(self.bootrom),
            "--image",
            str(self.opts.image),
            "--chip-req",
            str(req_w),
            "--chip-ans",
            str(ans_r),
            "--speed",
            repr(self.opts.speed),
        ]
        if self.opts.led_log is not None:
            args += ["--led-log", str(self.opts.led_log)]
        if self.opts.stats is not None:
            args += ["--stats", str(self.opts.stats)]
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            pass_fds=(req_w, ans_r, self._lock.fileno()),  # it holds the image lock too
            cwd=self.opts.workdir,
            start_new_session=True,
            preexec_fn=_die_with_parent(),
        )
        os.close(req_w)
        os.close(ans_r)
        self._req_r, self._ans_w = req_r, ans_w
        assert self.proc.stdin is not None and self.proc.stdout is not None
        os.set_blocking(self.proc.stdin.fileno(), False)
        os.set_blocking(self.proc.stdout.fileno(), False)

    # ---- relay -----------------------------------------------------------------------
    def _chip_requests(self) -> None:
        try:
            data = os.read(self._req_r, 65536)
        except BlockingIOError:
            return
        if not data:
            return
        self._req_buf += data
        while True:
            end = self._req_buf.find(b"\n")
            if end < 0:
                return
            line = bytes(self._req_buf[:end])
            del self._req_buf[: end + 1]
            reply = self.chip.handle(line)
            if self.opts.stats is not None and self.chip.first_sample_ms >= 0 and not self._told:
                self._told = True
                write_atomic(
                    Path(str(self.opts.stats) + ".chip"),
                    json.dumps({"first_sample_ms": self.chip.first_sample_ms}),
                )
            if reply is not None:
                view = memoryview(reply)
                while view:
                    n = os.write(self._ans_w, view)
                    view = view[n:]

    def _write_some(self, fd: int, buf: bytearray) -> None:
        try:
            n = os.write(fd, buf)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            if e.errno in (errno.EIO, errno.EAGAIN, errno.EPIPE):
                return
            raise
        del buf[:n]

    def run(self) -> int:
        """Start the runner and relay until stop() (0) or the runner ends (its status)."""
        if self.proc is None:
            self._spawn()
        assert self.proc is not None and self.proc.stdin and self.proc.stdout
        board_in, board_out = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        while not self._stop:
            rlist = [self._req_r, board_out]
            if len(self._in) < MAX_PENDING_IN:
                rlist.append(self._user)
            wlist = []
            if self._out:
                wlist.append(self._user)
            if self._in:
                wlist.append(board_in)
            try:
                readable, writable, _ = select.select(rlist, wlist, [], 0.5)
            except InterruptedError:
                continue
            if self._req_r in readable:
                self._chip_requests()
            if board_out in readable:
                try:
                    data = os.read(board_out, 65536)
                except BlockingIOError:
                    data = None
                if data == b"":
                    self.exit_code = self.proc.wait()
                    return self.exit_code
                if data and len(self._out) + len(data) <= MAX_PENDING_OUT:
                    self._out += data
            if self._user in readable:
                with contextlib.suppress(BlockingIOError, OSError):
                    self._in += os.read(self._user, 65536)
            if self._out:
                self._write_some(self._user, self._out)
            if self._in and board_in in writable:
                self._write_some(board_in, self._in)
        return 0


def run_pico(opts: PicoOptions, announce: Any = None) -> int:
    """Start an emulated Pico, print its port on the first stdout line, relay until killed."""
    code = serve_board(PicoBoard(opts), announce)
    if code:
        raise UserError(f"the Pico emulator stopped (status {code}); see the lines above")
    return 0
