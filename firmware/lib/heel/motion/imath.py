"""Integer math for the per-sample path: no floats, so nothing is allocated.

Angles are in "turn units": 4096 per full turn (0.088 degree each).

    >>> atan2_turn(1000, 0)   # 90 degrees
    1024
"""

from heel.compat import const

TURN = const(4096)
HALF_TURN = const(2048)
QUARTER_TURN = const(1024)
EIGHTH_TURN = const(512)
_MAX_A1 = const(3000)  # mg, L1 of a block's mean acceleration: beyond it, no calm stance


def atan2_turn(y, x):
    """Angle of (x, y) in turn units, 0..4095; |x|, |y| < 2**20. Error < 0.3 degree."""
    ax = x if x >= 0 else -x
    ay = y if y >= 0 else -y
    if ax == 0 and ay == 0:
        return 0
    if ay <= ax:
        z = (ay << 10) // ax  # tan in [0, 1], 10-bit fixed point
        a = ((z * EIGHTH_TURN) >> 10) + ((178 * z * (1024 - z)) >> 20)
    else:
        z = (ax << 10) // ay
        a = QUARTER_TURN - ((z * EIGHTH_TURN) >> 10) - ((178 * z * (1024 - z)) >> 20)
    if x < 0:
        a = HALF_TURN - a
    if y < 0:
        a = TURN - a
    return a & (TURN - 1)


def wrap_turn(d):
    """Difference of two angles wrapped into [-2048, 2047]."""
    return ((d + HALF_TURN) & (TURN - 1)) - HALF_TURN


def norm_l2_approx(a, b):
    """|(a, b)| within about 3% (alpha-max-plus-beta-min), integers only."""
    a = a if a >= 0 else -a
    b = b if b >= 0 else -b
    if a < b:
        a, b = b, a
    return a - (a >> 5) + (b * 3 >> 3)


def isqrt_near(n, guess):
    """Integer square root of n > 0 by Newton from a guess near the root (the size of a
    vector that changes little between calls): two or three steps, where isqrt takes ~20."""
    if n <= 0:
        return 1
    x = guess
    x = ((x + n // x) >> 1) + 1  # at or above the root from any guess > 0
    y = (x + n // x) >> 1
    while y < x:
        x = y
        y = (x + n // x) >> 1
    return x


def isqrt(n):
    """Integer square root (Newton), n >= 0."""
    if n <= 0:
        return 0
    x = n
    y = (x + 1) >> 1
    while y < x:
        x = y
        y = (x + n // x) >> 1
    return x


def peak_less_spin(peak, ax, ay, az, wx, wy, wz):
    """A block's peak turning rate (L1, ddps) less its mean turn about the vertical: (ax,
    ay, az) the block's mean acceleration (mg; gravity when the foot stands), (wx, wy, wz)
    its mean rate (ddps). A heel pivoting in a stance (a turn while heel walking) spins
    about the vertical at 150-500 deg/s; a bounce or a swing rocks about a horizontal axis.
    A jolted block keeps its whole peak (its mean is no gravity)."""
    a1 = (ax if ax > 0 else -ax) + (ay if ay > 0 else -ay) + (az if az > 0 else -az)
    if a1 > _MAX_A1:
        return peak
    # |w . g| L1(g) / |g|^2: the mean turn about the vertical, as an L1 rate
    dot = (wx * ax + wy * ay + wz * az) >> 10
    n2 = ((ax * ax + ay * ay + az * az) >> 10) or 1
    r = peak - (dot if dot > 0 else -dot) * a1 // n2
    return r if r > 0 else 0
