"""A /main.py for the virtual board (tests/test_virtual.py) that loops until Ctrl-C: prints
"looping", then counts in the global `n` (the REPL reads it after the KeyboardInterrupt)."""

import time

n = 0


def run():
    global n
    print("looping")
    while True:
        n += 1
        time.sleep_ms(5)


if __name__ == "__main__":  # run as the board's main.py
    run()
