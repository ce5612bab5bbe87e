"""The session log on littlefs with the Pico's flash geometry, in the unix port
(benchmarks/bench_store.py): a RAM device (tests/mp/ramflash.py) of 352 blocks of 4096 bytes,
littlefs with progsize 256 as rp2's _boot.py mounts it.

    import store_cost; store_cost.ops()              # flash operations, heap, sessions that fit
    import store_cost; store_cost.calls("reps", 1000)  # under callgrind ("none": the baseline)
"""

from ramflash import RamFlash

from heel import records as R
from heel.store import SessionLog


class Store:
    def __init__(self):
        import vfs

        self.dev = RamFlash(352, bs=4096)
        vfs.VfsLfs2.mkfs(self.dev, progsize=256)
        vfs.mount(vfs.VfsLfs2(self.dev, progsize=256), "/flash")
        self.log = SessionLog("/flash/sessions")

    def snap(self):
        return (self.dev.progs, self.dev.prog_bytes, self.dev.erases)

    def reps(self, k):
        log = self.log
        i = 0
        while i < k:
            log.append_rep(0, 2000 + i, 300, 1)
            i += 1


def _diff(a, b, k):
    return " ".join("%.2f" % ((y - x) / k) for x, y in zip(a, b))


def ops():
    import gc

    st = Store()
    log = st.log
    a = st.snap()
    log.begin(1000, 0, "pico-mpu6050", "left", "0.1.0", "cafe1234")
    print("begin", _diff(a, st.snap(), 1))
    st.reps(50)
    a = st.snap()
    st.reps(500)
    print("append_rep", _diff(a, st.snap(), 500))
    st.reps(10)
    gc.collect()
    m = gc.mem_alloc()
    st.reps(200)
    print("heap_per_200", gc.mem_alloc() - m)
    a = st.snap()
    log.end(90000)
    print("end", _diff(a, st.snap(), 1))
    n = 0
    while not log.full:
        log.begin(1000, 0, "pico-mpu6050", "left", "0.1.0", "cafe1234")
        for ex in range(4):
            for _s in range(3):
                log.append_set_start(ex, 1000, 0)
                st.reps(12)
                log.append_set_end(ex, 2000, 12)
        log.end(3000)
        n += 1
    sizes = [s[1] for s in log.sessions()]
    print("sessions_until_full", n, sizes[-2], log.free_bytes())


def calls(what, n):
    """A session begun with 20 reps, then `n` calls of `what`: "reps" (append_rep),
    "encode" (encode_into alone) or "none" (the baseline)."""
    st = Store()
    st.log.begin(1, 0, "b", "left", "v", "d")
    st.reps(20)
    if what == "reps":
        st.reps(n)
    elif what == "encode":
        buf = bytearray(R.RECORD_MAX)
        for i in range(n):
            R.encode_into(buf, R.REP, 0, i, 300, 1)
