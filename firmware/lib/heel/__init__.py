"""HeelTrack device package: runs on the board (MicroPython) and in CPython.

Everything here is MicroPython-compatible; nothing imports `machine` except the
board wiring in `heel.app`.
"""

VERSION = "0.1.0"
