"""The per-sample step of the engine: block sums, peak jerk and snap, gyro change and peak.

"Jerk" here is the L1 change of the acceleration over two samples (20 ms): an impact
(10-40 ms) shows about the same on native 100 Hz data and on 50 Hz data resampled to
100 Hz, where a one-sample difference would halve it. "Snap" is the L1 second difference
(a[i] - 2 a[i-1] + a[i-2]): it passes an impact's 25-50 Hz and damps a swing's few Hz
(at 5 Hz it is a tenth of the jerk), so a soft tap stands out of a brisk swing.

It runs 100 times a second, so on the board it is a viper function (native code, machine
ints, no allocation) over a preallocated array('i'); in CPython the same function runs as
plain Python. It is the engine's `feed` method itself: a bytecode feed calling it would
need a 15-word frame, which MicroPython puts on the heap at every call (tests/test_frames.py),
where native code keeps its frame on the C stack. Values are stored with a +2**24 bias so
that every stored word is positive: viper loads ptr32 words unsigned on 64-bit ports.

    eng._st = new_state()
    feed_sample(eng, ax, ay, az, gx, gy, gz)   # calls eng._block() when a block of 10 is complete
    sums = st[SAX] - BIAS, ...
"""

from array import array

from heel.compat import const, micropython, ptr32

BIAS = const(16777216)  # 2**24
BLOCK = const(10)
# slots (biased: sums, previous sample, bias; raw: the rest)
SAX = const(0)  # 0..5: sums of ax, ay, az, gx, gy, gz over the block
PAX = const(6)  # 6..11: the previous sample
JMAX = const(12)  # peak jerk (L1 of the accel change over 2 samples), mg
JN = const(13)  # index of that sample in the block
GDIFF = const(14)  # summed L1 gyro change, ddps
GPK = const(15)  # peak L1 of the bias-corrected gyro, ddps
K = const(16)  # samples in the block so far
BX = const(17)  # 17..19: gyro bias, ddps
FIRST = const(20)  # 1: no previous sample (start, after a gap)
P2X = const(21)  # 21..23: the accel sample before the previous one (biased)
SMAX = const(24)  # peak snap (L1 of the accel's second difference), mg
SN = const(25)  # index of that sample in the block
SLOTS = const(26)


def new_state():
    st = array("i", [0] * SLOTS)
    reset_block(st)
    for i in range(BX, BX + 3):
        st[i] = BIAS
    st[FIRST] = 1
    return st


def reset_block(st):
    for i in range(SAX, SAX + 6):
        st[i] = BIAS
    st[JMAX] = 0
    st[JN] = 0
    st[SMAX] = 0
    st[SN] = 0
    st[GDIFF] = 0
    st[GPK] = 0
    st[K] = 0


@micropython.viper
def feed_sample(eng, ax: int, ay: int, az: int, gx: int, gy: int, gz: int):
    """Add one sample to eng._st (see the slots above); eng._block() at the 10th."""
    st = ptr32(eng._st)
    b = 16777216
    if st[20]:
        st[20] = 0
        st[21] = ax + b
        st[22] = ay + b
        st[23] = az + b
        st[6] = ax + b
        st[7] = ay + b
        st[8] = az + b
        st[9] = gx + b
        st[10] = gy + b
        st[11] = gz + b
    st[0] = st[0] + ax
    st[1] = st[1] + ay
    st[2] = st[2] + az
    st[3] = st[3] + gx
    st[4] = st[4] + gy
    st[5] = st[5] + gz
    k = int(st[16])
    d = ax + b - int(st[21])
    j = d if d >= 0 else 0 - d
    d = ay + b - int(st[22])
    j += d if d >= 0 else 0 - d
    d = az + b - int(st[23])
    j += d if d >= 0 else 0 - d
    if j > int(st[12]):
        st[12] = j
        st[13] = k
    d = ax + b - int(st[6]) - int(st[6]) + int(st[21])
    j = d if d >= 0 else 0 - d
    d = ay + b - int(st[7]) - int(st[7]) + int(st[22])
    j += d if d >= 0 else 0 - d
    d = az + b - int(st[8]) - int(st[8]) + int(st[23])
    j += d if d >= 0 else 0 - d
    if j > int(st[24]):
        st[24] = j
        st[25] = k
    d = gx + b - int(st[9])
    g = d if d >= 0 else 0 - d
    d = gy + b - int(st[10])
    g += d if d >= 0 else 0 - d
    d = gz + b - int(st[11])
    g += d if d >= 0 else 0 - d
    st[14] = st[14] + g
    st[21] = st[6]
    st[22] = st[7]
    st[23] = st[8]
    st[6] = ax + b
    st[7] = ay + b
    st[8] = az + b
    st[9] = gx + b
    st[10] = gy + b
    st[11] = gz + b
    d = gx + b - int(st[17])
    g = d if d >= 0 else 0 - d
    d = gy + b - int(st[18])
    g += d if d >= 0 else 0 - d
    d = gz + b - int(st[19])
    g += d if d >= 0 else 0 - d
    if g > int(st[15]):
        st[15] = g
    k += 1
    st[16] = k
    if k >= 10:
        eng._block()
