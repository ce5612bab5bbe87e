"""The session directory on the board's filesystem: file names, session numbers, the device
id, and the repair of a session that a power cut left open. SessionLog (heel.store) builds on it.

    d = SessionDir("/sessions")     # creates it; d.device_id; d.files() -> [(sid, ext)]
    d.recover()                     # every "<sid>.open" becomes a closed "<sid>.hts"

Files in root: "<sid>.open" (being written), "<sid>.hts" (closed), "<sid>.kept" (closed, the host
holds a copy), "<sid>.sha" (the sha256 of a closed session, 32 bytes, written once when it
closes: LIST and the delete check read it instead of hashing the session again), "next" (the next
session number), and during a repair "<sid>.tmp". The device id
lives beside root ("/heeltrack_id" for root "/sessions"): a new id means the flash was
reformatted.

Repair: littlefs commits a file at flush(), so after a cut a session file holds exactly the
records whose append returned. Other filesystems may leave a torn last record: then the valid
prefix is copied to "<sid>.tmp", SESSION_END "power lost" added, "<sid>.tmp" renamed (atomic)
to "<sid>.hts" and "<sid>.open" removed. Each step is safe to cut and redo. Damage before the
end (not a torn tail) is left as it is for the host's decoder to report with its offset.
"""

import os
import struct

from heel import records as R
from heel.compat import const

OPEN = ".open"
DONE = ".hts"
KEPT = ".kept"
TMP = ".tmp"
DIGEST = ".sha"  # beside a closed session: its sha256 (not a session file: not in _EXTS)
_EXTS = (OPEN, DONE, KEPT, TMP)
ENOENT = const(2)
_CHUNK = const(512)
_ID_NAME = "heeltrack_id"


def join(a, b):
    return a + b if a.endswith("/") else a + "/" + b


def parent(path):
    i = path.rfind("/")
    if i < 0:
        return "."
    return path[:i] if i > 0 else "/"


def file_size(path):
    try:
        return os.stat(path)[6]
    except OSError:
        return -1


def makedirs(path):
    if path in ("", "/", ".") or file_size(path) >= 0:
        return
    makedirs(parent(path))
    os.mkdir(path)


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def hexstr(raw):
    return "".join("%02x" % x for x in raw)


class SessionDir:
    def __init__(self, root, id_path=None):
        self.root = root.rstrip("/") or "/"
        makedirs(self.root)
        self.id_path = id_path or join(parent(self.root), _ID_NAME)
        self.device_id = self._load_id(self.id_path)
        self._buf = bytearray(R.RECORD_MAX)
        self._chunk = bytearray(_CHUNK)
        self._chunk_mv = memoryview(self._chunk)

    @staticmethod
    def record_views(buf):
        """[None, None, view of a whole record of type 2, ...]: fixed-size records in buf."""
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
        text = hexstr(os.urandom(8))
        write_atomic(path, text.encode())
        return text

    def path(self, sid, ext):
        return join(self.root, str(sid) + ext)

    def files(self):
        """[(sid, ext)] of the session files in root, oldest first."""
        return [(sid, ext) for sid, ext, _size in self.files_sized()]

    def files_sized(self):
        """[(sid, ext, size)] of the session files in root, oldest first: one walk of the
        directory (os.ilistdir gives the sizes; a stat per file costs ~10 ms on a Pico)."""
        out = []
        ilistdir = getattr(os, "ilistdir", None)
        entries = ilistdir(self.root) if ilistdir is not None else os.listdir(self.root)
        for e in entries:
            name = e if isinstance(e, str) else e[0]
            dot = name.find(".")
            if dot > 0 and name[:dot].isdigit() and name[dot:] in _EXTS:
                if isinstance(e, str) or len(e) < 4:
                    size = file_size(join(self.root, name))
                else:
                    size = e[3]
                out.append((int(name[:dot]), name[dot:], size))
        out.sort()
        return out

    def load_digest(self, sid):
        """The kept sha256 of closed session sid (32 bytes), or None (none, or torn)."""
        try:
            with open(self.path(sid, DIGEST), "rb") as f:
                digest = f.read(33)
        except OSError:
            return None
        return digest if len(digest) == 32 else None

    def save_digest(self, sid, digest):
        """Keep the sha256 of closed session sid (a torn write is a wrong size: ignored)."""
        try:
            with open(self.path(sid, DIGEST), "wb") as f:
                f.write(digest)
        except OSError:
            remove(self.path(sid, DIGEST))  # a failing flash: hashed again when asked

    def find(self, sid):
        for ext in (DONE, KEPT, OPEN):
            if file_size(self.path(sid, ext)) >= 0:
                return ext
        return None

    def load_next(self):
        n = 1
        try:
            with open(join(self.root, "next"), "rb") as f:
                n = int(f.read(16).decode())
        except (OSError, ValueError, UnicodeError):
            pass
        for sid, _ in self.files():
            if sid >= n:
                n = sid + 1
        return n

    def recover(self):
        files = self.files()
        have = {}
        for sid, ext in files:
            have.setdefault(sid, []).append(ext)
        for sid, exts in have.items():
            if TMP in exts:  # an interrupted repair: redo it from "<sid>.open", or drop it
                remove(self.path(sid, TMP))
            if OPEN in exts:
                if DONE in exts or KEPT in exts:  # the repair's rename happened
                    remove(self.path(sid, OPEN))
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
        path = self.path(sid, OPEN)
        size = file_size(path)
        with open(path, "rb") as f:
            end, torn, last_t, ended = self._scan(f, size)
        if end == 0 and torn:  # the header itself was cut: begin() never returned
            remove(path)
            return
        end_rec = None
        if not ended:
            n = R.encode_into(self._buf, R.SESSION_END, last_t, R.END_POWER_LOST)
            end_rec = bytes(self._buf[:n])
        try:
            if end == size:  # clean tail: close it in place
                if end_rec:
                    with open(path, "ab") as f:
                        f.write(end_rec)
                os.rename(path, self.path(sid, DONE))
                return
            if not torn:  # damage, or not a log at all: kept as it is for the host to report
                os.rename(path, self.path(sid, DONE))
                return
            tmp = self.path(sid, TMP)
            with open(path, "rb") as src, open(tmp, "wb") as dst:
                left = end
                while left > 0:
                    n = src.readinto(self._chunk_mv[: min(left, _CHUNK)])
                    if not n:
                        raise OSError(ENOENT)
                    dst.write(self._chunk_mv[:n])
                    left -= n
                if end_rec:
                    dst.write(end_rec)
            os.rename(tmp, self.path(sid, DONE))
            os.remove(path)
        except OSError:
            # No room to repair: close it as it is (a torn tail is dropped by every reader).
            remove(self.path(sid, TMP))
            try:
                os.rename(path, self.path(sid, DONE))
            except OSError:
                pass  # a failing flash: tried again at the next open
