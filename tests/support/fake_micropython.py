"""A stand-in for the MicroPython unix port behind the virtual relay (HEELTRACK_MICROPYTHON),
with one flaw a real one can show: started into the raw REPL ("raw" mode after a soft reset), it
loses the first Ctrl-A, as a unix port does that is still starting up when the byte arrives.

    micropython -i boot.py CONFIG.json run|raw      (the arguments heeltrack.virtual passes)

Enough of the raw REPL for mpremote: the banner, Ctrl-D soft reset (the process ends, the relay
starts another), commands answered with an empty output, raw-paste declined.
"""

from __future__ import annotations

import os
import sys

BANNER = b"raw REPL; CTRL-B to exit\r\n>"


def main() -> None:
    mode = sys.argv[-1]
    out = sys.stdout.buffer
    deaf = mode == "raw"  # the first Ctrl-A is lost
    raw = False
    code = bytearray()
    if mode == "run":
        out.write(b"MicroPython fake\r\n>>> ")
        out.flush()
    while True:
        try:
            data = os.read(0, 4096)
        except OSError:
            return
        if not data:
            return
        for b in data:
            c = bytes([b])
            if c == b"\x01":
                if deaf:
                    deaf = False
                    continue
                raw = True
                code.clear()
                out.write(BANNER)
            elif c == b"\x02":
                raw = False
                out.write(b"\r\n>>> ")
            elif c == b"\x03":
                code.clear()
            elif c == b"\x04" and raw:
                body = bytes(code).replace(b"\x05A\x01", b"")
                code.clear()
                if not body.strip():
                    out.flush()
                    sys.exit(0)  # soft reset: the relay prints "soft reboot" and restarts us
                out.write(b"OK\x04\x04>")
            elif raw:
                code += c
                if code.endswith(b"\x05A\x01"):
                    out.write(b"R\x00")
            out.flush()


if __name__ == "__main__":
    main()
