"""`heeltrack export --format csv|json`: one row per rep, documented columns."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from heeltrack.cli import main
from heeltrack.cmd_export import __doc__ as export_doc
from heeltrack.progress import EXPORT_COLUMNS
from tests.test_report_fixtures import make_db

COLUMNS = [c for c, _ in EXPORT_COLUMNS]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "h.sqlite3")


def test_every_column_is_documented_in_the_command_help() -> None:
    assert COLUMNS == [
        "session", "device", "set", "exercise", "time", "t_s", "hold_s", "direction", "foot",
        "approximate",
    ]  # fmt: skip
    for name in COLUMNS:
        assert f"\n    {name} " in (export_doc or "")


def test_csv_has_one_row_per_rep(db: Path, tmp_path: Path) -> None:
    # --out is a directory, as for report and demo: DIR/heeltrack-reps.csv
    assert main(["export", "--db", str(db), "--format", "csv", "--out", str(tmp_path / "x")]) == 0
    with open(tmp_path / "x" / "heeltrack-reps.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        rows = list(reader)
    assert len(rows) == 91 + 26 + 91 + 10
    first = rows[0]
    assert first["session"] == "1" and first["set"] == "1" and first["exercise"] == "heel_raise"
    assert first["time"] == "2026-11-16T18:00:01Z" and first["hold_s"] == "3.2"
    assert first["foot"] == "left" and first["approximate"] == "0" and first["direction"] == ""
    circles = [r for r in rows if r["exercise"] == "ankle_circle" and r["session"] == "2"]
    assert {r["direction"] for r in circles} == {"cw"} and circles[0]["hold_s"] == ""
    undated = [r for r in rows if r["session"] == "4"]
    assert len(undated) == 10 and all(r["time"] == "" for r in undated)


def test_json_to_stdout_matches_csv(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--db", str(db), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 218 and list(rows[0]) == COLUMNS
    assert rows[0]["hold_s"] == 3.2 and rows[0]["time"] == "2026-11-16T18:00:01Z"
    assert rows[-1]["session"] == 4 and rows[-1]["time"] is None
    assert main(["export", "--db", str(db), "--format", "json", "--since", "2026-11-19"]) == 0
    assert {r["session"] for r in json.loads(capsys.readouterr().out)} == {3}


def test_bad_out_is_one_line_and_leaves_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["export", "--db", str(db), "--out", str(tmp_path / "notes.txt")]) == 2
    err = capsys.readouterr().err
    assert "is a file" in err and len(err.strip().splitlines()) == 1
    assert main(["export", "--db", str(db), "--out", str(tmp_path / "notes.txt" / "x")]) == 2
    assert "cannot create the directory" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
