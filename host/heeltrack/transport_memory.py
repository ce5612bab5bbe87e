"""A board in this process, behind an in-memory cable: the Transport for tests and scripts that
need the link but not a serial port.

    from heeltrack.transport_memory import MemoryCable
    cable = MemoryCable()
    # the board side: the firmware's LinkServer (or heel.app.App) reads cable.board_in and
    # writes cable.board_out, in a thread of its own
    with cable.connect() as transport:                 # like opening the serial port
        client = LinkClient(transport)

`board_in` is a real file (an os.pipe), since the firmware waits for requests with select.poll.
A cable outlives its transports, as a board outlives the host programs that open its port; bytes
the board sends while no transport is open are lost, as with USB CDC when nobody listens.

The fault hook: `damage(data) -> data` sees every chunk in both directions and returns what
arrives (corrupted, shortened, nothing at all; it may also sleep to stall the line).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from heeltrack.transport import Transport, TransportError

Damage = Callable[[bytes], bytes]


class MemoryCable:
    """Both ends of an in-memory line; `damage` may be set or cleared at any time."""

    def __init__(self, name: str = "memory", damage: Damage | None = None) -> None:
        self.name = name
        self.damage = damage
        r, w = os.pipe()
        self.board_in = os.fdopen(r, "rb", buffering=0)  # the board reads requests here
        self._to_board = w
        self.board_out = _BoardOut(self)  # the board writes replies here
        self._rx = bytearray()
        self._cond = threading.Condition()
        self._host: MemoryTransport | None = None
        self.hung_up = False

    def connect(self) -> MemoryTransport:
        """A new host-side transport (the previous one, if still open, is closed)."""
        if self._host is not None:
            self._host.close()
        with self._cond:
            self._rx.clear()
        self._host = MemoryTransport(self)
        return self._host

    def hang_up(self) -> None:
        """Close the line for good: the board's input ends (EOF)."""
        if not self.hung_up:
            self.hung_up = True
            os.close(self._to_board)
        with self._cond:
            self._cond.notify_all()

    # -- used by the two ends --------------------------------------------------------------
    def _pass(self, data: bytes) -> bytes:
        damage = self.damage
        return damage(data) if damage is not None else data

    def _from_board(self, data: bytes) -> None:
        data = self._pass(data)
        with self._cond:
            if self._host is not None and data:
                self._rx += data
                self._cond.notify_all()

    def _to_board_write(self, data: bytes) -> None:
        data = self._pass(data)
        view = memoryview(data)
        while len(view):
            n = os.write(self._to_board, view)
            view = view[n:]


class _BoardOut:
    """The board's stdout: write() returns the bytes taken, as a stream's does."""

    def __init__(self, cable: MemoryCable) -> None:
        self._cable = cable

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._cable._from_board(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


class MemoryTransport(Transport):
    """The host end of a MemoryCable (made by MemoryCable.connect()); no REPL behind it."""

    def __init__(self, cable: MemoryCable) -> None:
        self.name = cable.name
        self._cable = cable
        self.closed = False

    def write(self, data: bytes) -> None:
        if self.closed or self._cable.hung_up:
            raise TransportError(f"{self.name}: the line is closed")
        self._cable._to_board_write(data)

    def read(self, timeout: float) -> bytes:
        cable = self._cable
        deadline = time.monotonic() + timeout
        with cable._cond:
            while not cable._rx:
                left = deadline - time.monotonic()
                if left <= 0 or self.closed or cable.hung_up:
                    return b""
                cable._cond.wait(left)
            data = bytes(cable._rx)
            cable._rx.clear()
            return data

    def close(self) -> None:
        cable = self._cable
        self.closed = True
        with cable._cond:
            if cable._host is self:
                cable._host = None
            cable._cond.notify_all()
