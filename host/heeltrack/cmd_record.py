"""`heeltrack record OUT.csv [--port P] [--seconds N]`: record the board's IMU into a trace CSV
(DESIGN.md contract 1: foot frame, g and deg/s), to share recordings that improve the detectors.

$ heeltrack record calf-raises.csv --seconds 60

The app is stopped while recording (Ctrl-C at the board), the firmware's own recorder
(heel.recorder) streams framed samples from the raw REPL, and the app is started again
afterwards (a soft reset). Ctrl-C ends a recording early; what was recorded is kept.

For scripts: record(port, seconds) -> Recording.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from heel.link import frame as F
from heel.recorder import T_REC_END, T_REC_START, T_SAMPLES
from heeltrack.errors import UserError

HELP = "record the board's IMU samples into a trace CSV (foot frame, g and deg/s)"

MAX_SECONDS = 3600.0
SILENCE_S = 5.0  # nothing from the board for this long: it is gone

# sent to the raw REPL: the board wiring of main.py (without starting the app), the recorder
SCRIPT = """\
import sys
_g = {{"__name__": "heel_record"}}
with open("main.py") as _f:
    _src = _f.read()
_i = _src.rfind("\\nmain()")
exec(_src[:_i] if _i >= 0 else _src, _g)
_board = _g["load_board"]("/board.json")
_hw = _g["hardware"](_board)
from heel import config
from heel.imu.mpu6050 import MPU6050
from heel.recorder import Recorder
_imu = MPU6050(_hw[0], _board.imu_addr, _board.rate_hz, ticks_ms=_hw[3])
_foot = config.load("/config.json")["foot"]
Recorder(_imu, _board, sys.stdout.buffer, _foot).run({seconds}, _hw[4])
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", metavar="OUT.csv", help="trace CSV to write")
    p.add_argument("--port", help="serial port (default: the one board found)")
    p.add_argument(
        "--seconds", type=float, default=60.0, help="how long to record (default 60; Ctrl-C ends)"
    )


@dataclass
class Recording:
    rate_hz: float = 100.0
    foot: str = ""
    board: str = ""
    index: list[np.ndarray] = field(default_factory=list)  # sample numbers per block
    data: list[np.ndarray] = field(default_factory=list)  # n x 6 int16 per block
    gaps: int = 0
    complete: bool = False

    @property
    def samples(self) -> int:
        return sum(len(i) for i in self.index)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """t (s), acc (g), gyro (deg/s) in the foot frame."""
        if not self.index:
            return np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3))
        idx = np.concatenate(self.index)
        raw = np.concatenate(self.data).astype(float)
        return idx / self.rate_hz, raw[:, :3] / 1000.0, raw[:, 3:] / 10.0

    def add(self, ftype: int, payload: bytes) -> None:
        if ftype == T_REC_START:
            info = json.loads(payload)
            self.rate_hz = float(info.get("rate_hz", 100))
            self.foot = str(info.get("foot", ""))
            self.board = str(info.get("board", ""))
        elif ftype == T_SAMPLES:
            first, gap, n = struct.unpack_from("<IHH", payload)
            block = np.frombuffer(payload, dtype="<i2", count=6 * n, offset=8).reshape(n, 6)
            self.gaps += gap
            start = first + gap
            self.index.append(np.arange(start, start + n))
            self.data.append(block.copy())
        elif ftype == T_REC_END:
            self.complete = True


def _restart_app(mp: Any) -> None:
    """Leave the raw REPL and soft-reset: main.py starts the app again, as after power-up."""
    try:
        mp.serial.write(b"\x03")
        time.sleep(0.1)
        mp.exit_raw_repl()
        mp.serial.write(b"\x04")
        time.sleep(0.2)
    except Exception:  # noqa: BLE001 - the board may be gone; nothing more to do for it
        pass


def record(
    port: str, seconds: float, progress: Callable[[Recording], None] | None = None
) -> Recording:
    """Record `seconds` of samples from the board at `port` (see the module docstring).
    KeyboardInterrupt stops early and returns what arrived (rec.complete False)."""
    import serial
    from mpremote.transport import TransportError

    from heeltrack.link import SerialTransport

    transport = SerialTransport(port)
    mp = transport.mp
    rec = Recording()
    seen = bytearray()
    try:
        try:
            mp.enter_raw_repl(soft_reset=False, timeout_overall=5)
            mp.exec_raw_no_follow(SCRIPT.format(seconds=float(seconds)))
        except (TransportError, serial.SerialException, OSError):
            raise UserError(
                f"the device at {port} does not answer like a MicroPython board (no raw REPL); "
                "check --port"
            ) from None
        parser = F.FrameParser()
        last = time.monotonic()
        try:
            while not rec.complete:
                data = transport.read(0.5)
                now = time.monotonic()
                if data:
                    last = now
                    parser.feed(data)
                    seen.extend(data)
                    del seen[:-4096]
                    while (fr := parser.next()) is not None:
                        rec.add(fr[0], fr[2])
                    if progress is not None:
                        progress(rec)
                    if b"Traceback" in seen and b"\x04" in seen[seen.find(b"Traceback") :]:
                        break
                elif now - last > SILENCE_S:
                    break
        except KeyboardInterrupt:
            pass
    except (serial.SerialException, OSError) as e:
        if not rec.samples:
            raise UserError(f"lost the board at {port} ({e}); check the cable") from None
    finally:
        _restart_app(mp)
        transport.close()
    if not rec.samples and not rec.complete:
        text = bytes(seen).decode("utf-8", "replace")
        if "heel.recorder" in text or "ImportError" in text:
            raise UserError(
                f"the firmware on the board at {port} cannot record; run `heeltrack flash` "
                "to update it"
            )
        if "Traceback" in text:
            last_line = [x for x in text.replace("\x04", "\n").splitlines() if x.strip()][-1]
            raise UserError(f"the board could not record: {last_line.strip()}")
        raise UserError(f"no samples came from the board at {port}; check --port")
    return rec


def save(rec: Recording, out: Path) -> None:
    """Write the trace CSV atomically (a temporary file renamed into place)."""
    from heeltrack.trace import write_trace

    t, acc, gyro = rec.arrays()
    directory = out.parent if str(out.parent) else Path(".")
    comments = [
        f"board: {rec.board}",
        f"recorded: {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} with heeltrack record",
    ]
    if rec.gaps:
        comments.append(f"missing samples: {rec.gaps} (FIFO overflow)")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{out.name}.", suffix=".tmp")
        os.close(fd)
        write_trace(
            tmp,
            t,
            acc,
            gyro,
            foot=rec.foot or None,
            rate_hz=rec.rate_hz,
            comments=comments,
        )
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except OSError as e:
        raise UserError(f"cannot write {out}: {e.strerror}") from None


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from heeltrack.ports import resolve_port

    out = Path(args.out)
    if not 0 < args.seconds <= MAX_SECONDS:
        raise UserError(f"--seconds must be in (0, {MAX_SECONDS:g}], got {args.seconds:g}")
    if out.is_dir():
        raise UserError(f"{out} is a directory; give the CSV file to write")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise UserError(f"the directory of {out} does not exist")
    port = resolve_port(args.port)
    console = Console(stderr=True)
    with Progress(
        TextColumn("recording"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("rec", total=args.seconds)
        rec = record(
            port,
            args.seconds,
            lambda r: bar.update(task, completed=(r.samples + r.gaps) / r.rate_hz),
        )
    save(rec, out)
    t = rec.samples / rec.rate_hz
    print(
        f"{rec.samples} samples ({t:.1f} s at {rec.rate_hz:g} Hz, {rec.foot or 'unknown'} foot)"
        f" written to {out}"
        + (f"; {rec.gaps} samples lost (FIFO overflow)" if rec.gaps else "")
        + ("" if rec.complete else "; stopped early"),
        file=sys.stderr if str(out) == "-" else sys.stdout,
    )
    return 0
