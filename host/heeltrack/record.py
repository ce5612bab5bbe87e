"""Record the board's IMU into a trace CSV (DESIGN.md contract 1: foot frame, g and deg/s), to
share recordings that improve the detectors.

    from heeltrack.record import record, save
    from heeltrack.transport_serial import SerialTransport
    with SerialTransport("/dev/ttyACM0") as t:
        rec = record(t, 60)
    save(rec, Path("calf-raises.csv"))

The app is stopped (Ctrl-C at the board), the firmware's own recorder runs at the raw REPL
(heel.start.record: the board file's IMU driver, heel.recorder's frames), and the app is started
again afterwards (a soft reset). KeyboardInterrupt ends a recording early; what arrived is kept.
"""

from __future__ import annotations

import json
import re
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from heel.link import frame as F
from heeltrack import limits as L
from heeltrack.errors import UserError
from heeltrack.files import write_atomic_with
from heeltrack.transport import Transport, TransportError

MAX_SECONDS = 3600.0
SILENCE_S = L.RECORD_SILENCE_S  # nothing from the board for this long: it is gone
_ERROR_LINE = re.compile(r"^\s*(\w+(?:Error|Exception|Interrupt)\b.*)$", re.MULTILINE)


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
        if ftype == F.T_REC_START:
            info = json.loads(payload)
            self.rate_hz = float(info.get("rate_hz", 100))
            self.foot = str(info.get("foot", ""))
            self.board = str(info.get("board", ""))
        elif ftype == F.T_SAMPLES:
            first, gap, n = struct.unpack_from("<IHH", payload)
            block = np.frombuffer(payload, dtype="<i2", count=6 * n, offset=8).reshape(n, 6)
            self.gaps += gap
            start = first + gap
            self.index.append(np.arange(start, start + n))
            self.data.append(block.copy())
        elif ftype == F.T_REC_END:
            self.complete = True


def _restart_app(transport: Transport) -> None:
    """Stop the recorder, leave the raw REPL and soft-reset: main.py starts the app again, as
    after power-up."""
    try:
        transport.interrupt()
        transport.exit_raw_repl()
        transport.write(b"\x04")
        time.sleep(0.2)
    except (TransportError, OSError):
        pass  # the board is gone: nothing more to do for it


def record(
    transport: Transport, seconds: float, progress: Callable[[Recording], None] | None = None
) -> Recording:
    """Record `seconds` of samples from the board behind `transport` (see the module
    docstring); the app is restarted afterwards. KeyboardInterrupt stops early and returns what
    arrived (rec.complete False). UserError if the board cannot record."""
    where = transport.name
    rec = Recording()
    seen = bytearray()
    try:
        try:
            transport.enter_raw_repl(soft_reset=False)
            transport.exec_no_follow(f"from heel.start import record\nrecord({float(seconds)!r})")
        except TransportError:
            raise UserError(
                f"the device at {where} does not answer like a MicroPython board (no raw REPL)"
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
    except (TransportError, OSError) as e:
        if not rec.samples:
            raise UserError(f"lost the board at {where} ({e}); check the cable") from None
    finally:
        _restart_app(transport)
    if not rec.samples and not rec.complete:
        text = bytes(seen).decode("utf-8", "replace")
        if "no module named 'heel'" in text:
            raise UserError(
                f"the board at {where} has no HeelTrack firmware; run `heeltrack flash`"
            )
        if "ImportError" in text:
            raise UserError(
                f"the firmware on the board at {where} cannot record; run `heeltrack flash` "
                "to update it"
            )
        if "Traceback" in text:
            errors = _ERROR_LINE.findall(text.replace("\x04", "\n"))
            why = errors[-1].strip() if errors else "it stopped with an error"
            raise UserError(f"the board at {where} could not record ({why}); run `heeltrack flash`")
        raise UserError(f"no samples came from the board at {where}; is it a HeelTrack board?")
    return rec


def save(rec: Recording, out: Path) -> None:
    """Write the trace CSV atomically (a temporary file renamed into place); UserError if the
    file cannot be written."""
    from heeltrack.trace import write_trace

    t, acc, gyro = rec.arrays()
    comments = [
        f"board: {rec.board}",
        f"recorded: {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} with heeltrack record",
    ]
    if rec.gaps:
        comments.append(f"missing samples: {rec.gaps} (FIFO overflow)")
    write_atomic_with(
        out,
        lambda tmp: write_trace(
            tmp, t, acc, gyro, foot=rec.foot or None, rate_hz=rec.rate_hz, comments=comments
        ),
    )
