"""Host side of the serial link: LinkClient (requests and replies over any Transport) and
connect() (a serial port, the link server started if need be).

The frame codec is the board's own (heel.link.frame). Every request has a timeout and is retried;
replies are matched by sequence number, so a late reply to an earlier try is dropped, never
mistaken for the answer to a later request. READs are pipelined (`window` requests in flight).

    from heeltrack.link import connect
    with connect("/dev/ttyACM0") as client:
        print(client.info["device_id"])
        for s in client.list_sessions():
            data = client.read_session(s.sid, s.size)

open_link(transport) first says HELLO to a running HeelTrack app; if nothing answers, it
interrupts the board, enters the raw REPL and starts the link server there
(`heel.link.server.serve()`). The transport is heeltrack.transport's: a serial port, or an
in-memory line to a board in this process.
"""

from __future__ import annotations

import json
import struct
import time
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from heel.link import frame as F
from heeltrack.errors import UserError
from heeltrack.transport import Transport, TransportError


class LinkError(Exception):
    """The link failed: no answer, or an answer that makes no sense."""


class LinkTimeout(LinkError):
    """No valid reply after all retries."""


class DeviceError(LinkError):
    """The board answered a request with an error frame."""

    def __init__(self, code: int, message: str) -> None:
        name = F.ERROR_NAMES[code] if 0 <= code < len(F.ERROR_NAMES) else f"error {code}"
        super().__init__(f"{name}: {message}")
        self.code = code
        self.message = message


@dataclass
class SessionEntry:
    sid: int
    size: int
    sha256: bytes | None  # None while the session is still being recorded
    closed: bool
    synced: bool


@dataclass
class Event:
    kind: int
    exercise: int
    t_ms: int
    value: int


class LinkClient:
    """Requests to a board running heel.link.server, over any Transport."""

    def __init__(
        self,
        transport: Transport,
        timeout: float = 1.0,
        retries: int = 4,
        window: int = 2,
        chunk: int | None = None,
        frames: int = 4,
    ) -> None:
        self.transport = transport
        self.timeout = timeout
        self.retries = retries
        self.window = window
        self.chunk = chunk
        self.frames = frames
        self.parser = F.FrameParser()
        self.events: deque[Event] = deque()
        self.info: dict[str, Any] = {}
        self.bytes_in = 0
        self.resent = 0
        self.recent = bytearray()  # the last bytes received, for diagnosing a wrong board
        self._seq = 0

    # -- frames ----------------------------------------------------------------------------
    def _send(self, ftype: int, payload: bytes = b"") -> int:
        self._seq = self._seq % 255 + 1
        self.transport.write(F.encode_request(ftype, self._seq, payload))
        return self._seq

    def _frame(self, deadline: float, resync: bool = True) -> tuple[int, int, bytes] | None:
        """The next good frame before `deadline` (events are queued, not returned). At the
        deadline an incomplete frame is given up (its length may be damaged) unless `resync`
        is False."""
        while True:
            fr = self.parser.next()
            if fr is not None:
                if fr[0] == F.T_EVENT:
                    if len(fr[2]) >= 10:
                        self.events.append(Event(*struct.unpack_from(F.EVENT, fr[2])))
                    continue
                return fr
            left = deadline - time.monotonic()
            if left <= 0:
                if resync:
                    self.parser.resync()
                return None
            data = self.transport.read(min(left, 0.5))
            if data:
                self.bytes_in += len(data)
                self.parser.feed(data)
                self.recent += data[-2048:]
                del self.recent[:-2048]

    @staticmethod
    def _check(ftype: int, fr: tuple[int, int, bytes]) -> bytes | None:
        """The payload if `fr` answers a request of `ftype`; raises DeviceError on an error."""
        if fr[0] == F.T_ERROR:
            msg = fr[2][1:].decode("utf-8", "replace")
            raise DeviceError(fr[2][0] if fr[2] else 0, msg)
        if fr[0] != ftype | F.REPLY:
            return None
        return fr[2]

    def request(self, ftype: int, payload: bytes = b"", timeout: float | None = None) -> bytes:
        """Send a request and return its reply payload; retried on timeout."""
        timeout = self.timeout if timeout is None else timeout
        for attempt in range(self.retries + 1):
            if attempt:
                self.resent += 1
            seq = self._send(ftype, payload)
            deadline = time.monotonic() + timeout
            while True:
                fr = self._frame(deadline)
                if fr is None:
                    break
                if fr[1] != seq:
                    continue  # a late reply to an earlier try
                reply = self._check(ftype, fr)
                if reply is not None:
                    return reply
        raise LinkTimeout(
            f"no answer from the board at {self.transport.name} to {_name(ftype)} "
            f"({self.retries + 1} tries)"
        )

    def _json(self, ftype: int, payload: bytes = b"") -> Any:
        reply = self.request(ftype, payload)
        try:
            return json.loads(reply)
        except ValueError as e:
            raise LinkError(f"the board sent a malformed reply: {e}") from None

    # -- requests --------------------------------------------------------------------------
    def hello(self) -> dict[str, Any]:
        self.info = self._json(F.T_HELLO)
        most = int(self.info.get("max_read", 4096))
        self.chunk = most if self.chunk is None else min(self.chunk, most)
        return self.info

    def probe(
        self, timeout: float, tries: int, give_up: Callable[[bytes, float], bool]
    ) -> dict[str, Any] | None:
        """HELLO, without raising: the board's info, or None if no answer came within
        `timeout` (per try) or give_up(bytes seen lately, seconds waited) said to stop early
        (e.g. REPL text instead of a frame)."""
        for _ in range(tries):
            seq = self._send(F.T_HELLO)
            start = time.monotonic()
            while True:
                now = time.monotonic()
                if now - start >= timeout:
                    break
                if give_up(bytes(self.recent), now - start):
                    return None
                fr = self._frame(min(start + timeout, now + 0.05), resync=False)
                if fr is None or fr[1] != seq or fr[0] != F.T_HELLO | F.REPLY:
                    continue
                self.info = json.loads(fr[2])
                most = int(self.info.get("max_read", 4096))
                self.chunk = most if self.chunk is None else min(self.chunk, most)
                return self.info
        return None

    def set_clock(self, epoch_s: int | None = None) -> dict[str, Any]:
        """Set the board's clock (now, by default); returns its info right after."""
        if epoch_s is None:
            epoch_s = int(time.time())
        info: dict[str, Any] = self._json(F.T_CLOCK, struct.pack("<I", epoch_s))
        return info

    def get_config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = self._json(F.T_GET_CONFIG)
        return cfg

    def set_config(self, changes: dict[str, Any]) -> dict[str, Any]:
        cfg: dict[str, Any] = self._json(F.T_SET_CONFIG, json.dumps(changes).encode())
        return cfg

    def list_sessions(self) -> list[SessionEntry]:
        out: list[SessionEntry] = []
        while True:
            page = self._json(F.T_LIST, struct.pack("<H", len(out)))
            for sid, size, sha, closed, synced in page["sessions"]:
                digest = bytes.fromhex(sha) if sha else None
                out.append(SessionEntry(int(sid), int(size), digest, bool(closed), bool(synced)))
            if not page["sessions"] or len(out) >= page["total"]:
                return out

    def hash(self, sid: int, offset: int = 0, length: int | None = None) -> bytes:
        n = F.ALL if length is None else length
        reply = self.request(F.T_HASH, F.pack_hash(sid, offset, n))
        if len(reply) < 44 or struct.unpack_from("<I", reply)[0] != sid:
            raise LinkError("the board sent a malformed HASH reply")
        return reply[12:44]

    def confirm_delete(self, sid: int, sha: bytes) -> None:
        self.request(F.T_DELETE, F.pack_sid_sha(sid, sha))

    def mark_synced(self, sid: int, sha: bytes) -> None:
        self.request(F.T_MARK, F.pack_sid_sha(sid, sha))

    def bye(self) -> None:
        """End the board's link session (Ctrl-C back on; serve() returns). One short try: the
        board ends the session by itself after a few idle seconds anyway."""
        retries = self.retries
        self.retries = 0
        try:
            self.request(F.T_BYE, timeout=min(self.timeout, 0.5))
        finally:
            self.retries = retries

    def read_range(
        self, sid: int, start: int, end: int, on_data: Callable[[int, bytes], None]
    ) -> None:
        """Read bytes [start, end) of a session; on_data(offset, data) gets them in order, in
        chunks, as they arrive.

        Each READ asks for `span` bytes (`frames` reply frames of `chunk` bytes); `window` READs
        are in flight. The board answers READs in order and each READ's frames in offset
        order, so a frame that arrives proves every frame sent before it arrived or was lost:
        lost ranges are asked for again at once; if nothing arrives for `timeout`, everything
        outstanding is. A range lost more than `retries` times raises LinkTimeout."""
        chunk = self.chunk or 4096
        span = chunk * self.frames
        todo: deque[tuple[int, int, int]] = deque()  # offset, end, tries
        pos = start
        while pos < end:
            todo.append((pos, min(end, pos + span), 0))
            pos += span
        pending: dict[int, list[int]] = {}  # seq -> [next offset, end, tries], in send order
        got: dict[int, bytes] = {}
        done = start

        def lost(off: int, stop: int, tries: int) -> None:
            if tries >= self.retries:
                raise LinkTimeout(
                    f"no answer from the board at {self.transport.name} to READ ({tries + 1} tries)"
                )
            self.resent += 1
            todo.appendleft((off, stop, tries + 1))

        while done < end:
            while todo and len(pending) < self.window:
                off, stop, tries = todo.popleft()
                seq = self._send(F.T_READ, F.pack_read(sid, off, stop - off))
                pending[seq] = [off, stop, tries]
            fr = self._frame(time.monotonic() + self.timeout)
            if fr is None:
                for off, stop, tries in sorted(pending.values(), reverse=True):
                    lost(off, stop, tries)
                pending.clear()
                continue
            req = pending.get(fr[1])
            if req is None:
                continue  # a late frame of a READ given up on
            reply = self._check(F.T_READ, fr)
            if reply is None:
                continue
            for seq in list(pending):  # READs sent before this one lost their tail
                if seq == fr[1]:
                    break
                off, stop, tries = pending.pop(seq)
                lost(off, stop, tries)
            rsid, roff = struct.unpack_from(F.READ_REPLY, reply)
            data = reply[8:]
            if rsid != sid or roff < req[0] or roff + len(data) > req[1]:
                raise LinkError("the board answered a READ with the wrong range")
            if roff > req[0]:
                lost(req[0], roff, req[2])  # frames before this one were lost
            if data:
                got[roff] = data
            req[0] = roff + len(data)
            if req[0] >= req[1]:
                del pending[fr[1]]
            elif len(data) < min(chunk, req[1] - roff):
                # a short frame ends the board's answer: the file ends here (or it read less)
                del pending[fr[1]]
                if not data:
                    raise LinkError(f"session {sid} ended at byte {roff}, before {end}")
                todo.appendleft((req[0], req[1], req[2]))
            while done in got:
                piece = got.pop(done)
                on_data(done, piece)
                done += len(piece)

    def read_session(self, sid: int, size: int) -> bytes:
        parts: list[bytes] = []
        self.read_range(sid, 0, size, lambda _off, data: parts.append(data))
        return b"".join(parts)

    def live(self, info_every: float = 0.25) -> Generator[Event | dict[str, Any], None, None]:
        """Subscribe to live events and yield each as it comes (an Event), and the board's
        INFO (a dict: HELLO's reply, which also keeps the link session open) every
        `info_every` seconds; forever: stop iterating to unsubscribe."""
        self.request(F.T_LIVE, b"\x01")
        try:
            while True:
                while self.events:
                    yield self.events.popleft()
                yield self._json(F.T_HELLO)
                end = time.monotonic() + info_every
                while not self.events and time.monotonic() < end:
                    self._frame(end, resync=False)
        finally:
            try:
                self.request(F.T_LIVE, b"\x00")
            except LinkError:
                pass


def _name(ftype: int) -> str:
    for name in dir(F):
        if name.startswith("T_") and getattr(F, name) == ftype:
            return name[2:]
    return f"request {ftype:#x}"


class Connection:
    """An open link: `client`, its `transport`, and how it was reached (`via_repl`); a context
    manager whose value is the client. Closing says BYE and leaves the raw REPL if it was used."""

    def __init__(self, transport: Transport, client: LinkClient, via_repl: bool) -> None:
        self.transport = transport
        self.client = client
        self.via_repl = via_repl

    def __enter__(self) -> LinkClient:
        return self.client

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.client.bye()
        except (LinkError, TransportError, OSError):
            pass
        if self.via_repl:
            try:
                self.transport.exit_raw_repl()
            except TransportError:
                pass
        self.transport.close()


def open_link(
    transport: Transport,
    timeout: float = 1.0,
    retries: int = 4,
    repl: bool = True,
) -> Connection:
    """HELLO the board behind `transport`; start the server through the raw REPL if need be
    (and `repl`). UserError if the board has no HeelTrack firmware or no REPL answers."""
    client = LinkClient(transport, timeout=timeout, retries=retries)

    def repl_text(seen: bytes, waited: float) -> bool:
        # the app answers within ~50 ms; a REPL echoes the request as text at once
        return waited > 0.2 and len(seen) > 0

    if client.probe(0.5, 2, repl_text) is not None:
        return Connection(transport, client, via_repl=False)
    if not repl:
        raise LinkTimeout(f"no answer from the board at {transport.name} to HELLO")
    try:
        transport.enter_raw_repl(soft_reset=False)
        transport.exec_no_follow("from heel.link.server import serve\nserve()")
    except TransportError:
        raise UserError(
            f"the device at {transport.name} answers neither the HeelTrack link nor the "
            "MicroPython raw REPL; check --port"
        ) from None
    client.recent.clear()

    def failed(seen: bytes, waited: float) -> bool:
        return b"Traceback" in seen or b"Error" in seen

    if client.probe(1.0, 3, failed) is None:
        seen = bytes(client.recent)
        try:
            transport.exit_raw_repl()
        except TransportError:
            pass
        if b"ImportError" in seen or b"no module named" in seen:
            raise UserError(
                f"the board at {transport.name} has no HeelTrack firmware; run `heeltrack flash`"
            )
        raise UserError(
            f"the board at {transport.name} started no HeelTrack link server; "
            "run `heeltrack flash` to update its firmware"
        )
    return Connection(transport, client, via_repl=True)


def connect(port: str, timeout: float = 1.0, retries: int = 4) -> Connection:
    """Open the serial port and return a Connection (use it as a context manager)."""
    from heeltrack.transport_serial import SerialTransport

    transport = SerialTransport(port)
    try:
        return open_link(transport, timeout=timeout, retries=retries)
    except BaseException:
        transport.close()
        raise
