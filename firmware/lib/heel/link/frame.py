"""Frame codec of the HeelTrack serial link: the one implementation, used by the board and the host.

Both directions carry the same body, ``type u8 | seq u8 | length u16 LE | payload | crc32 u32 LE``
(the CRC, binascii/zlib crc32, covers type..payload), behind a 4-byte magic:

- device -> host: ``RSP_MAGIC`` + body, binary. The host's FrameParser skips REPL text and garbage
  before the magic and resynchronises after a bad CRC or an impossible length.
- host -> device: ``REQ_MAGIC`` + the body in lower-case hex. A request therefore never contains
  0x01-0x04 (the REPL control bytes, Ctrl-C in particular), whatever its sequence number, offsets
  or CRC, so it is safe to send while kbd_intr is on; the board decodes it with one
  binascii.unhexlify call (RequestReader), no per-byte Python loop beyond the 4 magic bytes.

Neither magic contains a byte below 0x20, and both start with two non-ASCII bytes, which REPL text
does not contain.

Host side::

    >>> from heel.link import frame
    >>> wire = frame.encode_request(frame.T_READ, 7, frame.pack_read(3, 0, 8192))
    >>> p = frame.FrameParser()
    >>> reply = frame.encode_frame(frame.T_READ | frame.REPLY, 7, b"x")
    >>> p.feed(b"MicroPython v1.24\\r\\n>>> " + reply)
    >>> p.next()
    (146, 7, b'x')

Device side (see heel.link.server): ResponseWriter owns one preallocated buffer; a READ reply is
read from flash straight into it, CRC'd over a memoryview and written with one write().
"""

import struct
from binascii import crc32, hexlify, unhexlify

from heel.compat import const

REQ_MAGIC = b"\xa5\x5aHQ"
RSP_MAGIC = b"\xa5\x5aHT"
_MAGIC0 = REQ_MAGIC[:1]  # hex never contains it: a new request starts where it shows up
PROTOCOL = const(1)

HEADER = const(8)  # magic(4) + type + seq + length(2)
OVERHEAD = const(12)  # HEADER + crc32
MAX_PAYLOAD = const(16400)  # 16 KiB of data + the READ reply's sid/offset
MAX_REQUEST = const(1024)  # request payloads are small: ids, offsets, a config JSON

# request types; a reply has the request's type | REPLY and the request's seq
T_HELLO = const(0x10)
T_LIST = const(0x11)
T_READ = const(0x12)
T_HASH = const(0x13)
T_DELETE = const(0x14)  # confirm and delete: sid + sha256
T_MARK = const(0x15)  # mark synced (--keep): sid + sha256
T_CLOCK = const(0x16)
T_GET_CONFIG = const(0x17)
T_SET_CONFIG = const(0x18)
T_LIVE = const(0x19)
T_BYE = const(0x1A)
REPLY = const(0x80)
T_EVENT = const(0x7E)  # unsolicited live event, seq 0
T_ERROR = const(0x7F)  # error reply: code u8 + utf-8 message
# the recorder's stream (heel.recorder, `heeltrack record`): device -> host only, seq 0
T_REC_START = const(0x60)
T_SAMPLES = const(0x61)
T_REC_END = const(0x62)

# error codes
E_BAD_REQUEST = const(1)
E_UNKNOWN_TYPE = const(2)
E_NO_SESSION = const(3)
E_RANGE = const(4)
E_HASH = const(5)
E_OPEN = const(6)
E_VALUE = const(7)
E_INTERNAL = const(8)
ERROR_NAMES = (
    "",
    "bad request",
    "unknown request",
    "no such session",
    "bad range",
    "hash mismatch",
    "session still open",
    "bad value",
    "internal error",
)

# payload layouts (little-endian)
READ_REQ = "<III"  # sid, offset, length
READ_REPLY = "<II"  # sid, offset; then the data
HASH_REQ = "<III"  # sid, offset, length (ALL = to the end)
HASH_REPLY = "<III"  # sid, offset, length hashed; then 32 bytes sha256
SID_SHA = "<I"  # sid; then 32 bytes sha256 (DELETE, MARK)
EVENT = "<BBii"  # kind, exercise, t_ms, value
ALL = const(0xFFFFFFFF)


def crc(data, value=0):
    """CRC32 (unsigned) of a bytes-like object (memoryviews welcome)."""
    return crc32(data, value)


def encode_frame(ftype, seq, payload=b""):
    """A binary frame (the device -> host form) as bytes. Allocates: for tests and the host."""
    n = len(payload)
    if n > MAX_PAYLOAD:
        raise ValueError("payload too long")
    body = bytearray(4 + n + 4)
    struct.pack_into("<BBH", body, 0, ftype, seq & 0xFF, n)
    body[4 : 4 + n] = payload
    struct.pack_into("<I", body, 4 + n, crc(memoryview(body)[: 4 + n]))
    return RSP_MAGIC + bytes(body)


def encode_request(ftype, seq, payload=b""):
    """A request as sent by the host: REQ_MAGIC + hex(body); contains no control bytes."""
    n = len(payload)
    if n > MAX_REQUEST:
        raise ValueError("request payload too long")
    body = encode_frame(ftype, seq, payload)[4:]
    return REQ_MAGIC + hexlify(body)


def pack_read(sid, offset, length):
    return struct.pack(READ_REQ, sid, offset, length)


def pack_hash(sid, offset=0, length=ALL):
    return struct.pack(HASH_REQ, sid, offset, length)


def pack_sid_sha(sid, sha):
    if len(sha) != 32:
        raise ValueError("sha256 must be 32 bytes")
    return struct.pack(SID_SHA, sid) + bytes(sha)


class FrameParser:
    """Incremental parser of binary frames (host side): feed bytes, take frames with next().

    Anything before RSP_MAGIC is skipped (and counted in `skipped`); a frame with a bad CRC or an
    impossible length is dropped (counted in `bad`) and the search resumes one byte after its
    magic, so a corrupted frame never hides the good frame behind it. `magic` selects which
    direction's binary frames to parse (the tests parse decoded requests with REQ_MAGIC too).
    """

    def __init__(self, magic=RSP_MAGIC, max_payload=MAX_PAYLOAD):
        self.magic = magic
        self.max_payload = max_payload
        self._buf = bytearray()
        self._pos = 0
        self.skipped = 0
        self.bad = 0

    def feed(self, data):
        if self._pos > 65536 or (self._pos and self._pos == len(self._buf)):
            self._buf = self._buf[self._pos :]
            self._pos = 0
        self._buf.extend(data)

    def pending(self):
        """Bytes held that are not yet part of a returned frame."""
        return len(self._buf) - self._pos

    def resync(self):
        """Give up on an incomplete frame at the front (its length may be damaged): search on."""
        if self.pending() >= 4 and self._buf.find(self.magic, self._pos) == self._pos:
            self._pos += 1

    def next(self):
        """The next complete good frame as (type, seq, payload bytes), or None for now."""
        buf = self._buf
        magic = self.magic
        while True:
            start = buf.find(magic, self._pos)
            if start < 0:
                # keep a tail that may be the beginning of a magic
                keep = len(buf) - self._pos
                if keep > 3:
                    keep = 3
                self.skipped += len(buf) - self._pos - keep
                self._pos = len(buf) - keep
                return None
            self.skipped += start - self._pos
            self._pos = start
            if len(buf) - start < HEADER:
                return None
            ftype, seq, n = struct.unpack_from("<BBH", buf, start + 4)
            if n > self.max_payload:
                self.bad += 1
                self._pos = start + 1
                continue
            end = start + HEADER + n + 4
            if len(buf) < end:
                return None
            want = struct.unpack_from("<I", buf, end - 4)[0]
            if crc(memoryview(buf)[start + 4 : end - 4]) != want:
                self.bad += 1
                self._pos = start + 1
                continue
            self._pos = end
            return ftype, seq, bytes(buf[start + HEADER : end - 4])


class RequestReader:
    """Device side: assembles one hex-armoured request at a time in a preallocated buffer.

    The caller reads from its stream into ``reader.mv[reader.n : reader.n + k]`` with
    ``0 < k <= reader.want()`` and then calls ``reader.got(k)``; got() returns True when a whole
    request is there, and ``decode()`` then gives (type, seq, payload memoryview) or None if it was
    damaged (bad hex or CRC: dropped, the host retries); then ``resume()`` says whether bytes
    already read hold another whole request (only after a damaged one). While the magic is
    sought want() is 1. Hex never contains the magic's first byte, so a request cut short by a
    lost byte is abandoned as soon as the next request's magic arrives.
    """

    def __init__(self, max_request=MAX_REQUEST):
        self.max_request = max_request
        self.buf = bytearray(4 + 2 * (4 + max_request + 4))
        self.mv = memoryview(self.buf)
        self.n = 0
        self.need = 4
        self.dropped = 0
        self._carry = None

    def reset(self):
        if self.n:
            self.dropped += 1
        self.n = 0
        self.need = 4

    def want(self):
        if self.n < 4:
            return 1
        return self.need - self.n

    def got(self, k):
        n = self.n
        if n < 4:
            # seeking the magic, one byte at a time
            if self.buf[n] == REQ_MAGIC[n]:
                self.n = n + 1
            elif self.buf[n] == REQ_MAGIC[0]:
                self.buf[0] = self.buf[n]
                self.n = 1
            else:
                self.n = 0
            if self.n == 4:
                self.need = 12  # magic + hex(type, seq, length)
            return False
        self.n = n + k
        # hex never contains the magic's first byte: if it shows up, a request was cut short
        # (a dropped or damaged byte) and a new one starts there; restart from it
        i = self.buf.find(_MAGIC0, n, n + k)
        if i >= 0:
            return self._restart(i, n + k)
        if self.n < self.need:
            return False
        if self.need == 12:
            try:
                length = int(str(self.buf[8:12], "ascii"), 16)
            except ValueError:
                self.reset()
                return False
            length = (length & 0xFF) << 8 | length >> 8  # hex of a little-endian u16
            if length > self.max_request:
                self.reset()
                return False
            self.need = 12 + 2 * (length + 4)
            return False
        return True

    def _restart(self, i, end):
        """Start over with the bytes buf[i:end] (recovery only: a short Python loop)."""
        self.dropped += 1
        tail = bytes(self.buf[i:end])
        self.n = 0
        self.need = 4
        return self._feed(tail)

    def _feed(self, tail):
        for j in range(len(tail)):
            self.buf[self.n] = tail[j]
            if self.got(1):
                if j + 1 < len(tail):
                    self._carry = tail[j + 1 :]  # more after it: resume() takes it up
                return True
        return False

    def resume(self):
        """After decode(): True if bytes read with the last request completed another one."""
        tail = self._carry
        if tail is None:
            return False
        self._carry = None
        return self._feed(tail)

    def decode(self):
        """The complete request as (type, seq, payload memoryview), or None if damaged."""
        end = self.need
        self.n = 0
        self.need = 4
        try:
            body = unhexlify(self.mv[4:end])
        except ValueError:
            self.dropped += 1
            return None
        k = len(body) - 4
        if struct.unpack_from("<I", body, k)[0] != crc(memoryview(body)[:k]):
            self.dropped += 1
            return None
        return body[0], body[1], memoryview(body)[4:k]


class ResponseWriter:
    """Device side: builds reply frames in one preallocated buffer and writes each with one write.

    ``payload`` is a memoryview of the buffer's payload area: fill ``payload[:n]`` (or pack_into
    at offset 0) and call ``send(type, seq, n)``. For data, read straight into ``payload``.
    """

    def __init__(self, stream, max_payload=MAX_PAYLOAD):
        self.stream = stream
        self.buf = bytearray(OVERHEAD + max_payload)
        self.mv = memoryview(self.buf)
        self.payload = self.mv[HEADER : HEADER + max_payload]
        self.max_payload = max_payload
        self.buf[0:4] = RSP_MAGIC
        self.sent = 0
        # views of a full frame, made once: a full READ frame allocates nothing to send
        self._full_body = self.mv[4 : HEADER + max_payload]
        self._full = self.mv[: OVERHEAD + max_payload]

    def send(self, ftype, seq, n):
        buf = self.buf
        struct.pack_into("<BBH", buf, 4, ftype, seq, n)
        end = HEADER + n
        if n == self.max_payload:
            struct.pack_into("<I", buf, end, crc32(self._full_body))
            self._write(self._full)
        else:
            struct.pack_into("<I", buf, end, crc32(self.mv[4:end]))
            self._write(self.mv[: end + 4])
        self.sent += 1

    def send_bytes(self, ftype, seq, data):
        n = len(data)
        if n > self.max_payload:
            raise ValueError("reply too long")
        self.payload[:n] = data
        self.send(ftype, seq, n)

    def error(self, seq, code, message):
        msg = message.encode() if isinstance(message, str) else message
        n = min(len(msg), 200)
        self.buf[HEADER] = code
        self.payload[1 : 1 + n] = msg[:n]
        self.send(T_ERROR, seq, 1 + n)

    def _write(self, mv):
        # a stream may take fewer bytes than offered (non-blocking stdout): finish the frame
        w = self.stream.write(mv)
        if w is None or w == len(mv):
            return
        while w < len(mv):
            k = self.stream.write(mv[w:])
            if k:
                w += k
