"""The zero-allocation proof can fail: imu_scenarios.scenario_no_alloc with a sink that
allocates must trip heap_lock (tests/test_sampler.py).

    import sampler_alloc; sampler_alloc.run()      # prints MemoryError, or "no error"
"""

import imu_scenarios as s


class AllocatingSink(s.CountSink):
    def feed(self, *a):
        self.last = [a]


def run():
    s.CountSink = AllocatingSink  # the scenario builds its sink from this name
    try:
        s.scenario_no_alloc()
        print("no error")
    except MemoryError:
        print("MemoryError")
