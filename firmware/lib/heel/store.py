"""Power-safe session log on the board's filesystem (littlefs), one append-only file a session.

    log = SessionLog("/sessions")                   # recovers a session a power cut left open
    sid = log.begin(uptime_ms, epoch_s, "pico-mpu6050", "left", "0.1.0", digest)
    log.append_rep(HEEL_RAISE, t_ms, hold_ms, set_no)   # one write + flush; allocates nothing
    log.end(t_ms)
    for sid, size, closed, synced in log.sessions(): ...
    n = log.read_into(sid, offset, buf)             # the link serves sessions with this
    log.delete(sid, log.sha256(sid))                # only a closed session, only with its hash

Files in root: "<sid>.open" (being written), "<sid>.hts" (closed), "<sid>.kept" (closed, the host
holds a copy), "next" (the next session number), and during a repair "<sid>.tmp". The device id
lives beside root ("/heeltrack_id" for root "/sessions"): a new id means the flash was
reformatted. Record format: heel.records.

Power cuts: every append is one write of a whole record then flush(), which is when littlefs
commits, so after a cut the file holds exactly the records whose append returned (littlefs
rolls back an uncommitted write). Other filesystems may leave a torn last record; on open the
store copies the valid prefix to "<sid>.tmp", adds SESSION_END "power lost", renames it (atomic)
over "<sid>.hts" and removes "<sid>.open". Each step is safe to cut and redo.

Space: appends spend a budget of bytes measured with statvfs (free minus min_free), so the hot
path calls statvfs (which allocates) only when the budget runs out. Then the oldest synced
("kept") sessions are deleted first; if only unsynced data is left, `full` is set and appends
return False (counted; a FAULT store_full record with the count is written once space comes
back). Unsynced sessions are never deleted. While full, space is re-checked every
_RECHECK_EVERY drops and after every delete or mark_synced.
"""

import hashlib
import os
import struct

from heel import records as R
from heel.compat import const

_OPEN = ".open"
_DONE = ".hts"
_KEPT = ".kept"
_TMP = ".tmp"
_EXTS = (_OPEN, _DONE, _KEPT, _TMP)
_ENOENT = const(2)
_ENOSPC = const(28)
_RECHECK_EVERY = const(16)
_CHUNK = const(512)
_ID_NAME = "heeltrack_id"


def _join(a, b):
    return a + b if a.endswith("/") else a + "/" + b


def _parent(path):
    i = path.rfind("/")
    if i < 0:
        return "."
    return path[:i] if i > 0 else "/"


def _size(path):
    try:
        return os.stat(path)[6]
    except OSError:
        return -1


def _makedirs(path):
    if path in ("", "/", ".") or _size(path) >= 0:
        return
    _makedirs(_parent(path))
    os.mkdir(path)


def _write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def _hex(raw):
    return "".join("%02x" % x for x in raw)


class SessionLog:
    def __init__(self, root="/sessions", min_free=8192, id_path=None, statvfs=None):
        """statvfs: stand-in for os.statvfs (tests); id_path: default beside root."""
        self.root = root.rstrip("/") or "/"
        self.min_free = min_free
        self._statvfs = statvfs or os.statvfs
        _makedirs(self.root)
        self.device_id = self._load_id(id_path or _join(_parent(self.root), _ID_NAME))
        self._buf = bytearray(R.RECORD_MAX)  # the record being appended
        self._buf2 = bytearray(R.RECORD_MAX)  # records the store adds itself (FAULT, END)
        self._views = self._make_views(self._buf)
        self._views2 = self._make_views(self._buf2)
        self._chunk = bytearray(_CHUNK)
        self._chunk_mv = memoryview(self._chunk)
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
        self._next = self._load_next()
        self._recover()

    # ----- setup

    @staticmethod
    def _make_views(buf):
        mv = memoryview(buf)
        views = [None, None]
        for rtype in range(R.SET_START, R.SESSION_END + 1):
            views.append(mv[: R.record_size(rtype)])
        return views

    def _load_id(self, path):
        try:
            with open(path, "rb") as f:
                text = f.read(64).decode().strip()
            R.device_id_bytes(text)
            return text
        except (OSError, ValueError, UnicodeError):
            pass
        text = _hex(os.urandom(8))
        _write_atomic(path, text.encode())
        return text

    def _path(self, sid, ext):
        return _join(self.root, str(sid) + ext)

    def _files(self):
        """[(sid, ext)] of the session files in root, oldest first."""
        out = []
        for name in os.listdir(self.root):
            dot = name.find(".")
            if dot > 0 and name[:dot].isdigit() and name[dot:] in _EXTS:
                out.append((int(name[:dot]), name[dot:]))
        out.sort()
        return out

    def _find(self, sid):
        for ext in (_DONE, _KEPT, _OPEN):
            if _size(self._path(sid, ext)) >= 0:
                return ext
        return None

    def _load_next(self):
        n = 1
        try:
            with open(_join(self.root, "next"), "rb") as f:
                n = int(f.read(16).decode())
        except (OSError, ValueError, UnicodeError):
            pass
        for sid, _ in self._files():
            if sid >= n:
                n = sid + 1
        return n

    # ----- recovery after a power cut

    def _recover(self):
        files = self._files()
        have = {}
        for sid, ext in files:
            have.setdefault(sid, []).append(ext)
        for sid, exts in have.items():
            if _TMP in exts:  # an interrupted repair: redo it from "<sid>.open", or drop it
                _remove(self._path(sid, _TMP))
            if _OPEN in exts:
                if _DONE in exts or _KEPT in exts:  # the repair's rename happened
                    _remove(self._path(sid, _OPEN))
                else:
                    self._repair(sid)

    def _scan(self, f, size):
        """(valid end, torn, last t_ms, ended) of an open session file, streamed."""
        buf = self._buf
        mv = memoryview(buf)
        f.seek(0)
        n = f.readinto(mv[: R.HEADER_LEN])
        try:
            R.check_header(mv[:n])
        except ValueError:
            return 0, n < R.HEADER_LEN, 0, False
        off = R.HEADER_LEN
        last_t = 0
        ended = False
        while off < size:
            f.seek(off)
            n = f.readinto(buf)
            total = R.record_at(mv, 0, n)
            if total < 0:
                torn = off + n == size and R.valid_prefix(mv[:n], 0)[1] < 0
                return off, torn, last_t, ended
            rtype = buf[2]
            t = -1
            if rtype in (R.SET_START, R.REP, R.SET_END):
                t = struct.unpack_from("<I", buf, 4)[0]
            elif rtype in (R.SESSION_START, R.GAP, R.CLOCK, R.SESSION_END):
                t = struct.unpack_from("<I", buf, 3)[0]
            if t > last_t:
                last_t = t
            ended = rtype == R.SESSION_END
            off += total
        return off, False, last_t, ended

    def _repair(self, sid):
        path = self._path(sid, _OPEN)
        size = _size(path)
        with open(path, "rb") as f:
            end, torn, last_t, ended = self._scan(f, size)
        if end == 0:
            if torn:  # the header itself was cut: begin() never returned, nothing to keep
                _remove(path)
            else:  # not a session log we can read: keep the bytes for the host to judge
                os.rename(path, self._path(sid, _DONE))
            return
        n_end = 0
        if not ended:
            n_end = R.encode_into(self._buf2, R.SESSION_END, last_t, R.END_POWER_LOST)
        try:
            if end == size:  # clean tail: close it in place
                if n_end:
                    with open(path, "ab") as f:
                        f.write(self._views2[R.SESSION_END])
                os.rename(path, self._path(sid, _DONE))
                return
            if not torn:  # damage before the end: keep it as it is; the host reports it
                os.rename(path, self._path(sid, _DONE))
                return
            tmp = self._path(sid, _TMP)
            with open(path, "rb") as src, open(tmp, "wb") as dst:
                left = end
                while left > 0:
                    n = src.readinto(self._chunk_mv[: min(left, _CHUNK)])
                    if not n:
                        raise OSError(_ENOENT)
                    dst.write(self._chunk_mv[:n])
                    left -= n
                if n_end:
                    dst.write(self._views2[R.SESSION_END])
            os.rename(tmp, self._path(sid, _DONE))
            os.remove(path)
        except OSError:
            # No room to repair: close it as it is (a torn tail is dropped by every reader).
            _remove(self._path(sid, _TMP))
            if _size(path) >= 0:
                os.rename(path, self._path(sid, _DONE))

    # ----- writing

    def begin(self, uptime_ms, epoch_s, board, foot, fw_version, config_digest):
        """Start a session (ending one still active) and return its number."""
        if self.active is not None:
            self.end(uptime_ms)
        head = bytearray(R.HEADER_LEN + R.RECORD_MAX)
        sid = self._next
        n = R.encode_header(head, 0, self.device_id, sid)
        n += R.encode_start(head, n, uptime_ms, epoch_s, board, foot, fw_version, config_digest)
        self._next = sid + 1
        try:
            _write_atomic(_join(self.root, "next"), str(self._next).encode())
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
        path = self._path(self.active, _OPEN)
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
            if self._f is not None:
                self._write_failed(e)
            self._budget = -1
            return False

    def _make_room_io(self, n):
        reserve = n + R.RECORD_MAX  # the record, and a FAULT store_full or a SESSION_END
        if self._head is not None:
            reserve += len(self._head)
        free = self.free_bytes()
        while free - reserve < self.min_free:
            victim = None
            for sid, ext in self._files():
                if ext == _KEPT:
                    victim = sid
                    break
            if victim is None:
                self.full = True
                return False
            self._drop_reader(victim)
            os.remove(self._path(victim, _KEPT))
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
            os.rename(self._path(sid, _OPEN), self._path(sid, _DONE))
        except OSError:
            pass  # no file (nothing could be written), or a failing flash: repaired at next open

    # ----- reading and housekeeping

    def sessions(self):
        """[(sid, size_bytes, closed, synced)], oldest first, the active session too."""
        out = []
        for sid, ext in self._files():
            if ext != _TMP:
                size = _size(self._path(sid, ext))
                out.append((sid, size, ext != _OPEN, ext == _KEPT))
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
            ext = self._find(sid)
            if ext is None:
                raise OSError(_ENOENT)
            r = open(self._path(sid, ext), "rb")
            self._r = r
            self._rsid = sid
            self._rgen = self._gen
        r.seek(offset)
        return r.readinto(buf) or 0

    def sha256(self, sid):
        """sha256 digest (32 bytes) of the whole session file."""
        ext = self._find(sid)
        if ext is None:
            raise OSError(_ENOENT)
        h = hashlib.sha256()
        with open(self._path(sid, ext), "rb") as f:
            while True:
                n = f.readinto(self._chunk)
                if not n:
                    break
                h.update(self._chunk if n == _CHUNK else self._chunk_mv[:n])
        return h.digest()

    def _closed_match(self, sid, sha256):
        if sid == self.active:
            return None
        ext = self._find(sid)
        if ext is None or ext == _OPEN:
            return None
        digest = self.sha256(sid)
        if isinstance(sha256, str):
            digest = _hex(digest)
        else:
            sha256 = bytes(sha256)
        return ext if digest == sha256 else None

    def mark_synced(self, sid, sha256):
        """The host holds this closed session (hash checked) but keeps it here: it becomes
        the first to go when space is short. Returns False if the hash or state is wrong."""
        ext = self._closed_match(sid, sha256)
        if ext is None:
            return False
        if ext == _DONE:
            self._drop_reader(sid)
            os.rename(self._path(sid, _DONE), self._path(sid, _KEPT))
        self._recheck = True
        return True

    def delete(self, sid, sha256):
        """Delete a closed session whose sha256 matches; False (nothing done) otherwise."""
        ext = self._closed_match(sid, sha256)
        if ext is None:
            return False
        self._drop_reader(sid)
        os.remove(self._path(sid, ext))
        self._recheck = True
        self._budget = -1
        return True

    def free_bytes(self):
        st = self._statvfs(self.root)
        return st[1] * st[4]

    def close(self):
        """Release the file handles (the active session stays open for a later SessionLog)."""
        self._drop_reader(None)
        if self._f is not None:
            self._f.close()
            self._f = None
