"""Values the device package computes, printed in the unix port so the tests can compare them
with CPython's (tests/test_app_feedback.py, test_board.py, test_records.py).

    import firmware_values; firmware_values.config_digest({"foot": "right"})
"""

from heel import config as C
from heel import records as R
from heel.board import load_board


def config_digest(changes):
    """The digest of the program with `changes`."""
    print(C.digest(C.merge(C.DEFAULTS, changes)))


def boards(paths):
    """Each board file's name, axis map and IMU address, a line each."""
    for p in paths:
        b = load_board(p)
        print(b.name, b.axis_index, b.axis_sign, b.imu_addr)


def board_errors(paths):
    """Each board file's error message (or "loaded PATH"), a line each."""
    for p in paths:
        try:
            load_board(p)
            print("loaded", p)
        except ValueError as e:
            print(e)


def _hot(buf, k):
    i = 0
    while i < k:
        R.encode_into(buf, R.REP, 3, i * 7919, 500, 2)
        i += 1


def records(fixed, device):
    """Records encoded on the board's path (the viper CRC): the `fixed` (type, values) records
    as hex on one line, a header + SESSION_START as hex, the heap moved by 500 encode_into
    calls, then "locked ok" once 5 more ran under heap_lock."""
    import gc

    import micropython

    buf = bytearray(R.RECORD_MAX)
    out = []
    for rtype, vals in fixed:
        n = R.encode_into(buf, rtype, *vals)
        out.append(bytes(buf[:n]).hex())
    print(" ".join(out))
    hb = bytearray(R.HEADER_LEN + R.RECORD_MAX)
    n = R.encode_header(hb, 0, device, 7)
    n += R.encode_start(hb, n, 1500, 1767225000, "pico-mpu6050", "right", "0.1.0", b"\xab\xcd")
    print(bytes(hb[:n]).hex())
    _hot(buf, 10)
    gc.collect()
    a = gc.mem_alloc()
    _hot(buf, 500)
    print(gc.mem_alloc() - a)
    micropython.heap_lock()
    _hot(buf, 5)
    micropython.heap_unlock()
    print("locked ok")
