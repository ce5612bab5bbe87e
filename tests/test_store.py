"""SessionLog (heel.store) in CPython on a temp dir: records, numbering, reading, deleting,
repair of sessions a power cut left open, and the space policy (fake statvfs)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from heel import records as R
from heel.motion import events as E
from heel.store import SessionLog


def open_log(tmp_path: Path, **kw: object) -> SessionLog:
    return SessionLog(str(tmp_path / "sessions"), min_free=0, **kw)


def begin(log: SessionLog, t: int = 1000) -> int:
    return log.begin(t, 0, "virtual", "left", "0.1.0", b"\x01\x02\x03\x04")


def file_of(log: SessionLog, sid: int) -> Path:
    for ext in (".open", ".hts", ".kept"):
        p = Path(log.root) / f"{sid}{ext}"
        if p.exists():
            return p
    raise AssertionError(f"no file for session {sid}")


def decode(log: SessionLog, sid: int) -> list[tuple[int, dict]]:
    header, recs = R.decode_session(file_of(log, sid).read_bytes())
    assert header["session"] == sid and header["device_id"] == log.device_id
    return recs


def read_all(log: SessionLog, sid: int, chunk: int = 7) -> bytes:
    buf = bytearray(chunk)
    out = bytearray()
    while n := log.read_into(sid, len(out), memoryview(buf)):
        out += buf[:n]
    return bytes(out)


def test_session_round_trip(tmp_path: Path) -> None:
    log = open_log(tmp_path)
    assert len(log.device_id) == 16 and int(log.device_id, 16) >= 0
    sid = begin(log)
    assert log.active == sid
    assert log.append_set_start(E.ANKLE_CIRCLE, 2000, E.DIR_CW)
    assert log.append_rep(E.ANKLE_CIRCLE, 2500, 0, 1)
    assert log.append_set_end(E.ANKLE_CIRCLE, 3000, 1)
    assert log.append_gap(3100, 12)
    assert log.append_clock(3200, 1_767_225_600)
    assert log.append_fault(R.FAULT_I2C, 3)
    log.end(4000, R.END_IDLE)
    assert log.active is None
    recs = decode(log, sid)
    assert [R.NAMES[t] for t, _ in recs] == [
        "session_start",
        "set_start",
        "rep",
        "set_end",
        "gap",
        "clock",
        "fault",
        "session_end",
    ]
    assert recs[0][1]["board"] == "virtual" and recs[0][1]["config_digest"] == "01020304"
    assert recs[2][1] == {"exercise": E.ANKLE_CIRCLE, "t_ms": 2500, "hold_ms": 0, "set_no": 1}
    assert recs[-1][1] == {"t_ms": 4000, "reason": R.END_IDLE}
    size = file_of(log, sid).stat().st_size
    assert log.sessions() == [(sid, size, True, False)]
    assert log.append_rep(0, 1, 2, 3) is False  # no active session


def test_read_and_hash_follow_the_active_session(tmp_path: Path) -> None:
    log = open_log(tmp_path)
    sid = begin(log)
    first = read_all(log, sid)
    assert first == file_of(log, sid).read_bytes()
    assert log.sessions() == [(sid, len(first), False, False)]
    log.append_rep(0, 1500, 400, 1)  # the reader must see what was flushed since
    second = read_all(log, sid)
    assert len(second) == len(first) + R.record_size(R.REP)
    assert log.sha256(sid) == hashlib.sha256(second).digest()
    assert log.read_into(sid, 10**6, bytearray(8)) == 0
    with pytest.raises(OSError):
        log.read_into(999, 0, bytearray(8))


def test_numbers_survive_reopen_and_deletes(tmp_path: Path) -> None:
    log = open_log(tmp_path)
    sids = []
    for _ in range(3):
        sids.append(begin(log))
        log.end(2000)
    assert sids == [1, 2, 3]
    for sid in sids:
        assert log.delete(sid, log.sha256(sid))
    log.close()
    log = open_log(tmp_path)
    assert log.sessions() == []
    assert begin(log) == 4
    log.end(2000)
    os.remove(Path(log.root) / "next")  # even without the counter file, numbers only grow
    log = open_log(tmp_path)
    assert begin(log) == 5


def test_device_id_persists_and_changes_on_reformat(tmp_path: Path) -> None:
    first = open_log(tmp_path).device_id
    assert open_log(tmp_path).device_id == first
    assert (tmp_path / "heeltrack_id").read_text() == first
    (tmp_path / "heeltrack_id").unlink()  # what a reformat does
    assert open_log(tmp_path).device_id != first


def test_delete_and_mark_synced_need_the_hash_and_a_closed_session(tmp_path: Path) -> None:
    log = open_log(tmp_path)
    old = begin(log)
    log.end(1500)
    active = begin(log, 3000)
    assert not log.delete(active, log.sha256(active))  # active
    assert not log.mark_synced(active, log.sha256(active))
    assert not log.delete(old, b"\x00" * 32)  # wrong hash
    assert not log.delete(42, b"\x00" * 32)  # unknown
    digest = log.sha256(old)
    assert log.mark_synced(old, digest.hex())  # hex text works too
    assert log.sessions()[0][2:] == (True, True)
    assert log.sha256(old) == digest
    assert log.delete(old, digest)
    assert [s[0] for s in log.sessions()] == [active]


def leave_open(tmp_path: Path, n_reps: int) -> tuple[int, bytes]:
    """A session as a power cut leaves it: open, not ended. Returns (sid, file bytes)."""
    log = open_log(tmp_path)
    sid = begin(log)
    log.append_set_start(0, 1500, 0)
    for i in range(n_reps):
        log.append_rep(0, 2000 + 100 * i, 300, 1)
    log.close()
    return sid, file_of(log, sid).read_bytes()


def test_open_session_is_closed_as_power_lost(tmp_path: Path) -> None:
    sid, data = leave_open(tmp_path, 3)
    log = open_log(tmp_path)
    assert log.sessions() == [(sid, len(data) + R.record_size(R.SESSION_END), True, False)]
    recs = decode(log, sid)
    assert recs[-1] == (R.SESSION_END, {"t_ms": 2200, "reason": R.END_POWER_LOST})
    assert file_of(log, sid).read_bytes().startswith(data)
    assert begin(log) == sid + 1


def test_torn_tail_is_cut_at_every_byte(tmp_path: Path) -> None:
    sid, data = leave_open(tmp_path / "model", 2)
    _, whole = R.decode_session(data)
    rec = bytearray(R.RECORD_MAX)
    n = R.encode_into(rec, R.REP, 0, 9000, 300, 1)
    for k in range(1, n):
        for filler in (b"", b"\xff"):
            root = tmp_path / f"cut{k}{len(filler)}"
            (root / "sessions").mkdir(parents=True)
            (root / "heeltrack_id").write_bytes((tmp_path / "model" / "heeltrack_id").read_bytes())
            torn = data + bytes(rec[:k]) + filler * (n - k)
            (root / "sessions" / f"{sid}.open").write_bytes(torn)
            log = open_log(root)
            recs = decode(log, sid)  # decodes cleanly: the torn record is gone, not just skipped
            assert recs[:-1] == whole and recs[-1][1]["reason"] == R.END_POWER_LOST
            assert sorted(p.name for p in (root / "sessions").iterdir()) == [f"{sid}.hts"]


def test_interrupted_repairs_finish(tmp_path: Path) -> None:
    sid, data = leave_open(tmp_path, 2)
    sessions = tmp_path / "sessions"
    # cut while copying to the temp file: the copy is redone
    (sessions / f"{sid}.open").write_bytes(data + b"\x0c\x00\x03")
    (sessions / f"{sid}.tmp").write_bytes(data[:30])
    log = open_log(tmp_path)
    assert decode(log, sid)[-1][1]["reason"] == R.END_POWER_LOST
    assert sorted(p.name for p in sessions.iterdir() if p.name != "next") == [f"{sid}.hts"]
    # cut after the rename, before the .open was removed: the renamed copy wins
    done = (sessions / f"{sid}.hts").read_bytes()
    (sessions / f"{sid}.open").write_bytes(data + b"\x0c")
    open_log(tmp_path)
    assert sorted(p.name for p in sessions.iterdir() if p.name != "next") == [f"{sid}.hts"]
    assert (sessions / f"{sid}.hts").read_bytes() == done
    # a header torn by the cut: begin() never returned, the file goes, its number stays used
    (sessions / f"{sid + 1}.open").write_bytes(data[:10])
    log = open_log(tmp_path)
    assert [s[0] for s in log.sessions()] == [sid]
    assert begin(log) == sid + 2


def test_corruption_inside_an_open_session_is_kept_not_misread(tmp_path: Path) -> None:
    sid, data = leave_open(tmp_path, 30)
    bad = bytearray(data)
    bad[len(data) // 2] ^= 0xFF
    (tmp_path / "sessions" / f"{sid}.open").write_bytes(bytes(bad))
    log = open_log(tmp_path)  # does not crash
    assert log.sessions() == [(sid, len(bad), True, False)]
    with pytest.raises(ValueError, match=r"offset \d+: corrupt record"):
        decode(log, sid)
    assert begin(log) == sid + 1 and log.append_rep(0, 1, 2, 3)


def test_open_file_that_is_not_a_log_is_kept(tmp_path: Path) -> None:
    sid, data = leave_open(tmp_path, 3)
    (tmp_path / "sessions" / f"{sid}.open").write_bytes(b"JUNK" + data[4:])
    log = open_log(tmp_path)
    assert log.sessions() == [(sid, len(data), True, False)]
    with pytest.raises(ValueError, match="offset 0: not a HeelTrack"):
        decode(log, sid)


class FakeDisk:
    """statvfs of a disk of `capacity` bytes holding the files under root."""

    def __init__(self, root: Path, capacity: int) -> None:
        self.root = root
        self.capacity = capacity
        self.calls = 0

    def __call__(self, path: str) -> tuple[int, ...]:
        self.calls += 1
        used = sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
        free = max(0, self.capacity - used)
        return (1, 1, self.capacity, free, free, 0, 0, 0, 0, 255)


def test_space_policy(tmp_path: Path) -> None:
    disk = FakeDisk(tmp_path, capacity=10**6)
    log = SessionLog(str(tmp_path / "sessions"), min_free=1000, statvfs=disk)
    old = []
    for _ in range(3):  # three closed sessions of ~1.2 kB each
        old.append(begin(log))
        for k in range(60):
            assert log.append_rep(0, 2000 + k, 300, 1)
        log.end(9000)
    assert log.mark_synced(old[0], log.sha256(old[0]))
    assert log.mark_synced(old[2], log.sha256(old[2]))
    calls = disk.calls
    sid = begin(log)
    for k in range(50):
        assert log.append_rep(0, 2000 + k, 300, 1)
    assert disk.calls - calls <= 2, "statvfs on every append"
    log.end(9000)
    assert [s[0] for s in log.sessions()] == old + [sid]

    used = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    disk.capacity = used + 1000 + 1500  # room for ~1.5 kB more above min_free
    sid = begin(log)
    ok = [log.append_rep(0, 5000 + k, 300, 1) for k in range(300)]
    names = [s[0] for s in log.sessions()]
    assert old[0] not in names and old[2] not in names, "synced sessions go first"
    assert old[1] in names and sid - 1 in names, "an unsynced session was deleted"
    assert log.full and not all(ok) and ok[0]
    dropped = ok.count(False)
    assert log.append_rep(0, 8000, 300, 1) is False
    assert log.dropped == dropped + 1

    # the host takes session old[1]: space comes back, the drop count is logged
    assert log.delete(old[1], log.sha256(old[1]))
    assert log.append_rep(0, 9999, 300, 2) and not log.full
    log.end(10000)
    recs = decode(log, sid)
    faults = [f for t, f in recs if t == R.FAULT]
    assert faults == [{"code": R.FAULT_STORE_FULL, "value": dropped + 1}]
    assert recs[-2][1]["t_ms"] == 9999 and recs[-1][0] == R.SESSION_END
    kept = [f for t, f in recs if t == R.REP]
    assert len(kept) == ok.count(True) + 1


def test_full_store_still_ends_and_reports_drops(tmp_path: Path) -> None:
    disk = FakeDisk(tmp_path, capacity=10**6)
    log = SessionLog(str(tmp_path / "sessions"), min_free=1000, statvfs=disk)
    disk.capacity = 1000  # nothing above min_free: even the header has to wait
    sid = begin(log)
    assert log.full and log.sessions() == []
    assert not log.append_rep(0, 2000, 300, 1)
    log.end(3000)  # uses the reserve: the session exists, with its drop count
    recs = decode(log, sid)
    assert [t for t, _ in recs] == [R.SESSION_START, R.FAULT, R.SESSION_END]
    assert recs[1][1] == {"code": R.FAULT_STORE_FULL, "value": 1}


def test_power_ups_are_told_apart_and_recorded_in_each_session(tmp_path: Path) -> None:
    from heel import records as R
    from heel.store import SessionLog

    root = str(tmp_path / "sessions")
    log = SessionLog(root=root)
    assert log.note_boot(1_200) == 1  # the app starts, 1.2 s after power-up
    sid = log.begin(60_000, 0, "pico", "left", "0.1.0", "ab")  # a minute later
    log.end(90_000)
    assert log.note_boot(120_000) == 1  # still the same power-up
    log.close()
    # switched off and on: the uptime starts low again
    log = SessionLog(root=root)
    assert log.note_boot(1_300) == 2
    sid2 = log.begin(40_000, 0, "pico", "left", "0.1.0", "ab")
    log.end(41_000)
    log.close()
    boots = []
    for k in (sid, sid2):
        _head, recs = R.decode_session((tmp_path / "sessions" / f"{k}.hts").read_bytes())
        boots.append(recs[0][1]["boot"])
    assert boots == [1, 2]
    # a power-up that began no session and was not synced may look like the next one, but
    # only before anything is labelled with it; after a session began it never does
    log = SessionLog(root=root)
    assert log.note_boot(1_250) == 3
    assert log.note_boot(1_400) == 3


def test_a_closed_session_is_hashed_once_and_its_digest_kept(tmp_path: Path) -> None:
    log = open_log(tmp_path)
    sid = begin(log)
    assert log.append_rep(E.HEEL_RAISE, 2000, 1500, 1)
    log.end(3000)
    data = file_of(log, sid).read_bytes()
    kept = Path(log.root) / f"{sid}.sha"
    assert kept.read_bytes() == hashlib.sha256(data).digest()  # written when it closed
    assert sid in [s for s, _ in log.files()] and len(log.files()) == 1  # not a session file
    # LIST, HASH and the delete check use the kept digest, never hashing the file again: a
    # session damaged on flash after it closed no longer matches what the host reads
    damaged = bytearray(data)
    damaged[-1] ^= 0xFF
    file_of(log, sid).write_bytes(bytes(damaged))
    assert log.sha256(sid) == hashlib.sha256(data).digest()
    assert not log.delete(sid, hashlib.sha256(bytes(damaged)).digest())
    file_of(log, sid).write_bytes(data)
    assert log.mark_synced(sid, hashlib.sha256(data).digest())
    assert log.delete(sid, hashlib.sha256(data).digest())
    assert not kept.exists() and not list(Path(log.root).glob(f"{sid}.*"))


def test_a_repaired_session_gets_its_digest_when_first_asked(tmp_path: Path) -> None:
    log = open_log(tmp_path)
    sid = begin(log)
    assert log.append_rep(E.HEEL_RAISE, 2000, 1500, 1)
    log.close()  # the power goes: the session stays open
    log = open_log(tmp_path)  # repaired: closed as "power lost"
    kept = Path(log.root) / f"{sid}.sha"
    assert not kept.exists()
    digest = hashlib.sha256(file_of(log, sid).read_bytes()).digest()
    assert log.sha256(sid) == digest and kept.read_bytes() == digest
    kept.write_bytes(digest[:5])  # a torn digest is not trusted: hashed again
    assert log.sha256(sid) == digest and kept.read_bytes() == digest
