"""Helpers shared by the benchmarks: traces to measure on, valgrind on the unix port."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from heeltrack.micropython import find_micropython, micropython_env


def callgrind_instructions(script: str, stdin_path: str | None = None) -> int:
    """Instructions executed by the unix port running `script` (valgrind --tool=callgrind).

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
                env=micropython_env(),
                check=False,
            )
        finally:
            if stdin_path:
                stdin.close()  # type: ignore[union-attr]
    m = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or not m:
        raise RuntimeError(f"valgrind failed:\n{proc.stdout}\n{proc.stderr[-2000:]}")
    return int(m.group(1))
