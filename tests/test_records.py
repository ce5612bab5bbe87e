"""Session log record format (heel.records): round trips, torn tails, corruption, and the
MicroPython encoder (viper CRC) producing the very bytes CPython does."""

from __future__ import annotations

import binascii
import struct

import pytest

from heel import records as R
from heel.motion import events as E
from tests.mp import run_mp

DEVICE = "0123456789abcdef"

# (rtype, fields in payload order) of every fixed-size record type
FIXED = [
    (R.SET_START, (E.ANKLE_CIRCLE, 123456, E.DIR_CCW)),
    (R.REP, (E.HEEL_RAISE, 2**32 - 1, 2500, 3)),
    (R.SET_END, (E.TOE_TAP, 99000, 12)),
    (R.GAP, (77000, 41)),
    (R.CLOCK, (88000, 1_767_225_600)),
    (R.FAULT, (R.FAULT_FIFO_OVERFLOW, 5)),
    (R.SESSION_END, (120000, R.END_IDLE)),
]
FIELDS = {
    R.SET_START: ("exercise", "t_ms", "direction"),
    R.REP: ("exercise", "t_ms", "hold_ms", "set_no"),
    R.SET_END: ("exercise", "t_ms", "count"),
    R.GAP: ("t_ms", "missing"),
    R.CLOCK: ("uptime_ms", "epoch_s"),
    R.FAULT: ("code", "value"),
    R.SESSION_END: ("t_ms", "reason"),
}


def record(rtype: int, vals: tuple[int, ...]) -> bytes:
    buf = bytearray(R.RECORD_MAX)
    n = R.encode_into(buf, rtype, *vals)
    return bytes(buf[:n])


def head(sid: int = 7) -> bytes:
    buf = bytearray(R.HEADER_LEN + R.RECORD_MAX)
    n = R.encode_header(buf, 0, DEVICE, sid)
    n += R.encode_start(buf, n, 1500, 1_767_225_000, "pico-mpu6050", "right", "0.1.0", b"\xab\xcd")
    return bytes(buf[:n])


def session(n_reps: int = 0) -> tuple[bytes, list[int]]:
    """A session file and the offsets of its records (after the SESSION_START)."""
    data = bytearray(head())
    offsets = []
    for rtype, vals in FIXED[:-1] + [(R.REP, (0, 1000 + i, 300, 1)) for i in range(n_reps)]:
        offsets.append(len(data))
        data += record(rtype, vals)
    offsets.append(len(data))
    data += record(*FIXED[-1])
    return bytes(data), offsets


def test_every_record_type_round_trips() -> None:
    data, _ = session()
    header, recs = R.decode_session(data)
    assert header == {"version": 1, "header_len": 24, "device_id": DEVICE, "session": 7}
    assert recs[0] == (
        R.SESSION_START,
        {
            "uptime_ms": 1500,
            "epoch_s": 1_767_225_000,
            "foot": "right",
            "board": "pico-mpu6050",
            "fw_version": "0.1.0",
            "config_digest": "abcd",
            "boot": 0,
        },
    )
    want = [(rtype, dict(zip(FIELDS[rtype], vals, strict=True))) for rtype, vals in FIXED]
    assert recs[1:] == want
    assert [R.NAMES[r] for r, _ in recs][-1] == "session_end"


def test_layout_is_length_type_payload_crc() -> None:
    rec = record(R.REP, (1, 0x01020304, 500, 2))
    assert len(rec) == R.record_size(R.REP) == 2 + 1 + 11 + 4
    (length,) = struct.unpack_from("<H", rec)
    assert length == len(rec) - 6 and rec[2] == R.REP
    assert struct.unpack_from("<BIIH", rec, 3) == (1, 0x01020304, 500, 2)
    assert struct.unpack_from("<I", rec, len(rec) - 4)[0] == binascii.crc32(rec[2:-4])
    hdr = head()[: R.HEADER_LEN]
    assert hdr[:4] == b"HTSL" and hdr[4] == R.VERSION and hdr[5] == R.HEADER_LEN
    assert hdr[8:16] == bytes.fromhex(DEVICE) and struct.unpack_from("<I", hdr, 16)[0] == 7


def test_torn_last_record_is_dropped_at_every_byte() -> None:
    data, offsets = session(n_reps=3)
    last = offsets[-1]
    _, whole = R.decode_session(data)
    for cut in range(last, len(data)):
        _, recs = R.decode_session(data[:cut])
        assert recs == whole[:-1], cut
    # a last record of full length whose tail never got written (erased flash reads 0xFF)
    for k in range(last + 1, len(data)):
        torn = data[:k] + b"\xff" * (len(data) - k)
        _, recs = R.decode_session(torn)
        assert recs == whole[:-1], k


def test_corrupt_byte_in_the_middle_names_its_offset() -> None:
    data, offsets = session(n_reps=40)
    victim = offsets[len(offsets) // 2]
    size = R.record_size(R.REP)
    for i in range(size):
        bad = bytearray(data)
        bad[victim + i] ^= 0x5A
        with pytest.raises(ValueError, match=f"offset {victim}:"):
            R.decode_session(bytes(bad))


def test_damage_to_any_record_but_the_last_is_an_error() -> None:
    """Even close to the end, a record with a good one after it is damage, not a torn tail."""
    data, offsets = session(n_reps=2)
    starts = [R.HEADER_LEN] + offsets
    for rec, nxt in zip(starts[:-1], starts[1:], strict=True):
        for i in range(rec, nxt):
            for flip in (0x01, 0xFF):
                bad = bytearray(data)
                bad[i] ^= flip
                with pytest.raises(ValueError, match=f"offset {rec}:"):
                    R.decode_session(bytes(bad))


def test_bad_headers_are_rejected() -> None:
    data, _ = session()
    with pytest.raises(ValueError, match="offset 0: not a HeelTrack"):
        R.decode_session(b"XXXX" + data[4:])
    with pytest.raises(ValueError, match="offset 4: .*version 9"):
        R.decode_session(data[:4] + b"\x09" + data[5:])
    bad = bytearray(data)
    bad[12] ^= 1
    with pytest.raises(ValueError, match="offset 20: header CRC"):
        R.decode_session(bytes(bad))
    with pytest.raises(ValueError, match="offset 0: header truncated"):
        R.decode_session(data[:10])


def test_unknown_types_and_longer_payloads_decode() -> None:
    def raw(rtype: int, payload: bytes) -> bytes:
        body = bytes([rtype]) + payload
        return struct.pack("<H", len(body)) + body + struct.pack("<I", binascii.crc32(body))

    longer = struct.pack("<II", 5000, 3) + b"new field"
    data = head() + raw(R.GAP, longer) + raw(200, b"future")
    _, recs = R.decode_session(data)
    assert recs[1] == (R.GAP, {"t_ms": 5000, "missing": 3})
    assert recs[2] == (200, {"payload": b"future"})
    with pytest.raises(ValueError, match="offset 24 .*|offset 24:"):
        R.decode_session(head()[:24] + raw(R.REP, b"\x00\x01"))


def test_start_record_checks_its_fields() -> None:
    buf = bytearray(R.HEADER_LEN + R.RECORD_MAX)
    with pytest.raises(ValueError, match="foot"):
        R.encode_start(buf, 0, 0, 0, "b", "middle", "v", "d")
    with pytest.raises(ValueError, match="longer than 63"):
        R.encode_start(buf, 0, 0, 0, "b" * 64, "left", "v", "d")
    with pytest.raises(ValueError, match="16 hex"):
        R.encode_header(buf, 0, "abc", 1)


def test_micropython_encodes_the_same_bytes(micropython_bin: str) -> None:
    """The viper CRC on the board path gives exactly binascii.crc32's records, and
    encode_into allocates nothing there."""
    out = run_mp("firmware_values", "records", [list(f) for f in FIXED], DEVICE)
    lines = out.stdout.decode().split("\n")
    assert lines[0].split() == [record(rtype, vals).hex() for rtype, vals in FIXED]
    assert lines[1] == head().hex()
    assert lines[2] == "0", "encode_into allocated on the unix port"
    assert lines[3] == "locked ok"


def test_session_start_carries_the_power_up_and_old_logs_decode_without_it() -> None:
    buf = bytearray(R.RECORD_MAX)
    n = R.encode_start(buf, 0, 1500, 0, "pico", "left", "0.1.0", "ab", boot=7)
    body = bytes(buf[3 : n - 4])
    assert R._decode_body(R.SESSION_START, body)["boot"] == 7
    # a SESSION_START of older firmware ends after the texts: boot 0, unknown
    assert R._decode_body(R.SESSION_START, body[:-4])["boot"] == 0
