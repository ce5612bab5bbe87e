"""SessionLog in the MicroPython unix port on littlefs (vfs.VfsLfs2) over a RAM block device
that loses power after write N, for N = 1, 2, 3, ... ("linear", as littlefs tests itself).

After each cut the device is remounted from the bytes the flash holds and SessionLog opened
again; the invariant: the session reads back as a prefix of what was appended, holding every
record whose append returned before the cut, decodes without error, is closed, and the next
session gets a new number. Also: a filesystem that fills up, and allocation on the hot path."""

from __future__ import annotations

from pathlib import Path

from tests.mp import run_mp


def mp(function: str, *args: object) -> list[str]:
    """tests/mp/store_powercut.py's `function` in the unix port: its output, split."""
    return run_mp("store_powercut", function, *args).stdout.decode().split()


def test_power_cut_after_every_write(micropython_bin: str) -> None:
    out = mp("linear")
    silent, raised = int(out[0]), int(out[1])
    # every program/erase of a whole session (begin, 34 appends, end) got its own cut
    assert silent > 34 * 2 and raised > 34 * 2, out


def test_power_cut_while_repairing(micropython_bin: str) -> None:
    out = mp("repair")
    assert int(out[0]) > 5, out  # copy, rename and remove each had cuts inside them
    assert int(out[1]) > 2, out  # append of SESSION_END and rename


def test_filesystem_full_on_a_small_device(micropython_bin: str) -> None:
    out = mp("fill")
    assert int(out[0]) >= 2, out


def test_append_rep_allocates_nothing(micropython_bin: str, tmp_path: Path) -> None:
    """append_rep (encode, write, flush) allocates nothing, on littlefs and on VfsPosix:
    gc.mem_alloc() does not move over 200 appends, and 20 more run under heap_lock().
    Reading a whole session with read_into into a memoryview allocates nothing either."""
    lines = run_mp("store_powercut", "alloc", str(tmp_path)).stdout.decode().splitlines()
    assert lines == ["lfs 0 True True", "read 0 True", "posix 0 True True"], lines


def test_reading_the_active_session_sees_every_append(micropython_bin: str) -> None:
    sizes = [int(x) for x in mp("active")]
    rep = 18
    assert sizes[1:] == [sizes[0] + 2 * rep, sizes[0] + 4 * rep, sizes[0] + 6 * rep + 12], sizes
