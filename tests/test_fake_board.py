"""A misbehaving board (tests.support.fake_board, behind a pseudo-terminal) against the real
`heeltrack` command: every case ends cleanly, in bounded time and memory, with one line on stderr
and exit status 2 (issue 11, items 5-8). Each command runs in its own process, as a user runs it,
so that its peak memory can be measured; a command that does not end is killed and fails the test.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from heel.link import frame as F
from tests.support.fake_board import (
    BANNER,
    REMOVE,
    FakeBoard,
    Script,
    good_info,
    json_reply,
    reply,
)
from tests.support.sessions import sha

HANG_S = 120  # a command still running after this is hung: killed, and the test fails
MAX_PEAK_MB = 250  # the host's own size is ~70 MB; a runaway buffer goes far past this

# the command's peak resident size (VmHWM: this process image's own, not its parent's)
_RUN = """
import os, sys
from heeltrack.cli import main
try:
    code = main(sys.argv[1:])
finally:
    with open("/proc/self/status") as f:
        peak = [line.split()[1] for line in f if line.startswith("VmHWM:")][0]
    with open(os.environ["PEAK_FILE"], "w") as f:
        f.write(peak)
sys.exit(code)
"""


# -- item 5: hangs and runaway memory -----------------------------------------------------------
class MaxReadNegative(Script):
    def info(self) -> Any:
        return good_info(max_read=-1)  # read_range looped for ever (2.8 GB in 16 s)


class HugeSession(Script):
    def list_page(self, start: int) -> Any:
        return {"total": 1, "start": 0, "sessions": [[1, 10**13, "ab" * 32, True, False]]}


class WrongSeqFlood(Script):
    """Answers READ with an endless stream of valid frames no request waits for."""

    flooding = False

    def on_request(self, ftype: int, seq: int, payload: bytes) -> bytes:
        if ftype == F.T_READ:
            self.flooding = True
            return b""
        return super().on_request(ftype, seq, payload)

    def idle(self) -> bytes:
        if not self.flooding:
            return b""
        return reply(F.T_READ, 0, struct.pack(F.READ_REPLY, 1, 0) + b"x" * 512) * 8


class WrongSeqOnClock(Script):
    """Every request after HELLO gets a reply with another sequence number, for ever."""

    def on_request(self, ftype: int, seq: int, payload: bytes) -> bytes:
        if ftype == F.T_HELLO:
            return super().on_request(ftype, seq, payload)
        return json_reply(ftype, (seq + 100) % 256, self.info()) * 50


class ByteFlood(Script):
    """Bytes without end from the start, no frame among them."""

    def on_request(self, ftype: int, seq: int, payload: bytes) -> bytes:
        return b""

    def idle(self) -> bytes:
        return b"MicroPython flood \x00\x7f" * 2000


class BannerWithoutPrompt(Script):
    """Says it entered the raw REPL, then sends bytes for ever and never the '>' prompt."""

    def on_request(self, ftype: int, seq: int, payload: bytes) -> bytes:
        return b""

    bannered = False

    def on_repl(self, data: bytes) -> bytes:
        if b"\x01" in data:
            self.bannered = True
            return BANNER[:-1]
        return b""

    def idle(self) -> bytes:
        return b"still booting... " * 200 if self.bannered else b""


class SilentRepl(Script):
    """A board that takes every byte and answers nothing (item 6: the host waited for ever)."""

    def on_request(self, ftype: int, seq: int, payload: bytes) -> bytes:
        return b""


# -- item 7: the port goes away -------------------------------------------------------------------
class VanishMidRead(Script):
    def on_request(self, ftype: int, seq: int, payload: bytes) -> bytes:
        if ftype == F.T_READ:
            out = super().on_request(ftype, seq, payload)
            assert self.board is not None
            self.board.send(out[: len(out) // 2])
            self.board.vanish()
            return b""
        return super().on_request(ftype, seq, payload)


class FakeRepl(Script):
    """MicroPython's raw REPL as mpremote drives it (no raw-paste): enough for `flash` to ask
    the board what it is; the port vanishes after `execs` commands."""

    def __init__(self, execs: int = 1000, deaf: bool = False) -> None:
        super().__init__()
        self.execs = execs
        self.code = bytearray()
        self.raw = False
        self.deaf = deaf  # loses the first Ctrl-A (a board still starting up)

    def on_request(self, ftype: int, seq: int, payload: bytes) -> bytes:
        return b""

    def on_repl(self, data: bytes) -> bytes:
        out = b""
        for b in data:
            c = bytes([b])
            if c == b"\x01" and self.deaf:
                self.deaf = False
            elif c == b"\x01":
                self.raw = True
                self.code.clear()
                out += BANNER
            elif c == b"\x02":
                self.raw = False
                out += b"\r\n>>> "
            elif c == b"\x03":
                self.code.clear()
            elif c == b"\x05":
                self.code += c
            elif c == b"\x04" and self.raw:
                code = bytes(self.code)
                self.code.clear()
                if code.startswith(b"\x05A\x01"):
                    code = code[3:]
                if not code.strip():
                    out += b"OK\r\nMPY: soft reboot\r\n" + BANNER
                    continue
                self.execs -= 1
                if self.execs < 0:
                    assert self.board is not None
                    self.board.vanish()
                    return b""
                out += b"OK" + self.answer(code) + b"\x04>"
            elif self.raw:
                self.code += c
                if self.code.endswith(b"\x05A\x01"):
                    out += b"R\x00"  # raw-paste: understood, not supported
        return out

    def answer(self, code: bytes) -> bytes:
        """stdout, Ctrl-D, stderr of a command (Ctrl-D and the prompt follow)."""
        if b"from heel" in code:
            return (
                b'\x04Traceback (most recent call last):\r\n  File "<stdin>", line 1\r\n'
                b"ImportError: no module named 'heel'\r\n"
            )
        if b"implementation" in code:
            return b"((1, 24, 0), 0, 'fake', 'rp2')\r\n\x04"
        return b"\x04"


# -- item 8: malformed replies --------------------------------------------------------------------
class HelloPayload(Script):
    def __init__(self, payload: bytes) -> None:
        super().__init__()
        self.payload = payload

    def on_request(self, ftype: int, seq: int, payload: bytes) -> bytes:
        if ftype == F.T_HELLO:
            return reply(ftype, seq, self.payload)
        return super().on_request(ftype, seq, payload)


class Info(Script):
    def __init__(self, **changes: Any) -> None:
        super().__init__()
        self.changes = changes

    def info(self) -> Any:
        return good_info(**self.changes)


class ListEntries(Script):
    def __init__(self, entry: Any, total: int = 1) -> None:
        super().__init__()
        self.entry = entry
        self.total = total

    def list_page(self, start: int) -> Any:
        return {"total": self.total, "start": start, "sessions": [self.entry] * self.total}


class LongPaging(Script):
    """70,000 sessions, a page at a time: the host's u16 page index cannot say that."""

    def list_page(self, start: int) -> Any:
        page = [[start + i, 100, None, False, False] for i in range(150)]
        return {"total": 70_000, "start": start, "sessions": page}


SHA = sha(b"x").hex()


@dataclass
class Case:
    name: str
    script: Any  # () -> Script
    words: str  # must be in the error line
    command: str = "sync"


CASES = [
    Case("max_read -1", MaxReadNegative, "max_read is -1"),
    Case("LIST size 10^13", HugeSession, "size is 10000000000000"),
    Case("endless frames for no request (READ)", WrongSeqFlood, "READ"),
    Case("endless frames for no request (CLOCK)", WrongSeqOnClock, "CLOCK"),
    Case("byte flood", ByteFlood, "raw REPL"),
    Case("raw REPL banner then no prompt", BannerWithoutPrompt, "raw REPL"),
    Case("a REPL that never answers", SilentRepl, "press the board's reset button"),
    Case("config: a REPL that never answers", SilentRepl, "raw REPL", "config"),
    Case("port vanishes mid-sync", VanishMidRead, "went away"),
    Case("port vanishes mid-flash", lambda: FakeRepl(execs=2), "went away", "flash"),
    Case("a REPL that lost the first Ctrl-A", lambda: FakeRepl(deaf=True), "no HeelTrack firmware"),
    Case("HELLO not UTF-8", lambda: HelloPayload(b'{"device_id": "\xff"}'), "not UTF-8"),
    Case("HELLO not an object", lambda: HelloPayload(b"[1, 2, 3]"), "not a JSON object"),
    Case("HELLO 8000 deep", lambda: HelloPayload(b"[" * 8000 + b"]" * 8000), "nested more"),
    Case("max_read not a number", lambda: Info(max_read="lots"), 'max_read is "lots"'),
    Case("no device_id", lambda: Info(device_id=REMOVE), "no device_id"),
    Case("non-hex sha", lambda: ListEntries([1, 100, "zz" * 32, True, False]), "sha256 is"),
    Case("session id -1", lambda: ListEntries([-1, 100, SHA, True, False]), "sid is -1"),
    Case("session id 2^40", lambda: ListEntries([2**40, 100, SHA, True, False]), "sid is"),
    Case("LIST entry of 2 fields", lambda: ListEntries([1, 100]), "expected [sid, size"),
    Case("LIST paging past 65,535", LongPaging, "LIST total is 70000"),
]


@dataclass
class Outcome:
    code: int | None
    out: str
    err: str
    peak_mb: float
    seconds: float


def run_against(case: Case, tmp: Path) -> Outcome:
    board = FakeBoard(case.script())
    work = tmp / case.name.replace(" ", "_").replace("/", "_")
    work.mkdir()
    args = {
        "sync": ["sync", "--port", board.port, "--db", str(work / "db.sqlite3")],
        "config": ["config", "--port", board.port],
        "flash": ["flash", "--port", board.port, "--board", "pico-mpu6050", "--no-start"],
    }[case.command]
    env = dict(os.environ, PEAK_FILE=str(work / "peak"), HEELTRACK_RUNTIME_DIR=str(work))
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=work,
    )
    try:
        out, err = proc.communicate(timeout=HANG_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return Outcome(None, out.decode(), err.decode(), 0, HANG_S)
    finally:
        board.close()
    peak = (work / "peak").read_text() if (work / "peak").exists() else "0"
    return Outcome(
        proc.returncode, out.decode(), err.decode(), int(peak) / 1024, time.monotonic() - t0
    )


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    tmp = tmp_path_factory.mktemp("fake")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda c: run_against(c, tmp), CASES))
    return {c.name: r for c, r in zip(CASES, results, strict=True)}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_misbehaving_board_gets_one_line_and_exit_2(
    case: Case, outcomes: dict[str, Outcome]
) -> None:
    r = outcomes[case.name]
    assert r.code is not None, f"hung: killed after {HANG_S} s; stderr {r.err[-500:]!r}"
    lines = [line for line in r.err.splitlines() if line.strip()]
    if case.command == "flash":  # its progress lines come first
        lines = [line for line in lines if not line.startswith(("board: ", "wrote ", "verified "))]
    assert r.code == 2 and len(lines) == 1, (r.code, r.err[-2000:])
    assert lines[0].startswith(f"heeltrack {case.command}: error: "), lines
    assert case.words in lines[0], lines[0]
    assert "Traceback" not in r.err and "raw REPL; CTRL-B" not in r.out, r.out
    if case.command != "flash":
        assert r.out == "", r.out
    assert r.peak_mb < MAX_PEAK_MB, f"peak {r.peak_mb:.0f} MB"


def test_the_fake_board_itself_syncs_when_it_behaves(tmp_path: Path) -> None:
    """The harness is sound: the well-behaved script syncs its session."""
    r = run_against(Case("good", Script, ""), tmp_path)
    assert r.code == 0, r.err
    assert "1 new session" in r.out


def _hold_lock(port: str) -> int:
    import fcntl

    fd = os.open(port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def test_a_port_locked_for_a_moment_by_another_program_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # item 12: the fault test failed (seed 188: "cannot open the serial port") when another
    # process held the port's lock for a moment; ModemManager does that to new USB ports
    import threading

    import heeltrack.transport_serial as ts
    from heeltrack.cli import main

    board = FakeBoard(Script())
    holder = _hold_lock(board.port)
    refused = threading.Event()
    real = ts._port_problem

    def watched(port: str) -> tuple[str, str] | None:
        problem = real(port)
        if problem is not None and problem[0] == "busy":
            refused.set()
        return problem

    monkeypatch.setattr(ts, "_port_problem", watched)

    def let_go() -> None:
        refused.wait(30)  # the other program lets go once heeltrack found the port busy
        os.close(holder)

    threading.Thread(target=let_go, daemon=True).start()
    try:
        assert main(["sync", "--port", board.port, "--db", str(tmp_path / "h.sqlite3")]) == 0
        assert refused.is_set() and "1 new session" in capsys.readouterr().out
    finally:
        board.close()


def test_a_port_another_program_keeps_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from heeltrack.cli import main

    board = FakeBoard(Script())
    holder = _hold_lock(board.port)
    try:
        assert main(["sync", "--port", board.port, "--db", str(tmp_path / "h.sqlite3")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "in use by another program" in err[0], err
    finally:
        os.close(holder)
        board.close()


class SlowList(Script):
    """A board that takes longer than one try to answer LIST (a Pico listing many sessions):
    requests queue up and are answered one after the other."""

    DELAY_S = 1.6

    def __init__(self) -> None:
        super().__init__()
        self.ready_at = 0.0

    def on_request(self, ftype: int, seq: int, payload: bytes) -> bytes:
        if ftype != F.T_LIST:
            return super().on_request(ftype, seq, payload)
        import threading

        (start,) = struct.unpack_from("<H", payload)
        data = json_reply(ftype, seq, self.list_page(start))
        self.ready_at = max(self.ready_at, time.monotonic()) + self.DELAY_S
        board = self.board
        assert board is not None
        threading.Timer(self.ready_at - time.monotonic(), lambda: board.send(data)).start()
        return b""


def test_a_reply_slower_than_one_try_is_taken_from_the_retry() -> None:
    from heeltrack.link import LinkClient
    from heeltrack.transport_serial import SerialTransport

    board = FakeBoard(SlowList())
    transport = SerialTransport(board.port)
    try:
        client = LinkClient(transport, timeout=1.0, retries=4)
        client.hello()
        entries = client.list_sessions()
        assert [e.sid for e in entries] == [1] and client.resent >= 1
    finally:
        transport.close()
        board.close()


def test_an_open_that_fails_once_on_a_free_port_is_tried_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the demo's first open of a fresh virtual board once failed ("failed to access
    # /dev/pts/0") on a port that checked free before and after: a passing failure
    from mpremote.transport import TransportError as MpTransportError

    import heeltrack.transport_serial as ts

    board = FakeBoard(Script())
    real = ts.MpSerialTransport
    calls = []

    def flaky(*args: Any, **kw: Any) -> Any:
        calls.append(args)
        if len(calls) == 1:
            raise MpTransportError("failed to access " + board.port)
        return real(*args, **kw)

    monkeypatch.setattr(ts, "MpSerialTransport", flaky)
    try:
        with ts.SerialTransport(board.port) as transport:
            assert transport.name == board.port
        assert len(calls) == 2
    finally:
        board.close()


def test_an_open_that_keeps_failing_on_a_free_port_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mpremote.transport import TransportError as MpTransportError

    import heeltrack.limits as L
    import heeltrack.transport_serial as ts
    from heeltrack.errors import UserError

    board = FakeBoard(Script())

    def broken(*args: Any, **kw: Any) -> Any:
        raise MpTransportError("failed to access " + board.port)

    monkeypatch.setattr(ts, "MpSerialTransport", broken)
    monkeypatch.setattr(L, "PORT_BUSY_S", 0.3)
    try:
        with pytest.raises(UserError) as e:
            ts.SerialTransport(board.port)
        assert "cannot open the serial port" in str(e.value) and "\n" not in str(e.value)
    finally:
        board.close()
