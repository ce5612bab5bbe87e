"""The board serving a READ, in the unix port (benchmarks/bench_sync.py).

    import serve_cost; serve_cost.run(ROOT)     # prints "heap N frames M"

ROOT holds sessions/, heeltrack_id and req (the request bytes); the replies go to /dev/null.
"""

from heel.link.server import LinkServer
from heel.store import SessionLog


class Dev:
    def __init__(self, log):
        self.log = log


def run(root):
    import gc

    log = SessionLog(root + "/sessions")
    server = LinkServer(Dev(log), open(root + "/req", "rb"), open("/dev/null", "wb"))
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    while True:
        server.poll()
        if not server.busy:
            break
    print("heap", gc.mem_alloc() - before, "frames", server.frames)
