"""Test harness for the link: a board in the MicroPython unix port behind a pseudo-terminal, and a
relay (optionally injecting faults) to a second pseudo-terminal that the host opens with pyserial.

The board's filesystem is a temporary directory mounted at "/" (vfs.VfsPosix) holding /lib/heel
(a copy of firmware/lib/heel), /board.json, /heeltrack_id and /sessions, served by the firmware's
own heel.store.SessionLog. Session files ("<sid>.hts", closed) are built with heel.records.

Modes: "repl" (the board sits at the REPL: the host must start serve() through the raw REPL),
"app" (a loop like heel.app's: LinkServer.poll() with a device that has live events and config),
"plain" (a MicroPython REPL without HeelTrack firmware).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import select
import shutil
import subprocess
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path

from heel import records as R
from heel.motion import events as E
from heeltrack.micropython import FIRMWARE_LIB, find_micropython

DEVICE_ID = "d0e1f2a3b4c5d6e7"

READY = """
open("/ready", "w").close()
"""

BOOT = """
import vfs, sys, os
vfs.mount(vfs.VfsPosix({root!r}), "/")
sys.path[:] = ["/lib", ""]
os.chdir("/")


# The unix port's VfsPosix mounted at "/" fails os.rename with absolute paths (ENOENT) while
# relative ones work; the store renames, so give it an os whose rename goes relative from "/".
class _Os:
    pass


_shim = _Os()
for _n in dir(os):
    if not _n.startswith("__"):
        setattr(_shim, _n, getattr(os, _n))
_rename = os.rename
_shim.rename = lambda a, b: _rename(a.lstrip("/"), b.lstrip("/"))
sys.modules["os"] = _shim
"""

APP_LOOP = """
from heel.link.server import LinkServer, ReplDevice
from time import ticks_ms, ticks_diff


class AppDevice(ReplDevice):
    cb = None
    cfg = {"foot": "left", "buzzer": True}

    def subscribe(self, cb):
        self.cb = cb

    def unsubscribe(self, cb):
        self.cb = None

    def get_config(self):
        return self.cfg

    def set_config(self, changes):
        foot = changes.get("foot", self.cfg["foot"])
        if foot not in ("left", "right"):
            raise ValueError("foot must be 'left' or 'right', not %r" % (foot,))
        self.cfg.update(changes)
        return self.cfg


dev = AppDevice()
server = LinkServer(dev)
last = ticks_ms()
n = 0
ev = 0
recording = "record" in os.listdir("/")
if recording:  # counting and logging go on while the host syncs
    sid = dev.log.begin(ticks_ms(), 0, "pico", "left", "0.1.0", b"\x00")
    dev.log.append_set_start(0, ticks_ms(), 0)
# READY
while True:
    server.poll()
    if recording:
        n += 1
        dev.log.append_rep(0, ticks_ms(), 700, 1)
    if dev.cb is not None and ticks_diff(ticks_ms(), last) > 30:
        last = ticks_ms()
        ev += 1
        dev.cb(2, 0, ev * 1000, 1500 + ev)
    server.wait(10)
"""


def make_session(
    sid: int,
    reps: int = 10,
    epoch_s: int = 0,
    uptime_ms: int = 60_000,
    clock: tuple[int, int] | None = None,
) -> bytes:
    """A valid session log file (heel.records format) with `reps` heel raises in sets of 10."""
    buf = bytearray(R.RECORD_MAX * 4)
    out = bytearray()
    n = R.encode_header(buf, 0, DEVICE_ID, sid)
    out += buf[:n]
    n = R.encode_start(buf, 0, uptime_ms, epoch_s, "pico", "left", "0.1.0", b"\x01\x02")
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


class Board:
    """A unix-port board on a pty; `port` is the host side (relayed) for pyserial."""

    def __init__(
        self,
        tmp: Path,
        mode: str = "repl",
        sessions: dict[int, bytes] | None = None,
        faults: FaultPlan | None = None,
        recording: bool = False,
        device_id: str = DEVICE_ID,
    ) -> None:
        self.root = tmp / "board"
        self.mode = mode
        (self.root / "sessions").mkdir(parents=True)
        if mode != "plain":
            shutil.copytree(
                FIRMWARE_LIB / "heel",
                self.root / "lib" / "heel",
                ignore=shutil.ignore_patterns("__pycache__"),
            )
        (self.root / "heeltrack_id").write_text(device_id)
        if recording:
            (self.root / "record").write_text("")
        (self.root / "board.json").write_text(json.dumps({"name": "pico", "foot": "left"}))
        self.written: dict[int, bytes] = {}
        for sid, data in (sessions or {}).items():
            self.add_session(sid, data)
        boot = tmp / "boot.py"
        src = BOOT.format(root=str(self.root))
        if mode == "app":
            src += APP_LOOP.replace("# READY", READY)
        elif mode == "repl":
            src += READY
        else:
            src = ""
        boot.write_text(src)
        dev_master, dev_slave = os.openpty()
        tty.setraw(dev_slave)
        env = dict(os.environ)
        env.pop("MICROPYPATH", None)
        if mode == "plain":
            env["MICROPYPATH"] = ".frozen"
        self.proc = subprocess.Popen(
            [find_micropython(), "-i", str(boot)],
            stdin=dev_slave,
            stdout=dev_slave,
            stderr=dev_slave,
            env=env,
            cwd=str(tmp),
            start_new_session=True,
        )
        os.close(dev_slave)
        self.relay = Relay(dev_master, faults)
        self.port = self.relay.port
        ready = self.root / "ready"
        deadline = time.monotonic() + 20
        while mode != "plain" and not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.02)  # the board writes /ready when it listens (a loaded CI is slow)
        if mode == "plain":
            time.sleep(0.2)

    def add_session(self, sid: int, data: bytes) -> None:
        (self.root / "sessions" / f"{sid}.hts").write_bytes(data)
        self.written[sid] = data

    def on_board(self) -> dict[int, bytes]:
        out = {}
        for p in (self.root / "sessions").iterdir():
            if p.suffix in (".hts", ".kept", ".open"):
                out[int(p.stem)] = p.read_bytes()
        return out

    def close(self) -> None:
        self.relay.stop()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)


@dataclass
class FaultPlan:
    """Per-seed faults on the relayed bytes: corrupt, drop, stall, cut after `cut_at` bytes."""

    seed: int
    p_corrupt: float = 0.0
    p_drop: float = 0.0
    p_stall: float = 0.0
    cut_at: int | None = None
    rng: random.Random = field(init=False)
    passed: int = 0
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @classmethod
    def random(cls, seed: int, total: int) -> FaultPlan:
        rng = random.Random(seed * 7919 + 1)
        kind = seed % 4
        plan = cls(seed)
        if kind == 0:
            plan.p_corrupt = rng.uniform(0.05, 0.3)
        elif kind == 1:
            plan.p_drop = rng.uniform(0.05, 0.3)
        elif kind == 2:
            plan.p_stall = rng.uniform(0.05, 0.2)
            plan.p_corrupt = rng.uniform(0.0, 0.1)
        plan.cut_at = rng.randrange(0, total) if kind == 3 or rng.random() < 0.5 else None
        return plan

    def mangle(self, data: bytes) -> bytes:
        rng = self.rng
        if self.cut_at is not None and self.passed + len(data) > self.cut_at:
            keep = max(0, self.cut_at - self.passed)
            if self.passed <= self.cut_at:
                self.log.append(f"cut at {self.cut_at}")
            self.passed += len(data)
            return data[:keep]
        self.passed += len(data)
        b = bytearray(data)
        if self.p_corrupt and rng.random() < self.p_corrupt:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
            self.log.append(f"corrupt {self.passed - len(data) + i}")
        if self.p_drop and rng.random() < self.p_drop:
            i = rng.randrange(len(b))
            k = rng.randrange(1, 64)
            del b[i : i + k]
            self.log.append(f"drop {k} at {self.passed - len(data) + i}")
        if self.p_stall and rng.random() < self.p_stall:
            time.sleep(rng.uniform(0.05, 0.4))
            self.log.append("stall")
        return bytes(b)


class Relay:
    """Copies bytes between the board's pty master and a host pty, through `faults` if set."""

    def __init__(self, dev_master: int, faults: FaultPlan | None = None) -> None:
        self.dev = dev_master
        self.host, host_slave = os.openpty()
        tty.setraw(host_slave)
        self.port = os.ttyname(host_slave)
        self._host_slave = host_slave  # kept open so the master never sees EOF between opens
        self.faults = faults
        self._stop = False
        self._out = {self.dev: bytearray(), self.host: bytearray()}
        for fd in (self.dev, self.host):
            os.set_blocking(fd, False)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop:
            wfds = [fd for fd, buf in self._out.items() if buf]
            try:
                r, w, _ = select.select([self.dev, self.host], wfds, [], 0.05)
            except (OSError, ValueError):
                return
            for fd in r:
                try:
                    data = os.read(fd, 65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    if fd == self.dev:
                        return  # the board process ended
                    continue
                if not data:
                    continue
                plan = self.faults
                if plan is not None:
                    data = plan.mangle(data)
                self._out[self.host if fd == self.dev else self.dev] += data
            for fd in w:
                buf = self._out[fd]
                try:
                    k = os.write(fd, buf)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    buf.clear()
                    continue
                del buf[:k]

    def stop(self) -> None:
        self._stop = True
        self.thread.join(2)
        for fd in (self.dev, self.host, self._host_slave):
            try:
                os.close(fd)
            except OSError:
                pass


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_make_session_decodes() -> None:
    data = make_session(3, reps=25)
    header, recs = R.decode_session(data)
    assert header["session"] == 3 and header["device_id"] == DEVICE_ID
    assert sum(1 for t, _ in recs if t == R.REP) == 25
    assert sum(1 for t, _ in recs if t == R.SET_START) == 3
