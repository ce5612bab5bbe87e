"""Session log cost on the unix port, on littlefs with the Pico's flash geometry.

    python -m benchmarks.bench_store

littlefs (vfs.VfsLfs2, progsize 256 as rp2's _boot.py mounts it) on a RAM device of 352
blocks of 4096 bytes (the Pico's 1.4 MB filesystem) that counts what it is asked to do:
  - flash programs (calls and bytes) and erases per append_rep, begin and end;
  - heap bytes allocated per append_rep (gc.mem_alloc, steady state);
  - instructions per append_rep and per encode_into alone (valgrind --tool=callgrind,
    difference of two runs; the RAM device's own Python/viper code is included in append);
  - how many typical sessions (4 exercises x 3 sets x 12 reps) fit before the store is full.
"""

from __future__ import annotations

from benchmarks.common import callgrind_instructions
from heeltrack.micropython import run_script
from tests.ramflash import RAMFLASH

_SETUP = (
    RAMFLASH
    + r"""
import gc, vfs
from heel import records as R
from heel.store import SessionLog

dev = RamFlash(352, bs=4096)
vfs.VfsLfs2.mkfs(dev, progsize=256)
vfs.mount(vfs.VfsLfs2(dev, progsize=256), "/flash")
log = SessionLog("/flash/sessions")

def snap():
    return (dev.progs, dev.prog_bytes, dev.erases)

def diff(a, b, k):
    return " ".join("%.2f" % ((y - x) / k) for x, y in zip(a, b))

def reps(k):
    i = 0
    while i < k:
        log.append_rep(0, 2000 + i, 300, 1)
        i += 1
"""
)

_OPS = (
    _SETUP
    + r"""
a = snap()
log.begin(1000, 0, "pico-mpu6050", "left", "0.1.0", "cafe1234")
print("begin", diff(a, snap(), 1))
reps(50)
a = snap()
reps(500)
print("append_rep", diff(a, snap(), 500))
def heap():
    reps(10)
    gc.collect()
    m = gc.mem_alloc()
    reps(200)
    return gc.mem_alloc() - m
print("heap_per_200", heap())
a = snap()
log.end(90000)
print("end", diff(a, snap(), 1))
n = 0
while not log.full:
    log.begin(1000, 0, "pico-mpu6050", "left", "0.1.0", "cafe1234")
    for ex in range(4):
        for s in range(3):
            log.append_set_start(ex, 1000, 0)
            reps(12)
            log.append_set_end(ex, 2000, 12)
    log.end(3000)
    n += 1
sizes = [s[1] for s in log.sessions()]
print("sessions_until_full", n, sizes[-2], log.free_bytes())
"""
)


def _instructions_per_call(body: str, calls: int) -> float:
    base = callgrind_instructions(_SETUP + "log.begin(1,0,'b','left','v','d')\nreps(20)\n")
    run = callgrind_instructions(_SETUP + "log.begin(1,0,'b','left','v','d')\nreps(20)\n" + body)
    return (run - base) / calls


def main() -> None:
    out = run_script(_OPS, timeout=600).stdout.decode()
    print("flash operations (programs, bytes programmed, erases):")
    print(out, end="")
    n = 1000
    enc = _instructions_per_call(
        f"buf = bytearray(R.RECORD_MAX)\nfor i in range({n}):\n"
        "    R.encode_into(buf, R.REP, 0, i, 300, 1)\n",
        n,
    )
    app = _instructions_per_call(f"reps({n})\n", n)
    print(f"instructions per encode_into (REP): {enc:.0f}")
    print(f"instructions per append_rep incl. littlefs + RAM device: {app:.0f}")


if __name__ == "__main__":
    main()
