"""Library errors are worded without command-line flags; the CLI adds the flag of the command at
hand (cli.flag_hint), so a script calling the library and a user of the CLI both read sense."""

from __future__ import annotations

import argparse
import ast
import importlib
import re
from pathlib import Path

import pytest

import heeltrack
from heeltrack.cli import flag_hint, main
from heeltrack.db import Database
from heeltrack.errors import UserError
from heeltrack.flash import BoardInfo, guess_board
from heeltrack.transport_serial import SerialTransport

HOST = Path(heeltrack.__file__).parent
FLAG = re.compile(r"(?<![\w-])--[a-z]")


def is_cli(path: Path) -> bool:
    name = path.stem
    return path.parent == HOST and (name in ("cli", "cli_args") or name.startswith("cmd_"))


def flags_in_prose(source: str) -> list[str]:
    """Non-docstring string literals that read as prose (they hold a space) and name a flag.
    A lone token such as "--firmware" is an argument handed to another program, not prose."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and " " in node.value
        and FLAG.search(node.value)
    ]


def test_the_guard_finds_a_flag_in_an_error_text() -> None:
    source = (
        '"""Usage: tool --db FILE (a docstring may name flags)."""\n'
        "def f(x):\n"
        '    hint = "pass another " "--db"\n'
        '    args = ["--firmware", x]\n'
        '    raise ValueError(f"{x}: no such file; give --fs IMAGE")\n'
    )
    assert flags_in_prose(source) == ["pass another --db", ": no such file; give --fs IMAGE"]


def test_no_library_module_words_its_texts_in_cli_flags() -> None:
    library = [p for p in sorted(HOST.rglob("*.py")) if not is_cli(p)]
    assert len(library) > 30  # the walk found the package
    found = {
        str(p.relative_to(HOST)): hits for p in library if (hits := flags_in_prose(p.read_text()))
    }
    assert found == {}


def test_library_errors_name_what_they_are_about_not_a_flag(tmp_path: Path) -> None:
    with pytest.raises(UserError) as db_error:
        Database(tmp_path)  # a directory
    with pytest.raises(UserError) as port_error:
        SerialTransport("/dev/null")  # exists, but is no serial port
    with pytest.raises(UserError) as board_error:
        guess_board(BoardInfo((1, 24, 0), 0, "ESP32 module", "esp32"))
    for error, option in ((db_error, "db"), (port_error, "port"), (board_error, "board")):
        assert error.value.option == option
        assert not FLAG.search(str(error.value)), str(error.value)


def command_parser(name: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    importlib.import_module(f"heeltrack.cmd_{name}").add_arguments(parser)
    return parser


def test_the_hint_is_the_flag_of_the_command_at_hand() -> None:
    assert flag_hint(command_parser("sessions"), "db") == " (--db FILE)"
    assert flag_hint(command_parser("sync"), "port") == " (--port PORT)"
    assert flag_hint(command_parser("flash"), "board") == " (--board NAME)"
    assert flag_hint(command_parser("virtual"), "fs") == " (--fs IMAGE)"
    assert flag_hint(command_parser("virtual"), "firmware") == " (--firmware UF2)"
    # demo keeps its database under --out: no --db to point at
    assert flag_hint(command_parser("demo"), "db") == ""
    assert flag_hint(command_parser("sessions"), None) == ""


def test_the_cli_line_ends_with_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sessions", "--db", str(tmp_path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("heeltrack sessions: error: the database path ")
    assert lines[0].endswith("is a directory; name a file instead (--db FILE)")
