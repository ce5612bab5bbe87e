"""The sampler's viper conversion (FIFO bytes -> foot frame in engine units -> sink) gives
the struct reference's numbers in the unix port (viper) and in CPython (the same function
as plain Python), for random bytes and for every int16 value; the recorder's viper packing
gives struct's bytes. tests/mp/convert_checks.py holds the checks."""

from __future__ import annotations

import contextlib
import io
import sys

import pytest

from tests.mp import PATH, run_mp


def _cpython(function: str, *args: object) -> str:
    """convert_checks.function(*args) here in CPython, on the port's path: what it prints."""
    before = set(sys.modules)
    sys.path[:0] = [str(d) for d in PATH]
    try:
        import convert_checks

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            getattr(convert_checks, function)(*args)
    finally:
        del sys.path[: len(PATH)]
        for name in ("convert_checks", "imu_scenarios"):  # the top-level names used here
            if name not in before:
                sys.modules.pop(name, None)
    return buf.getvalue().strip()


@pytest.mark.parametrize("seed", [1, 7, 2024])
def test_viper_and_cpython_match_the_struct_reference(seed: int, micropython_bin: str) -> None:
    port = run_mp("convert_checks", "run", seed).stdout.decode().strip()
    assert port.startswith("convert ok 135 ")
    assert port == _cpython("run", seed)


def test_every_int16_value_in_every_field(micropython_bin: str) -> None:
    assert run_mp("convert_checks", "exhaustive").stdout.decode().strip() == "exhaustive ok 10923"
    assert _cpython("exhaustive") == "exhaustive ok 10923"


def test_recorder_packs_the_samplers_values_as_struct_does(micropython_bin: str) -> None:
    port = run_mp("convert_checks", "recorder", 5).stdout.decode().strip()
    assert port.startswith("recorder ok 207 ")
    assert port == _cpython("recorder", 5)
