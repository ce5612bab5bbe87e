"""The MicroPython scripts (tests/mp, benchmarks/mp, heeltrack/unixport) are files both
runtimes import: CPython imports each one here with the path the unix port gets (its own
directory, then tests/mp and tests/); the unix port runs them in the tests that use them."""

from __future__ import annotations

import importlib
import io
import sys
from pathlib import Path

import pytest

from heeltrack.analysis import encode_calls, run_cpython, run_micropython
from heeltrack.unixport import SCRIPTS, engine_stream
from tests.mp import MP_DIR, TESTS

BENCH_MP = TESTS.parent / "benchmarks" / "mp"
FILES = [
    p for d in (MP_DIR, BENCH_MP, SCRIPTS) for p in sorted(d.glob("*.py")) if p.stem != "__init__"
]


def test_there_are_scripts_in_each_place() -> None:
    for d in (MP_DIR, BENCH_MP, SCRIPTS):
        assert any(p.parent == d for p in FILES), d


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_cpython_imports_the_script(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # as in the port: its own directory, then tests/mp and tests/ (benchmarks use ramflash)
    for d in (TESTS, MP_DIR, path.parent):
        monkeypatch.syspath_prepend(str(d))
    before = set(sys.modules)
    try:
        module = importlib.import_module(path.stem)
        assert Path(module.__file__ or "").resolve() == path
    finally:  # forget the top-level names the scripts are imported under here (only those)
        roots = (str(TESTS), str(BENCH_MP), str(SCRIPTS))
        for name in set(sys.modules) - before:
            where = getattr(sys.modules[name], "__file__", None) or ""
            if "." not in name and where.startswith(roots):
                del sys.modules[name]


def test_the_engine_runner_gives_the_same_events_in_both_runtimes(micropython_bin: str) -> None:
    from tests.test_engine_micropython import _session_calls

    calls = _session_calls()
    out = io.StringIO()
    engine_stream.main(io.BytesIO(encode_calls(calls)), out)
    in_cpython = [tuple(int(x) for x in line.split()) for line in out.getvalue().splitlines()]
    assert len(in_cpython) >= 9
    assert in_cpython == run_micropython(calls) == run_cpython(calls)
