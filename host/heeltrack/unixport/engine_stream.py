"""The motion engine over a stream of samples on stdin, its events on stdout, one per line
("kind exercise t_ms value"): what `heeltrack analyze --runtime micropython` runs.

    import engine_stream; engine_stream.main()      # in the unix port (heeltrack.analysis)

Input: little-endian int16 x 6 records (heeltrack.analysis.encode_calls); a record starting
with -32768 is a gap of (2nd + 32768 * 3rd) samples, one with -32767 the source's rate (Hz), one
with -32766 a hole: the next (2nd) samples are interpolated across samples the source lost.
Read in chunks, so memory stays the same however long the trace (a whole 25-minute trace
read at once did not fit the port's heap).
"""

import struct
import sys

from heel.motion.engine import Engine

GAP_MARK = -32768
RATE_MARK = -32767
HOLE_MARK = -32766
RECORD = 12
CHUNK = 6144


def main(stdin=None, stdout=None):
    read = (stdin or sys.stdin.buffer).read
    write = (stdout or sys.stdout).write

    def listener(kind, ex, t, v):
        write("%d %d %d %d\n" % (kind, ex, t, v))

    eng = Engine(listener)
    rest = b""
    while True:
        data = read(CHUNK)
        if not data:
            break
        if rest:
            data = rest + data
        n = len(data) // RECORD * RECORD
        rest = data[n:]
        for i in range(0, n, RECORD):
            s = struct.unpack_from("<6h", data, i)
            if s[0] == GAP_MARK:
                eng.gap(s[1] + 32768 * s[2])
            elif s[0] == RATE_MARK:
                eng.source_rate(s[1])
            elif s[0] == HOLE_MARK:
                eng.hole(s[1])
            else:
                eng.feed(s[0], s[1], s[2], s[3], s[4], s[5])
    eng.finish()
