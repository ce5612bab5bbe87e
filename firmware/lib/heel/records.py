"""Session log record format (DESIGN.md contract 3), shared by the board and the host.

A session is one append-only file: a header, then records.

    header   b"HTSL" | version u8 | header_len u8 | flags u16 | device id 8 bytes | session u32
             | crc32 u32 of the header bytes before it                (24 bytes in version 1)
    record   length u16 | type u8 | payload | crc32 u32 of type + payload
             (length = len(type + payload), 1..MAX_BODY; all little-endian)

A record whose bytes end early, whose length is impossible or whose CRC fails is a torn tail
(a power cut during its write) when no whole valid record starts anywhere after it: it is
dropped and everything before it kept. The same failure with a valid record after it is
damage: decode_session raises ValueError naming its byte offset.

Payloads (times are ms since the board's boot; epoch_s is Unix time, 0 if the clock was unset):

    SESSION_START uptime_ms u32, epoch_s u32, foot u8 (FOOT_*), board, fw_version,
                  config_digest (each u8 length + UTF-8, at most MAX_TEXT bytes), then
                  program (u8 length + heel.config.pack_program bytes: the targets the
                  session ran under; absent in sessions of older firmware), then
                  boot u32 (the power-up it began in, heel.store; absent in sessions of
                  older firmware: decoded as 0, unknown)
    SET_START     exercise u8, t_ms u32, direction u8
    REP           exercise u8, t_ms u32, hold_ms u32, set_no u16
    SET_END       exercise u8, t_ms u32, count u16
    GAP           t_ms u32, missing samples u32
    CLOCK         uptime_ms u32, epoch_s u32     (the host set the clock during the session)
    FAULT         code u16 (FAULT_*), value u32   (NOTE is the same record)
    SESSION_END   t_ms u32, reason u8 (END_*)

A known type with a longer payload than listed decodes its known fields and ignores the rest
(room for growth within version 1); an unknown type decodes as {"payload": bytes}.

Board side, per event, without allocation:

    buf = bytearray(RECORD_MAX)
    n = encode_into(buf, REP, HEEL_RAISE, t_ms, hold_ms, set_no)   # then f.write(view of n bytes)

Host side:

    header, records = decode_session(open("12.hts", "rb").read())
    for rtype, fields in records: print(NAMES[rtype], fields)
"""

import struct
import sys
from array import array
from binascii import crc32

from heel.compat import const, micropython, ptr8, ptr32

MAGIC = b"HTSL"
VERSION = const(1)
HEADER_LEN = const(24)
MAX_BODY = const(250)  # largest type + payload a version-1 record may have
MAX_TEXT = const(63)  # longest text field of SESSION_START, in bytes
RECORD_MAX = const(256)  # 2 + MAX_BODY + 4, rounded: a buffer that holds any record

SESSION_START = const(1)
SET_START = const(2)
REP = const(3)
SET_END = const(4)
GAP = const(5)
CLOCK = const(6)
FAULT = const(7)
NOTE = const(7)
SESSION_END = const(8)
NAMES = (
    "",
    "session_start",
    "set_start",
    "rep",
    "set_end",
    "gap",
    "clock",
    "fault",
    "session_end",
)

FOOT_UNKNOWN = const(0)
FOOT_LEFT = const(1)
FOOT_RIGHT = const(2)
FEET = ("", "left", "right")

FAULT_I2C = const(1)  # value: I2C errors since the last FAULT of this code
FAULT_FIFO_OVERFLOW = const(2)  # value: overflows
FAULT_STORE_FULL = const(3)  # value: records dropped while the store was full
FAULT_UNLOGGED = const(4)  # value: events the app could not log before this session began
FAULT_NAMES = ("", "i2c", "fifo_overflow", "store_full", "unlogged")

END_NORMAL = const(0)
END_IDLE = const(1)
END_USER = const(2)
END_HOST = const(3)
END_POWER_LOST = const(4)
END_REASONS = ("normal", "idle", "user", "host", "power lost")

# Fixed-size records: struct format of the payload and its field names, indexed by type.
_FMT = (None, None, "<BIB", "<BIIH", "<BIH", "<II", "<II", "<HI", "<IB")
_FIELDS = (
    None,
    None,
    ("exercise", "t_ms", "direction"),
    ("exercise", "t_ms", "hold_ms", "set_no"),
    ("exercise", "t_ms", "count"),
    ("t_ms", "missing"),
    ("uptime_ms", "epoch_s"),
    ("code", "value"),
    ("t_ms", "reason"),
)
_SIZES = tuple(0 if f is None else 1 + struct.calcsize(f) for f in _FMT)  # type + payload
_START_FIXED = const(9)  # uptime_ms u32, epoch_s u32, foot u8

_POLY = 0xEDB88320


def _crc_py(buf, start, n):
    struct.pack_into("<I", buf, start + n, crc32(memoryview(buf)[start : start + n]))


# The viper CRC runs on MicroPython only; in CPython (heel.compat's stand-ins) it is defined,
# never called: binascii.crc32 is a small int there.
_VIPER = sys.implementation.name == "micropython"


@micropython.viper
def _crc_viper(buf: ptr8, start: int, n: int, table: ptr32):
    # CRC-32 (as binascii.crc32) of buf[start:start+n], stored little-endian after it.
    # Machine-word ints: no big ints on rp2, no allocation. Masks keep it right on 64-bit.
    c = -1
    i = start
    end = start + n
    while i < end:
        c = table[(c ^ buf[i]) & 0xFF] ^ ((c >> 8) & 0xFFFFFF)
        i += 1
    c = ~c
    buf[end] = c & 0xFF
    buf[end + 1] = (c >> 8) & 0xFF
    buf[end + 2] = (c >> 16) & 0xFF
    buf[end + 3] = (c >> 24) & 0xFF


def _make_table():
    table = array("I", bytes(1024))
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        table[i] = c
    return table


_TABLE = _make_table() if _VIPER else None


def crc_into(buf, start, n):
    """Store crc32(buf[start:start+n]) little-endian at buf[start+n:]; no allocation on
    MicroPython (viper; binascii.crc32 would return a big int on rp2 for half the values)."""
    if _VIPER:
        _crc_viper(buf, start, n, _TABLE)
    else:
        _crc_py(buf, start, n)


def record_size(rtype):
    """Whole record bytes (length + type + payload + CRC) of a fixed-size record type."""
    return 7 + struct.calcsize(_FMT[rtype])


def encode_into(buf, rtype, a=0, b=0, c=0, d=0):
    """Write one fixed-size record (SET_START..SESSION_END) at buf[0:] and return its length.

    Fields in the order of the payload table; unused ones are ignored. Allocates nothing
    (fields must be ints that fit their struct type).
    """
    fmt = _FMT[rtype]
    n = len(_FIELDS[rtype])
    if n == 2:
        struct.pack_into(fmt, buf, 3, a, b)
    elif n == 3:
        struct.pack_into(fmt, buf, 3, a, b, c)
    else:
        struct.pack_into(fmt, buf, 3, a, b, c, d)
    size = _SIZES[rtype]
    struct.pack_into("<HB", buf, 0, size, rtype)
    crc_into(buf, 2, size)
    return size + 6


def _text(value):
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
    else:
        raw = str(value).encode()
    if len(raw) > MAX_TEXT:
        raise ValueError("text field longer than %d bytes: %r" % (MAX_TEXT, value))
    return raw


def foot_code(foot):
    """FOOT_* code of "left"/"right"/"" (or of a code already)."""
    if isinstance(foot, int):
        if 0 <= foot < len(FEET):
            return foot
    elif foot in FEET:
        return FEET.index(foot)
    raise ValueError("foot must be 'left' or 'right', not %r" % (foot,))


def encode_start(
    buf, off, uptime_ms, epoch_s, board, foot, fw_version, config_digest, program=b"", boot=0
):
    """Write a SESSION_START record at buf[off:] and return its length (allocates; once per
    session). config_digest may be bytes (stored as hex) or text; program: the bytes of
    heel.config.pack_program."""
    if isinstance(config_digest, (bytes, bytearray)):
        config_digest = "".join("%02x" % x for x in config_digest)
    texts = (_text(board), _text(fw_version), _text(config_digest))
    body = bytearray(1 + _START_FIXED)
    struct.pack_into("<BIIB", body, 0, SESSION_START, uptime_ms, epoch_s, foot_code(foot))
    for raw in texts:
        body.append(len(raw))
        body.extend(raw)
    if program or boot:
        body.append(len(program))
        body.extend(program)
    if boot:
        body.extend(struct.pack("<I", boot))
    struct.pack_into("<H", buf, off, len(body))
    buf[off + 2 : off + 2 + len(body)] = body
    struct.pack_into("<I", buf, off + 2 + len(body), crc32(body))
    return len(body) + 6


def encode_header(buf, off, device_id, session):
    """Write the file header at buf[off:] and return its length. device_id: 16 hex chars."""
    raw = device_id_bytes(device_id)
    struct.pack_into("<4sBBH", buf, off, MAGIC, VERSION, HEADER_LEN, 0)
    buf[off + 8 : off + 16] = raw
    struct.pack_into("<I", buf, off + 16, session)
    struct.pack_into("<I", buf, off + 20, crc32(memoryview(buf)[off : off + 20]))
    return HEADER_LEN


def device_id_bytes(device_id):
    """8 raw bytes of a 16-hex-char device id; ValueError if it is not one."""
    if len(device_id) != 16:
        raise ValueError("device id must be 16 hex chars, not %r" % (device_id,))
    out = bytearray(8)
    for i in range(8):
        out[i] = int(device_id[2 * i : 2 * i + 2], 16)
    return bytes(out)


def check_header(data):
    """Header fields of a session file as a dict; ValueError (with offset 0) if not one."""
    if len(data) < 8 or bytes(data[0:4]) != MAGIC:
        raise ValueError("offset 0: not a HeelTrack session log (no HTSL magic)")
    version, hlen = data[4], data[5]
    if version != VERSION:
        raise ValueError(
            "offset 4: session log format version %d, this code reads %d" % (version, VERSION)
        )
    if hlen < HEADER_LEN:
        raise ValueError("offset 5: header length %d is too short" % hlen)
    if len(data) < hlen:
        raise ValueError("offset 0: header truncated (%d of %d bytes)" % (len(data), hlen))
    (crc,) = struct.unpack_from("<I", data, hlen - 4)
    if crc32(memoryview(data)[0 : hlen - 4]) != crc:
        raise ValueError("offset %d: header CRC mismatch" % (hlen - 4))
    (session,) = struct.unpack_from("<I", data, 16)
    device_id = "".join("%02x" % x for x in bytes(data[8:16]))
    return {"version": version, "header_len": hlen, "device_id": device_id, "session": session}


def record_at(data, off, end):
    """Check the record at data[off:end]: its total length if valid, -1 if it is truncated or
    its length field is impossible, -2 if its CRC fails. Allocates nothing for a memoryview
    of a bytearray except the CRC view."""
    if end - off < 7:
        return -1
    body = data[off] | (data[off + 1] << 8)
    if body < 1 or body > MAX_BODY:
        return -1
    total = body + 6
    if off + total > end:
        return -1
    (crc,) = struct.unpack_from("<I", data, off + 2 + body)
    if crc32(memoryview(data)[off + 2 : off + 2 + body]) != crc:
        return -2
    return total


def valid_prefix(data, start):
    """(end of the valid records, offset of the first bad one or -1 if the bad part is a torn
    tail) of data[start:]: records are valid up to the first that fails."""
    end = len(data)
    off = start
    while off < end:
        n = record_at(data, off, end)
        if n < 0:
            # A torn tail is the last thing written: no whole valid record (CRC checked)
            # starts anywhere after the failure. If one does, this is damage, not a tear.
            p = off + 1
            while p < end:
                if record_at(data, p, end) > 0:
                    return off, off
                p += 1
            return off, -1
        off += n
    return off, -1


def _decode_body(rtype, body):
    if rtype == SESSION_START:
        if len(body) < _START_FIXED + 3:
            raise ValueError("session_start payload too short")
        uptime_ms, epoch_s, foot = struct.unpack_from("<IIB", body, 0)
        pos = _START_FIXED
        texts = []
        for _ in range(3):
            n = body[pos]
            if pos + 1 + n > len(body):
                raise ValueError("session_start text runs past the record")
            texts.append(bytes(body[pos + 1 : pos + 1 + n]).decode())
            pos += 1 + n
        out = {
            "uptime_ms": uptime_ms,
            "epoch_s": epoch_s,
            "foot": FEET[foot] if foot < len(FEET) else str(foot),
            "board": texts[0],
            "fw_version": texts[1],
            "config_digest": texts[2],
            "boot": 0,
        }
        if pos < len(body) and pos + 1 + body[pos] <= len(body):
            out["program"] = bytes(body[pos + 1 : pos + 1 + body[pos]])
            pos += 1 + body[pos]
            if len(body) >= pos + 4:
                out["boot"] = struct.unpack_from("<I", body, pos)[0]
        return out
    if rtype < SET_START or rtype > SESSION_END:
        return {"payload": bytes(body)}
    fmt = _FMT[rtype]
    if len(body) < struct.calcsize(fmt):
        raise ValueError("%s payload too short (%d bytes)" % (NAMES[rtype], len(body)))
    return dict(zip(_FIELDS[rtype], struct.unpack_from(fmt, body, 0)))


def decode_session(data):
    """(header dict, [(rtype, fields dict), ...]) of a whole session file.

    A torn last record is dropped; any other damage raises ValueError("offset N: ...").
    """
    header = check_header(data)
    mv = memoryview(data)
    good_end, bad = valid_prefix(mv, header["header_len"])
    if bad >= 0:
        why = "CRC mismatch" if record_at(mv, bad, len(data)) == -2 else "bad record length"
        raise ValueError("offset %d: corrupt record (%s)" % (bad, why))
    out = []
    off = header["header_len"]
    while off < good_end:
        body = data[off] | (data[off + 1] << 8)
        rtype = data[off + 2]
        try:
            fields = _decode_body(rtype, mv[off + 3 : off + 2 + body])
        except (ValueError, IndexError, UnicodeError) as e:
            raise ValueError("offset %d: %s" % (off, e)) from None
        out.append((rtype, fields))
        off += body + 6
    return header, out
