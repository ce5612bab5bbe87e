"""The sampler's viper conversion (FIFO bytes -> foot frame in engine units -> sink) gives
the struct reference's numbers in the unix port (viper) and in CPython (the same function
as plain Python), for random bytes and for every int16 value; tests/mp/convert_checks.py
holds the checks."""

from __future__ import annotations

import contextlib
import io
import sys

import pytest

from tests.mp import MP_DIR, run_mp


def _cpython(function: str, *args: object) -> str:
    """convert_checks.function(*args) here in CPython: what it prints."""
    sys.path.insert(0, str(MP_DIR))
    try:
        import convert_checks

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            getattr(convert_checks, function)(*args)
    finally:
        sys.path.remove(str(MP_DIR))
    return buf.getvalue().strip()


@pytest.mark.parametrize("seed", [1, 7, 2024])
def test_viper_and_cpython_match_the_struct_reference(seed: int, micropython_bin: str) -> None:
    port = run_mp("convert_checks", "run", seed).stdout.decode().strip()
    assert port.startswith("convert ok 135 ")
    assert port == _cpython("run", seed)


def test_every_int16_value_in_every_field(micropython_bin: str) -> None:
    assert run_mp("convert_checks", "exhaustive").stdout.decode().strip() == "exhaustive ok 10923"
    assert _cpython("exhaustive") == "exhaustive ok 10923"
