"""The board's transfer path in the MicroPython unix port: a full READ frame (flash -> reply buffer
-> CRC -> one write) allocates nothing (heap_lock), and a whole READ costs little heap per KiB."""

from __future__ import annotations

from pathlib import Path

from heel.link import frame as F
from tests.mp import run_mp
from tests.support.sessions import make_session


def test_full_read_frames_allocate_nothing(tmp_path: Path, micropython_bin: str) -> None:
    data = make_session(1, 13_000)  # ~260 KiB: 32+ frames of 8 KiB
    (tmp_path / "sessions").mkdir()
    (tmp_path / "sessions" / "1.hts").write_bytes(data)
    (tmp_path / "heeltrack_id").write_text("0011223344556677")
    read_all = F.encode_request(F.T_READ, 1, F.pack_read(1, 0, len(data)))
    (tmp_path / "req1").write_bytes(read_all)
    (tmp_path / "req2").write_bytes(F.encode_request(F.T_HELLO, 1) + read_all)
    proc = run_mp("link_heap", "run", str(tmp_path))
    out = proc.stdout.decode()
    assert "locked frames ok" in out, out
    words = out.split()
    frames = int(words[words.index("whole-read") + 2])
    heap = int(words[words.index("heap") + 1])
    kib = len(data) / 1024
    assert frames == -(-len(data) // 8192)
    # the request (hex decode, its tuple and list) and the last short frame's views: well under
    # 2 KiB for the whole READ of ~260 KiB (768 bytes measured on 64-bit unix), nothing per frame
    assert heap < 2048, (heap, kib)
