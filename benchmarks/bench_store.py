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

from benchmarks.common import callgrind_calls, run_mp


def _instructions_per_call(what: str, calls: int) -> float:
    base = callgrind_calls("store_cost", "calls", "none", calls)
    run = callgrind_calls("store_cost", "calls", what, calls)
    return (run - base) / calls


def main() -> None:
    out = run_mp("store_cost", "ops")
    print("flash operations (programs, bytes programmed, erases):")
    print(out, end="")
    n = 1000
    enc = _instructions_per_call("encode", n)
    app = _instructions_per_call("reps", n)
    print(f"instructions per encode_into (REP): {enc:.0f}")
    print(f"instructions per append_rep incl. littlefs + RAM device: {app:.0f}")


if __name__ == "__main__":
    main()
