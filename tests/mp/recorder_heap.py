"""The recorder allocates nothing per block: heel.recorder under micropython.heap_lock.

import recorder_heap; recorder_heap.run()      # in the unix port (tests/test_live_record.py)
"""

import imu_scenarios as sc

from heel.recorder import Recorder


class Sink:
    def __init__(self):
        self.n = 0

    def write(self, b):
        self.n += len(b)
        return len(b)


def run():
    import micropython

    fake, imu = sc.make(sc.rows(3000, seed=3))
    fake.writes = None
    sink = Sink()
    rec = Recorder(imu, sc.board(("y", "-x", "z")), sink, "left")
    rec.start()
    fake.advance(4)
    rec.block()
    micropython.heap_lock()
    try:
        for k in range(60):
            fake.advance(1 + k % 9)
            rec.block()
            if k == 30:
                fake.advance(100)  # an overflow: a gap in the stream, still no heap
                rec.block()
    finally:
        micropython.heap_unlock()
    print(rec.samples, rec.gaps, sink.n)
