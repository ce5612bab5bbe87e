"""A misbehaving board behind a pseudo-terminal: what a buggy firmware, a wrong device or a hostile
one could send, played by a thread in the test process (no MicroPython involved).

    board = FakeBoard(Answers(hello={"device_id": "0" * 16, "max_read": -1}))
    run `heeltrack sync --port board.port` ...; board.close()

A `Script` decides what the board does with every link request (`on_request(type, seq,
payload)` -> bytes to send) and with REPL control bytes (`on_repl(data)`), and may keep
sending on its own (`idle()`, called every few ms: a flood). `vanish()` closes the
pseudo-terminal as a pulled cable does. Requests are parsed from the hex-armoured form
heel.link.frame.encode_request writes.
"""

from __future__ import annotations

import binascii
import json
import os
import select
import struct
import threading
import tty
from typing import Any

from heel.link import frame as F
from tests.support.sessions import DEVICE_ID, make_session, sha

BANNER = b"raw REPL; CTRL-B to exit\r\n>"


def reply(ftype: int, seq: int, payload: bytes = b"") -> bytes:
    return F.encode_frame(ftype | F.REPLY, seq, payload)


def json_reply(ftype: int, seq: int, obj: Any) -> bytes:
    return reply(ftype, seq, json.dumps(obj).encode())


def good_info(**changes: Any) -> dict[str, Any]:
    info: dict[str, Any] = {
        "device_id": DEVICE_ID,
        "fw": "0.1.0",
        "board": "fake",
        "foot": "left",
        "uptime_ms": 100_000,
        "epoch_s": 0,
        "free": 100_000,
        "mode": "repl",
        "proto": 1,
        "max_read": 4096,
    }
    info.update(changes)
    return {k: v for k, v in info.items() if v is not REMOVE}


REMOVE = object()  # good_info(device_id=REMOVE): the field is left out


class Script:
    """A well-behaved board with one closed session: subclasses misbehave where they choose."""

    def __init__(self) -> None:
        self.session = make_session(1, 300)
        self.board: FakeBoard | None = None

    def info(self) -> Any:
        return good_info()

    def list_page(self, start: int) -> Any:
        entries = [[1, len(self.session), sha(self.session).hex(), True, False]]
        return {"total": 1, "start": start, "sessions": entries[start:]}

    def on_request(self, ftype: int, seq: int, payload: bytes) -> bytes:
        if ftype in (F.T_HELLO, F.T_CLOCK):
            return json_reply(ftype, seq, self.info())
        if ftype == F.T_LIST:
            (start,) = struct.unpack_from("<H", payload)
            return json_reply(ftype, seq, self.list_page(start))
        if ftype == F.T_READ:
            sid, off, n = struct.unpack_from(F.READ_REQ, payload)
            out = b""
            end = min(off + n, len(self.session))
            while True:
                k = min(4096, end - off)
                out += reply(
                    ftype, seq, struct.pack(F.READ_REPLY, sid, off) + self.session[off : off + k]
                )
                off += k
                if off >= end or k < 4096:
                    return out
        if ftype == F.T_HASH:
            (sid,) = struct.unpack_from("<I", payload)
            body = struct.pack(F.HASH_REPLY, sid, 0, len(self.session)) + sha(self.session)
            return reply(ftype, seq, body)
        if ftype == F.T_GET_CONFIG:
            return json_reply(ftype, seq, {"foot": "left"})
        return reply(ftype, seq)  # DELETE, MARK, BYE, LIVE

    def on_repl(self, data: bytes) -> bytes:
        """Bytes that are not a link request (REPL keys, code): silence, like a busy board."""
        return b""

    def idle(self) -> bytes:
        return b""


class FakeBoard:
    def __init__(self, script: Script) -> None:
        self.script = script
        script.board = self
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        os.set_blocking(self.master, False)
        self._buf = bytearray()
        self._stop = False
        self.gone = False
        self.requests: list[int] = []
        self._out = bytearray()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def vanish(self) -> None:
        """The cable is pulled: the port goes away under the host (reads fail with EIO)."""
        self.gone = True

    def send(self, data: bytes) -> None:
        self._out += data

    def _run(self) -> None:
        while not self._stop and not self.gone:
            wlist = [self.master] if self._out else []
            try:
                r, w, _ = select.select([self.master], wlist, [], 0.005)
            except (OSError, ValueError):
                return
            if r:
                try:
                    data = os.read(self.master, 65536)
                except (BlockingIOError, InterruptedError):
                    data = b""
                except OSError:
                    data = b""
                if data:
                    self._take(data)
            if not self.gone:
                self._out += self.script.idle()
            if w and self._out:
                try:
                    n = os.write(self.master, self._out[:65536])
                    del self._out[:n]
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    self._out.clear()
            if len(self._out) > (4 << 20):
                del self._out[: len(self._out) - (4 << 20)]  # nobody reads: like USB CDC
        if self.gone:
            self._close_fds()

    def _take(self, data: bytes) -> None:
        self._buf += data
        while True:
            at = self._buf.find(F.REQ_MAGIC)
            if at < 0:
                # hold back only a tail that may be the start of a request's magic
                held = 0
                for k in (3, 2, 1):
                    if self._buf.endswith(F.REQ_MAGIC[:k]):
                        held = k
                        break
                give = len(self._buf) - held
                if give:
                    self._out += self.script.on_repl(bytes(self._buf[:give]))
                    del self._buf[:give]
                return
            if at:
                self._out += self.script.on_repl(bytes(self._buf[:at]))
                del self._buf[:at]
            if len(self._buf) < 12:
                return
            head = binascii.unhexlify(bytes(self._buf[4:12]))
            ftype, seq, n = struct.unpack("<BBH", head)
            total = 4 + 2 * (4 + n + 4)
            if len(self._buf) < total:
                return
            body = binascii.unhexlify(bytes(self._buf[4:total]))
            del self._buf[:total]
            self.requests.append(ftype)
            self._out += self.script.on_request(ftype, seq, body[4 : 4 + n])

    def _close_fds(self) -> None:
        for fd in (self.master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def close(self) -> None:
        self._stop = True
        self.thread.join(5)
        if not self.gone:
            self._close_fds()
