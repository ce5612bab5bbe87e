"""`heeltrack live` and `heeltrack record` against the virtual board (the firmware in the unix
port behind a pty, flashed with mpremote): events of a simulated calf-raise set, and a
recording that the engine analyses back to the same set. Fails, never skips, without the
unix port."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from heeltrack.analysis import analyze_file
from heeltrack.cli import main
from heeltrack.demo import _Relay, _rest_trace
from heeltrack.firmware import load_board
from heeltrack.flash import flash
from heeltrack.rawtrace import trace_to_raw
from heeltrack.sim import simulate_set
from heeltrack.transport_serial import SerialTransport
from heeltrack.virtual import VirtualOptions
from tests.mp import run_mp

SPEED = 20.0
LEAD_S = 40.0  # virtual seconds of rest before the set: time to connect


@dataclass
class Board:
    port: str
    truth: dict
    relay: _Relay


def start_board(tmp: Path, seed: int = 5, exercise: str = "heel_raise") -> Board:
    trace, truth = simulate_set(seed, exercise)
    b = load_board("virtual")
    # the board already on the foot, standing still in the set's own pose
    on_foot = trace.acc[:50].mean(axis=0)
    raw = (
        trace_to_raw(_rest_trace(LEAD_S, on_foot), b)
        + trace_to_raw(trace, b)
        + trace_to_raw(_rest_trace(300, on_foot), b)
    )
    (tmp / "imu.raw").write_bytes(raw)
    opts = VirtualOptions(image=tmp / "board.img", raw=tmp / "imu.raw", speed=SPEED, workdir=tmp)
    relay = _Relay(opts)
    port = relay.__enter__()
    try:
        with SerialTransport(port) as transport:
            result = flash(transport, board="virtual", foot="right")
        assert result.started, result.output
    except BaseException:
        relay.__exit__(None, None, None)
        raise
    return Board(port, truth, relay)


@pytest.fixture
def board(tmp_path: Path, micropython_bin: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Board]:
    monkeypatch.setenv("HEELTRACK_RUNTIME_DIR", str(tmp_path / "run"))
    b = start_board(tmp_path)
    yield b
    b.relay.__exit__(None, None, None)


def test_live_shows_the_set_as_the_board_counts_it(
    board: Board, capsys: pytest.CaptureFixture[str]
) -> None:
    count = board.truth["sets"][0]["count"]
    assert main(["live", "--port", board.port, "--seconds", "6"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "set 1: calf raises"
    reps = [line for line in out if line.startswith("calf raises ")]
    assert reps[0].startswith("calf raises 1/10  hold ")
    assert abs(len(reps) - count) <= 1  # the engine's accuracy is tested elsewhere
    assert f"set 1 done: {len(reps)} calf raises" in out


def test_record_streams_samples_that_analyse_to_the_same_set(
    board: Board, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rec.csv"
    assert main(["record", str(out), "--port", board.port, "--seconds", "90"]) == 0
    assert "9000 samples (90.0 s at 100 Hz, right foot)" in capsys.readouterr().out
    lines = out.read_text().splitlines()
    assert lines[:2] == ["# foot: right", "# rate_hz: 100"]
    assert "t_s,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps" in lines
    first = lines[lines.index("t_s,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps") + 1].split(",")
    assert abs(float(first[3]) - 1.0) < 0.1  # resting flat: az about +1 g in the foot frame
    sets = analyze_file(out)["sets"]
    assert [s["exercise"] for s in sets] == ["heel_raise"]
    assert abs(sets[0]["count"] - board.truth["sets"][0]["count"]) <= 1
    # the app runs again afterwards: the link answers from the app, not the REPL
    from heeltrack.link import connect

    with connect(board.port) as client:
        assert client.info["mode"] == "app"


def test_a_vanished_port_is_one_line(
    board: Board, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = board.port
    board.relay.__exit__(None, None, None)
    for argv in (
        ["live", "--port", port, "--seconds", "1"],
        ["record", str(tmp_path / "x.csv"), "--port", port, "--seconds", "1"],
        ["config", "--port", port],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and port in err
    assert not (tmp_path / "x.csv").exists()


def test_record_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", str(tmp_path), "--port", os.devnull]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert main(["record", str(tmp_path / "a.csv"), "--seconds", "0"]) == 2
    assert "--seconds must be in" in capsys.readouterr().err
    assert main(["live", "--seconds", "-1"]) == 2
    assert "--seconds must be > 0" in capsys.readouterr().err


def test_recorder_allocates_nothing_per_block_in_the_unix_port(micropython_bin: str) -> None:
    proc = run_mp("recorder_heap", "run")
    samples, gaps, sent = (int(x) for x in proc.stdout.decode().split())
    assert samples > 250 and gaps == 100
    assert sent > samples * 12


def test_recorder_frames_decode_to_the_samplers_values() -> None:
    import io

    import numpy as np

    from heel.link import frame as F
    from heel.recorder import Recorder
    from heel.sampler import Sampler
    from heeltrack.record import Recording
    from tests import imu_scenarios as sc

    data = sc.rows(400, seed=9)
    axes = ("y", "-x", "z")
    fake, imu = sc.make(data)
    out = io.BytesIO()
    rec = Recorder(imu, sc.board(axes), out, "right")
    rec.start()
    for _ in range(12):
        fake.advance(7)
        rec.block()
    # the same samples through the engine's own conversion
    fake2, imu2 = sc.make(data)
    s = Sampler(imu2, sc.board(axes))
    want = []
    one = [0] * 6
    for _ in range(12):
        fake2.advance(7)
        for i in range(s.read()):
            s.sample(i, one)
            want.append(list(one))
    parser = F.FrameParser()
    parser.feed(b"raw REPL text OK" + out.getvalue())
    got = Recording()
    while (fr := parser.next()) is not None:
        got.add(fr[0], fr[2])
    assert got.foot == "right" and got.rate_hz == 100 and parser.bad == 0
    assert got.samples == len(want) == rec.samples
    t, acc, gyro = got.arrays()
    assert np.allclose(acc * 1000, np.array(want)[:, :3])
    assert np.allclose(gyro * 10, np.array(want)[:, 3:])
    assert np.allclose(np.diff(t), 0.01)


def test_live_state_counts_each_rep_once() -> None:
    from heel.motion import events as E
    from heeltrack.live import LiveState
    from heeltrack.program import Program

    st = LiveState(Program.from_config())
    # joined mid-set: INFO tells the exercise and the reps so far
    st.info({"session": 1, "exercise": E.HEEL_RAISE, "count": 4})
    assert (st.exercise, st.reps) == (E.HEEL_RAISE, 4)
    st.event(E.EV_SET_END, E.HEEL_RAISE, 4)
    assert st.lines[-1] == "set 1 done: 4 calf raises"
    assert st.event(E.EV_SET_START, E.ANKLE_CIRCLE, E.DIR_CCW) == "set 2: ankle circles ccw"
    st.info({"session": 1, "exercise": E.ANKLE_CIRCLE, "count": 1})  # INFO ahead of the event
    assert st.event(E.EV_REP, E.ANKLE_CIRCLE, 0) == "ankle circles 1/8"
    st.event(E.EV_SET_START, E.HEEL_RAISE, 0)
    assert st.event(E.EV_REP, E.HEEL_RAISE, 1200) == "calf raises 1/10  hold 1.20 s (short)"
    assert st.event(E.EV_REP, E.HEEL_RAISE, 3400) == "calf raises 2/10  hold 3.40 s"
    # a hold just short of the target shows as short, to the hundredth
    assert st.event(E.EV_REP, E.HEEL_RAISE, 2970) == "calf raises 3/10  hold 2.97 s (short)"
    assert st.total == 4 and st.last_hold_ms == 2970
