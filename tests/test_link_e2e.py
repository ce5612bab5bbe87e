"""Link server + host client + `heeltrack sync` end to end, against the real firmware: the unix
port on a pseudo-terminal used through pyserial exactly like a board's port (tests.support.
pty_board) where the serial port, the REPL or Ctrl-C matter, else the firmware's code in this
process on the in-memory transport (tests.support.memory_board)."""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from heel.link import frame as F
from heel.motion import events as E
from heeltrack.cli import main
from heeltrack.cmd_sync import _describe
from heeltrack.db import Database
from heeltrack.link import DeviceError, Event, LinkClient, connect, open_link
from heeltrack.sync import sync_device
from heeltrack.transport_serial import SerialTransport
from tests.support.imu import calf_raise_sets
from tests.support.memory_board import MemoryBoard
from tests.support.pty_board import Board
from tests.support.sessions import make_session, sha

SPEED = 10.0  # the IMU data plays this much faster than real time
LONG_IDLE = {"idle_timeout_s": 3600}  # the session stays open while a test runs


@pytest.fixture
def boards(tmp_path: Path, micropython_bin: str) -> Iterator[list[Board]]:
    made: list[Board] = []
    yield made
    for b in made:
        b.close()


def new_board(boards: list[Board], tmp: Path, **kw: object) -> Board:
    b = Board(tmp / f"b{len(boards)}", **kw)  # type: ignore[arg-type]
    boards.append(b)
    return b


def counting_board(boards: list[Board], tmp: Path, **kw: object) -> Board:
    """A board whose app is counting calf raises: a session is open on it."""
    b = new_board(
        boards, tmp, mode="app", imu=calf_raise_sets(), speed=SPEED, config=LONG_IDLE, **kw
    )
    b.wait_for_open_session()
    return b


@pytest.fixture
def memory_boards(tmp_path: Path) -> Iterator[list[MemoryBoard]]:
    made: list[MemoryBoard] = []
    yield made
    for b in made:
        b.close()


def memory_board(boards: list[MemoryBoard], tmp: Path, **kw: object) -> MemoryBoard:
    b = MemoryBoard(tmp / f"m{len(boards)}", **kw)  # type: ignore[arg-type]
    boards.append(b)
    return b


def stored(db_path: Path) -> dict[int, list[bytes]]:
    con = sqlite3.connect(db_path)
    out: dict[int, list[bytes]] = {}
    for sid, data in con.execute("SELECT sid, data FROM sessions ORDER BY id"):
        out.setdefault(sid, []).append(bytes(data))
    con.close()
    return out


SESSIONS = {
    1: make_session(1, 5),
    2: make_session(2, 2500, clock=(70_000, 1_795_000_000)),  # ~50 KiB: several READs
    3: make_session(3, 20, epoch_s=1_790_000_000),
}


def test_sync_from_the_repl_stores_each_session_once_and_frees_the_board(
    boards: list[Board], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    board = new_board(boards, tmp_path, mode="repl", sessions=SESSIONS)
    db = tmp_path / "h.sqlite3"
    assert main(["sync", "--port", board.port, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "3 new sessions" in out
    assert "date reconstructed from uptime" in out  # sessions 1 and 2 had no clock
    assert stored(db) == {sid: [data] for sid, data in SESSIONS.items()}
    assert board.on_board() == {}
    # a second sync finds nothing new and stores nothing twice
    assert main(["sync", "--port", board.port, "--db", str(db)]) == 0
    assert "0 new sessions" in capsys.readouterr().out
    assert stored(db) == {sid: [data] for sid, data in SESSIONS.items()}
    con = sqlite3.connect(db)
    rows = con.execute("SELECT sid, approximate, started_at FROM sessions ORDER BY sid").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(1, 1), (2, 1), (3, 0)]
    assert rows[2][2] == "2026-09-21T14:13:20Z"
    assert rows[1][2] == "2026-11-18T11:06:30Z"  # from the CLOCK record in the session
    assert con.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == 2525
    # one sync of several sessions numbers them in their order (sessions lists them so)
    assert [r[0] for r in con.execute("SELECT sid FROM sessions ORDER BY id")] == [1, 2, 3]


def test_keep_marks_synced_and_a_later_sync_deletes_without_reading_again(
    boards: list[Board], tmp_path: Path
) -> None:
    board = counting_board(boards, tmp_path, sessions=SESSIONS)
    with Database(tmp_path / "h.sqlite3") as db:
        with connect(board.port) as client:
            rep = sync_device(client, db, port="P", keep=True)
        assert sorted(s.sid for s, _ in rep.new) == [1, 2, 3]
        assert rep.still_open == board.open_sessions()  # the app is recording: that one stays
        left = board.on_board()
        assert sorted(left) == [1, 2, 3, rep.still_open[0]]
        assert all((board.root / "sessions" / f"{sid}.kept").exists() for sid in (1, 2, 3))
        with connect(board.port) as client:
            rep2 = sync_device(client, db, port="P")
        assert rep2.new == [] and rep2.bytes_read == 0
        assert sorted(rep2.confirmed) == [1, 2, 3]
        assert sorted(board.on_board()) == [rep.still_open[0]]
        for sid, data in SESSIONS.items():
            assert db.session_data(board_id(db), sid) == [data]


def test_a_copy_damaged_in_the_database_is_read_again_before_the_board_deletes_it(
    boards: list[Board], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    board = new_board(boards, tmp_path, mode="repl", sessions=SESSIONS)
    db = tmp_path / "h.sqlite3"
    assert main(["sync", "--keep", "--port", board.port, "--db", str(db)]) == 0
    con = sqlite3.connect(db)
    bad = bytearray(SESSIONS[2])
    bad[3000] ^= 0x01  # changed inside the blob; the hash column still says it is session 2
    con.execute("UPDATE sessions SET data=? WHERE sid=2", (bytes(bad),))
    con.commit()
    con.close()
    capsys.readouterr()
    assert main(["sync", "--port", board.port, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "session 2: the copy in the database was damaged; replaced by the board's" in out
    assert stored(db) == {sid: [data] for sid, data in SESSIONS.items()}
    assert board.on_board() == {}


def board_id(db: Database) -> str:
    return str(db.conn.execute("SELECT device_id FROM devices").fetchone()[0])


def test_an_interrupted_transfer_resumes_from_the_offset_held(
    memory_boards: list[MemoryBoard], tmp_path: Path
) -> None:
    big = make_session(7, 5000)  # ~100 KiB
    board = memory_board(memory_boards, tmp_path, mode="app", sessions={7: big})
    with Database(tmp_path / "h.sqlite3") as db:

        def pull_the_cable(done: int, total: int) -> None:
            if done >= 40_000:
                raise ConnectionError("cable pulled")

        with open_link(board.connect()) as client:
            with pytest.raises(ConnectionError):
                sync_device(client, db, port="P", progress=pull_the_cable)
        held = db.partial(board_id(db), 7, len(big), sha(big))
        assert len(held) >= 40_000 and big.startswith(held)
        assert board.on_board() == {7: big}  # nothing confirmed, nothing deleted
        with open_link(board.connect()) as client:
            rep = sync_device(client, db, port="P")
        assert rep.resumed_from == {7: len(held)}
        assert rep.bytes_read == len(big) - len(held)
        assert db.session_data(board_id(db), 7) == [big]
        assert board.on_board() == {}


def test_a_new_device_id_at_the_same_port_is_reported(
    memory_boards: list[MemoryBoard], tmp_path: Path
) -> None:
    a = memory_board(memory_boards, tmp_path, mode="app", sessions={1: SESSIONS[1]})
    with Database(tmp_path / "h.sqlite3") as db:
        with open_link(a.connect()) as client:
            assert sync_device(client, db, port="/dev/ttyACM0").messages == []
        b = memory_board(memory_boards, tmp_path, mode="app", device_id="0123456789abcdef")
        with open_link(b.connect()) as client:
            rep = sync_device(client, db, port="/dev/ttyACM0")
        assert any("reformatted" in m and "0123456789abcdef" in m for m in rep.messages)


def test_sessions_of_earlier_power_ups_are_not_dated_from_this_one(
    memory_boards: list[MemoryBoard], tmp_path: Path
) -> None:
    # found: a board killed and restarted several times had 5 sessions of different power-ups
    # all dated the same instant (each began 20 s after its power-up; the sync dated them all
    # from the uptime of the current one)
    sessions = {k: make_session(k, 3, uptime_ms=20_000, boot=k) for k in range(1, 6)}
    root = tmp_path / f"m{len(memory_boards)}"
    root.mkdir()
    (root / "heeltrack_boot").write_text(f"5 {1 << 30}")  # this is power-up 6
    board = memory_board(memory_boards, tmp_path, mode="repl", sessions=sessions)
    before = time.time()
    with Database(tmp_path / "h.sqlite3") as db:
        with open_link(board.connect()) as client:
            rep = sync_device(client, db, port="P")
        assert len(rep.new) == 5
        rows = db.conn.execute(
            "SELECT started_at, approximate, earliest, latest FROM sessions ORDER BY sid"
        ).fetchall()
    after = time.time()
    for started, approximate, earliest, latest in rows:
        assert started is None and approximate == 1 and earliest is None
        assert latest is not None  # they began before this sync's LIST saw them
        t = datetime.fromisoformat(latest.replace("Z", "+00:00")).timestamp()
        assert before - 1 <= t <= after + 1
    assert all("before " in _describe(e, s) for e, s in rep.new)


def _sigint_caught(pid: int) -> bool:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    raise AssertionError("no SigCgt")


def test_ctrl_c_is_off_during_a_binary_exchange_and_back_after_bye(
    boards: list[Board], tmp_path: Path
) -> None:
    # In the unix port micropython.kbd_intr(-1) uninstalls the SIGINT handler, kbd_intr(3)
    # installs it again: /proc shows which.
    board = new_board(boards, tmp_path, mode="app")
    assert _sigint_caught(board.proc.pid)
    transport = SerialTransport(board.port)
    conn = open_link(transport, repl=False)
    assert not _sigint_caught(board.proc.pid)  # set before the HELLO reply was sent
    conn.close()
    deadline = time.monotonic() + 5
    while not _sigint_caught(board.proc.pid) and time.monotonic() < deadline:
        time.sleep(0.02)  # BYE's reply is sent just before Ctrl-C comes back on
    assert _sigint_caught(board.proc.pid)


def test_device_errors_come_back_as_exceptions(boards: list[Board], tmp_path: Path) -> None:
    board = counting_board(boards, tmp_path, sessions={1: SESSIONS[1]})
    with connect(board.port) as client:
        entries = {s.sid: s for s in client.list_sessions()}
        open_sid = next(s.sid for s in entries.values() if not s.closed)
        assert [open_sid] == board.open_sessions()
        with pytest.raises(DeviceError) as e:
            client.read_session(99, 100)
        assert e.value.code == F.E_NO_SESSION
        with pytest.raises(DeviceError) as e:
            client.confirm_delete(1, b"\x00" * 32)
        assert e.value.code == F.E_HASH
        with pytest.raises(DeviceError) as e:
            client.confirm_delete(open_sid, b"\x00" * 32)
        assert e.value.code == F.E_OPEN
        assert client.hash(1, 24, 100) == sha(SESSIONS[1][24:124])
        got: list[bytes] = []
        client.read_range(1, 180, len(SESSIONS[1]), lambda _off, data: got.append(data))
        assert b"".join(got) == SESSIONS[1][180:]
        assert 1 in board.on_board()


def test_config_and_live_events_while_the_app_counts(boards: list[Board], tmp_path: Path) -> None:
    board = counting_board(boards, tmp_path)
    with connect(board.port) as client:
        assert client.set_config({"foot": "right"})["foot"] == "right"
        assert client.get_config()["foot"] == "right"
        assert '"right"' in (board.root / "config.json").read_text()
        with pytest.raises(DeviceError, match="foot"):
            client.set_config({"foot": "middle"})
        stream = client.live()
        events: list[Event] = []
        infos = 0
        for item in stream:  # the app counts sets of calf raises over and over
            if isinstance(item, Event):
                events.append(item)
            else:
                infos += 1
                assert item["mode"] == "app" and item["session"] == board.open_sessions()[0]
            if len([e for e in events if e.kind == E.EV_REP]) >= 3:
                break
        stream.close()
        reps = [e for e in events if e.kind == E.EV_REP]
        assert all(e.exercise == E.HEEL_RAISE for e in events)
        assert reps[0].t_ms < reps[1].t_ms < reps[2].t_ms  # engine times, one rep after another
        assert infos >= 1
        info = client.set_clock(1_800_000_000)
        assert abs(info["epoch_s"] - 1_800_000_000) <= 1


def test_pipelined_reads_are_byte_identical_for_every_chunk_size(
    memory_boards: list[MemoryBoard], tmp_path: Path
) -> None:
    data = SESSIONS[2]
    board = memory_board(memory_boards, tmp_path, mode="app", sessions={2: data})
    transport = board.connect()
    conn = open_link(transport, repl=False)
    try:
        for chunk, window in ((1, 1), (100, 3), (4096, 8), (8192, 4), (20000, 2)):
            client = LinkClient(transport, window=window, chunk=chunk)
            client._seq = 100
            if chunk == 1:
                assert client.read_session(2, 300) == data[:300]
            else:
                assert client.read_session(2, len(data)) == data
    finally:
        conn.close()


def test_list_spans_several_pages(memory_boards: list[MemoryBoard], tmp_path: Path) -> None:
    many = {sid: make_session(sid, 1) for sid in range(1, 151)}
    board = memory_board(memory_boards, tmp_path, mode="app", sessions=many)
    with open_link(board.connect()) as client:
        entries = client.list_sessions()
    assert [e.sid for e in entries] == list(range(1, 151))
    assert all(e.sha256 == sha(many[e.sid]) and e.size == len(many[e.sid]) for e in entries)


def test_config_at_the_repl_goes_to_the_config_file(boards: list[Board], tmp_path: Path) -> None:
    board = new_board(boards, tmp_path, mode="repl")
    with connect(board.port) as client:
        assert client.info["mode"] == "repl"
        cfg = client.set_config({"foot": "right"})
        assert cfg["foot"] == "right" and client.get_config()["foot"] == "right"
        with pytest.raises(DeviceError, match="foot"):
            client.set_config({"foot": "middle"})
        with pytest.raises(DeviceError, match="live events need the HeelTrack app"):
            next(client.live())
        assert client.hello()["foot"] == "right"
    assert '"right"' in (board.root / "config.json").read_text()


def test_a_session_from_before_a_reboot_is_not_dated_from_todays_uptime(
    memory_boards: list[MemoryBoard], tmp_path: Path
) -> None:
    # session 1 started 500 s after a boot, session 2 10 s after a later boot; neither had a clock
    sessions = {1: make_session(1, 3, uptime_ms=500_000), 2: make_session(2, 3, uptime_ms=10_000)}
    board = memory_board(memory_boards, tmp_path, mode="repl", sessions=sessions)
    with Database(tmp_path / "h.sqlite3") as db:
        with open_link(board.connect()) as client:
            rep = sync_device(client, db, port="P")
        dates = {s.sid: st.dating for s, st in rep.new}
        assert dates[1] is not None and dates[1].start_epoch is None and dates[1].approximate
        assert dates[2] is not None and dates[2].how == "uptime at sync"
        rows = db.conn.execute("SELECT sid, started_at FROM sessions ORDER BY sid").fetchall()
        assert rows[0] == (1, None) and rows[1][1] is not None


def test_list_pages_sessions_without_a_kept_digest_and_keeps_theirs(tmp_path: Path) -> None:
    """Sessions of older firmware (no <sid>.sha): one LIST reply hashes at most ~48 KiB of
    them, so it stays prompt on a Pico; the host pages on; each digest is then kept."""
    written = {sid: make_session(sid, 1500) for sid in range(1, 7)}  # ~20 KiB each
    board = MemoryBoard(tmp_path, mode="repl", sessions=written)
    try:
        with board.connect() as transport:
            client = LinkClient(transport)
            client.hello()
            first = client._json(F.T_LIST, b"\0\0", lambda v: v)
            assert 1 <= len(first["sessions"]) < first["total"] == 6
            entries = client.list_sessions()
            assert {e.sid: e.sha256 for e in entries} == {s: sha(d) for s, d in written.items()}
        kept = {int(p.stem): p.read_bytes() for p in (tmp_path / "sessions").glob("*.sha")}
        assert kept == {s: sha(d) for s, d in written.items()}
    finally:
        board.close()
