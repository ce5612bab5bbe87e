"""HeelTrack device package: runs on the board (MicroPython) and in CPython.

Everything here is MicroPython-compatible and hardware-free: only `heel.start` (the board
wiring, the entry point that firmware/main.py calls) imports `machine`.
"""

VERSION = "0.1.0"
