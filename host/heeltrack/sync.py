"""Sync: copy a board's closed sessions into the database, verified and resumable.

    from heeltrack.db import Database
    from heeltrack.link import connect
    from heeltrack.sync import sync_device
    with Database("my.sqlite3") as db, connect("/dev/ttyACM0") as client:
        report = sync_device(client, db, port="/dev/ttyACM0")

Order of events, so that nothing is lost or duplicated whatever happens to the cable: HELLO ->
SET_CLOCK -> LIST -> per closed session not yet in the database (newest first): READ from the
offset the database holds (chunks stored durably as they arrive) -> sha256 checked against LIST
and HASH -> stored with its sets and reps in one transaction -> read back and hashed -> only then
CONFIRM_DELETE (MARK_SYNCED with keep=True). "In the database" means stored bytes that hash to
the board's sha256 (not a matching hash column): a damaged copy is read again and replaced.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from heel.link import frame as F
from heeltrack.db import Database, Stored, decode
from heeltrack.link import DeviceError, LinkClient, SessionEntry

FLUSH_BYTES = 32 * 1024  # partial data is committed to the database at least this often


@dataclass
class SyncReport:
    device_id: str = ""
    new: list[tuple[SessionEntry, Stored]] = field(default_factory=list)
    already: list[int] = field(default_factory=list)  # held before; confirmed now
    confirmed: list[int] = field(default_factory=list)  # deleted (or marked synced) on the board
    still_open: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    bytes_read: int = 0
    resumed_from: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0


def sync_device(
    client: LinkClient,
    db: Database,
    port: str | None = None,
    keep: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SyncReport:
    """Sync every closed session of the board behind `client` into `db`; see the module doc.
    progress(done_bytes, total_bytes) is called as data arrives. LinkError if the link fails:
    whatever arrived stays in the database, so the next call resumes."""
    t0 = time.monotonic()
    rep = SyncReport()
    info = client.info or client.hello()
    device_id = str(info["device_id"])
    rep.device_id = device_id
    previous = db.device_seen(info, port)
    if previous:
        rep.messages.append(
            f"the board at {port} now has device id {device_id}, not {previous} as before: it "
            f"was reformatted (or it is another board); the sessions synced from {previous} "
            "stay in the database"
        )
    unlogged = info.get("unlogged")
    if isinstance(unlogged, int) and unlogged > 0:
        why = str(info.get("log_error") or "the log failed earlier")[:200]
        rep.messages.append(
            f"the board counted {unlogged} event(s) it could not log ({why}); they are not in "
            "any session: run `heeltrack flash` to reinstall the firmware and the board file"
        )
    clock = client.set_clock()
    set_at = time.time()
    sync_clock = (int(clock.get("uptime_ms", 0)), int(clock.get("epoch_s", 0)))
    if clock.get("boot") and "uptime_ms" in clock:  # firmware that tells its power-ups apart
        db.note_clock(
            device_id,
            int(clock["boot"]),
            int(clock["uptime_ms"]),
            set_at,
            int(clock.get("ms_per_s") or 1000),
            "sync",
        )
    asked = time.time()
    entries = client.list_sessions()
    if entries:
        db.note_listing(device_id, max(e.sid for e in entries), asked, time.time())
    board_config = _board_config(client)

    todo: list[tuple[SessionEntry, bytes]] = []
    for e in entries:
        if not e.closed or e.sha256 is None:
            rep.still_open.append(e.sid)
        elif db.has_session(device_id, e.sid, e.sha256):
            rep.already.append(e.sid)
            _confirm(client, e, keep, rep)
        else:
            held = db.partial(device_id, e.sid, e.size, e.sha256)
            if held:
                rep.resumed_from[e.sid] = len(held)
            todo.append((e, held))

    total = sum(e.size - len(held) for e, held in todo)
    counter = _Counter(total, progress)
    # 1. newest first, read and verify (held durably as partials): a session is dated from the
    # uptime at this sync only if no later session started at a lower uptime (a reboot)
    verified: list[tuple[SessionEntry, bytes, int | None]] = []
    later_start: int | None = None
    for e, held in reversed(todo):
        assert e.sha256 is not None
        rx = _Receiver(db, device_id, e, held, counter)
        try:
            if len(rx.buf) < e.size:
                client.read_range(e.sid, len(rx.buf), e.size, rx.on_data)
        except BaseException:
            rx.flush()  # what arrived (CRC-checked) is kept for the next run
            raise
        finally:
            rep.bytes_read += rx.received
        buf = rx.buf
        data = bytes(buf)
        digest = hashlib.sha256(data).digest()
        if digest != e.sha256 or client.hash(e.sid) != e.sha256:
            db.drop_partial(device_id, e.sid)
            rep.failed.append((e.sid, "arrived with a different sha256; it stays on the board"))
            continue
        rx.flush()  # all of it: a link lost later in this sync costs no second read
        verified.append((e, data, later_start))
        up = decode(data).start_uptime_ms
        if up is not None:
            later_start = up if later_start is None else min(later_start, up)
    # 2. oldest first, stored (so database ids follow the sessions' order) and confirmed
    for e, data, later in reversed(verified):
        assert e.sha256 is not None
        stored = db.store_session(device_id, e.sid, data, sync_clock, later, board_config)
        rep.new.append((e, stored))
        if stored.replaced:
            rep.messages.append(
                f"session {e.sid}: the copy in the database was damaged; replaced by the board's"
            )
        if not db.has_session(device_id, e.sid, e.sha256):  # read back: what is on disk
            rep.failed.append(
                (e.sid, "did not read back intact from the database; it stays on the board")
            )
            continue
        _confirm(client, e, keep, rep)
    rep.seconds = time.monotonic() - t0
    return rep


class _Counter:
    def __init__(self, total: int, progress: Callable[[int, int], None] | None) -> None:
        self.total = total
        self.done = 0
        self.progress = progress

    def add(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)


class _Receiver:
    """Collects one session's bytes and commits them to the partials table as they arrive."""

    def __init__(
        self, db: Database, device_id: str, e: SessionEntry, held: bytes, counter: _Counter
    ) -> None:
        self.db = db
        self.device_id = device_id
        self.e = e
        self.buf = bytearray(held)
        self.flushed = len(held)
        self.received = 0
        self.counter = counter

    def on_data(self, _off: int, data: bytes) -> None:
        self.buf += data
        self.received += len(data)
        self.counter.add(len(data))
        if len(self.buf) - self.flushed >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        e = self.e
        if len(self.buf) > self.flushed and e.sha256 is not None:
            chunk = bytes(self.buf[self.flushed :])
            self.db.add_partial(self.device_id, e.sid, e.size, e.sha256, self.flushed, chunk)
            self.flushed = len(self.buf)


def _confirm(client: LinkClient, e: SessionEntry, keep: bool, rep: SyncReport) -> None:
    """Tell the board the host holds session e (stored durably before this is called)."""
    assert e.sha256 is not None
    if keep:
        if not e.synced:
            client.mark_synced(e.sid, e.sha256)
        return
    try:
        client.confirm_delete(e.sid, e.sha256)
    except DeviceError as err:
        if err.code != F.E_NO_SESSION:  # an earlier, unanswered CONFIRM_DELETE did it
            raise
    rep.confirmed.append(e.sid)


def _board_config(client: LinkClient) -> dict[str, Any] | None:
    """The board's configuration now: the program of sessions from firmware that did not log
    theirs, if its digest matches (heeltrack.db.Database.store_session)."""
    try:
        return client.get_config()
    except DeviceError:
        return None  # a broken /config.json at the REPL: those sessions stay on the defaults
