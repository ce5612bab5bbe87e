"""A /main.py for the virtual board (tests/test_virtual.py): an app that writes its flash
(/count.txt, every 20 ms) and never reads the port; prints "running" first."""

import time


def run():
    print("running")
    n = 0
    while True:
        n += 1
        with open("/count.txt", "w") as f:
            f.write(str(n))
        time.sleep_ms(20)


if __name__ == "__main__":  # run as the board's main.py
    run()
