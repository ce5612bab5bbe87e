"""A RAM flash block device for littlefs in the unix port (the power-cut tests of the session
log and the store benchmark share it).

    from ramflash import RamFlash
    dev = RamFlash(64); vfs.VfsLfs2.mkfs(dev); vfs.mount(vfs.VfsLfs2(dev), "/flash")

`RamFlash(blocks, data=None, bs=512)` speaks the extended block protocol that vfs.VfsLfs2
uses (as MicroPython's tests/extmod/vfs_lfs_corrupt.py does), copies in viper so the device
itself allocates nothing, counts programs, bytes programmed and erases, and can lose power:
after `cut_at` program/erase operations, mode "error" fails every later write with EIO and
mode "silent" drops them while the code runs on (the CPU outliving the flash).
"""

from heel.compat import micropython, ptr8


@micropython.viper
def _copy(dst: ptr8, doff: int, src: ptr8, soff: int, n: int):
    i = 0
    while i < n:
        dst[doff + i] = src[soff + i]
        i += 1


@micropython.viper
def _fill(dst: ptr8, off: int, n: int):
    i = 0
    while i < n:
        dst[off + i] = 0xFF
        i += 1


class RamFlash:
    def __init__(self, blocks=0, data=None, bs=512):
        self.bs = bs
        if data is not None:
            self.data = bytearray(data)
        else:  # erased flash, without a second copy the size of the device
            self.data = bytearray(blocks * bs)
            _fill(self.data, 0, blocks * bs)
        self.ops = 0
        self.cut_at = -1
        self.cut = False
        self.mode = "silent"
        self.progs = 0
        self.prog_bytes = 0
        self.erases = 0

    def _power(self):
        # 0: power on; else what the operation returns: -EIO ("error") or 0 ("silent")
        self.ops += 1
        if self.cut_at >= 0 and self.ops > self.cut_at:
            self.cut = True
            return -5 if self.mode == "error" else 1
        return 0

    def readblocks(self, block, buf, off=0):
        _copy(buf, 0, self.data, block * self.bs + off, len(buf))
        return 0

    def writeblocks(self, block, buf, off=None):
        p = self._power()
        if p == 0:
            self.progs += 1
            self.prog_bytes += len(buf)
            _copy(self.data, block * self.bs + (off or 0), buf, 0, len(buf))
        return p if p < 0 else 0

    def ioctl(self, op, arg):
        if op == 4:
            return len(self.data) // self.bs
        if op == 5:
            return self.bs
        if op == 6:
            p = self._power()
            if p == 0:
                self.erases += 1
                _fill(self.data, arg * self.bs, self.bs)
            return p if p < 0 else 0
        return 0
