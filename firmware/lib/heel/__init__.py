"""HeelTrack device package: runs on the board (MicroPython) and in CPython.

Everything here is MicroPython-compatible and hardware-free: only `firmware/main.py`
(the board wiring) imports `machine`.
"""

VERSION = "0.1.0"
