"""A serial port as a Transport: a Pico's USB serial port or a virtual board's pseudo-terminal.

    from heeltrack.transport_serial import SerialTransport
    with SerialTransport("/dev/ttyACM0") as t:
        t.enter_raw_repl(soft_reset=True)
        print(t.eval("sys.implementation._machine"))

pyserial moves the bytes; the raw REPL and the file operations are mpremote's (its
SerialTransport is used as a library, never seen above this module). mpremote's and pyserial's
errors come out as heeltrack.transport.TransportError.
"""

from __future__ import annotations

import time

import serial
from mpremote.transport import TransportError as MpTransportError
from mpremote.transport_serial import SerialTransport as MpSerialTransport

from heeltrack.errors import UserError
from heeltrack.transport import Transport, TransportError

FILE_CHUNK = 2048  # bytes per raw-REPL file write (mpremote's default 256 is slow)
HASH_CHUNK = 1024

_FAILURES = (MpTransportError, serial.SerialException, OSError)


class SerialTransport(Transport):
    """A serial port; UserError (one line) if it cannot be opened."""

    def __init__(self, port: str, baudrate: int = 115200) -> None:
        self.name = port
        try:
            self._mp = MpSerialTransport(port, baudrate=baudrate, timeout=2)
        except _FAILURES as e:
            raise UserError(
                f"cannot open the serial port {port} ({e}); check --port and that the board is "
                "plugged in (`heeltrack devices` lists the boards found)"
            ) from None
        self._serial = self._mp.serial

    # -- the byte pipe ---------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        self._serial.write(data)

    def read(self, timeout: float) -> bytes:
        s = self._serial
        s.timeout = timeout
        first = s.read(1)
        if not first:
            return b""
        s.timeout = 0
        waiting = s.in_waiting
        return first + s.read(waiting) if waiting else first

    def close(self) -> None:
        try:
            self._mp.close()
        except (OSError, serial.SerialException):
            pass

    # -- board control ---------------------------------------------------------------------
    def interrupt(self) -> None:
        try:
            self._serial.write(b"\r\x03")
            time.sleep(0.1)
        except _FAILURES as e:
            raise TransportError(f"{self.name}: {e}") from None

    def enter_raw_repl(self, soft_reset: bool = False) -> None:
        try:
            self._mp.enter_raw_repl(soft_reset=soft_reset, timeout_overall=5)
        except _FAILURES as e:
            raise TransportError(f"{self.name}: no raw REPL ({e})") from None

    def exit_raw_repl(self) -> None:
        try:
            self._mp.exit_raw_repl()
        except _FAILURES as e:
            raise TransportError(f"{self.name}: {e}") from None

    def exec(self, code: str) -> bytes:
        try:
            return bytes(self._mp.exec(code))
        except _FAILURES as e:
            raise TransportError(f"{self.name}: {e}") from None

    def exec_no_follow(self, code: str) -> None:
        try:
            self._mp.exec_raw_no_follow(code)
        except _FAILURES as e:
            raise TransportError(f"{self.name}: {e}") from None

    def soft_reset(self, until: bytes, timeout: float) -> bytes:
        mp = self._mp
        try:
            mp.exit_raw_repl()
            mp.read_until(1, b">>> ", timeout=2)
            self._serial.write(b"\x04")
            return bytes(mp.read_until(1, until, timeout=timeout, timeout_overall=timeout))
        except _FAILURES as e:
            raise TransportError(f"{self.name}: {e}") from None

    # -- files -----------------------------------------------------------------------------
    def fs_exists(self, path: str) -> bool:
        try:
            return bool(self._mp.fs_exists(path))
        except _FAILURES as e:
            raise TransportError(f"{self.name}: {path}: {e}") from None

    def fs_readfile(self, path: str) -> bytes:
        try:
            return bytes(self._mp.fs_readfile(path))
        except _FAILURES as e:
            raise TransportError(f"{self.name}: {path}: {e}") from None

    def fs_writefile(self, path: str, data: bytes) -> None:
        try:
            self._mp.fs_writefile(path, data, chunk_size=FILE_CHUNK)
        except _FAILURES as e:
            raise TransportError(f"{self.name}: {path}: {e}") from None

    def fs_mkdir(self, path: str) -> None:
        try:
            self._mp.fs_mkdir(path)
        except _FAILURES as e:
            raise TransportError(f"{self.name}: {path}: {e}") from None

    def fs_rmfile(self, path: str) -> None:
        try:
            self._mp.fs_rmfile(path)
        except _FAILURES as e:
            raise TransportError(f"{self.name}: {path}: {e}") from None

    def fs_sha256(self, path: str) -> bytes | None:
        try:
            return bytes(self._mp.fs_hashfile(path, "sha256", chunk_size=HASH_CHUNK))
        except _FAILURES:
            return None  # a missing file (mpremote raises several kinds for it)
