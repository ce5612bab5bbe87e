"""Frame codec (heel.link.frame): the same checks in CPython and in the MicroPython unix port."""

from __future__ import annotations

import zlib

from heel.link import frame as F
from tests.mp import frame_checks, run_mp


def test_checks_pass_in_cpython() -> None:
    assert frame_checks.run_all() == 8


def test_checks_pass_in_micropython_unix_port(micropython_bin: str) -> None:
    proc = run_mp("frame_checks", "run")
    assert b"checks 8" in proc.stdout, proc.stdout


def test_crc_is_zlib_crc32() -> None:
    body = F.encode_frame(0x90, 1, b"abc")[4:]
    assert F.crc(body[:-4]) == zlib.crc32(body[:-4])
    assert int.from_bytes(body[-4:], "little") == zlib.crc32(body[:-4])


def test_same_bytes_from_micropython_and_cpython(micropython_bin: str) -> None:
    out = run_mp("frame_checks", "same_bytes").stdout.decode().split()
    assert bytes.fromhex(out[0]) == F.encode_frame(0x92, 3, bytes(range(200)))
    assert bytes.fromhex(out[1]) == F.encode_request(F.T_READ, 3, F.pack_read(7, 65536, 8192))


def test_magic_has_no_repl_control_bytes() -> None:
    for magic in (F.REQ_MAGIC, F.RSP_MAGIC):
        assert not set(magic) & {1, 2, 3, 4}
        assert len(magic) == 4
