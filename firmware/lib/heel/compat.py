"""What CPython lacks of MicroPython, so the device package imports on the host too.

    from heel.compat import const, micropython, ptr8, ptr16, ptr32

`const` folds at compile time in MicroPython (the compiler recognises the name); in
CPython it is the identity. `@micropython.viper` is recognised by the MicroPython
compiler by its spelling, so a module may take the name from here: in CPython the
decorator leaves the function as plain Python and the ptr types are plain ints
(viper functions here are written to give the same results in both).
"""

try:
    import micropython
    from micropython import const

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

    ptr8 = ptr16 = ptr32 = int
