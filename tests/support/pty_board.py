"""A board in the MicroPython unix port behind a pseudo-terminal, the way a Pico's USB serial port
looks to the host; optionally through a Relay that damages the bytes.

    board = Board(tmp_path, mode="app", sessions={1: make_session(1)})
    with connect(board.port) as client: ...          # pyserial / mpremote, as with a Pico
    board.on_board()                                  # sid -> bytes of the session files
    board.close()

It runs the real firmware the way the virtual board does (firmware/virtual/boot.py: the
`virtualboard` hardware, the fake MPU6050 fed with `imu` raw records or resting flat), but its
"/" is a host directory (tmp/board) instead of a littlefs image, so tests put session files there
and look at them directly. Modes:
- "app": /main.py runs the app (heel.start -> heel.app.App), as after power-up;
- "repl": the firmware is installed but the board sits at its REPL (the host starts the link
  server through the raw REPL);
- "plain": a MicroPython REPL without HeelTrack firmware.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import threading
import time
import tty
from pathlib import Path

from heeltrack.firmware import BOOT, HEEL, MAIN, board_file
from heeltrack.micropython import find_micropython
from tests.support.faults import FaultPlan
from tests.support.sessions import DEVICE_ID

READY = {"app": b"Ctrl-C for the REPL", "repl": b">>> ", "plain": b">>> "}


class Board:
    """A unix-port board on a pty; `port` is the host side (relayed) for pyserial."""

    def __init__(
        self,
        tmp: Path,
        mode: str = "repl",
        sessions: dict[int, bytes] | None = None,
        faults: FaultPlan | None = None,
        device_id: str = DEVICE_ID,
        imu: bytes | None = None,
        speed: float = 1.0,
        config: dict[str, object] | None = None,
    ) -> None:
        self.root = tmp / "board"
        self.mode = mode
        (self.root / "sessions").mkdir(parents=True)
        (self.root / "heeltrack_id").write_text(device_id)
        if mode != "plain":
            shutil.copytree(
                HEEL,
                self.root / "lib" / "heel",
                ignore=shutil.ignore_patterns("__pycache__"),
            )
            shutil.copy(board_file("virtual"), self.root / "board.json")
            if config is not None:
                (self.root / "config.json").write_text(json.dumps(config))
        if mode == "app":
            shutil.copy(MAIN, self.root / "main.py")
        self.written: dict[int, bytes] = {}
        for sid, data in (sessions or {}).items():
            self.add_session(sid, data)
        raw = None
        if imu is not None:
            raw = tmp / "imu.raw"
            raw.write_bytes(imu)
        boot_cfg = tmp / "boot.json"
        boot_cfg.write_text(
            json.dumps(
                {
                    "root": str(self.root),
                    "raw": str(raw) if raw else None,
                    "speed_milli": max(1, round(speed * 1000)),
                    "board": "virtual",
                }
            )
        )
        dev_master, dev_slave = os.openpty()
        tty.setraw(dev_slave)
        env = dict(os.environ)
        env.pop("MICROPYPATH", None)
        argv = [find_micropython(), "-i", str(BOOT), str(boot_cfg), "run"]
        if mode == "plain":
            env["MICROPYPATH"] = ".frozen"
            argv = [find_micropython(), "-i"]
        self.proc = subprocess.Popen(
            argv,
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
        self.banner = self._wait_for(READY[mode])

    def _wait_for(self, marker: bytes, timeout: float = 30.0) -> bytes:
        """Read the board's output until `marker` (it has started and listens)."""
        fd = os.open(self.port, os.O_RDWR | os.O_NOCTTY)
        seen = b""
        try:
            deadline = time.monotonic() + timeout
            while marker not in seen and time.monotonic() < deadline:
                r, _, _ = select.select([fd], [], [], 0.1)
                if r:
                    seen += os.read(fd, 4096)
        finally:
            os.close(fd)
        assert marker in seen, f"the board did not start: {seen[-500:]!r}"
        return seen

    def add_session(self, sid: int, data: bytes) -> None:
        (self.root / "sessions" / f"{sid}.hts").write_bytes(data)
        self.written[sid] = data

    def on_board(self) -> dict[int, bytes]:
        out = {}
        for p in (self.root / "sessions").iterdir():
            if p.suffix in (".hts", ".kept", ".open"):
                out[int(p.stem)] = p.read_bytes()
        return out

    def open_sessions(self) -> list[int]:
        return sorted(int(p.stem) for p in (self.root / "sessions").glob("*.open"))

    def wait_for_open_session(self, timeout: float = 120.0) -> int:
        """The app counted a set and is recording a session: its number."""
        deadline = time.monotonic() + timeout
        while not self.open_sessions():
            assert time.monotonic() < deadline, "the app opened no session"
            assert self.proc.poll() is None, "the board process ended"
            time.sleep(0.1)
        return self.open_sessions()[0]

    def close(self) -> None:
        self.relay.stop()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)


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
