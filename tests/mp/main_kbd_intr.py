"""A /main.py for the virtual board (tests/test_virtual.py): under micropython.kbd_intr(-1) a
0x03 from the host is a byte like any other (what the link relies on), after it Ctrl-C again.

    mpremote connect PORT resume fs cp tests/mp/main_kbd_intr.py :main.py

Prints "binary", echoes the next 4 bytes of stdin ("got b'...'"), then idles with Ctrl-C on.
"""

import sys
import time


def run():
    import micropython

    micropython.kbd_intr(-1)
    print("binary")
    got = sys.stdin.buffer.read(4)
    micropython.kbd_intr(3)
    print("got", got)
    while True:
        time.sleep_ms(5)


if __name__ == "__main__":  # run as the board's main.py
    run()
