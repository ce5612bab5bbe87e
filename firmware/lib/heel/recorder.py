"""Stream the IMU's samples, in the foot frame, to the host: what `heeltrack record` runs.

The host stops the app (Ctrl-C), and at the raw REPL runs heel.start.record(seconds), which
builds the board file's IMU and does:

    from heel.recorder import Recorder
    rec = Recorder(imu, board, sys.stdout.buffer, foot="left")
    rec.run(seconds=30, poll_ms=25)          # Ctrl-C from the host ends it early

Frames use the link's codec and frame types (heel.link.frame), device -> host only:

    T_REC_START  JSON {"rate_hz", "foot", "board", "units"}              once
    T_SAMPLES    index u32 | gap u16 | n u16 | n x (ax ay az gx gy gz) int16
                 index: the block's first sample since the start; gap: samples lost just before
                 it (FIFO overflow); units: the engine's, mg and 0.1 deg/s (heel.sampler)
    T_REC_END    samples u32 | gaps u32                                     once

One FIFO read is one frame, built in one preallocated buffer (the samples packed by one viper
call, the CRC by heel.records.crc_into): nothing is allocated per block or per sample (a
unix-port test proves it with heap_lock).
"""

import struct

from heel import records as R
from heel.compat import const, micropython, ptr8, ptr16, sleep_ms
from heel.link import frame as F
from heel.sampler import Sampler

_BLOCK_HEAD = const(8)  # index u32, gap u16, n u16
_SAMPLE = const(12)  # 6 x int16


@micropython.viper
def _pack_le(src: ptr16, n: int, buf: ptr8, off: int):
    # n samples of the sampler's int16 array -> little-endian int16 from buf[off]: what
    # struct "<6h" gives for each, without Python work per sample
    end = n * 6
    j = 0
    while j < end:
        v = src[j]
        buf[off] = v & 0xFF
        buf[off + 1] = (v >> 8) & 0xFF
        off += 2
        j += 1


class Recorder:
    def __init__(self, imu, board, stream, foot=""):
        self.imu = imu
        self.board = board
        self.foot = foot
        self.stream = stream
        self.sampler = Sampler(imu, board)
        m = imu.max_samples
        self.buf = bytearray(F.HEADER + _BLOCK_HEAD + _SAMPLE * m + 4)
        self.buf[0:4] = F.RSP_MAGIC
        mv = memoryview(self.buf)
        # one view per block size, made now: sending a block then allocates nothing
        self._views = [mv[: F.HEADER + _BLOCK_HEAD + _SAMPLE * k + 4] for k in range(m + 1)]
        self.samples = 0
        self.gaps = 0
        self.frames = 0

    def _write(self, data):
        w = self.stream.write(data)
        while w is not None and w < len(data):  # a non-blocking stdout took part of it
            data = data[w:]
            w = self.stream.write(data)

    def start(self):
        import json

        info = {
            "rate_hz": self.board.rate_hz,
            "foot": self.foot,
            "board": self.board.name,
            "units": "mg,0.1dps",
        }
        self._write(F.encode_frame(F.T_REC_START, 0, json.dumps(info).encode()))

    def block(self, limit=0x3FFFFFFF):
        """Read the FIFO once and send what it held (at most `limit` samples: the rest of a
        recording's length); returns the samples sent."""
        n = self.sampler.read()
        if n > limit:
            n = limit if limit > 0 else 0
        imu = self.imu
        gap = imu.gap_samples
        if not n and not gap:
            return 0
        imu.gap_samples = 0
        buf = self.buf
        struct.pack_into("<IHH", buf, F.HEADER, self.samples + self.gaps, min(gap, 65535), n)
        _pack_le(self.sampler.out, n, buf, F.HEADER + _BLOCK_HEAD)
        self.frames += 1
        size = _BLOCK_HEAD + _SAMPLE * n
        struct.pack_into("<BBH", buf, 4, F.T_SAMPLES, self.frames & 0xFF, size)
        R.crc_into(buf, 4, 4 + size)  # the link's CRC32 over type..payload, without allocation
        self._write(self._views[n])
        self.samples += n
        self.gaps += gap
        return n

    def run(self, seconds, poll_ms=25):
        """Stream for `seconds` of samples (by the IMU's clock), then T_REC_END."""
        want = int(seconds * self.board.rate_hz)
        self.start()
        try:
            while self.samples + self.gaps < want:
                self.block(want - self.samples - self.gaps)
                sleep_ms(poll_ms)
        finally:
            self._write(F.encode_frame(F.T_REC_END, 0, struct.pack("<II", self.samples, self.gaps)))
        return self.samples
