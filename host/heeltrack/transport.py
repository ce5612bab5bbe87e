"""The byte pipe to a board, and what the host does to a board through it.

    from heeltrack.transport_serial import SerialTransport
    with SerialTransport("/dev/ttyACM0") as t:        # a Pico's USB serial port, or a pty
        t.write(b"...");  data = t.read(0.5)          # the link's frames (heeltrack.link)
        t.enter_raw_repl()                            # board control (heeltrack.flash, .record)
        print(t.eval("sys.platform"))

Everything above this layer (heeltrack.link, .flash, .record, .sync) talks to a Transport,
never to pyserial or mpremote objects. Implementations:
- heeltrack.transport_serial.SerialTransport: a serial port (a Pico's USB CDC port, or a virtual
  board's pseudo-terminal), with mpremote's raw-REPL and file operations;
- heeltrack.transport_memory.MemoryTransport: a pipe to a board running in this process (the
  firmware's own LinkServer and App, in tests), with a hook that can damage bytes in transit.
A transport without a REPL refuses the board-control methods with TransportError.
"""

from __future__ import annotations

import ast
from typing import Any


class TransportError(Exception):
    """The board did not do what was asked (no raw REPL, an exception on the board, a file
    operation that failed); the message says what happened."""


class Transport:
    """Bytes to and from a board, plus the board-control operations (raw REPL, files)."""

    name: str = "?"

    # -- the byte pipe (every transport) ----------------------------------------------------
    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read(self, timeout: float) -> bytes:
        """Whatever bytes arrive within `timeout` seconds (at least one if any came), else b""."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- board control (a MicroPython REPL behind the pipe) ----------------------------------
    def _no_repl(self, what: str) -> TransportError:
        return TransportError(f"{self.name}: {what} needs a MicroPython REPL, which it has not")

    def interrupt(self) -> None:
        """Ctrl-C: stop what the board runs (the app), back to the REPL."""
        raise self._no_repl("interrupting the board")

    def enter_raw_repl(self, soft_reset: bool = False) -> None:
        """Interrupt the board and enter the raw REPL (TransportError if none answers)."""
        raise self._no_repl("the raw REPL")

    def exit_raw_repl(self) -> None:
        """Back to the friendly REPL."""
        raise self._no_repl("the raw REPL")

    def exec(self, code: str) -> bytes:
        """Run `code` at the raw REPL; its output, or TransportError with the board's error."""
        raise self._no_repl("running code")

    def exec_no_follow(self, code: str) -> None:
        """Start `code` at the raw REPL and return at once (its output comes through read())."""
        raise self._no_repl("running code")

    def eval(self, expression: str) -> Any:
        """The value of a Python literal expression evaluated on the board."""
        out = self.exec(f"print(repr({expression}))").decode(errors="replace").strip()
        try:
            return ast.literal_eval(out)
        except (ValueError, SyntaxError):
            raise TransportError(f"{self.name}: {expression} gave {out!r}") from None

    def soft_reset(self, until: bytes, timeout: float) -> bytes:
        """From the raw REPL: friendly REPL, then Ctrl-D, so /main.py runs as after power-up;
        returns what the board printed up to `until` (or the timeout)."""
        raise self._no_repl("a soft reset")

    # -- files on the board (through the raw REPL) -------------------------------------------
    def fs_exists(self, path: str) -> bool:
        raise self._no_repl("file access")

    def fs_readfile(self, path: str) -> bytes:
        raise self._no_repl("file access")

    def fs_writefile(self, path: str, data: bytes) -> None:
        raise self._no_repl("file access")

    def fs_mkdir(self, path: str) -> None:
        raise self._no_repl("file access")

    def fs_rmfile(self, path: str) -> None:
        raise self._no_repl("file access")

    def fs_sha256(self, path: str) -> bytes | None:
        """The file's sha256, or None if it does not exist."""
        raise self._no_repl("file access")

    def fs_files(self, top: str) -> list[str]:
        """Every file under the directory `top` (recursively); [] if it does not exist."""
        out = self.exec(
            "import os\n"
            "def _w(d):\n"
            " for e in os.ilistdir(d):\n"
            "  p = d + '/' + e[0]\n"
            "  if e[1] & 0x4000:\n"
            "   _w(p)\n"
            "  else:\n"
            "   print(p)\n"
            "try:\n"
            f" _w({top!r})\n"
            "except OSError:\n"
            " pass\n"
        )
        return [line.strip() for line in out.decode().splitlines() if line.strip()]
