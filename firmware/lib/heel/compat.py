"""What CPython lacks of MicroPython, in one place, so the device package imports on the host too.

    from heel.compat import const, micropython, ptr8, ptr16, ptr32
    from heel.compat import ticks_ms, ticks_add, ticks_diff, sleep_ms, kbd_intr
    from heel.compat import print_exception

`const` folds at compile time in MicroPython (the compiler recognises the name); in
CPython it is the identity. `@micropython.viper` is recognised by the MicroPython
compiler by its spelling, so a module may take the name from here: in CPython the
decorator leaves the function as plain Python and a ptr cast returns the object itself
(viper functions here are written to give the same results in both).

On MicroPython every other name is the built-in one (no wrapper, nothing allocated). In
CPython the tick clock behaves as MicroPython's: it wraps at TICKS_PERIOD (2**30), and
ticks_diff/ticks_add handle the wrap, so code tested in CPython sees the same arithmetic
it meets on the board.
"""

try:
    import micropython
    from micropython import const, kbd_intr

    ptr8 = ptr16 = ptr32 = None  # viper annotations are the compiler's, not runtime names
except ImportError:  # CPython

    def const(x):
        return x

    class micropython:  # noqa: N801
        @staticmethod
        def viper(f):
            return f

        @staticmethod
        def native(f):
            return f

    def ptr8(obj):
        """A viper cast (`ptr8(buf)`: the buffer's address); in CPython the object itself."""
        return obj

    ptr16 = ptr32 = ptr8

    def kbd_intr(_chr):
        """Ctrl-C handling is the REPL's business; nothing to switch in CPython."""


TICKS_PERIOD = const(1 << 30)
_TICKS_MAX = const((1 << 30) - 1)
_TICKS_HALF = const(1 << 29)

try:
    from time import sleep_ms, ticks_add, ticks_diff, ticks_ms
except ImportError:  # CPython
    import time as _time

    def ticks_ms():
        return int(_time.monotonic() * 1000) & _TICKS_MAX

    def ticks_add(a, b):
        return (a + b) & _TICKS_MAX

    def ticks_diff(a, b):
        return ((a - b + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF

    def sleep_ms(ms):
        _time.sleep(ms / 1000)


def board_clock():
    """(the board's uptime clock, its ms per real second): the app's clock at the REPL too.
    On the virtual board that is its virtual clock (speed x real time), else ticks_ms."""
    try:
        import virtualboard
    except ImportError:
        return ticks_ms, 1000
    return virtualboard.ticks_ms, virtualboard.speed_milli


try:
    from sys import print_exception
except ImportError:  # CPython
    from traceback import print_exception  # noqa: F401 - exported
