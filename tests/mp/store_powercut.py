"""SessionLog on littlefs over a RAM flash that loses power (tests/test_store_powercut.py).

    import store_powercut; store_powercut.linear("silent")      # in the unix port

Each function prints what the test checks; a broken invariant raises AssertionError.
"""

import hashlib
import os

from ramflash import RamFlash

from heel import records as R
from heel.store import SessionLog


def mount(dev):
    import vfs

    try:
        vfs.umount("/flash")
    except OSError:
        pass
    vfs.mount(vfs.VfsLfs2(dev), "/flash")


def new_flash(blocks):
    import vfs

    dev = RamFlash(blocks)
    vfs.VfsLfs2.mkfs(dev)
    mount(dev)
    return dev


def read_session(log, sid):
    buf = bytearray(64)
    out = bytearray()
    while True:
        n = log.read_into(sid, len(out), buf)
        if not n:
            return bytes(out)
        out.extend(buf[:n])


# ---- power cut after write 1, 2, 3, ... of a whole session ("linear") ---------------------
EVENTS = [(R.SET_START, (0, 1500, 0))]
for _i in range(24):
    EVENTS.append((R.REP, (0, 2000 + 700 * _i, 400 + _i, 1 + _i // 12)))
    if _i == 11:
        EVENTS.append((R.SET_END, (0, 10000, 12)))
        EVENTS.append((R.GAP, (10100, 3)))
        EVENTS.append((R.CLOCK, (10200, 1767225600)))
        EVENTS.append((R.FAULT, (R.FAULT_I2C, 2)))
        EVENTS.append((R.SET_START, (3, 11000, 1)))
EVENTS.append((R.SET_END, (3, 19000, 12)))
FIELDS = {
    R.SET_START: ("exercise", "t_ms", "direction"),
    R.REP: ("exercise", "t_ms", "hold_ms", "set_no"),
    R.SET_END: ("exercise", "t_ms", "count"),
    R.GAP: ("t_ms", "missing"),
    R.CLOCK: ("uptime_ms", "epoch_s"),
    R.FAULT: ("code", "value"),
}


def append(log, rtype, v):
    if rtype == R.SET_START:
        return log.append_set_start(*v)
    if rtype == R.REP:
        return log.append_rep(*v)
    if rtype == R.SET_END:
        return log.append_set_end(*v)
    if rtype == R.GAP:
        return log.append_gap(*v)
    if rtype == R.CLOCK:
        return log.append_clock(*v)
    return log.append_fault(*v)


def as_dict(rtype, v):
    d = {}
    for k, x in zip(FIELDS[rtype], v):
        d[k] = x
    return d


def check(dev, begun, sid, acked, ended, prior):
    # power back on: a fresh device holding what the flash holds, remounted
    dev2 = RamFlash(data=dev.data)
    mount(dev2)
    log = SessionLog("/flash/sessions", min_free=1024)
    sess = log.sessions()
    assert all(s[2] for s in sess), sess
    for old_sid, old_hash in prior:
        assert log.sha256(old_sid) == old_hash, "an older session changed"
    mine = [s for s in sess if s[0] == sid]
    if begun:
        assert mine, "begin() returned but the session is gone"
    if mine:
        header, recs = R.decode_session(read_session(log, sid))
        assert header["session"] == sid and header["device_id"] == log.device_id
        assert recs[0][0] == R.SESSION_START and recs[0][1]["board"] == "ram"
        assert recs[-1][0] == R.SESSION_END, recs[-1]
        body = recs[1:-1]
        assert len(body) >= acked, (len(body), acked)
        assert len(body) <= len(EVENTS)
        for (rtype, fields), (etype, v) in zip(body, EVENTS):
            assert rtype == etype and fields == as_dict(etype, v), (rtype, fields, v)
        reason = recs[-1][1]["reason"]
        assert reason == R.END_IDLE if ended else reason in (R.END_IDLE, R.END_POWER_LOST)
        if reason == R.END_POWER_LOST:
            times = [f.get("t_ms", f.get("uptime_ms", 0)) for _, f in recs[:-1]]
            assert recs[-1][1]["t_ms"] == max(times), (recs[-1], times)
    nxt = log.begin(50000, 0, "ram", "left", "1", "x")
    assert nxt > sid if (begun or mine) else nxt >= sid, (nxt, sid)
    assert log.append_rep(0, 50100, 1, 1)
    log.end(50200)
    assert R.decode_session(read_session(log, nxt))[1][1][0] == R.REP
    return log


def one_cut(snapshot, prior, n, mode):
    dev = RamFlash(data=snapshot)
    mount(dev)
    log = SessionLog("/flash/sessions", min_free=1024)
    dev.cut_at = dev.ops + n
    dev.mode = mode
    sid = log.begin(1000, 0, "ram", "right", "0.1.0", "cafe")
    begun = not dev.cut
    acked = 0
    for i, (rtype, v) in enumerate(EVENTS):
        ok = append(log, rtype, v)
        if ok and not dev.cut:
            acked = i + 1
    log.end(20000, R.END_IDLE)
    ended = not dev.cut
    check(dev, begun, sid, acked, ended, prior)
    return dev.cut


def cuts(mode):
    """A session written with power lost after write n, for n = 1, 2, ... until a whole
    session fits: how many cuts were tried."""
    dev = new_flash(64)
    log = SessionLog("/flash/sessions", min_free=1024)
    sid = log.begin(10, 0, "ram", "left", "0.1.0", "cafe")  # an older, closed session
    log.append_rep(0, 20, 30, 1)
    log.end(40)
    prior = [(sid, log.sha256(sid))]
    log.close()
    snapshot = bytes(dev.data)
    n = 1
    while one_cut(snapshot, prior, n, mode):
        n += 1
    return n - 1


def linear():
    print(cuts("silent"), cuts("error"))


# ---- power cut while the store repairs an open session -----------------------------------
def repair_cuts(torn):
    # An open session, with a torn last record (what a non-atomic filesystem leaves) or not,
    # repaired with power cuts after write 1, 2, ... of the repair: it always ends complete.
    dev = new_flash(64)
    log = SessionLog("/flash/sessions", min_free=1024)
    sid = log.begin(1000, 0, "ram", "left", "0.1.0", "cafe")
    for i in range(30):
        log.append_rep(0, 2000 + i, 300, 1)
    log.close()
    path = "/flash/sessions/%d.open" % sid
    with open(path, "rb") as f:
        good = f.read()
    if torn:
        with open(path, "ab") as f:
            f.write(b"\x0c\x00\x03\x00\x01")
    snapshot = bytes(dev.data)
    n = 1
    while True:
        dev = RamFlash(data=snapshot)
        mount(dev)
        dev.cut_at = n
        dev.mode = "error" if n % 2 else "silent"
        try:
            SessionLog("/flash/sessions", min_free=1024)
        except OSError:
            pass  # power died under the repair
        cut = dev.cut
        mount(RamFlash(data=dev.data))
        log = SessionLog("/flash/sessions", min_free=1024)
        assert [s[0] for s in log.sessions()] == [sid]
        data = read_session(log, sid)
        assert data.startswith(good), n
        recs = R.decode_session(data)[1]
        assert len(recs) == 32 and recs[-1][1]["reason"] == R.END_POWER_LOST
        assert R.valid_prefix(data, R.HEADER_LEN) == (len(data), -1), "torn bytes left"
        assert sorted(os.listdir("/flash/sessions")) == ["%d.hts" % sid, "next"]
        if not cut:
            return n
        n += 1


def repair():
    print(repair_cuts(True), repair_cuts(False))


# ---- a filesystem that fills up ----------------------------------------------------------
def fill():
    # 24 blocks of 512 bytes: littlefs keeps some for itself; sessions fill the rest
    new_flash(24)
    log = SessionLog("/flash/sessions", min_free=1024)
    done = []
    while True:
        sid = log.begin(1000, 0, "ram", "left", "0.1.0", "cafe")
        ok = True
        k = 0
        while ok and k < 80:
            ok = log.append_rep(0, 2000 + k, 300, 1)
            k += 1
        log.end(9000)
        done.append(sid)
        if not ok:
            break
    assert log.full
    before = log.sessions()
    assert [s[0] for s in before] == done, (before, done)  # nothing unsynced was deleted
    # while full: appends fail quietly, nothing is deleted
    sid = log.begin(10000, 0, "ram", "left", "0.1.0", "cafe")
    results = [log.append_rep(0, 11000 + k, 300, 1) for k in range(40)]
    assert not any(results[-5:]) and log.full
    log.end(12000)
    assert [s[0] for s in log.sessions()][: len(done)] == done
    # the host keeps the two oldest (synced): the next session may reuse their space
    for old in done[:2]:
        assert log.mark_synced(old, log.sha256(old))
    sid2 = log.begin(20000, 0, "ram", "left", "0.1.0", "cafe")
    k = 0
    while log.append_rep(0, 21000 + k, 300, 1):
        k += 1
    log.end(30000)
    names = [s[0] for s in log.sessions()]
    assert done[0] not in names and done[2:] == names[: len(done) - 2], names
    recs = R.decode_session(read_session(log, sid2))[1]
    assert recs[-1][0] == R.SESSION_END
    # filesystem errors instead of the budget (min_free 0): still no exception, no damage
    log = SessionLog("/flash/sessions", min_free=0)
    log.begin(40000, 0, "ram", "left", "0.1.0", "cafe")
    n = 0
    for k in range(400):
        n += log.append_rep(0, 41000 + k, 300, 1)
    log.end(42000)
    assert n < 400
    for s in log.sessions():
        R.decode_session(read_session(log, s[0]))  # every file decodes
    print(len(done), k, n)


# ---- allocation on the hot path ----------------------------------------------------------
def _hot(log, k):
    i = 0
    ok = True
    while i < k:
        ok = log.append_rep(0, 2000 + i, 300, 1) and ok
        i += 1
    return ok


def _measure(log):
    import gc

    import micropython

    _hot(log, 20)
    gc.collect()
    a = gc.mem_alloc()
    ok = _hot(log, 200)
    d = gc.mem_alloc() - a
    micropython.heap_lock()
    try:
        locked = _hot(log, 20)
    except MemoryError:
        locked = False
    micropython.heap_unlock()
    return d, ok, locked


def _reads(log, sid, buf):
    off = 0
    n = 1
    while n:
        n = log.read_into(sid, off, buf)
        off += n
    return off


def _measure_reads(log, sid):
    import gc

    buf = bytearray(100)
    mv = memoryview(buf)
    _reads(log, sid, mv)
    gc.collect()
    a = gc.mem_alloc()
    total = _reads(log, sid, mv)
    return gc.mem_alloc() - a, total > 3000


def alloc(tmpdir):
    """append_rep on littlefs and on the port's own filesystem (under `tmpdir`), and reading
    a whole session: heap moved, appends ok, appends under heap_lock ok."""
    new_flash(128)
    log = SessionLog("/flash/sessions", min_free=1024)
    sid = log.begin(1000, 0, "ram", "left", "0.1.0", "cafe")
    print("lfs", *_measure(log))
    log.end(50000)
    print("read", *_measure_reads(log, sid))
    log = SessionLog(tmpdir + "/sessions", min_free=1024)  # the unix port's own filesystem
    log.begin(1000, 0, "ram", "left", "0.1.0", "cafe")
    print("posix", *_measure(log))
    log.end(50000)


# ---- reading the session being written ---------------------------------------------------
def active():
    new_flash(64)
    log = SessionLog("/flash/sessions", min_free=1024)
    sid = log.begin(1000, 0, "ram", "left", "0.1.0", "cafe")
    sizes = []
    for k in range(3):
        data = read_session(log, sid)  # a littlefs reader is a snapshot: the store reopens it
        sizes.append(len(data))
        assert log.sha256(sid) == hashlib.sha256(data).digest()
        log.append_rep(0, 2000 + k, 300, 1)
        log.append_rep(0, 2100 + k, 300, 1)
    log.end(5000)
    sizes.append(len(read_session(log, sid)))
    print(*sizes)
