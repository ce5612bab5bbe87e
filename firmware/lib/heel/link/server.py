"""Device side of the serial link: answers the host's requests over the REPL's USB serial port.

In the app (heel.app), from a task, next to counting and logging::

    server = LinkServer(device, stream_in=sys.stdin.buffer, stream_out=sys.stdout.buffer)
    while True:
        server.poll()            # non-blocking: handles the bytes there, sends some READ data
        await asyncio.sleep_ms(0 if server.busy else 5 if server.active else 50)

At the REPL the host starts it through the raw REPL: ``from heel.link.server import serve; serve()``
(a ReplDevice: the session log, /board.json, a clock kept in software), and serve() returns on BYE
or after `idle_ms` without a request.

The `device` interface LinkServer uses (the app implements it; ReplDevice is the REPL's one):

    device.log                  heel.store.SessionLog: device_id, sessions() -> [(sid, size,
                                closed, synced)], read_into(sid, offset, buf) -> n,
                                sha256(sid) -> 32 bytes, mark_synced(sid, sha),
                                delete(sid, sha) -> bool, free_bytes(), active
    device.info() -> dict       device_id, fw, board, foot, uptime_ms, epoch_s, free
    device.set_clock(epoch_s)
    device.get_config() -> dict
    device.set_config(changes) -> dict      ValueError(message) on an invalid value
    device.subscribe(cb) / device.unsubscribe(cb)
                                cb(kind, exercise, t_ms, value) with heel.motion.events codes

Requests and replies (frames: heel.link.frame). A READ (sid, offset, length) is answered with as
many frames of up to `max_read` data bytes as it spans, `frames_per_poll` per poll() so the app
keeps running; each is read from flash straight into the reply buffer, CRC'd over a memoryview
and written with one write. Requests arrive hex-armoured and are read a byte at a time while
select.poll says there is one (a stdin read blocks until it has all it asked for; the board must
not hang on a half-sent request), which costs little because one READ asks for many frames.

From a HELLO until BYE (or `idle_ms` without requests) Ctrl-C is off (micropython.kbd_intr(-1)),
so a damaged byte cannot interrupt the app; afterwards it is back on, so mpremote can break in.
"""

import json
import select
import struct
import sys
from binascii import hexlify
from hashlib import sha256

from heel.compat import board_clock, const, kbd_intr, ticks_diff, ticks_ms
from heel.link import frame as F

MAX_READ = const(8192)  # data bytes per reply frame
_MAX_READS = const(8)  # READ requests queued at once
# bytes LIST may hash for one reply (sessions of older firmware, or repaired, have no kept
# digest): ~50 ms on a Pico's M0+ (sha256 ~1 MB/s), well inside the host's 1 s per try
_LIST_HASH_BYTES = const(49152)
_FRAME_IDLE_MS = const(1000)  # a request that stops mid-way is dropped after this
_IDLE_MS = const(5000)  # the binary session (Ctrl-C off) ends after this without a request


class LinkServer:
    """Answers link requests for `device`; call poll() often. See the module docstring."""

    def __init__(
        self,
        device,
        stream_in=None,
        stream_out=None,
        max_read=MAX_READ,
        idle_ms=_IDLE_MS,
        frames_per_poll=2,
    ):
        self.device = device
        self.log = device.log
        self._in = stream_in if stream_in is not None else sys.stdin.buffer
        self._out = stream_out if stream_out is not None else sys.stdout.buffer
        self.max_read = max_read
        self.idle_ms = idle_ms
        self.frames_per_poll = frames_per_poll
        self.reader = F.RequestReader()
        self._b1 = bytearray(1)  # requests are read a byte at a time (see poll)
        self.writer = F.ResponseWriter(self._out, 8 + max_read)
        self._data = self.writer.payload[8 : 8 + max_read]  # READ data lands here
        self._reads = []  # READs being answered, oldest first: [sid, offset, end, seq]
        self._events = F.ResponseWriter(self._out, 10)
        self._poller = select.poll()
        self._poller.register(self._in, select.POLLIN)
        self._ipoll = getattr(self._poller, "ipoll", None)
        self._event_cb = self._on_event  # bound once: subscribing allocates nothing later
        self.active = False  # in a binary session (Ctrl-C off)
        self.live = False
        self.done = False  # input closed (EOF): nothing more will come
        self.bye = False  # the host said BYE (serve() returns; the app just keeps polling)
        self.requests = 0
        self.frames = 0
        self._last_rx = ticks_ms()
        self._last_req = self._last_rx

    @property
    def busy(self):
        """READ data still to send: call poll() again soon."""
        return len(self._reads) > 0

    # -- input ------------------------------------------------------------------------------
    def _readable(self, timeout=0):
        if self._ipoll is not None:
            for _ in self._ipoll(timeout):
                return True
            return False
        return bool(self._poller.poll(timeout))

    def wait(self, ms):
        """Block up to `ms` for input (for loops that have nothing else to do)."""
        return self._readable(ms)

    def poll(self, max_requests=4):
        """Handle the bytes available now (at most `max_requests` requests) and send up to
        `frames_per_poll` frames of pending READ data; returns the requests handled.

        Requests are read one byte at a time while select.poll says one is there: a stdin read
        blocks until it has all it asked for, and the board must never block on a half-sent
        request. Requests are small and rare (one READ asks for many frames of data)."""
        rd = self.reader
        b1 = self._b1
        handled = 0
        now = ticks_ms()
        while handled < max_requests and self._readable():
            n = self._in.readinto(b1)
            if not n:
                self.done = True  # input closed
                self._end_session()
                break
            rd.buf[rd.n] = b1[0]
            self._last_rx = now
            ready = rd.got(1)
            while ready:
                req = rd.decode()
                if req is not None:
                    handled += 1
                    self._handle(req[0], req[1], req[2])
                ready = rd.resume()
        if self._reads:
            self._pump(self.frames_per_poll)
        if rd.n and ticks_diff(now, self._last_rx) > _FRAME_IDLE_MS:
            rd.reset()
        if self.active and ticks_diff(now, self._last_req) > self.idle_ms:
            self._end_session()
        return handled

    # -- session ----------------------------------------------------------------------------
    def _begin_session(self):
        if not self.active:
            kbd_intr(-1)
            self.active = True

    def _end_session(self):
        if self.live:
            self.device.unsubscribe(self._event_cb)
            self.live = False
        if self.active:
            kbd_intr(3)
            self.active = False

    def idle_for(self):
        return ticks_diff(ticks_ms(), self._last_req)

    def _on_event(self, kind, exercise, t_ms, value):
        w = self._events
        struct.pack_into(F.EVENT, w.buf, F.HEADER, kind, exercise, t_ms, value)
        w.send(F.T_EVENT, 0, 10)

    # -- requests ---------------------------------------------------------------------------
    def _handle(self, ftype, seq, p):
        self.requests += 1
        self._last_req = ticks_ms()
        w = self.writer
        self._begin_session()
        try:
            if ftype == F.T_READ:
                self._read(seq, p)
            elif ftype == F.T_HELLO:
                info = self.device.info()
                info["proto"] = F.PROTOCOL
                info["max_read"] = self.max_read
                self._json(ftype, seq, info)
            elif ftype == F.T_LIST:
                self._list(seq, p)
            elif ftype == F.T_HASH:
                self._hash(seq, p)
            elif ftype == F.T_DELETE or ftype == F.T_MARK:
                self._confirm(ftype, seq, p)
            elif ftype == F.T_CLOCK:
                (epoch,) = struct.unpack_from("<I", p, 0)
                self.device.set_clock(epoch)
                self._json(ftype, seq, self.device.info())
            elif ftype == F.T_GET_CONFIG:
                self._json(ftype, seq, self.device.get_config())
            elif ftype == F.T_SET_CONFIG:
                try:
                    changes = json.loads(bytes(p))
                except ValueError:
                    w.error(seq, F.E_BAD_REQUEST, "configuration is not JSON")
                    return
                if not isinstance(changes, dict):
                    w.error(seq, F.E_BAD_REQUEST, "configuration must be a JSON object")
                    return
                self._json(ftype, seq, self.device.set_config(changes))
            elif ftype == F.T_LIVE:
                on = len(p) > 0 and p[0] != 0
                if on and not self.live:
                    self.device.subscribe(self._event_cb)
                elif self.live and not on:
                    self.device.unsubscribe(self._event_cb)
                self.live = on
                w.send(ftype | F.REPLY, seq, 0)
            elif ftype == F.T_BYE:
                w.send(ftype | F.REPLY, seq, 0)
                self._end_session()
                self.bye = True
            else:
                w.error(seq, F.E_UNKNOWN_TYPE, "unknown request type %d" % ftype)
        except ValueError as e:
            w.error(seq, F.E_VALUE, str(e))
        except Exception as e:  # the board keeps running whatever a request does
            w.error(seq, F.E_INTERNAL, "%s: %s" % (type(e).__name__, e))

    def _json(self, ftype, seq, obj):
        self.writer.send_bytes(ftype | F.REPLY, seq, json.dumps(obj).encode())

    def _known(self, sid):
        for s in self.log.sessions():
            if s[0] == sid:
                return s
        return None

    def _read(self, seq, p):
        if len(p) < 12:
            self.writer.error(seq, F.E_BAD_REQUEST, "READ needs sid, offset, length")
            return
        if len(self._reads) >= _MAX_READS:
            self.writer.error(seq, F.E_BAD_REQUEST, "too many READs in flight")
            return
        sid, offset, length = struct.unpack_from(F.READ_REQ, p, 0)
        self._reads.append([sid, offset, offset + length, seq])
        self._pump(1)

    def _pump(self, frames):
        """Send up to `frames` READ reply frames: data read from flash straight into the reply
        buffer, one write per frame. A frame shorter than asked means the end of the file."""
        w = self.writer
        reads = self._reads
        while frames > 0 and reads:
            r = reads[0]
            sid = r[0]
            off = r[1]
            k = r[2] - off
            if k >= self.max_read:
                k = self.max_read
                buf = self._data
            else:
                buf = self._data[:k]
            try:
                n = self.log.read_into(sid, off, buf)
            except Exception as e:
                reads.pop(0)
                if self._known(sid) is None:
                    w.error(r[3], F.E_NO_SESSION, "no session %d" % sid)
                else:
                    w.error(r[3], F.E_INTERNAL, "read failed: %s" % e)
                continue
            struct.pack_into(F.READ_REPLY, w.buf, F.HEADER, sid, off)
            w.send(F.T_READ | F.REPLY, r[3], 8 + n)
            self.frames += 1
            frames -= 1
            if n < k or off + n >= r[2]:
                reads.pop(0)
            else:
                r[1] = off + n

    def _hash(self, seq, p):
        sid, offset, length = struct.unpack_from(F.HASH_REQ, p, 0)
        s = self._known(sid)
        w = self.writer
        if s is None:
            w.error(seq, F.E_NO_SESSION, "no session %d" % sid)
            return
        size = s[1]
        if offset > size:
            w.error(seq, F.E_RANGE, "offset %d beyond the session's %d bytes" % (offset, size))
            return
        if length == F.ALL or offset + length > size:
            length = size - offset
        if offset == 0 and length == size and s[2]:
            digest = self.log.sha256(sid)
        else:
            h = sha256()
            pos = offset
            end = offset + length
            buf = self._data
            while pos < end:
                k = end - pos
                n = self.log.read_into(sid, pos, buf if k >= len(buf) else buf[:k])
                if n <= 0:
                    break
                h.update(buf[:n])
                pos += n
            length = pos - offset
            digest = h.digest()
        struct.pack_into(F.HASH_REPLY, w.buf, F.HEADER, sid, offset, length)
        w.payload[12:44] = digest
        w.send(F.T_HASH | F.REPLY, seq, 44)

    def _confirm(self, ftype, seq, p):
        w = self.writer
        if len(p) < 36:
            w.error(seq, F.E_BAD_REQUEST, "needs sid and sha256")
            return
        (sid,) = struct.unpack_from(F.SID_SHA, p, 0)
        sha = bytes(p[4:36])
        s = self._known(sid)
        if s is None:
            w.error(seq, F.E_NO_SESSION, "no session %d" % sid)
            return
        if not s[2] or self.log.active == sid:
            w.error(seq, F.E_OPEN, "session %d is still being recorded" % sid)
            return
        # the store checks the hash itself (and refuses an open session)
        if ftype == F.T_DELETE:
            ok = self.log.delete(sid, sha)
        else:
            ok = self.log.mark_synced(sid, sha)
        if not ok:
            w.error(seq, F.E_HASH, "session %d has a different sha256; nothing done" % sid)
            return
        w.send(ftype | F.REPLY, seq, 0)

    def _list(self, seq, p):
        start = struct.unpack_from("<H", p, 0)[0] if len(p) >= 2 else 0
        sessions = self.log.sessions()
        out = []
        used = 64
        i = start
        budget = _LIST_HASH_BYTES  # sessions closed without a kept digest: hashed here
        kept = getattr(self.log, "load_digest", None)
        while i < len(sessions):
            sid, size, closed, synced = sessions[i]
            sha = None
            if closed and self.log.active != sid:
                digest = kept(sid) if kept is not None else None
                if digest is None:  # hashed now (and kept)
                    if out and size > budget:
                        break  # the host asks for the next page: each reply stays prompt
                    budget -= size
                    digest = self.log.sha256(sid)
                sha = hexlify(digest).decode()
            out.append([sid, size, sha, bool(closed), bool(synced)])
            used += 100
            i += 1
            if used + 100 > self.writer.max_payload:
                break
        reply = {"total": len(sessions), "start": start, "sessions": out}
        self._json(F.T_LIST, seq, reply)


class ReplDevice:
    """The device for the REPL case: the session log, board info from /board.json, the
    configuration file (/config.json, heel.config: changes apply when the app next starts), a
    clock kept in software. No live events: those need the app."""

    def __init__(self, log=None, board_path="/board.json", config_path="/config.json"):
        if log is None:
            from heel.store import SessionLog

            log = SessionLog(root="/sessions")
        self.log = log
        self.config_path = config_path
        self.board = {}
        try:
            with open(board_path) as f:
                self.board = json.load(f)
        except (OSError, ValueError):
            pass
        self._epoch = 0
        self._ticks = ticks_ms()
        self._uptime, self._ms_per_s = board_clock()
        self.boot = log.note_boot(self._uptime())  # the power-up this REPL runs in

    def epoch_s(self):
        if self._epoch:
            return self._epoch + ticks_diff(ticks_ms(), self._ticks) // 1000
        import time

        now = int(time.time())
        return now if now > 1600000000 else 0

    def info(self):
        from heel import VERSION

        try:
            foot = self.get_config().get("foot", "")
        except ValueError:  # a broken /config.json: the host can still sync
            foot = ""
        return {
            "device_id": self.log.device_id,
            "fw": VERSION,
            "board": self.board.get("name", ""),
            "foot": foot or self.board.get("foot", ""),
            "uptime_ms": self._uptime(),
            "boot": self.boot,
            "ms_per_s": self._ms_per_s,
            "epoch_s": self.epoch_s(),
            "free": self.log.free_bytes(),
            "mode": "repl",
        }

    def set_clock(self, epoch_s):
        self._epoch = epoch_s
        self._ticks = ticks_ms()
        self.log.note_boot(self._uptime())  # the host dates this power-up from now on

    def get_config(self):
        from heel import config

        return config.load(self.config_path)

    def set_config(self, changes):
        from heel import config

        cfg = config.merge(config.load(self.config_path), changes)  # ValueError: bad value
        config.save(cfg, self.config_path)
        return cfg

    def subscribe(self, cb):
        raise ValueError("live events need the HeelTrack app running, not the REPL")

    def unsubscribe(self, cb):
        pass


def serve(device=None, stream_in=None, stream_out=None, idle_ms=20000):
    """Run the link until the host says BYE or nothing arrives for `idle_ms`; Ctrl-C restored."""
    if device is None:
        device = ReplDevice()
    server = LinkServer(device, stream_in, stream_out, idle_ms=min(idle_ms, _IDLE_MS))
    try:
        while not (server.done or server.bye):
            if not server.poll(16) and not server.busy:
                if server.idle_for() > idle_ms:
                    break
                server.wait(50)
    finally:
        server._end_session()
    return server.requests
