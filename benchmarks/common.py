"""Helpers shared by the benchmarks: traces to measure on, valgrind on the unix port."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from heeltrack.micropython import call, find_micropython, micropython_env, run_script

MP_DIR = Path(__file__).resolve().parent / "mp"  # the scripts the benchmarks run
TESTS_MP = MP_DIR.parents[1] / "tests" / "mp"  # and those they share with the tests


def run_mp(module: str, function: str, *args: object, timeout: float = 600) -> str:
    """`module.function(*args)` of benchmarks/mp in the unix port: its stdout."""
    proc = run_script(call(module, function, *args), extra_path=[MP_DIR, TESTS_MP], timeout=timeout)
    return proc.stdout.decode()


def callgrind_calls(module: str, function: str, *args: object) -> int:
    """callgrind_instructions of `module.function(*args)` of benchmarks/mp."""
    return callgrind_instructions(call(module, function, *args), extra_path=[TESTS_MP])


def callgrind_instructions(
    script: str, stdin_path: str | None = None, extra_path: list[Path] | None = None
) -> int:
    """Instructions executed by the unix port running `script` (valgrind --tool=callgrind):
    one line that calls a script of benchmarks/mp (heeltrack.micropython.call), which is on
    the path with `extra_path`.

    The `micropython` command is a CPython entry point that loads the MicroPython
    interpreter as an extension, so callers subtract a baseline run.
    """
    mp = find_micropython()
    with open(mp, "rb") as f:
        first = f.readline()
    cmd = [mp]
    if first.startswith(b"#!") and b"python" in first:
        # run the entry point with this interpreter, so valgrind follows the real binary
        cmd = [sys.executable, os.path.realpath(mp)]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "bench.py"
        src.write_text(script)
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            proc = subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out"]
                + cmd
                + [str(src)],
                stdin=stdin,
                capture_output=True,
                text=True,
                env=micropython_env([MP_DIR, *(extra_path or [])]),
                check=False,
            )
        finally:
            if stdin_path:
                stdin.close()  # type: ignore[union-attr]
    m = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or not m:
        raise RuntimeError(f"valgrind failed:\n{proc.stdout}\n{proc.stderr[-2000:]}")
    return int(m.group(1))
