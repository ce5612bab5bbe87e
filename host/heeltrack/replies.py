"""What a board may answer: every value from the board is checked here before the host uses it.

    info = check_info(parse_json(payload))      # ValueError naming the field and what was wrong
    total, entries = check_list_page(parse_json(payload), start=0)

A wrong firmware, a damaged line that still passes the CRC or a hostile device must give one
clear line (heeltrack.link turns these ValueErrors into ProtocolError), never a traceback, a
loop without end or memory without bound. Limits: heeltrack.limits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from heeltrack import limits as L

_HEX16 = re.compile(r"[0-9a-f]{16}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def parse_json(payload: bytes) -> Any:
    """The JSON value of a reply: UTF-8, nested at most MAX_JSON_DEPTH deep."""
    try:
        text = bytes(payload).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 text (byte {e.start})") from None
    if _depth(text) > L.MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested more than {L.MAX_JSON_DEPTH} deep")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise ValueError(f"not JSON ({str(e)[:80]})") from None


def _depth(text: str) -> int:
    """How deep [ and { nest outside strings (stops counting past the limit)."""
    depth = most = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > most:
                most = depth
                if most > L.MAX_JSON_DEPTH:
                    return most
        elif ch in "]}":
            depth -= 1
    return most


def _show(v: Any) -> str:
    text = json.dumps(v) if not isinstance(v, bytes) else repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def whole(v: Any, field: str, lo: int, hi: int) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise ValueError(f"{field} is {_show(v)}; expected a whole number {lo}-{hi}")
    return v


def text(v: Any, field: str, optional: bool = False) -> str | None:
    if v is None and optional:
        return None
    if not isinstance(v, str) or len(v) > L.MAX_TEXT:
        raise ValueError(f"{field} is {_show(v)}; expected text of at most {L.MAX_TEXT} characters")
    return v


def flag(v: Any, field: str) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"{field} is {_show(v)}; expected true or false")
    return v


def device_id(v: Any) -> str:
    if not isinstance(v, str) or not _HEX16.fullmatch(v):
        raise ValueError(f"device_id is {_show(v)}; expected 16 lower-case hex digits")
    return v


def check_object(v: Any, what: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise ValueError(f"{what} is {_show(v)}, not a JSON object")
    return v


# HELLO / SET_CLOCK info: field -> check; fields not listed are kept unchecked and never used
_BIG = 1 << 53
_INFO = {
    "fw": lambda v: text(v, "fw"),
    "board": lambda v: text(v, "board"),
    "foot": lambda v: text(v, "foot"),
    "mode": lambda v: text(v, "mode"),
    "uptime_ms": lambda v: whole(v, "uptime_ms", 0, _BIG),
    "epoch_s": lambda v: whole(v, "epoch_s", 0, 1 << 40),
    "free": lambda v: whole(v, "free", 0, _BIG),
    "session": lambda v: None if v is None else whole(v, "session", 0, L.MAX_SESSION_ID),
    "exercise": lambda v: whole(v, "exercise", -1, 255),
    "count": lambda v: whole(v, "count", 0, _BIG),
    "hold_ms": lambda v: whole(v, "hold_ms", 0, _BIG),
    "reps": lambda v: whole(v, "reps", 0, _BIG),
    "unlogged": lambda v: whole(v, "unlogged", 0, _BIG),
    "log_error": lambda v: text(v, "log_error", optional=True),
    "proto": lambda v: whole(v, "proto", 0, 255),
    "max_read": lambda v: whole(v, "max_read", L.MIN_READ_CHUNK, L.MAX_READ_CHUNK),
    "boot": lambda v: whole(v, "boot", 0, _BIG),
}


def check_info(v: Any) -> dict[str, Any]:
    """The board's info (HELLO, SET_CLOCK): a JSON object with a device_id, every known field
    of the right type and range."""
    info = check_object(v, "the info")
    if "device_id" not in info:
        raise ValueError("the info has no device_id")
    device_id(info["device_id"])
    for key, check in _INFO.items():
        if key in info:
            check(info[key])
    return info


@dataclass
class ListEntry:
    sid: int
    size: int
    sha256: bytes | None  # None while the session is still being recorded
    closed: bool
    synced: bool


def check_list_page(v: Any, start: int) -> tuple[int, list[ListEntry]]:
    """(total, entries) of one LIST page asked from index `start`."""
    page = check_object(v, "the LIST page")
    total = whole(page.get("total"), "LIST total", 0, L.MAX_SESSIONS)
    items = page.get("sessions")
    if not isinstance(items, list):
        raise ValueError(f"LIST sessions is {_show(items)}; expected a list")
    if start + len(items) > total:
        raise ValueError(f"LIST gave {start + len(items)} sessions of a total of {total}")
    entries = []
    for i, item in enumerate(items):
        where = f"LIST entry {start + i}"
        if not isinstance(item, list) or len(item) != 5:
            raise ValueError(
                f"{where} is {_show(item)}; expected [sid, size, sha256, closed, synced]"
            )
        sid = whole(item[0], where + " sid", 0, L.MAX_SESSION_ID)
        size = whole(item[1], where + " size", 0, L.MAX_SESSION_BYTES)
        sha = item[2]
        if sha is not None and (not isinstance(sha, str) or not _HEX64.fullmatch(sha)):
            raise ValueError(f"{where} sha256 is {_show(sha)}; expected 64 lower-case hex digits")
        entries.append(
            ListEntry(
                sid,
                size,
                bytes.fromhex(sha) if sha is not None else None,
                flag(item[3], where + " closed"),
                flag(item[4], where + " synced"),
            )
        )
    return total, entries


def check_config(v: Any) -> dict[str, Any]:
    """The board's configuration: an object of settings (heel.config checks the values)."""
    cfg = check_object(v, "the configuration")
    for key, value in cfg.items():
        if len(key) > L.MAX_TEXT or isinstance(value, dict):
            raise ValueError(f"the configuration's {_show(key)} is {_show(value)}")
    return cfg
