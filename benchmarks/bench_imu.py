"""IMU path cost on the unix port: driver FIFO read + decode + sampler conversion.

    python -m benchmarks.bench_imu

Instructions per sample (valgrind --tool=callgrind, difference of two runs divided by
the samples) for several samples-per-poll, with two buses:
  stub  a bus that answers FIFO_COUNT and leaves the data bytes alone: the Python cost
        on a real board, where the I2C transfer itself is C (machine.I2C);
  fake  the register-level simulated MPU6050 (what the virtual board pays on the PC).
Then heap: gc.mem_alloc() across 1000 polls in steady state (with an overflow).
"""

from __future__ import annotations

from benchmarks.common import callgrind_calls, run_mp

POLLS = 200


def instructions_per_sample(mode: str, per: int) -> float:
    base = callgrind_calls("imu_cost", "polls", mode, 0, per)
    run = callgrind_calls("imu_cost", "polls", mode, POLLS, per)
    return (run - base) / (POLLS * per)


def main() -> None:
    print("instructions per sample (driver read + decode + sampler + an empty sink.feed)")
    print("samples/poll   stub bus (board)   fake chip (virtual board)")
    for per in (1, 5, 10, 20, 40):
        stub = instructions_per_sample("stub", per)
        fake = instructions_per_sample("fake", per)
        print(f"{per:12d}   {stub:16,.0f}   {fake:25,.0f}")
    out = run_mp("imu_cost", "heap").split()
    print(f"heap: {out[1]} bytes allocated over 1000 polls ({out[0]} samples, one overflow)")


if __name__ == "__main__":
    main()
