"""What CPython lacks of MicroPython, so the device package imports on the host too.

`const` folds at compile time in MicroPython (the compiler recognises the name);
in CPython it is the identity.
"""

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x
