"""Boot code of the virtual board: the unix port made to look like a Pico.

`heeltrack virtual` (host/heeltrack/virtual.py) runs, once per "power-up" or soft reset:

    micropython -i firmware/virtual/boot.py CONFIG.json run|raw

It mounts the board's littlefs image (a file on the host, formatted on first use as the
rp2 port's _boot.py does) as "/" (or, with "root" in CONFIG, a host directory: the tests'
boards), sets sys.path as on a Pico ("", ".frozen", "/lib"),
registers the virtual hardware as the module `virtualboard`, and then
- mode "run": runs /main.py if present (as a Pico does after a reset), then the REPL;
- mode "raw": goes straight to the REPL; the host relay then enters the raw REPL, so a
  soft reset from mpremote's raw REPL comes back in the raw REPL as on a real board.

`virtualboard` (used by firmware/main.py only on this board):
    virtualboard.ticks_ms()      virtual milliseconds (speed x real time); the trace clock
    virtualboard.source          the trace for the fake chip: next_into(buf6) -> bool
                                 (no trace: the foot rests flat)
    virtualboard.pin(name)       object with .value(v): records "t_ms name v" in the LED log
    virtualboard.speed_milli     speed x 1000
    virtualboard.attach_chip(c)  the fake chip: accelerated time waits while its FIFO fills
"""

import json
import os
import sys
import time

import vfs

_MAX_STEP_MS = 100
_WAIT_BYTES = 40 * 12  # accelerated time waits while the FIFO holds more than 40 samples


class _FileBlockDev:
    """littlefs block device on a host file (extended block protocol)."""

    def __init__(self, f, block_size, block_count):
        self.f = f
        self.bs = block_size
        self.n = block_count

    def readblocks(self, block, buf, off=0):
        self.f.seek(block * self.bs + off)
        self.f.readinto(buf)

    def writeblocks(self, block, buf, off=None):
        self.f.seek(block * self.bs + (off or 0))
        self.f.write(buf)

    def ioctl(self, op, arg):
        if op == 4:  # block count
            return self.n
        if op == 5:  # block size
            return self.bs
        if op == 3:  # sync
            self.f.flush()
            return 0
        if op == 6:  # erase: littlefs rewrites whole blocks, nothing to do
            return 0
        return None


class _Pin:
    """Records every change of an output (LED, buzzer) in the host-visible log."""

    def __init__(self, board, name):
        self._board = board
        self._name = name
        self._v = -1

    def value(self, v=None):
        if v is None:
            return max(self._v, 0)
        v = 1 if v else 0
        if v != self._v:
            self._v = v
            log = self._board._led_log
            if log is not None:
                log.write("%d %s %d\n" % (self._board.ticks_ms(), self._name, v))
                log.flush()
        return v

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class _RawSource:
    """The trace: little-endian int16 x6 records read from an open host file in blocks.
    Without a trace the foot rests flat (az = +1 g = 8192 LSB). Allocates nothing."""

    def __init__(self, f):
        self._f = f
        self._buf = bytearray(64 * 12)
        self._mv = memoryview(self._buf)
        self._len = 0
        self._pos = 0
        self.ended = False

    def next_into(self, buf6):
        if self._f is None:
            buf6[0] = buf6[1] = buf6[3] = buf6[4] = buf6[5] = 0
            buf6[2] = 8192
            return True
        if self._pos >= self._len:
            n = self._f.readinto(self._mv) or 0
            self._len = n // 12 * 12
            self._pos = 0
            if not self._len:
                self.ended = True
                return False
        b = self._buf
        o = self._pos
        for k in range(6):
            v = b[o] | (b[o + 1] << 8)
            buf6[k] = v - 65536 if v & 0x8000 else v
            o += 2
        self._pos = o
        return True


class _VirtualBoard:
    def __init__(self, cfg):
        self.speed_milli = int(cfg.get("speed_milli", 1000))
        self._offset = int(cfg.get("trace_offset_ms", 0))
        self._t0 = None
        self._last = 0
        self.lag = 0  # virtual ms the world waited for the board (speed > 1 only)
        self._lag_told = 0
        self._chip = None
        status = cfg.get("status")
        self._status = open(status, "w") if status else None  # host files: open before "/" changes
        raw = cfg.get("raw")
        self.raw_file = open(raw, "rb") if raw else None
        if self.raw_file is not None and self._offset:
            self.raw_file.seek((self._offset // 10) * 12)
        self.source = _RawSource(self.raw_file)
        log = cfg.get("led_log")
        self._led_log = open(log, "a") if log else None
        self.board_name = cfg.get("board", "virtual")

    def ticks_ms(self):
        """Virtual time in ms; starts counting at its first call (when the app starts).

        Faster than real time, the world waits for a busy board: time stands still while
        the attached chip's FIFO is over half full, and one reading moves on at most
        _MAX_STEP_MS, so the acceleration alone never overflows the FIFO (at speed 1 the
        chip behaves as a real one). The time given up is `lag`."""
        now = time.ticks_ms()
        if self._t0 is None:
            self._t0 = now
            self._status_line()
        v = time.ticks_diff(now, self._t0) * self.speed_milli // 1000 - self.lag
        if self.speed_milli > 1000 and v > self._last:
            step = v - self._last
            chip = self._chip
            if chip is not None and chip.fifo_count() > _WAIT_BYTES:
                step = 0
            elif step > _MAX_STEP_MS:
                step = _MAX_STEP_MS
            self.lag += v - self._last - step
            v = self._last + step
            if self.lag - self._lag_told >= 1000:
                self._status_line()
        self._last = v
        return v

    def attach_chip(self, chip):
        """The simulated IMU whose FIFO the accelerated clock waits for."""
        self._chip = chip

    def _status_line(self):
        # tell the host where the trace started and how much the board held it back, so a
        # restart resumes it where it stopped
        self._lag_told = self.lag
        if self._status is not None:
            self._status.seek(0)
            self._status.write(
                "%d %d %d          \n" % (time.time_ns() // 1000000, self._offset, self.lag)
            )
            self._status.flush()

    def pin(self, name):
        return _Pin(self, name)


HARD_RESET_EXIT = 77  # the exit status that tells the host relay "power-cycle me"


class _Machine:
    """The unix port's `machine` plus reset(): a hard reset restarts the board afresh
    (the host relay starts the process again and runs /main.py, as after power-up)."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def reset(self):
        sys.exit(HARD_RESET_EXIT)


def _mount_dir(root):
    """A host directory as "/" (the tests' boards: their files are plain files on the host)."""
    vfs.umount("/")
    vfs.mount(vfs.VfsPosix(root), "/")
    os.chdir("/")

    # The unix port's VfsPosix mounted at "/" fails os.rename with absolute paths (ENOENT)
    # while relative ones work; the store renames, so its os renames relative to "/".
    class _Os:
        pass

    shim = _Os()
    for name in dir(os):
        if not name.startswith("__"):
            setattr(shim, name, getattr(os, name))
    rename = os.rename
    shim.rename = lambda a, b: rename(a.lstrip("/"), b.lstrip("/"))
    sys.modules["os"] = shim


def _mount(cfg):
    if cfg.get("root"):
        _mount_dir(cfg["root"])
        return
    img = open(cfg["image"], "r+b")
    bdev = _FileBlockDev(img, int(cfg["block_size"]), int(cfg["block_count"]))
    vfs.umount("/")
    try:
        vfs.mount(vfs.VfsLfs2(bdev), "/")
    except OSError:
        vfs.VfsLfs2.mkfs(bdev)
        vfs.mount(vfs.VfsLfs2(bdev), "/")
    os.chdir("/")


def _boot():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    board = _VirtualBoard(cfg)  # opens host files before "/" is replaced
    _mount(cfg)
    sys.path[:] = ["", ".frozen", "/lib"]
    sys.modules["virtualboard"] = board
    try:
        import machine

        sys.modules["machine"] = _Machine(machine)
    except ImportError:
        pass
    return sys.argv[2] if len(sys.argv) > 2 else "run"


def _has_main():
    try:
        return os.stat("main.py")[0] & 0x8000 != 0
    except OSError:
        return False


_mode = _boot()
sys.argv[:] = [""]
if _mode == "run" and _has_main():
    del _mode
    try:
        with open("main.py") as _f:
            _src = _f.read()
        del _f
        exec(_src, globals())
    except SystemExit:  # a Pico soft-resets: the host relay restarts this process
        raise
    except BaseException as _e:  # a Pico prints the traceback and drops to the REPL
        sys.print_exception(_e)
    for _n in ("_src", "_e"):
        globals().pop(_n, None)
    del _n
else:
    del _mode
