"""MicroPython scripts the tests run in the unix port: plain modules, so ruff checks them and
CPython imports them too (tests/test_mp_scripts.py); what only the unix port has
(micropython.heap_lock, gc.mem_alloc, vfs) is imported inside their functions.

    from tests.mp import run_mp
    out = run_mp("engine_heap", "run", stdin=data).stdout   # import engine_heap; engine_heap.run()

The port's path holds this directory and tests/ (imu_scenarios, kinematics), then the firmware.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from heeltrack.micropython import call, run_script

MP_DIR = Path(__file__).resolve().parent
TESTS = MP_DIR.parent
PATH = [MP_DIR, TESTS]


def run_mp(
    module: str, function: str, *args: object, stdin: bytes | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[bytes]:
    """`module.function(*args)` in the unix port (arguments as literals); RuntimeError with
    its output if it fails."""
    return run_script(call(module, function, *args), stdin=stdin, extra_path=PATH, timeout=timeout)
