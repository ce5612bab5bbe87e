"""Find the board's serial port: a plugged-in MicroPython RP2040/RP2350 board, else a
running virtual board.

    >>> from heeltrack.ports import resolve_port, candidates
    >>> port = resolve_port(None)      # the one board found, or UserError listing what is there
    >>> for c in candidates(): print(c.port, c.kind, c.description)

Real boards are recognised by the USB ids in the board files (MicroPython's rp2 ids,
2E8A:0005 for both the RP2040 and the RP2350 builds), listed with pyserial's list_ports.
Virtual boards register themselves (heeltrack.virtual.running_boards).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from serial.tools import list_ports

from heeltrack.errors import UserError
from heeltrack.firmware import usb_ids


@dataclass
class Candidate:
    port: str
    kind: str  # "usb" (a MicroPython rp2 board) or "virtual"
    description: str
    boards: tuple[str, ...]  # board files these USB ids belong to


def candidates() -> list[Candidate]:
    """USB serial ports with a HeelTrack board's USB ids, then running virtual boards."""
    from heeltrack.virtual import running_boards

    ids = usb_ids()
    found: list[Candidate] = []
    for p in sorted(list_ports.comports(), key=lambda p: p.device):
        if p.vid is None or p.pid is None:
            continue
        names = ids.get((p.vid, p.pid))
        if names:
            desc = f"{p.vid:04X}:{p.pid:04X} {p.description or ''}".strip()
            if p.serial_number:
                desc += f" (serial {p.serial_number})"
            found.append(Candidate(p.device, "usb", desc, tuple(names)))
    for info in running_boards():
        desc = f"virtual board, image {info.get('image')} (pid {info.get('pid')})"
        found.append(Candidate(str(info["port"]), "virtual", desc, (str(info.get("board")),)))
    return found


def resolve_port(port: str | None) -> str:
    """The given port, else the one board found (USB first, then virtual), else UserError."""
    if port:
        if port.startswith("/") and not os.path.exists(port):
            raise UserError(f"no serial port {port}; `heeltrack devices` lists the boards found")
        return port
    found = candidates()
    usb = [c for c in found if c.kind == "usb"]
    virtual = [c for c in found if c.kind == "virtual"]
    for group in (usb, virtual):
        if len(group) == 1:
            return group[0].port
        if len(group) > 1:
            listing = "; ".join(f"{c.port} ({c.description})" for c in group)
            raise UserError(f"several boards found ({listing}); choose one", option="port")
    others = [p.device for p in list_ports.comports()]
    raise UserError(
        "no HeelTrack board found (no MicroPython RP2040/RP2350 USB port, no running "
        "`heeltrack virtual`); serial ports seen: "
        + (", ".join(others) if others else "none")
        + "; plug the board in or name its port",
        option="port",
    )
