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
from heeltrack import limits as L
from heeltrack.errors import UserError
from heeltrack.replies import ListEntry, check_config, check_info, check_list_page, parse_json
from heeltrack.transport import Transport, TransportError

DEFAULT_CHUNK = 4096  # READ data per frame when the board does not say (older firmware)


class LinkError(Exception):
    """The link failed: no answer, or an answer that makes no sense."""


class LinkTimeout(LinkError):
    """No valid reply after all retries, or an exchange past its overall deadline."""


class ProtocolError(LinkError):
    """The board answered with something no HeelTrack board sends (heeltrack.replies)."""


class DeviceError(LinkError):
    """The board answered a request with an error frame."""

    def __init__(self, code: int, message: str) -> None:
        name = F.ERROR_NAMES[code] if 0 <= code < len(F.ERROR_NAMES) else f"error {code}"
        super().__init__(f"{name}: {message}")
        self.code = code
        self.message = message


SessionEntry = ListEntry  # a LIST entry: sid, size, sha256 (None while open), closed, synced


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
        timeout: float = L.LINK_TRY_S,
        retries: int = L.LINK_RETRIES,
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
        self.events: deque[Event] = deque(maxlen=L.EVENTS_HELD)  # oldest dropped beyond
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
        sent: list[int] = []
        for attempt in range(self.retries + 1):
            if attempt:
                self.resent += 1
            sent.append(self._send(ftype, payload))
            deadline = time.monotonic() + timeout
            while True:
                fr = self._frame(deadline)
                if fr is None:
                    break
                if fr[1] not in sent:
                    continue  # a late reply to an earlier request
                # a late reply to an earlier try of this one is as good: a board slower than
                # one try (a LIST of many sessions on a Pico) then still gets through
                reply = self._check(ftype, fr)
                if reply is not None:
                    return reply
        raise LinkTimeout(
            f"no answer from the board at {self.transport.name} to {_name(ftype)} "
            f"({self.retries + 1} tries)"
        )

    def _bad(self, ftype: int, why: object) -> ProtocolError:
        return ProtocolError(f"the board sent a bad {_name(ftype)} reply: {why}")

    def _json(self, ftype: int, payload: bytes = b"", check: Any = None) -> Any:
        """The reply's JSON value, passed through `check` (heeltrack.replies)."""
        reply = self.request(ftype, payload)
        try:
            value = parse_json(reply)
            return check(value) if check is not None else value
        except ValueError as e:
            raise self._bad(ftype, e) from None

    def _took_info(self, info: dict[str, Any]) -> dict[str, Any]:
        self.info = info
        most = int(info.get("max_read", DEFAULT_CHUNK))
        self.chunk = most if self.chunk is None else min(self.chunk, most)
        return info

    # -- requests --------------------------------------------------------------------------
    def hello(self) -> dict[str, Any]:
        return self._took_info(self._json(F.T_HELLO, check=check_info))

    def probe(
        self, timeout: float, tries: int, give_up: Callable[[bytes, float], bool]
    ) -> dict[str, Any] | None:
        """HELLO, without raising: the board's info, or None if no answer came within
        `timeout` (per try) or give_up(bytes seen lately, seconds waited) said to stop early
        (e.g. REPL text instead of a frame)."""
        sent: list[int] = []
        for _ in range(tries):
            sent.append(self._send(F.T_HELLO))
            start = time.monotonic()
            while True:
                now = time.monotonic()
                if now - start >= timeout:
                    break
                if give_up(bytes(self.recent), now - start):
                    return None
                fr = self._frame(min(start + timeout, now + 0.05), resync=False)
                # a late answer to an earlier HELLO is as good (a server still starting)
                if fr is None or fr[1] not in sent or fr[0] != F.T_HELLO | F.REPLY:
                    continue
                try:
                    return self._took_info(check_info(parse_json(fr[2])))
                except ValueError as e:
                    raise self._bad(F.T_HELLO, e) from None
        return None

    def set_clock(self, epoch_s: int | None = None) -> dict[str, Any]:
        """Set the board's clock (now, by default); returns its info right after."""
        if epoch_s is None:
            epoch_s = int(time.time())
        info: dict[str, Any] = self._json(F.T_CLOCK, struct.pack("<I", epoch_s), check_info)
        return info

    def get_config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = self._json(F.T_GET_CONFIG, check=check_config)
        return cfg

    def set_config(self, changes: dict[str, Any]) -> dict[str, Any]:
        cfg: dict[str, Any] = self._json(F.T_SET_CONFIG, json.dumps(changes).encode(), check_config)
        return cfg

    def list_sessions(self) -> list[SessionEntry]:
        """Every session on the board, page by page; a page that makes no progress, a total
        beyond a u16 index or an entry out of range is a ProtocolError."""
        out: list[SessionEntry] = []
        while True:
            start = len(out)
            total, entries = self._json(
                F.T_LIST, struct.pack("<H", start), lambda v, s=start: check_list_page(v, s)
            )
            out += entries
            if len(out) >= total:
                return out
            if not entries:
                raise self._bad(F.T_LIST, f"an empty page at {start} of {total} sessions")

    def hash(self, sid: int, offset: int = 0, length: int | None = None) -> bytes:
        n = F.ALL if length is None else length
        reply = self.request(F.T_HASH, F.pack_hash(sid, offset, n))
        if len(reply) < 44 or struct.unpack_from("<I", reply)[0] != sid:
            raise self._bad(F.T_HASH, f"{len(reply)} bytes, not 44 for session {sid}")
        return bytes(reply[12:44])

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
            self.request(F.T_BYE, timeout=min(self.timeout, L.BYE_S))
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
        lost ranges are asked for again at once; if no frame of a READ in flight arrives for
        `timeout` (other frames do not count), everything outstanding is. A range lost more
        than `retries` times raises LinkTimeout, and so does the whole exchange when it takes
        longer than READ_SLACK_S + its bytes / READ_MIN_BYTES_PER_S. Memory: the READs in
        flight, whatever the range's size."""
        chunk = self.chunk or DEFAULT_CHUNK
        span = chunk * self.frames
        next_pos = start  # ranges from here on are not asked yet
        again: deque[tuple[int, int, int]] = deque()  # offset, end, tries: lost, asked first
        pending: dict[int, list[int]] = {}  # seq -> [next offset, end, tries], in send order
        got: dict[int, bytes] = {}
        done = start
        limit_s = L.READ_SLACK_S + (end - start) / L.READ_MIN_BYTES_PER_S
        overall = time.monotonic() + limit_s

        def lost(off: int, stop: int, tries: int) -> None:
            if tries >= self.retries:
                raise LinkTimeout(
                    f"no answer from the board at {self.transport.name} to READ ({tries + 1} tries)"
                )
            self.resent += 1
            again.appendleft((off, stop, tries + 1))

        quiet_until = time.monotonic() + self.timeout
        while done < end:
            while len(pending) < self.window and (again or next_pos < end):
                if again:
                    off, stop, tries = again.popleft()
                else:
                    off, stop, tries = next_pos, min(end, next_pos + span), 0
                    next_pos = stop
                seq = self._send(F.T_READ, F.pack_read(sid, off, stop - off))
                pending[seq] = [off, stop, tries]
            if time.monotonic() >= overall:
                raise LinkTimeout(
                    f"the board at {self.transport.name} sent session {sid} too slowly "
                    f"({done - start} of {end - start} bytes in {limit_s:.0f} s)"
                )
            fr = self._frame(min(quiet_until, overall))
            if fr is None:
                if time.monotonic() < quiet_until:
                    continue  # the overall deadline: said above
                for off, stop, tries in sorted(pending.values(), reverse=True):
                    lost(off, stop, tries)
                pending.clear()
                quiet_until = time.monotonic() + self.timeout
                continue
            req = pending.get(fr[1])
            if req is None:
                continue  # a late frame of a READ given up on (it does not renew the wait)
            reply = self._check(F.T_READ, fr)
            if reply is None:
                continue
            if len(reply) < 8:
                raise self._bad(F.T_READ, f"{len(reply)} bytes, shorter than its header")
            quiet_until = time.monotonic() + self.timeout
            for seq in list(pending):  # READs sent before this one lost their tail
                if seq == fr[1]:
                    break
                off, stop, tries = pending.pop(seq)
                lost(off, stop, tries)
            rsid, roff = struct.unpack_from(F.READ_REPLY, reply)
            data = reply[8:]
            if rsid != sid or roff < req[0] or roff + len(data) > req[1]:
                raise self._bad(F.T_READ, "data for another range than asked")
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
                again.appendleft((req[0], req[1], req[2]))
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
                yield self._json(F.T_HELLO, check=check_info)
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
    timeout: float = L.LINK_TRY_S,
    retries: int = L.LINK_RETRIES,
    repl: bool = True,
) -> Connection:
    """HELLO the board behind `transport`; start the server through the raw REPL if need be
    (and `repl`). UserError if the board has no HeelTrack firmware or no REPL answers."""
    client = LinkClient(transport, timeout=timeout, retries=retries)

    def repl_text(seen: bytes, waited: float) -> bool:
        # a REPL echoes the request as text at once ("ZHQ" and hex, then a prompt); an app that
        # is still starting prints other things and answers a little later: wait for it
        return waited > 0.2 and (b"HQ" in seen or b">>> " in seen or b"raw REPL" in seen)

    if client.probe(L.PROBE_TRY_S, L.PROBE_TRIES, repl_text) is not None:
        return Connection(transport, client, via_repl=False)
    if not repl:
        raise LinkTimeout(f"no answer from the board at {transport.name} to HELLO")
    try:
        transport.enter_raw_repl(soft_reset=False)
        transport.exec_no_follow("from heel.link.server import serve\nserve()")
    except TransportError as e:
        # the app may have answered meanwhile (then Ctrl-C, off during a link session, did
        # nothing): ask once more before giving up
        if client.probe(L.PROBE_TRY_S, 1, lambda _seen, _waited: False) is not None:
            return Connection(transport, client, via_repl=False)
        raise UserError(
            f"the device at {transport.name} answers neither the HeelTrack link nor the "
            f"MicroPython raw REPL ({e}); check the port, or press the board's reset button "
            "(unplug and plug it in) and try again",
            option="port",
        ) from None
    client.recent.clear()

    def failed(seen: bytes, waited: float) -> bool:
        return b"Traceback" in seen or b"Error" in seen

    if client.probe(L.SERVER_START_TRY_S, L.SERVER_START_TRIES, failed) is None:
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


def connect(port: str, timeout: float = L.LINK_TRY_S, retries: int = L.LINK_RETRIES) -> Connection:
    """Open the serial port and return a Connection (use it as a context manager). UserError
    (one line) for anything that goes wrong on the way: a port that cannot be opened or goes
    away, a board that answers nothing or nonsense."""
    from heeltrack.transport_serial import SerialTransport

    transport = SerialTransport(port)
    try:
        return open_link(transport, timeout=timeout, retries=retries)
    except (LinkError, TransportError) as e:
        transport.close()
        raise UserError(f"connecting to the board at {port} failed: {e}") from None
    except BaseException:
        transport.close()
        raise
