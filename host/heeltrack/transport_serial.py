"""A serial port as a Transport: a Pico's USB serial port or a virtual board's pseudo-terminal.

    from heeltrack.transport_serial import SerialTransport
    with SerialTransport("/dev/ttyACM0") as t:
        t.enter_raw_repl(soft_reset=True)
        print(t.eval("sys.implementation._machine"))

pyserial moves the bytes; the file operations are mpremote's (its SerialTransport is used as a
library, never seen above this module). mpremote's and pyserial's errors come out as
heeltrack.transport.TransportError, and nothing waits on a board forever:

- mpremote reads through a guard (_Guarded) that gives every operation an overall deadline and
  a byte budget (mpremote's own read loops check their overall timeout only while no byte
  arrives, so a board that keeps sending held them for ever), and writes fail after WRITE_S;
- entering the raw REPL is this module's own: it asks again when no banner comes (a board that
  was still starting up lost the first Ctrl-A, and mpremote then waited for ever), and it stops
  at RAW_REPL_S whatever the board sends;
- a port whose lock another program holds for a moment (ModemManager probing a new port), or
  whose open fails while the port checks free before and after, is tried again for
  PORT_BUSY_S before it is refused.
Times and bounds: heeltrack.limits.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import mpremote.transport_serial as _mp_module
import serial
from mpremote.transport import TransportError as MpTransportError
from mpremote.transport_serial import SerialTransport as MpSerialTransport

from heeltrack import limits as L
from heeltrack.errors import UserError
from heeltrack.transport import Transport, TransportError

FILE_CHUNK = 2048  # bytes per raw-REPL file write (mpremote's default 256 is slow)
HASH_CHUNK = 1024
FILE_BYTES_PER_S = 2048  # a file operation gets EXEC_S plus its size at this rate
RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"

_FAILURES = (MpTransportError, serial.SerialException, OSError)


def _quiet(*_args: object, **_kw: object) -> None:
    """mpremote prints what it received when the raw REPL fails; the CLI says it in one line."""


_mp_module.print = _quiet


class _Guarded:
    """The pyserial port as mpremote sees it: while an operation runs, a read waits at most
    CHAR_S for its bytes and never past the operation's deadline, and the operation reads at
    most its budget of bytes; then TransportError. Bytes pushed back are read first."""

    def __init__(self, port: serial.Serial, name: str) -> None:
        object.__setattr__(self, "_s", port)
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "deadline", None)
        object.__setattr__(self, "budget", L.CONTROL_BYTES)
        object.__setattr__(self, "used", 0)
        object.__setattr__(self, "what", "")
        object.__setattr__(self, "seconds", 0.0)
        object.__setattr__(self, "back", bytearray())

    def __getattr__(self, key: str) -> Any:
        return getattr(self._s, key)

    def __setattr__(self, key: str, value: Any) -> None:
        if key in ("deadline", "budget", "used", "what", "seconds"):
            object.__setattr__(self, key, value)
        else:
            setattr(self._s, key, value)  # mpremote sets rts/dtr

    def check(self) -> None:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise TransportError(f"{self._name}: {self.what}: not done within {self.seconds:g} s")

    def _spend(self, n: int) -> None:
        self.used += n
        if self.used > self.budget:
            raise TransportError(
                f"{self._name}: {self.what}: the board sent more than {self.budget} bytes "
                "without finishing (a flood)"
            )

    def read(self, size: int = 1, wait: float = L.CHAR_S) -> bytes:
        out = bytearray()
        if self.back:
            out += self.back[:size]
            del self.back[: len(out)]
        now = time.monotonic()
        end = now + wait
        if self.deadline is not None:
            end = min(end, self.deadline)
        while len(out) < size:
            left = end - time.monotonic()
            if left <= 0:
                break
            self._s.timeout = left
            chunk = self._s.read(size - len(out))
            if chunk:
                self._spend(len(chunk))
                out += chunk
        if len(out) < size:
            self.check()
        return bytes(out)

    def inWaiting(self) -> int:  # noqa: N802 - pyserial's (and mpremote's) name
        self.check()
        return len(self.back) + int(self._s.in_waiting)

    @property
    def in_waiting(self) -> int:
        return self.inWaiting()

    def write(self, data: bytes) -> int | None:
        self.check()
        return self._s.write(data)

    def unread(self, data: bytes) -> None:
        self.back[:0] = data


def _port_problem(port: str) -> tuple[str, str] | None:
    """None if the port can be opened and locked now, else (kind, why): kind "busy" (another
    program holds its lock), "missing", "denied" or "other"."""
    try:
        fd = os.open(port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except FileNotFoundError:
        return "missing", "no such port"
    except PermissionError:
        return "denied", "permission denied; on Linux add yourself to the dialout group"
    except OSError as e:
        return "other", e.strerror or str(e)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return "busy", "in use by another program"
    except OSError:
        pass  # not lockable (some drivers): pyserial will say if that matters
    finally:
        os.close(fd)
    return None


class SerialTransport(Transport):
    """A serial port; UserError (one line) if it cannot be opened."""

    def __init__(self, port: str, baudrate: int = 115200) -> None:
        self.name = port
        self._mp = self._open(port, baudrate)
        self._serial: serial.Serial = self._mp.serial
        self._serial.write_timeout = L.WRITE_S
        self._guard = _Guarded(self._serial, port)
        self._mp.serial = self._guard

    @staticmethod
    def _open(port: str, baudrate: int) -> MpSerialTransport:
        deadline = time.monotonic() + L.PORT_BUSY_S
        while True:
            problem = _port_problem(port)
            if problem is None:
                try:
                    return MpSerialTransport(port, baudrate=baudrate, timeout=L.CHAR_S)
                except _FAILURES as e:
                    # free a moment ago and free again: the open failed on something passing
                    # (a lock taken and let go in between; a demo's first open once failed so)
                    problem = ("busy", str(e)) if _port_problem(port) else ("passing", str(e))
            kind, why = problem
            if kind not in ("busy", "passing") or time.monotonic() >= deadline:
                if kind == "busy":
                    raise UserError(
                        f"cannot open the serial port {port} ({why}); close the other program "
                        "(a serial terminal, another heeltrack)"
                    )
                raise UserError(
                    f"cannot open the serial port {port} ({why}); check that the board is "
                    "plugged in at that port: `heeltrack devices` lists the boards found",
                    option="port",
                )
            time.sleep(0.05)

    # -- the byte pipe ---------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        try:
            self._serial.write(data)
        except _FAILURES as e:
            raise TransportError(f"{self.name}: {_why(e)}") from None

    def read(self, timeout: float) -> bytes:
        s = self._serial
        if self._guard.back:  # left over by a raw-REPL exchange
            data = bytes(self._guard.back)
            self._guard.back.clear()
            return data
        try:
            s.timeout = timeout
            first = s.read(1)
            if not first:
                return b""
            s.timeout = 0
            waiting = s.in_waiting
            return first + s.read(waiting) if waiting else first
        except _FAILURES as e:
            raise TransportError(f"{self.name}: {_why(e)}") from None

    def close(self) -> None:
        try:
            self._mp.serial = self._serial
            self._mp.close()
        except Exception:  # noqa: BLE001 - a port that vanished fails to close in many ways
            try:
                self._serial.close()
            except Exception:  # noqa: BLE001
                pass

    # -- board control ---------------------------------------------------------------------
    @contextmanager
    def _op(self, what: str, seconds: float, budget: int = L.CONTROL_BYTES) -> Iterator[None]:
        """An operation at the board: deadline, byte budget, errors as TransportError."""
        g = self._guard
        g.deadline = time.monotonic() + seconds
        g.seconds = seconds
        g.budget = budget
        g.used = 0
        g.what = what
        try:
            yield
        except TransportError:
            raise
        except _FAILURES as e:
            raise TransportError(f"{self.name}: {what}: {_why(e)}") from None
        finally:
            g.deadline = None

    def interrupt(self) -> None:
        with self._op("interrupting the board", L.WRITE_S + 1):
            self._guard.write(b"\r\x03")
            time.sleep(0.1)

    def enter_raw_repl(self, soft_reset: bool = False) -> None:
        """Interrupt the board and enter its raw REPL (then soft-reset it if asked), asking
        again each RAW_REPL_RETRY_S without a banner, within RAW_REPL_S whatever comes."""
        g = self._guard
        with self._op("entering the raw REPL", L.RAW_REPL_S):
            seen = bytearray()
            try:
                g.write(b"\r\x03")  # stop what runs
                time.sleep(0.05)
                while g.in_waiting:  # what it printed so far is not the answer
                    seen += g.read(g.in_waiting)
                    del seen[:-200]
                self._expect(RAW_BANNER, seen, ask=b"\r\x01")
                if soft_reset:
                    self._expect(b">", seen)
                    g.write(b"\x04")
                    self._expect(b"soft reboot\r\n", seen)
                    self._expect(RAW_BANNER, seen)
            except TransportError as e:
                tail = bytes(seen[-60:]).decode("ascii", "replace")
                shown = "".join(c if c.isprintable() else " " for c in tail).strip()
                raise TransportError(
                    f"{e}; no raw REPL answered" + (f" (it printed {shown!r})" if shown else "")
                ) from None
        self._mp.in_raw_repl = True

    def _expect(self, marker: bytes, seen: bytearray, ask: bytes | None = None) -> None:
        """Read until `marker` (the bytes after it are left to read); `ask` is written now and
        again each RAW_REPL_RETRY_S, after a Ctrl-C, until it comes."""
        g = self._guard
        window = bytearray()
        if ask is not None:
            g.write(ask)
        again = time.monotonic() + L.RAW_REPL_RETRY_S
        while True:
            chunk = g.read(max(1, min(g.in_waiting, 4096)), wait=0.1)
            if chunk:
                window += chunk
                seen += chunk
                del seen[:-200]
                at = window.find(marker)
                if at >= 0:
                    g.unread(bytes(window[at + len(marker) :]))
                    return
                del window[: -len(marker)]
            elif ask is not None and time.monotonic() >= again:
                g.write(b"\r\x03")  # it lost the request (e.g. it was still starting): again
                time.sleep(0.05)
                g.write(ask)
                again = time.monotonic() + L.RAW_REPL_RETRY_S

    def exit_raw_repl(self) -> None:
        with self._op("leaving the raw REPL", L.WRITE_S + 1):
            self._mp.exit_raw_repl()

    def exec(self, code: str) -> bytes:
        with self._op("running a command", L.EXEC_S):
            return bytes(self._mp.exec(code))

    def exec_no_follow(self, code: str) -> None:
        with self._op("starting a command", L.RAW_REPL_S + len(code) / FILE_BYTES_PER_S):
            self._mp.exec_raw_no_follow(code)

    def soft_reset(self, until: bytes, timeout: float) -> bytes:
        mp = self._mp
        with self._op("restarting the board", timeout + 5):
            mp.exit_raw_repl()
            mp.read_until(1, b">>> ", timeout=2)
            self._guard.write(b"\x04")
            return bytes(mp.read_until(1, until, timeout=timeout, timeout_overall=timeout))

    # -- files -----------------------------------------------------------------------------
    def _file_op(self, what: str, path: str, size: int = 0) -> Any:
        return self._op(f"{what} {path}", L.EXEC_S + size / FILE_BYTES_PER_S)

    def fs_exists(self, path: str) -> bool:
        with self._file_op("looking for", path):
            return bool(self._mp.fs_exists(path))

    def fs_readfile(self, path: str) -> bytes:
        with self._file_op("reading", path):
            return bytes(self._mp.fs_readfile(path))

    def fs_writefile(self, path: str, data: bytes) -> None:
        with self._file_op("writing", path, len(data)):
            self._mp.fs_writefile(path, data, chunk_size=FILE_CHUNK)

    def fs_mkdir(self, path: str) -> None:
        with self._file_op("making", path):
            self._mp.fs_mkdir(path)

    def fs_rmfile(self, path: str) -> None:
        with self._file_op("removing", path):
            self._mp.fs_rmfile(path)

    def fs_sha256(self, path: str) -> bytes | None:
        with self._file_op("hashing", path, 64 * 1024):
            try:
                return bytes(self._mp.fs_hashfile(path, "sha256", chunk_size=HASH_CHUNK))
            except MpTransportError:
                return None  # a missing file (mpremote raises several kinds for it)
            except OSError as e:
                if e.errno == errno.ENOENT or not isinstance(e, serial.SerialException):
                    return None
                raise


def _why(e: BaseException) -> str:
    """A one-line reason from pyserial's or mpremote's exception."""
    text = " ".join(str(e).split())
    if (isinstance(e, OSError) and e.errno == errno.EIO) or "Input/output error" in text:
        return "the port went away (input/output error): the board was unplugged or reset"
    if "returned no data" in text or "disconnected" in text:
        return "the port went away: the board was unplugged or reset"
    return text[:160] or type(e).__name__
