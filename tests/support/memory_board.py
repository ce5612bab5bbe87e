"""A board in this process: the firmware's own code in CPython behind an in-memory line.

    board = MemoryBoard(tmp_path, mode="app", sessions={1: make_session(1)})
    with board.connect() as transport:               # heeltrack.transport_memory
        client = LinkClient(transport); client.hello()
    board.cable.damage = FaultPlan(seed).mangle      # faults on the line
    board.close()

Modes:
- "app": heel.app.App (its asyncio tasks: sampling, feedback, link) in a thread, the fake
  MPU6050 resting flat on real time, the session log in tmp/sessions;
- "repl": heel.link.server.serve() with the REPL's device (ReplDevice), as the host starts it
  through the raw REPL on a board at its REPL (this line has no REPL: it is already running).
For what only a serial port shows (the raw REPL, Ctrl-C, pyserial), use tests.support.pty_board.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from heel import config
from heel.app import App
from heel.board import load_board
from heel.compat import ticks_ms
from heel.imu.fake_mpu6050 import ArraySource, FakeMPU6050
from heel.imu.mpu6050 import MPU6050
from heel.link.server import ReplDevice, serve
from heel.store import SessionLog
from heeltrack.firmware import board_file
from heeltrack.transport_memory import MemoryCable, MemoryTransport
from tests.support.sessions import DEVICE_ID

RESTING = [[0, 0, 8192, 0, 0, 0]]  # raw chip sample: flat, still (+1 g on z)


class MemoryBoard:
    def __init__(
        self,
        tmp: Path,
        mode: str = "app",
        sessions: dict[int, bytes] | None = None,
        device_id: str = DEVICE_ID,
    ) -> None:
        self.root = tmp
        self.mode = mode
        (tmp / "sessions").mkdir(parents=True, exist_ok=True)
        (tmp / "heeltrack_id").write_text(device_id)
        for sid, data in (sessions or {}).items():
            (tmp / "sessions" / f"{sid}.hts").write_bytes(data)
        self.cable = MemoryCable(name=f"memory board {tmp.name}")
        log = SessionLog(root=str(tmp / "sessions"), id_path=str(tmp / "heeltrack_id"))
        self._stop = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self.app: App | None = None
        if mode == "app":
            board = load_board(str(board_file("virtual")))
            chip = FakeMPU6050(ArraySource(RESTING, loop=True), clock=ticks_ms)
            imu = MPU6050(chip, board.imu_addr, board.rate_hz, ticks_ms=ticks_ms)
            self.app = App(
                board,
                config.merge(config.DEFAULTS, {}),
                imu,
                log,
                config_path=str(tmp / "config.json"),
                stream_in=self.cable.board_in,
                stream_out=self.cable.board_out,
            )
            target = self._run_app
        else:
            self.device = ReplDevice(
                log, board_path=str(board_file("virtual")), config_path=str(tmp / "config.json")
            )
            target = self._run_repl
        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()

    def connect(self) -> MemoryTransport:
        """A host-side transport, as if the host opened the board's serial port."""
        return self.cable.connect()

    def on_board(self) -> dict[int, bytes]:
        out = {}
        for p in (self.root / "sessions").iterdir():
            if p.suffix in (".hts", ".kept", ".open"):
                out[int(p.stem)] = p.read_bytes()
        return out

    # -- the board's thread ------------------------------------------------------------------
    def _run_repl(self) -> None:
        while not (self._stop or self.cable.hung_up):
            serve(self.device, self.cable.board_in, self.cable.board_out, idle_ms=500)

    def _run_app(self) -> None:
        assert self.app is not None
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self.app.main())
        except asyncio.CancelledError:
            pass
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()
            self.app.stop()

    def close(self) -> None:
        self._stop = True
        loop = self._loop
        if loop is not None and not loop.is_closed():

            def cancel_all() -> None:
                for task in asyncio.all_tasks(loop):
                    task.cancel()

            loop.call_soon_threadsafe(cancel_all)
        self.cable.hang_up()
        self.thread.join(10)
        assert not self.thread.is_alive(), "the in-memory board did not stop"
