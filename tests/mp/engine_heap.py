"""The engine allocates nothing per sample in steady state (tests/test_engine_micropython.py).

    import engine_heap; engine_heap.run()      # in the unix port, samples on stdin

stdin: int16 x 6 samples (heeltrack.analysis.encode_calls, no gaps). A quarter warms up, the
rest runs under micropython.heap_lock; prints the heap moved (gc.mem_alloc, which also sees
quiet allocations) and the set starts, reps and set ends met.
"""

import sys
from array import array

from heel.motion.engine import Engine


def _run(eng, buf, lo, hi):
    x = 0
    for i in range(lo, hi):
        j = i * 6
        eng.feed(buf[j], buf[j + 1], buf[j + 2], buf[j + 3], buf[j + 4], buf[j + 5])
        x += eng.exercise + eng.count + eng.hold_ms  # what the app reads for feedback
    return x


def run():
    import gc

    import micropython

    data = sys.stdin.buffer.read()
    n = len(data) // 12
    buf = array("h", data)
    counts = [0, 0, 0, 0]

    def listener(kind, ex, t, v):
        counts[kind] += 1

    eng = Engine(listener)
    warm = n // 4
    for i in range(warm):
        j = i * 6
        eng.feed(buf[j], buf[j + 1], buf[j + 2], buf[j + 3], buf[j + 4], buf[j + 5])
    _run(eng, buf, warm, warm + 10)
    gc.collect()
    before = gc.mem_alloc()
    micropython.heap_lock()
    try:
        _run(eng, buf, warm + 10, n)
    finally:
        micropython.heap_unlock()
    # heap_lock catches raising allocations; mem_alloc also catches the quiet ones
    print(gc.mem_alloc() - before, counts[1], counts[2], counts[3])
