"""The engine over a file of samples, in the unix port (benchmarks/bench_engine.py).

    import engine_cost; engine_cost.walk(DATA, True)     # under callgrind; False: data only
    import engine_cost; engine_cost.heap(DATA)           # prints heap moved, samples, events

DATA: int16 x 6 samples (heeltrack.analysis.encode_calls, no gaps).
"""

from array import array

from heel.motion.engine import Engine


def _load(path):
    with open(path, "rb") as f:
        buf = array("h", f.read())
    return buf, len(buf) // 6


def _engine():
    events = [0]

    def listener(kind, ex, t, v):
        events[0] += 1

    return Engine(listener), events


def walk(path, feed):
    """Every sample fed to the engine (feed) or only read (the baseline)."""
    buf, n = _load(path)
    eng, _events = _engine()
    for i in range(n):
        j = i * 6
        if feed:
            eng.feed(buf[j], buf[j + 1], buf[j + 2], buf[j + 3], buf[j + 4], buf[j + 5])
        else:
            buf[j]  # noqa: B018 - the same reads as feeding, without the engine
            buf[j + 1]  # noqa: B018
            buf[j + 2]  # noqa: B018
            buf[j + 3]  # noqa: B018
            buf[j + 4]  # noqa: B018
            buf[j + 5]  # noqa: B018


def heap(path):
    """Heap moved by all but the first 100 samples, fed under heap_lock."""
    import gc

    import micropython

    buf, n = _load(path)
    eng, events = _engine()

    def run(lo, hi):
        for i in range(lo, hi):
            j = i * 6
            eng.feed(buf[j], buf[j + 1], buf[j + 2], buf[j + 3], buf[j + 4], buf[j + 5])

    run(0, 100)
    gc.collect()
    before = gc.mem_alloc()
    micropython.heap_lock()
    run(100, n)
    micropython.heap_unlock()
    print(gc.mem_alloc() - before, n - 100, events[0])
