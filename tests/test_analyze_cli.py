"""`heeltrack analyze`: bad input gets one clear line and exit 2; good input the contract JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from heeltrack.cli import main

HEADER = "t_s,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps"
STILL = "0.0,0,0,1,0,0,0\n0.01,0,0,1,0,0,0\n0.02,0,0,1,0,0,0\n"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "trace.csv"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b,c\n1,2,3\n", "wrong header"),
        (f"{HEADER}\n0.0,0,0,1,0,0,0\n0.01,0,zero,1,0,0,0\n", "line 3: not a number: 'zero'"),
        (f"{HEADER}\n0.0,0,0,1,0,0,0\n0.01,0,nan,1,0,0,0\n", "line 3: NaN"),
        (f"{HEADER}\n0.0,0,0,1,0,0,0\n0.02,0,0,1,0,0,0\n0.01,0,0,1,0,0,0\n", "time goes backwards"),
        (f"{HEADER}\n", "fewer than 2 samples"),
        ("", "no header line"),
        (f"{HEADER}\n0.0,0,0,1,0,0\n", "expected 7"),
        (f"# foot: middle\n{HEADER}\n{STILL}", "must be left or right"),
        # physically impossible: accepted silently before
        (f"{HEADER}\n{STILL}0.03,99999,0,1,0,0,0\n", "line 5: acceleration 99999 g is beyond"),
        (f"{HEADER}\n0.0,0,0,1000,0,0,0\n0.01,0,0,1000,0,0,0\n", "not mg"),
        (f"{HEADER}\n{STILL}0.03,0,0,1,0,0,90000\n", "angular rate 90000 deg/s is beyond"),
        (f"{HEADER}\n{STILL}1e9,0,0,1,0,0,0\n", "line 5: time jumps by"),
    ],
)
def test_bad_trace_is_one_line_exit_2(tmp_path: Path, capsys, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    assert main(["analyze", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert str(path) in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_missing_file_from_the_shell(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "heeltrack.cli", "analyze", str(tmp_path / "nope.csv")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "no such file" in proc.stderr and "Traceback" not in proc.stderr


def test_still_trace_gives_empty_json(tmp_path: Path, capsys) -> None:
    rows = "".join(f"{i / 100:.2f},0.01,-0.02,0.99,0.5,-0.3,0.2\n" for i in range(3000))
    path = write(tmp_path, f"# foot: left\n# rate_hz: 100\n{HEADER}\n{rows}")
    assert main(["analyze", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"sets": []}
