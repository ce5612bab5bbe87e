"""The on-board pipeline over a recording, in the unix port (benchmarks/bench_pipeline.py).

    import pipeline_run; pipeline_run.run(BOARD, RAW, ROOT, "pipeline", 3000)

Modes: "chip" (the simulated chip's sample generation only), "driver" (+ FIFO read, decode,
axis map), "engine" (+ the engine), "pipeline" (app.step + feedback, as on the board), each
for `samples` samples; "heap-steady" / "heap-peak" play the whole recording with gc off / on
and print HEAP fed a0 a1 peak after reps.
"""

from heel import config
from heel.app import App
from heel.board import load_board
from heel.imu.fake_mpu6050 import FakeMPU6050, FileSource
from heel.imu.mpu6050 import MPU6050
from heel.store import SessionLog


class Pin:
    def value(self, v):
        pass


class Null:
    def feed(self, ax, ay, az, gx, gy, gz):
        pass

    def gap(self, n):
        pass


def run(board_path, raw, root, mode, samples):
    import gc

    board = load_board(board_path)
    fake = FakeMPU6050(FileSource(raw), addr=board.imu_addr)
    imu = MPU6050(
        fake, board.imu_addr, board.rate_hz, ticks_ms=fake.ticks_ms, sleep_ms=fake.sleep_ms
    )
    log = SessionLog(root=root + "/sessions", id_path=root + "/id")
    cfg = config.merge(config.DEFAULTS, {})
    app = App(board, cfg, imu, log, led=Pin(), buzzer=Pin(), clock=fake.ticks_ms, config_path=None)
    per = app.poll_ms // 10  # samples per poll, as on the board
    polls = samples // per
    if mode == "chip":
        for _ in range(polls):
            fake.advance(per)
    elif mode == "driver":
        null = Null()
        for _ in range(polls):
            fake.advance(per)
            app.sampler.poll(null)
    elif mode == "engine":
        eng = app.engine
        for _ in range(polls):
            fake.advance(per)
            app.sampler.poll(eng)
    elif mode == "pipeline":
        for _ in range(polls):
            fake.advance(per)
            app.step()
            app.feedback.update()
    else:  # heap
        gc.collect()
        if mode == "heap-steady":
            gc.disable()
        a0 = gc.mem_alloc()
        peak = a0
        fed = 0
        while not fake.finished:
            fake.advance(per)
            fed += app.step()
            app.feedback.update()
            a = gc.mem_alloc()
            if a > peak:
                peak = a
        a1 = gc.mem_alloc()
        gc.enable()
        gc.collect()
        print("HEAP", fed, a0, a1, peak, gc.mem_alloc(), app.reps)
