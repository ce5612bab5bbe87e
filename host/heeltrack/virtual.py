"""The virtual board: the firmware in the MicroPython unix port behind a pseudo-terminal.

    >>> vb = VirtualBoard(VirtualOptions(image=Path("board.img"), raw=None))
    >>> port = vb.start()          # e.g. /dev/pts/7: use it like a Pico's serial port
    >>> vb.run()                   # relay until stop() / Ctrl-C

What `socat pty,raw,echo=0,link=PATH exec:micropython,pty,raw,echo=0` does, plus what
makes the unix port answer like a Pico (DESIGN.md contract 5):
- the user side is a pty (raw, no echo); the board side is another pty on the stdio of
  `micropython -i firmware/virtual/boot.py CFG MODE`; bytes are relayed between them;
- the board's "/" is a littlefs image file, mounted by the boot code;
- a soft reset ends the unix process; the relay prints "MPY: soft reboot" and starts it
  again: in the raw REPL if the reset came from the raw REPL (mpremote), else running
  /main.py, so mpremote's default commands work without `resume`;
- 0x03 from the user raises KeyboardInterrupt as on a Pico: the relay sends SIGINT when
  the board has Ctrl-C enabled (its SIGINT handler is installed: code is running and
  kbd_intr is not -1), else passes the byte through as data (REPL line editing, binary
  exchanges under micropython.kbd_intr(-1));
- the IMU data (raw int16 x6 records, see heeltrack.rawtrace) plays in virtual time that
  runs `speed` times faster than real time while the app runs, and resumes where it
  stopped after a restart.

Nothing outlives the relay, even after `kill -9`: the unix process dies with the relay
thread that started it (Linux PR_SET_PDEATHSIG; it is spawned from run()), and it inherits
the image lock, so the lock is held as long as anything may write the image. Each board's
temporary directory holds a lock too; a new board removes those nobody holds any more.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heeltrack.errors import UserError
from heeltrack.files import write_atomic
from heeltrack.firmware import BOOT, load_board
from heeltrack.micropython import find_micropython

BLOCK_SIZE = 4096
DEFAULT_FS_BYTES = 1408 * 1024  # the rp2 port's filesystem size on a 2 MB Pico
RAW_REPL_BANNER = b"raw REPL; CTRL-B to exit\r\n"
FRIENDLY_PROMPT = b">>> "
SOFT_REBOOT = b"MPY: soft reboot\r\n"
HARD_RESET_EXIT = 77  # machine.reset() on the virtual board (firmware/virtual/boot.py)
RAW_ASK_AGAIN_S = 0.5  # no raw-REPL banner this long after a restart into it: Ctrl-A again
RUNTIME_ENV = "HEELTRACK_RUNTIME_DIR"
MIN_SPEED, MAX_SPEED = 0.1, 200.0  # times real time: demo and virtual alike
MAX_PENDING_OUT = 256 * 1024  # like USB CDC with nobody listening: drop beyond this
WORKDIR_PREFIX = "heeltrack-vb-"
WORKDIR_LOCK = ".lock"
OLD_WORKDIR_S = 3600  # a workdir without a lock file (older versions) is stale after this
_PR_SET_PDEATHSIG = 1
_workdir_locks: dict[str, int] = {}  # workdir -> fd holding its lock, for this process


def make_workdir() -> Path:
    """A new temporary directory for one virtual board, locked while the board (or its
    unix process) lives; directories left by boards that were killed are removed first."""
    sweep_workdirs()
    path = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX))
    fd = os.open(path / WORKDIR_LOCK, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    _workdir_locks[str(path)] = fd
    return path


def release_workdir(path: Path) -> None:
    """Remove a directory made by make_workdir (and drop its lock)."""
    fd = _workdir_locks.pop(str(path), None)
    if fd is None:
        return
    shutil.rmtree(path, ignore_errors=True)
    os.close(fd)


def sweep_workdirs(root: Path | None = None) -> list[Path]:
    """Remove the virtual boards' temporary directories that no process holds any more."""
    removed = []
    root = Path(tempfile.gettempdir()) if root is None else root
    for path in root.glob(WORKDIR_PREFIX + "*"):
        if str(path) in _workdir_locks or path.is_symlink() or not path.is_dir():
            continue
        lock = path / WORKDIR_LOCK
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            with contextlib.suppress(OSError):
                if time.time() - path.stat().st_mtime > OLD_WORKDIR_S:
                    shutil.rmtree(path, ignore_errors=True)
                    removed.append(path)
            continue
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)  # held: a board (or its unix process) still runs there
            continue
        shutil.rmtree(path, ignore_errors=True)
        os.close(fd)
        removed.append(path)
    return removed


def _die_with_parent() -> Any:
    """preexec_fn for the unix process: SIGKILL when the thread that spawned it ends
    (the relay's, or the whole relay process on kill -9). Prepared here, in the parent, so
    the child only makes one C call between fork and exec."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: the relay's close() is all there is
        return None
    parent = os.getpid()
    sig = int(signal.SIGKILL)

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, sig)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def runtime_dir() -> Path:
    """Where running virtual boards register (platformdirs user_runtime_dir)."""
    configured = os.environ.get(RUNTIME_ENV)
    if configured:
        return Path(configured)
    import warnings

    import platformdirs

    with warnings.catch_warnings():  # no XDG_RUNTIME_DIR: platformdirs warns, then falls back
        warnings.simplefilter("ignore")
        path = Path(platformdirs.user_runtime_dir("heeltrack"))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        path = Path(tempfile.gettempdir()) / f"heeltrack-{os.getuid()}"
    return path


def default_image(board: str) -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("heeltrack")) / "virtual" / f"{board}.img"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_boards() -> list[dict[str, Any]]:
    """Registered virtual boards that are still running (stale entries are removed)."""
    found = []
    directory = runtime_dir()
    if not directory.is_dir():
        return []
    for path in sorted(directory.glob("virtual-*.json")):
        try:
            info = json.loads(path.read_text())
            alive = _pid_alive(int(info["pid"])) and os.path.exists(info["port"])
        except (OSError, ValueError, KeyError, TypeError):
            alive = False
            info = {}
        if alive:
            found.append(info)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
    return found


def prepare_image(path: Path, size: int = DEFAULT_FS_BYTES) -> int:
    """Create the image (erased flash: 0xff) if missing; return its block count."""
    if size % BLOCK_SIZE or size < 16 * BLOCK_SIZE:
        raise UserError(f"filesystem size {size} must be a multiple of {BLOCK_SIZE}, >= 64 KiB")
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as f:
                f.write(b"\xff" * size)
        actual = path.stat().st_size
    except OSError as e:
        raise UserError(f"{path}: cannot create the filesystem image ({e.strerror})") from None
    if actual % BLOCK_SIZE or actual < 16 * BLOCK_SIZE:
        raise UserError(
            f"{path}: not a virtual board image ({actual} bytes is not a multiple of "
            f"{BLOCK_SIZE}); give another image file"
        )
    return actual // BLOCK_SIZE


def _sigint_handled(pid: int) -> bool:
    """True when the process catches SIGINT (MicroPython: Ctrl-C is enabled)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    except (OSError, ValueError):
        pass
    return False


@dataclass
class VirtualOptions:
    image: Path
    raw: Path | None  # little-endian int16 x6 records at 100 Hz in the chip's axes
    speed: float = 1.0
    board: str = "virtual"
    fs_bytes: int = DEFAULT_FS_BYTES
    led_log: Path | None = None
    link: Path | None = None
    workdir: Path = field(default_factory=make_workdir)


class VirtualBoard:
    """One virtual board: the user-side pty, the unix-port process, and the relay."""

    def __init__(self, opts: VirtualOptions) -> None:
        if not MIN_SPEED <= opts.speed <= MAX_SPEED:
            raise UserError(
                f"the virtual board runs {MIN_SPEED:g} to {MAX_SPEED:g} times real time, "
                f"not {opts.speed:g}"
            )
        self.opts = opts
        self.micropython = find_micropython()
        try:
            self.block_count = prepare_image(opts.image, opts.fs_bytes)
            self._lock = open(opts.image, "rb")
        except BaseException:
            release_workdir(opts.workdir)
            raise
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            release_workdir(opts.workdir)
            raise UserError(
                f"{opts.image}: in use by another virtual board; stop it or give another image"
            ) from None
        self.port = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self._user = -1  # master side of the user's pty
        self._user_slave = -1
        self._board = -1  # master side of the board's pty
        self._out = bytearray()  # pending bytes for the user
        self._in = bytearray()  # user bytes held back while the board boots or takes Ctrl-C
        self._hold_until = 0.0  # after SIGINT: hold input until the REPL is back
        self._booting_raw = False
        self._raw_asked = 0.0
        self._boot_buf = bytearray()
        self._tail = b""
        self._raw_mode = False
        self._trace_ms = 0
        self._registration: Path | None = None
        self._stop = False
        self.restarts = 0

    # ---- lifecycle -------------------------------------------------------------------
    def start(self) -> str:
        """Open the user's pty and register the board; the unix process starts in run()
        (it dies with the thread that spawns it, so that must be the relay's)."""
        self._user, self._user_slave = os.openpty()
        tty.setraw(self._user_slave)  # raw, no echo, as socat's pty,raw,echo=0
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
        self._kill()
        for fd in (self._user, self._user_slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._user = self._user_slave = -1
        if self._registration is not None:
            with contextlib.suppress(OSError):
                self._registration.unlink()
        if self.opts.link is not None and self.opts.link.is_symlink():
            with contextlib.suppress(OSError):
                self.opts.link.unlink()
        self._lock.close()
        release_workdir(self.opts.workdir)  # if it is our temporary directory

    def _register(self) -> None:
        directory = runtime_dir()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"virtual-{os.getpid()}.json"
        info = {
            "port": self.port,
            "pid": os.getpid(),
            "board": self.opts.board,
            "image": str(self.opts.image),
            "link": str(self.opts.link) if self.opts.link else None,
            "led_log": str(self.opts.led_log) if self.opts.led_log else None,
        }
        write_atomic(path, json.dumps(info))
        self._registration = path

    # ---- the unix-port process ---------------------------------------------------------
    def _config(self) -> Path:
        cfg = {
            "image": str(self.opts.image),
            "block_size": BLOCK_SIZE,
            "block_count": self.block_count,
            "raw": str(self.opts.raw) if self.opts.raw else None,
            "speed_milli": max(1, round(self.opts.speed * 1000)),
            "trace_offset_ms": self._trace_ms,
            "led_log": str(self.opts.led_log) if self.opts.led_log else None,
            "status": str(self._status_path()),
            "board": self.opts.board,
        }
        path = self.opts.workdir / "boot.json"
        path.write_text(json.dumps(cfg))
        return path

    def _status_path(self) -> Path:
        return self.opts.workdir / "trace.status"

    def _spawn(self, mode: str) -> None:
        cfg = self._config()
        master, slave = os.openpty()
        tty.setraw(slave)
        env = dict(os.environ)
        env.pop("MICROPYPATH", None)  # the board sees only its own filesystem
        # it inherits the image lock (and the workdir's): held while it may write
        held = [self._lock.fileno()]
        workdir_lock = _workdir_locks.get(str(self.opts.workdir))
        if workdir_lock is not None:
            held.append(workdir_lock)
        self.proc = subprocess.Popen(
            [self.micropython, "-i", str(BOOT), str(cfg), mode],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=self.opts.workdir,
            start_new_session=True,
            pass_fds=held,
            preexec_fn=_die_with_parent(),
        )
        os.close(slave)
        os.set_blocking(master, False)
        self._board = master
        self._booting_raw = mode == "raw"
        self._boot_buf.clear()
        self._tail = b""
        if self._booting_raw:
            self._ask_raw()

    def _ask_raw(self) -> None:
        """Ctrl-A: the REPL starts in the raw REPL. Asked again until its banner shows: a
        unix port that is still starting can lose it (that left the host waiting for ever)."""
        self._write_board(b"\x01")
        self._raw_asked = time.monotonic()

    def _account_trace(self) -> None:
        """The app stopped (Ctrl-C or exit): remember how far the trace has played."""
        status = self._status_path()
        try:
            fields = [int(x) for x in status.read_text().split()]
            start_wall_ms, offset = fields[0], fields[1]
            lag = fields[2] if len(fields) > 2 else 0
        except (OSError, ValueError, IndexError):
            return
        with contextlib.suppress(OSError):
            status.unlink()
        played = (time.time_ns() // 1_000_000 - start_wall_ms) * self.opts.speed - lag
        self._trace_ms = offset + max(0, int(played)) // 10 * 10

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._board >= 0:
            with contextlib.suppress(OSError):
                os.close(self._board)
            self._board = -1

    def _restart(self) -> None:
        """The unix process ended (soft reset): start it again as a Pico reboots.

        machine.reset() (exit status HARD_RESET_EXIT) is a power-up: /main.py runs."""
        self._account_trace()
        code = None
        if self.proc is not None:
            try:
                code = self.proc.wait(timeout=2)  # its pty closed: it is exiting
            except subprocess.TimeoutExpired:
                code = None
        hard = code == HARD_RESET_EXIT
        raw = self._raw_mode and not hard
        self._kill()
        self.restarts += 1
        if not hard:
            self._emit(SOFT_REBOOT)
        self._raw_mode = raw
        self._spawn("raw" if raw else "run")

    # ---- relay -----------------------------------------------------------------------
    def _emit(self, data: bytes) -> None:
        if len(self._out) + len(data) <= MAX_PENDING_OUT:
            self._out += data
        self._flush_out()

    def _flush_out(self) -> None:
        while self._out:
            try:
                n = os.write(self._user, self._out)
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno in (errno.EIO, errno.EAGAIN):
                    return
                raise
            del self._out[:n]

    def _track_mode(self, data: bytes) -> None:
        window = self._tail + data
        raw_at = window.rfind(RAW_REPL_BANNER)
        friendly_at = window.rfind(FRIENDLY_PROMPT)
        if raw_at >= 0 or friendly_at >= 0:
            self._raw_mode = raw_at > friendly_at
        self._tail = window[-64:]

    def _from_board(self, data: bytes) -> None:
        if self._booting_raw:
            self._boot_buf += data
            at = self._boot_buf.find(RAW_REPL_BANNER)
            if at < 0:
                return
            data = bytes(self._boot_buf[at:])
            self._boot_buf.clear()
            self._booting_raw = False
        self._track_mode(data)
        self._emit(data)

    def _write_board(self, data: bytes | bytearray) -> int:
        """Write what the board's pty takes now (never block the relay); bytes written."""
        try:
            return os.write(self._board, data)
        except BlockingIOError:
            return 0
        except OSError:
            return len(data)  # the process is gone: the restart takes over

    def _to_board(self) -> None:
        """Deliver held user bytes; 0x03 becomes SIGINT while the board takes Ctrl-C."""
        if self._booting_raw or self.proc is None or self._board < 0:
            return
        if self._hold_until:
            if time.monotonic() < self._hold_until and _sigint_handled(self.proc.pid):
                return
            self._hold_until = 0.0
        while self._in:
            at = self._in.find(b"\x03")
            if at != 0:  # plain bytes up to the next 0x03
                end = len(self._in) if at < 0 else at
                n = self._write_board(self._in[:end])
                del self._in[:n]
                if n < end:
                    return  # the board is not reading: keep the rest (and any 0x03 after it)
                continue
            if _sigint_handled(self.proc.pid):
                del self._in[:1]
                self._account_trace()
                os.kill(self.proc.pid, signal.SIGINT)
                self._hold_until = time.monotonic() + 1.0
                return
            if not self._write_board(b"\x03"):
                return
            del self._in[:1]

    def run(self) -> None:
        """Start the unix process, relay bytes until stop() is called (or the process gets
        SIGTERM/SIGINT)."""
        if self.proc is None:
            self._spawn("run")
        while not self._stop:
            rlist = [self._user]
            if self._board >= 0:
                rlist.append(self._board)
            wlist = [self._user] if self._out else []
            if self._booting_raw and time.monotonic() - self._raw_asked > RAW_ASK_AGAIN_S:
                self._ask_raw()
            timeout = 0.02 if (self._hold_until or self._in or self._booting_raw) else 0.5
            try:
                readable, _, _ = select.select(rlist, wlist, [], timeout)
            except InterruptedError:
                continue
            if self._board in readable:
                try:
                    data: bytes | None = os.read(self._board, 65536)
                except BlockingIOError:
                    data = None
                except OSError:  # EIO: the process has gone
                    data = b""
                if data:
                    self._from_board(data)
                elif data is not None:
                    self._restart()
                    continue
            if self._user in readable:
                try:
                    self._in += os.read(self._user, 65536)
                except (BlockingIOError, OSError):
                    pass
            self._to_board()
            self._flush_out()
            if self.proc is not None and self.proc.poll() is not None and self._board >= 0:
                # exited; drain whatever it printed, then reboot
                with contextlib.suppress(OSError):  # BlockingIOError or EIO: all read
                    while True:
                        r, _, _ = select.select([self._board], [], [], 0)
                        if not r:
                            break
                        data = os.read(self._board, 65536)
                        if not data:
                            break
                        self._from_board(data)
                self._restart()


def run_virtual(opts: VirtualOptions, announce: Any = None) -> int:
    """Start a virtual board, print its port on the first stdout line, relay until killed."""
    serve_board(VirtualBoard(opts), announce)
    return 0


def serve_board(board: Any, announce: Any = None) -> Any:
    """Start a board (virtual or emulated Pico: start(), run(), stop(), close()), print its
    port on the first stdout line, relay until SIGTERM or Ctrl-C; what run() returned."""

    def _terminate(signum: int, frame: Any) -> None:
        board.stop()

    old = signal.signal(signal.SIGTERM, _terminate)
    code = None
    try:
        port = board.start()
        print(port, flush=True)
        if announce is not None:
            announce(board)
        try:
            code = board.run()
        except KeyboardInterrupt:
            code = None
    finally:
        board.close()
        signal.signal(signal.SIGTERM, old)
    return code


def make_raw(trace: Any, board: str, out: Path, rest_s: float = 180.0) -> Path:
    """Write the chip records for `trace` (+ `rest_s` of the foot resting flat) to `out`."""
    import numpy as np

    from heeltrack.rawtrace import trace_to_raw
    from heeltrack.trace import Trace

    board_obj = load_board(board)
    if rest_s > 0 and len(trace.t):
        dt = 0.01
        n = int(rest_s / dt)
        t_rest = trace.t[-1] + dt * np.arange(1, n + 1)
        acc = np.zeros((n, 3))
        acc[:, 2] = 1.0
        trace = Trace(
            t=np.concatenate([trace.t, t_rest]),
            acc=np.concatenate([trace.acc, acc]),
            gyro=np.concatenate([trace.gyro, np.zeros((n, 3))]),
            foot=trace.foot,
            rate_hz=trace.rate_hz,
            comments=dict(trace.comments),
        )
    data = trace_to_raw(trace, board_obj)
    out.write_bytes(data)
    return out


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_virtual(VirtualOptions(image=Path(sys.argv[1]), raw=None)))
