"""The host's layers (README, "How it works"): every import points down.

CLI (cli, cli_args, cmd_*) -> library -> transport and database (transport*, link, its limits
and reply checks, db, errors) -> the firmware package (heel), which imports nothing of the host."""

from __future__ import annotations

import ast
from pathlib import Path

import heel
import heeltrack

HOST = Path(heeltrack.__file__).parent
CLI = {"cli", "cli_args"}
LOWER = {
    "transport",
    "transport_serial",
    "transport_memory",
    "link",
    "limits",
    "replies",
    "db",
    "errors",
}


def imports(path: Path) -> set[str]:
    """The heeltrack modules `path` imports (top level or inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found |= {n.split(".")[1] for n in names if n.startswith("heeltrack.")}
    return found


def layer(name: str) -> int:
    if name in CLI or name.startswith("cmd_"):
        return 3
    if name in LOWER:
        return 1
    return 2  # the library


def test_every_import_points_down() -> None:
    wrong = []
    for path in sorted(HOST.glob("*.py")):
        me = path.stem
        for other in imports(path) - {me}:
            if (HOST / f"{other}.py").exists() and layer(other) > layer(me):
                wrong.append(f"{me} imports {other}")
            if layer(me) == 3 and other.startswith("cmd_") and other != me:
                wrong.append(f"{me} imports the command {other}")
    assert wrong == []


def test_the_firmware_package_imports_nothing_of_the_host() -> None:
    for path in Path(heel.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("heeltrack") for a in node.names), path
            elif isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("heeltrack"), path
