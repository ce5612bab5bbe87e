"""MicroPython scripts the tests run in the unix port (run_script with extra_path=[MP_DIR]):
plain modules, so ruff checks them and CPython imports them too; what only the unix port has
(micropython.heap_lock, gc.mem_alloc) is imported inside their functions."""

from pathlib import Path

MP_DIR = Path(__file__).resolve().parent
