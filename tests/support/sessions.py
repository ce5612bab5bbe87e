"""Session log files as the board writes them (heel.records), for tests and benchmarks.

from tests.support.sessions import make_session, sha
data = make_session(3, reps=25)          # a closed session with 25 calf raises
"""

from __future__ import annotations

import hashlib

from heel import records as R
from heel.motion import events as E

DEVICE_ID = "d0e1f2a3b4c5d6e7"


def make_session(
    sid: int,
    reps: int = 10,
    epoch_s: int = 0,
    uptime_ms: int = 60_000,
    clock: tuple[int, int] | None = None,
    boot: int = 0,
) -> bytes:
    """A valid session log file (heel.records format) with `reps` heel raises in sets of 10;
    `boot`: the power-up it began in (0: unknown, as older firmware wrote)."""
    buf = bytearray(R.RECORD_MAX * 4)
    out = bytearray()
    n = R.encode_header(buf, 0, DEVICE_ID, sid)
    out += buf[:n]
    n = R.encode_start(buf, 0, uptime_ms, epoch_s, "pico", "left", "0.1.0", b"\x01\x02", boot=boot)
    out += buf[:n]
    t = uptime_ms + 1000
    if clock is not None:
        n = R.encode_into(buf, R.CLOCK, clock[0], clock[1])
        out += buf[:n]
    set_no = 0
    for i in range(reps):
        if i % 10 == 0:
            set_no += 1
            n = R.encode_into(buf, R.SET_START, E.HEEL_RAISE, t, E.DIR_NONE)
            out += buf[:n]
        t += 2000
        n = R.encode_into(buf, R.REP, E.HEEL_RAISE, t, 800 + i, set_no)
        out += buf[:n]
        if i % 10 == 9 or i == reps - 1:
            n = R.encode_into(buf, R.SET_END, E.HEEL_RAISE, t + 500, i % 10 + 1)
            out += buf[:n]
    n = R.encode_into(buf, R.SESSION_END, t + 1000, R.END_NORMAL)
    out += buf[:n]
    return bytes(out)


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
