"""MicroPython scripts the host runs in the unix port, as files (ruff checks them, CPython
imports them too) shipped in the wheel:

    from heeltrack.micropython import call, start_script
    from heeltrack.unixport import SCRIPTS
    proc = start_script(call("engine_stream", "main"), extra_path=[SCRIPTS])
"""

from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
