"""Power-safe session log on the board's filesystem (littlefs), one append-only file a session.

    log = SessionLog("/sessions")                   # recovers a session a power cut left open
    sid = log.begin(uptime_ms, epoch_s, "pico-mpu6050", "left", "0.1.0", digest)
    log.append_rep(HEEL_RAISE, t_ms, hold_ms, set_no)   # one write + flush; allocates nothing
    boot = log.note_boot(uptime_ms)                  # which power-up this is (see below)
    log.end(t_ms)
    for sid, size, closed, synced in log.sessions(): ...
    n = log.read_into(sid, offset, buf)             # the link serves sessions with this
    log.delete(sid, log.sha256(sid))                # only a closed session, only with its hash

Files, session numbers, the device id and the repair after a power cut: heel.sessiondir.
Record format: heel.records.

Power cuts: every append is one write of a whole record then flush(), which is when littlefs
commits, so after a cut the file holds exactly the records whose append returned (littlefs
rolls back an uncommitted write); a session left open is closed with SESSION_END "power lost"
when the next SessionLog opens the directory.

Power-ups: the uptime restarts at 0 when the board is switched off or reset, so a session may be
dated from its start uptime only against a clock reading of the same power-up. A counter kept
beside the device id (heeltrack_boot: "boot uptime_ms") tells power-ups apart: note_boot(uptime)
steps it when the uptime is below the last one noted. It is noted whenever something gets the
number (the app starting, a session beginning, the laptop setting the clock), always well after
power-up, so the next power-up starts below it. SESSION_START records the number; the link's
HELLO reports it.

Space: appends spend a budget of bytes measured with statvfs (free minus min_free), so the hot
path calls statvfs (which allocates) only when the budget runs out. Then the oldest synced
("kept") sessions are deleted first; if only unsynced data is left, `full` is set and appends
return False (counted; a FAULT store_full record with the count is written once space comes
back). Unsynced sessions are never deleted. While full, space is re-checked every
_RECHECK_EVERY drops and after every delete or mark_synced.
"""

import hashlib
import os

from heel import records as R
from heel.compat import const
from heel.sessiondir import (
    DIGEST,
    DONE,
    ENOENT,
    KEPT,
    OPEN,
    TMP,
    SessionDir,
    hexstr,
    join,
    parent,
    remove,
    write_atomic,
)

_ENOSPC = const(28)
_RECHECK_EVERY = const(16)
_BOOT_NAME = "heeltrack_boot"


class SessionLog(SessionDir):
    def __init__(self, root="/sessions", min_free=8192, id_path=None, statvfs=None):
        """statvfs: stand-in for os.statvfs (tests); id_path: default beside root."""
        SessionDir.__init__(self, root, id_path)
        self.min_free = min_free
        self._statvfs = statvfs or os.statvfs
        self._buf2 = bytearray(R.RECORD_MAX)  # records the store adds itself (FAULT, END)
        self._views = self.record_views(self._buf)  # the record being appended
        self._views2 = self.record_views(self._buf2)
        self._head = None  # header + SESSION_START of the active session until written
        self._f = None  # writer of the active session
        self._r = None  # reader kept open between read_into calls
        self._rsid = None
        self._rgen = 0
        self._gen = 0  # successful appends; a reader of the active session older than this reopens
        self.active = None
        self.full = False
        self.dropped = 0  # records dropped in the active session since the last FAULT about it
        self._budget = -1
        self._recheck = True
        self._next = self.load_next()
        self._boot_path = join(parent(self.id_path), _BOOT_NAME)
        self.boot = 0  # the current power-up, once noted
        self.recover()

    # ----- writing

    def note_boot(self, uptime_ms):
        """The number of the current power-up (>= 1): stepped if the uptime went backwards
        since the last note (the board was switched off or reset), then noted with it."""
        boot, last = 0, 0
        try:
            with open(self._boot_path) as f:
                fields = f.read().split()
            boot, last = int(fields[0]), int(fields[1])
        except (OSError, ValueError, IndexError):
            pass
        if boot <= 0 or uptime_ms < last:
            boot += 1
        if boot != self.boot or uptime_ms > last:
            try:
                write_atomic(self._boot_path, ("%d %d" % (boot, uptime_ms)).encode())
            except OSError:
                pass  # a failing flash: the next power-up may then look like this one
        self.boot = boot
        return boot

    def begin(self, uptime_ms, epoch_s, board, foot, fw_version, config_digest, program=b""):
        """Start a session (ending one still active) and return its number. program: the
        packed targets (heel.config.pack_program) logged with it."""
        boot = self.note_boot(uptime_ms)
        head = bytearray(R.HEADER_LEN + R.RECORD_MAX)
        sid = self._next
        n = R.encode_header(head, 0, self.device_id, sid)
        n += R.encode_start(
            head, n, uptime_ms, epoch_s, board, foot, fw_version, config_digest, program, boot
        )
        if self.active is not None:
            self.end(uptime_ms)
        self._next = sid + 1
        try:
            write_atomic(join(self.root, "next"), str(self._next).encode())
        except OSError:
            pass  # the session file itself also tells _load_next the number is taken
        self._head = memoryview(head)[:n]
        self.active = sid
        self.dropped = 0
        self._budget = -1  # check space (and write the head) now
        self._make_room(0)
        return sid

    def _open_writer(self):
        # Called with room checked. Writes the head if the file does not have it yet.
        path = self.path(self.active, OPEN)
        if self._head is not None:
            f = open(path, "wb")
            try:
                f.write(self._head)
                f.flush()
            except OSError:
                f.close()
                raise
            self._head = None
        else:
            f = open(path, "ab")
        self._f = f
        self._gen += 1

    def _write_failed(self, err):
        f = self._f
        self._f = None  # reopened (at its last committed state) once there is room again
        self._budget = -1
        try:
            f.close()
        except (OSError, AttributeError):
            pass
        if err.args and err.args[0] == _ENOSPC:
            self.full = True
            self._recheck = False

    def _make_room(self, n):
        """The slow path: measure, free synced sessions if short, (re)open the writer.
        Never raises: a failing filesystem just means no room."""
        if self.full and not self._recheck and self.dropped % _RECHECK_EVERY:
            return False
        self._recheck = False
        try:
            return self._make_room_io(n)
        except OSError as e:
            self._write_failed(e)
            return False

    def _make_room_io(self, n):
        reserve = n + R.RECORD_MAX  # the record, and a FAULT store_full or a SESSION_END
        if self._head is not None:
            reserve += len(self._head)
        free = self.free_bytes()
        while free - reserve < self.min_free:
            victim = None
            for sid, ext in self.files():
                if ext == KEPT:
                    victim = sid
                    break
            if victim is None:
                self.full = True
                return False
            self._drop_reader(victim)
            remove(self.path(victim, DIGEST))
            os.remove(self.path(victim, KEPT))
            free = self.free_bytes()
        self.full = False
        self._budget = free - reserve + n - self.min_free
        if self._f is None:
            self._open_writer()
        if self.dropped:
            R.encode_into(self._buf2, R.FAULT, R.FAULT_STORE_FULL, self.dropped)
            self._f.write(self._views2[R.FAULT])
            self._f.flush()
            self.dropped = 0
        return True

    def _append(self, view):
        """Write one whole record and flush. The hot path: no allocation unless space runs out."""
        if self.active is None:
            return False
        n = len(view)
        if self._budget < n or self._f is None:
            if not self._make_room(n):
                self.dropped += 1
                return False
        try:
            self._f.write(view)
            self._f.flush()
        except OSError as e:
            self._write_failed(e)
            self.dropped += 1
            return False
        self._budget -= n
        self._gen += 1
        return True

    def append_rep(self, exercise, t_ms, hold_ms, set_no):
        R.encode_into(self._buf, R.REP, exercise, t_ms, hold_ms, set_no)
        return self._append(self._views[R.REP])

    def append_set_start(self, exercise, t_ms, direction):
        R.encode_into(self._buf, R.SET_START, exercise, t_ms, direction)
        return self._append(self._views[R.SET_START])

    def append_set_end(self, exercise, t_ms, count):
        R.encode_into(self._buf, R.SET_END, exercise, t_ms, count)
        return self._append(self._views[R.SET_END])

    def append_gap(self, t_ms, n):
        R.encode_into(self._buf, R.GAP, t_ms, n)
        return self._append(self._views[R.GAP])

    def append_clock(self, uptime_ms, epoch_s):
        R.encode_into(self._buf, R.CLOCK, uptime_ms, epoch_s)
        return self._append(self._views[R.CLOCK])

    def append_fault(self, code, value):
        R.encode_into(self._buf, R.FAULT, code, value)
        return self._append(self._views[R.FAULT])

    def end(self, t_ms, reason=R.END_NORMAL):
        """Close the active session: SESSION_END (and the count of dropped records) may use
        the min_free reserve; the file is closed even if they cannot be written."""
        sid = self.active
        if sid is None:
            return
        try:
            if self._f is None:
                self._open_writer()
            f = self._f
            if self.dropped:
                R.encode_into(self._buf2, R.FAULT, R.FAULT_STORE_FULL, self.dropped)
                f.write(self._views2[R.FAULT])
            R.encode_into(self._buf2, R.SESSION_END, t_ms, reason)
            f.write(self._views2[R.SESSION_END])
            f.flush()
        except OSError as e:
            self._write_failed(e)
        if self._f is not None:
            try:
                self._f.close()
            except OSError:
                pass
        self._f = None
        self._head = None
        self.active = None
        self.dropped = 0
        self._budget = -1
        self._drop_reader(sid)
        try:
            # hashed once, now: LIST, HASH and the delete check read the digest (a Pico hashes
            # ~1 MB/s; hashing every session at each LIST made the host give up)
            self.save_digest(sid, self._hash_file(self.path(sid, OPEN)))
            os.rename(self.path(sid, OPEN), self.path(sid, DONE))
        except OSError:
            pass  # no file (nothing could be written), or a failing flash: repaired at next open

    # ----- reading and housekeeping

    def sessions(self):
        """[(sid, size_bytes, closed, synced)], oldest first, the active session too."""
        out = []
        for sid, ext, size in self.files_sized():
            if ext != TMP:
                out.append((sid, size, ext != OPEN, ext == KEPT))
        return out

    def _drop_reader(self, sid):
        if self._r is not None and (sid is None or self._rsid == sid):
            self._r.close()
            self._r = None
            self._rsid = None

    def read_into(self, sid, offset, buf):
        """Read session bytes from offset into buf; the count, 0 at the end. OSError ENOENT for
        an unknown session. Allocates nothing while it reads on in the same session."""
        r = self._r
        if r is None or self._rsid != sid or (sid == self.active and self._rgen != self._gen):
            self._drop_reader(None)
            ext = self.find(sid)
            if ext is None:
                raise OSError(ENOENT)
            r = open(self.path(sid, ext), "rb")
            self._r = r
            self._rsid = sid
            self._rgen = self._gen
        r.seek(offset)
        return r.readinto(buf) or 0

    def sha256(self, sid):
        """sha256 digest (32 bytes) of the whole session file: for a closed session the one
        kept when it closed (hashed and kept now if there is none: a repaired session)."""
        ext = self.find(sid)
        if ext is None:
            raise OSError(ENOENT)
        closed = ext != OPEN and sid != self.active
        if closed:
            digest = self.load_digest(sid)
            if digest is not None:
                return digest
        digest = self._hash_file(self.path(sid, ext))
        if closed:
            self.save_digest(sid, digest)
        return digest

    def _hash_file(self, path):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while True:
                n = f.readinto(self._chunk)
                if not n:
                    break
                h.update(self._chunk if n == len(self._chunk) else self._chunk_mv[:n])
        return h.digest()

    def _closed_match(self, sid, sha256):
        if sid == self.active:
            return None
        ext = self.find(sid)
        if ext is None or ext == OPEN:
            return None
        digest = self.sha256(sid)
        if isinstance(sha256, str):
            digest = hexstr(digest)
        else:
            sha256 = bytes(sha256)
        return ext if digest == sha256 else None

    def mark_synced(self, sid, sha256):
        """The host holds this closed session (hash checked) but keeps it here: it becomes
        the first to go when space is short. Returns False if the hash or state is wrong."""
        ext = self._closed_match(sid, sha256)
        if ext is None:
            return False
        if ext == DONE:
            self._drop_reader(sid)
            os.rename(self.path(sid, DONE), self.path(sid, KEPT))
        self._recheck = True
        return True

    def delete(self, sid, sha256):
        """Delete a closed session whose sha256 matches; False (nothing done) otherwise."""
        ext = self._closed_match(sid, sha256)
        if ext is None:
            return False
        self._drop_reader(sid)
        remove(self.path(sid, DIGEST))  # first: a digest never outlives its session
        os.remove(self.path(sid, ext))
        self._recheck = True
        self._budget = -1
        return True

    def free_bytes(self):
        st = self._statvfs(self.root)
        if st[4] > st[2]:  # littlefs counts blocks in flux twice when nearly full: bfree "< 0"
            return 0
        return st[1] * st[4]

    def close(self):
        """Release the file handles (the active session stays open for a later SessionLog)."""
        self._drop_reader(None)
        if self._f is not None:
            self._f.close()
            self._f = None
