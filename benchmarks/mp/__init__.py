"""MicroPython scripts the benchmarks run in the unix port: plain modules (ruff checks them,
CPython imports them), run with heeltrack.micropython.call and this directory on the path."""

from pathlib import Path

MP_DIR = Path(__file__).resolve().parent
