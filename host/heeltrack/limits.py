"""Every host-side deadline and every bound on what a board may send, in one place.

A board that misbehaves (a bug, a wrong firmware, a damaged cable, a hostile device) must not take
the laptop with it: every exchange with a board ends by a deadline, every buffer filled from the
board is bounded, and every value it sends is checked (heeltrack.replies) before it is used.
The times suit a Pico over USB and the virtual board; retune them here, nowhere else.

    from heeltrack import limits
    deadline = time.monotonic() + limits.RAW_REPL_S
"""

from __future__ import annotations

from heel.link import frame as F

# -- the link (heeltrack.link) ------------------------------------------------------------------
LINK_TRY_S = 1.0  # one try of a request: its reply must come within this
LINK_RETRIES = 4  # tries after the first, before the request fails
PROBE_TRY_S = 0.5  # HELLO to an app that may be running: one try
PROBE_TRIES = 2
SERVER_START_TRY_S = 1.0  # HELLO to the link server just started through the raw REPL
SERVER_START_TRIES = 5  # it imports and lists the sessions first: ~0.5 s on a Pico's M0+
BYE_S = 0.5
READ_MIN_BYTES_PER_S = 2048  # a READ of n bytes must be done by READ_SLACK_S + n / this
READ_SLACK_S = 10.0
EVENTS_HELD = 1024  # live events queued before the oldest are dropped

# -- the raw REPL and files (heeltrack.transport_serial) -----------------------------------------
PORT_BUSY_S = 3.0  # another program holds the port's lock (ModemManager probing a new port)
RAW_REPL_S = 5.0  # interrupt the board and see the raw REPL's banner
RAW_REPL_RETRY_S = 1.0  # no banner this long after Ctrl-A: interrupt and ask again
EXEC_S = 30.0  # one command at the raw REPL (a 2 KiB file chunk, a sha256 of a file)
SOFT_RESET_S = 15.0  # a soft reset until the app says it is counting
CHAR_S = 2.0  # one read inside a raw-REPL exchange waits at most this for its bytes
WRITE_S = 5.0  # a write the board does not take (it stopped reading) fails after this
CONTROL_BYTES = 1 << 20  # one raw-REPL exchange reads at most this (a byte flood is refused)
RECORD_SILENCE_S = 5.0  # `heeltrack record`: nothing from the board this long: it is gone

# -- values from the board (heeltrack.replies) --------------------------------------------------
MAX_READ_CHUNK = F.MAX_PAYLOAD - 8  # data bytes a READ reply frame can carry
MIN_READ_CHUNK = 64
MAX_SESSION_BYTES = 64 << 20  # no board's flash holds a bigger session file
MAX_SESSION_ID = 0xFFFFFFFF  # session numbers are u32 in the log's header
MAX_SESSIONS = 0xFFFF  # LIST pages by a u16 start index
MAX_JSON_DEPTH = 16  # the board's replies are flat; deeper nesting is refused unparsed
MAX_TEXT = 256  # a text field (board name, firmware version, error message)
