"""The board's transfer path: full READ frames allocate nothing; a whole READ, little heap.

    import link_heap; link_heap.run("/tmp/x")      # in the unix port (tests/test_link_heap.py)

ROOT holds sessions/1.hts, heeltrack_id and two request files: req1 (a READ of the whole
session) and req2 (a HELLO, then the same READ).
"""

from heel.link.server import LinkServer
from heel.store import SessionLog


class Dev:
    def __init__(self, log):
        self.log = log

    def info(self):
        return {"device_id": self.log.device_id}


def run(root):
    import gc

    import micropython

    log = SessionLog(root + "/sessions")
    out = open("/dev/null", "wb")

    # 1. a READ of the whole session; once it streams, full frames go out under heap_lock
    server = LinkServer(Dev(log), open(root + "/req1", "rb"), out)
    server.poll()
    assert server.busy
    gc.collect()
    micropython.heap_lock()
    try:
        for _ in range(8):
            server._pump(1)
    finally:
        micropython.heap_unlock()
    print("locked frames ok", server.frames)

    # 2. heap allocated by a whole READ (request decoding included), GC off so nothing is freed
    server = LinkServer(Dev(log), open(root + "/req2", "rb"), out)
    server.poll(1)  # the HELLO
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    while True:
        server.poll()
        if not server.busy:
            break
    after = gc.mem_alloc()
    gc.enable()
    print("whole-read frames", server.frames, "heap", after - before)
