"""Frame codec checks (heel.link.frame) that run unchanged in CPython and in the unix port
(tests/test_frame.py); each check raises AssertionError on failure.

    import frame_checks; frame_checks.run()        # prints "checks N"
"""

from heel.link import frame as F


class Rng:
    def __init__(self, seed):
        self.x = seed or 1

    def next(self, n):
        self.x = (self.x * 1103515245 + 12345) & 0x7FFFFFFF
        return self.x % n


def payload(rng, n):
    b = bytearray(n)
    for i in range(n):
        b[i] = rng.next(256)
    return bytes(b)


def check_round_trip_with_noise():
    rng = Rng(7)
    frames = []
    wire = bytearray(b"MicroPython v1.29 on unix\r\n>>> \x04garbage\xa5\x5aH")
    for i in range(40):
        p = payload(rng, rng.next(300) if i % 7 else 9000)
        frames.append((0x92, i + 1, p))
        wire += F.encode_frame(0x92, i + 1, p)
        wire += b"REPL text\r\n" if i % 3 == 0 else b""
    parser = F.FrameParser()
    got = []
    pos = 0
    while pos < len(wire):
        k = 1 + rng.next(700)
        parser.feed(wire[pos : pos + k])
        pos += k
        while True:
            fr = parser.next()
            if fr is None:
                break
            got.append(fr)
    assert got == frames, "frames lost or changed"
    assert parser.bad == 0


def check_bad_crc_rejected_and_resync():
    good1 = F.encode_frame(0x91, 1, b"first")
    bad = bytearray(F.encode_frame(0x91, 2, b"damaged payload"))
    bad[12] ^= 0x10
    good3 = F.encode_frame(0x91, 3, b"third")
    parser = F.FrameParser()
    parser.feed(good1 + bytes(bad) + good3)
    assert parser.next() == (0x91, 1, b"first")
    assert parser.next() == (0x91, 3, b"third"), "no resync after a bad CRC"
    assert parser.next() is None
    assert parser.bad == 1


def check_impossible_length_skipped():
    junk = F.RSP_MAGIC + b"\x91\x01\xff\xff" + b"zz"
    parser = F.FrameParser()
    parser.feed(junk + F.encode_frame(0x93, 4, b"ok"))
    assert parser.next() == (0x93, 4, b"ok")
    assert parser.bad == 1


def check_truncated_frame_then_good():
    whole = F.encode_frame(0x92, 5, b"x" * 100)
    parser = F.FrameParser()
    parser.feed(whole[:60] + F.encode_frame(0x92, 6, b"y"))
    # the truncated frame's length reaches past the next frame: the parser waits for more bytes
    assert parser.next() is None
    # ... and gives up on it when told (the host does on a timeout), finding the frame inside
    parser.resync()
    assert parser.next() == (0x92, 6, b"y")
    parser.feed(whole[:60] + F.encode_frame(0x92, 7, b"z") + b"more REPL text" * 4)
    # or more bytes arrive: the CRC fails and the search resumes inside the damaged frame
    assert parser.next() == (0x92, 7, b"z")


def feed_reader(reader, wire, rng):
    out = []
    pos = 0
    while pos < len(wire):
        k = reader.want()
        k = min(k, 1 + rng.next(k)) if k > 1 else 1
        k = min(k, len(wire) - pos)
        reader.mv[reader.n : reader.n + k] = wire[pos : pos + k]
        pos += k
        ready = reader.got(k)
        while ready:
            out.append(reader.decode())
            ready = reader.resume()
    return out


def check_requests_have_no_control_bytes_and_decode():
    rng = Rng(3)
    wire = bytearray(b"\r\n>>> junk \xa5\xa5\x5a")
    sent = []
    for seq in range(1, 256, 5):
        p = payload(rng, rng.next(60))
        req = F.encode_request(F.T_READ, seq, p)
        for b in req:
            assert b >= 0x20, "control byte in a request"
        wire += req
        sent.append((F.T_READ, seq, p))
    reader = F.RequestReader()
    got = [(t, s, bytes(p)) for t, s, p in feed_reader(reader, wire, rng)]
    assert got == sent


def check_request_cut_short_does_not_swallow_the_next():
    rng = Rng(11)
    first = F.encode_request(F.T_HELLO, 1, b"")
    # damage the length field so that it claims 1000 bytes: the reader must still find the
    # next request's magic instead of eating it as body
    bad = bytearray(first)
    bad[8:12] = b"e803"
    wire = bytes(bad) + F.encode_request(F.T_HELLO, 2, b"") + F.encode_request(F.T_LIST, 3, b"ab")
    reader = F.RequestReader()
    got = [g for g in feed_reader(reader, wire, rng) if g is not None]
    assert [(t, s) for t, s, _ in got] == [(F.T_HELLO, 2), (F.T_LIST, 3)], got
    # and a request with bytes dropped from its middle
    cut = F.encode_request(F.T_READ, 4, F.pack_read(1, 2, 3))
    wire = cut[:20] + cut[30:] + F.encode_request(F.T_READ, 5, F.pack_read(1, 2, 3))
    got = [g for g in feed_reader(F.RequestReader(), wire, rng) if g is not None]
    assert [s for _, s, _ in got] == [5], got


def check_damaged_request_dropped():
    rng = Rng(5)
    req = bytearray(F.encode_request(F.T_HASH, 9, F.pack_hash(2, 0, 100)))
    req[20] = ord("g")  # not hex
    req2 = bytearray(F.encode_request(F.T_HASH, 10, F.pack_hash(2, 0, 100)))
    req2[30] = ord("0") if req2[30] != ord("0") else ord("1")  # CRC fails
    good = F.encode_request(F.T_LIST, 11, b"\x00\x00")
    reader = F.RequestReader()
    got = feed_reader(reader, bytes(req) + bytes(req2) + good, rng)
    got = [g for g in got if g is not None]
    assert len(got) == 1 and got[0][1] == 11, got
    assert reader.dropped >= 1


class Sink:
    def __init__(self):
        self.data = bytearray()

    def write(self, b):
        self.data += b
        return len(b)


def check_writer_matches_encoder():
    sink = Sink()
    w = F.ResponseWriter(sink, 64)
    w.payload[0:5] = b"hello"
    w.send(0x90, 200, 5)
    assert bytes(sink.data) == F.encode_frame(0x90, 200, b"hello")
    w.error(201, F.E_HASH, "different")
    parser = F.FrameParser()
    parser.feed(sink.data)
    parser.next()
    assert parser.next() == (F.T_ERROR, 201, bytes([F.E_HASH]) + b"different")


def run_all():
    n = 0
    for name, fn in sorted(globals().items()):
        if name.startswith("check_"):
            fn()
            n += 1
    return n


def run():
    print("checks", run_all())


def same_bytes():
    """A frame and a request, hex: what CPython's codec must give byte for byte."""
    import binascii

    print(binascii.hexlify(F.encode_frame(0x92, 3, bytes(range(200)))).decode())
    req = F.encode_request(F.T_READ, 3, F.pack_read(7, 65536, 8192))
    print(binascii.hexlify(req).decode())
