"""The tests' own tools do what the tests rely on."""

from __future__ import annotations

import time
from pathlib import Path

from heel import records as R
from heeltrack.link import open_link
from tests.support.faults import FaultPlan
from tests.support.memory_board import MemoryBoard
from tests.support.sessions import DEVICE_ID, make_session


def test_make_session_decodes() -> None:
    data = make_session(3, reps=25)
    header, recs = R.decode_session(data)
    assert header["session"] == 3 and header["device_id"] == DEVICE_ID
    assert sum(1 for t, _ in recs if t == R.REP) == 25
    assert sum(1 for t, _ in recs if t == R.SET_START) == 3


def test_a_fault_plan_cuts_the_line_where_it_says() -> None:
    plan = FaultPlan(1, cut_at=10)
    assert plan.mangle(b"0123456") == b"0123456"
    assert plan.mangle(b"789abcdef") == b"789"
    assert plan.mangle(b"more") == b""
    assert plan.log == ["cut at 10"]


def test_the_memory_board_runs_the_app_and_stops(tmp_path: Path) -> None:
    board = MemoryBoard(tmp_path, mode="app", sessions={1: make_session(1, 3)})
    try:
        with open_link(board.connect(), repl=False) as client:
            assert client.info["mode"] == "app" and client.info["device_id"] == DEVICE_ID
            assert [e.sid for e in client.list_sessions()] == [1]
        app = board.app
        assert app is not None
        deadline = time.monotonic() + 20
        while app.sampler.fed < 50 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert app.sampler.fed >= 50  # it samples the fake chip
    finally:
        board.close()
    assert not board.thread.is_alive()
