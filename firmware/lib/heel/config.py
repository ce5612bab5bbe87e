"""The device configuration: the exercise program's targets, the foot, the idle timeout.

    from heel import config
    cfg = config.load("/config.json")          # defaults for missing keys; ValueError if bad
    cfg = config.merge(cfg, {"hold_s": 5})     # validated copy (what SET_CONFIG does)
    config.save(cfg, "/config.json")           # atomic (write + rename)
    config.digest(cfg)                         # 8 hex chars, logged in SESSION_START

Defaults are the seed's program (DESIGN.md, "The exercises"):
    calf raises 10-15 reps x 3-4 sets, each held about 3 s at the top;
    heel walks about 20 steps (about 10 by the sensor foot);
    toe taps 10 per foot x 3-4 rounds; ankle circles 8 per direction.

Keys (flat, so a host can change one with SET_CONFIG):
    foot               "left" | "right"    the foot wearing the board
    idle_timeout_s     int 10..3600        a session ends after this long without a set
    heel_raise_reps    [min, max]          reps per set (1..100)
    heel_raise_sets    [min, max]          sets (1..20)
    heel_raise_hold_s  number 0..30        hold target at the top; 0 = no hold cue
    heel_walk_steps    int 1..200          steps of both feet per set
    toe_tap_reps       int 1..100          taps per foot per round
    toe_tap_rounds     [min, max]          rounds (1..20)
    ankle_circle_reps  int 1..100          circles per direction
    buzzer             bool                use the buzzer (if the board has one)
"""

import json
import os
from binascii import crc32

DEFAULTS = {
    "foot": "left",
    "idle_timeout_s": 120,
    "heel_raise_reps": [10, 15],
    "heel_raise_sets": [3, 4],
    "heel_raise_hold_s": 3,
    "heel_walk_steps": 20,
    "toe_tap_reps": 10,
    "toe_tap_rounds": [3, 4],
    "ankle_circle_reps": 8,
    "buzzer": True,
}

# key -> (kind, low, high)
_RULES = {
    "foot": ("foot", 0, 0),
    "idle_timeout_s": ("int", 10, 3600),
    "heel_raise_reps": ("range", 1, 100),
    "heel_raise_sets": ("range", 1, 20),
    "heel_raise_hold_s": ("num", 0, 30),
    "heel_walk_steps": ("int", 1, 200),
    "toe_tap_reps": ("int", 1, 100),
    "toe_tap_rounds": ("range", 1, 20),
    "ankle_circle_reps": ("int", 1, 100),
    "buzzer": ("bool", 0, 0),
}


def _check(key, v, where):
    if key not in _RULES:
        raise ValueError(
            "%sunknown setting '%s'; known: %s" % (where, key, ", ".join(sorted(_RULES)))
        )
    kind, lo, hi = _RULES[key]
    bad = "%ssetting '%s' " % (where, key)
    if kind == "foot":
        if v not in ("left", "right"):
            raise ValueError(bad + "must be 'left' or 'right', got %r" % (v,))
        return v
    if kind == "bool":
        if v is not True and v is not False:
            raise ValueError(bad + "must be true or false, got %r" % (v,))
        return v
    if kind == "range":
        if (
            not isinstance(v, (list, tuple))
            or len(v) != 2
            or not all(isinstance(x, int) and x is not True and x is not False for x in v)
        ):
            raise ValueError(bad + "must be [min, max] (integers), got %r" % (v,))
        if not lo <= v[0] <= v[1] <= hi:
            raise ValueError(bad + "must have %d <= min <= max <= %d, got %r" % (lo, hi, list(v)))
        return [v[0], v[1]]
    ok_type = (int, float) if kind == "num" else (int,)
    if not isinstance(v, ok_type) or v is True or v is False:
        raise ValueError(
            bad
            + "must be %s %d..%d, got %r"
            % ("a number" if kind == "num" else "an integer", lo, hi, v)
        )
    if not lo <= v <= hi:
        raise ValueError(bad + "must be in %d..%d, got %r" % (lo, hi, v))
    return v


def merge(base, changes, where=""):
    """A validated copy of `base` with `changes` applied; ValueError (one line) if invalid."""
    if not isinstance(changes, dict):
        raise ValueError("%sthe configuration must be a JSON object, got %r" % (where, changes))
    out = {}
    for k in DEFAULTS:
        out[k] = base.get(k, DEFAULTS[k])
    for k in changes:
        out[k] = _check(k, changes[k], where)
    return out


def load(path="/config.json"):
    """The configuration in `path` over the defaults; a missing file gives the defaults."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return merge(DEFAULTS, {})
    try:
        d = json.loads(text)
    except ValueError:
        raise ValueError(
            "%s: not valid JSON; fix it or delete it for the defaults" % path
        ) from None
    return merge(DEFAULTS, d, "%s: " % path)


def save(cfg, path="/config.json"):
    """Write atomically: a power cut leaves the old or the new file, never half of one."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(dumps(cfg))
    os.rename(tmp, path)


def dumps(cfg):
    """Canonical JSON text (sorted keys) of the configuration."""
    return "{%s}" % ", ".join("%s: %s" % (json.dumps(k), json.dumps(cfg[k])) for k in sorted(cfg))


def digest(cfg):
    """8 hex chars identifying the configuration (crc32 of the canonical JSON)."""
    return "%08x" % (crc32(dumps(cfg).encode()) & 0xFFFFFFFF)


# The program's targets as logged with each session (records SESSION_START), in this order:
# hold in ms, then one byte each, then the idle timeout in s.
_PROGRAM = "<HBBBBBBBBBH"
PROGRAM_KEYS = (
    "heel_raise_hold_s",
    "heel_raise_reps",
    "heel_raise_sets",
    "heel_walk_steps",
    "toe_tap_reps",
    "toe_tap_rounds",
    "ankle_circle_reps",
    "idle_timeout_s",
)


def pack_program(cfg):
    """The targets of `cfg` (PROGRAM_KEYS) as 13 bytes, logged with each session."""
    import struct

    r = cfg["heel_raise_reps"]
    s = cfg["heel_raise_sets"]
    t = cfg["toe_tap_rounds"]
    return struct.pack(
        _PROGRAM,
        hold_ms(cfg),
        r[0],
        r[1],
        s[0],
        s[1],
        cfg["heel_walk_steps"],
        cfg["toe_tap_reps"],
        t[0],
        t[1],
        cfg["ankle_circle_reps"],
        cfg["idle_timeout_s"],
    )


def unpack_program(data):
    """The PROGRAM_KEYS settings packed by pack_program; ValueError if `data` is not that."""
    import struct

    if len(data) != struct.calcsize(_PROGRAM):
        raise ValueError(
            "a packed program has %d bytes, not %d" % (struct.calcsize(_PROGRAM), len(data))
        )
    v = struct.unpack(_PROGRAM, data)
    hold = v[0] / 1000
    return merge(
        DEFAULTS,
        {
            "heel_raise_hold_s": int(hold) if hold == int(hold) else hold,
            "heel_raise_reps": [v[1], v[2]],
            "heel_raise_sets": [v[3], v[4]],
            "heel_walk_steps": v[5],
            "toe_tap_reps": v[6],
            "toe_tap_rounds": [v[7], v[8]],
            "ankle_circle_reps": v[9],
            "idle_timeout_s": v[10],
        },
    )


def rep_target(cfg, exercise):
    """Reps that complete a set of `exercise` (heel.motion.events ids), for the target cue."""
    if exercise == 0:
        return cfg["heel_raise_reps"][0]
    if exercise == 1:
        return max(1, cfg["heel_walk_steps"] // 2)  # steps of the sensor foot
    if exercise == 2:
        return cfg["toe_tap_reps"]
    if exercise == 3:
        return cfg["ankle_circle_reps"]
    return 0


def hold_ms(cfg):
    """Heel-raise hold target in ms (0: no cue)."""
    return int(cfg["heel_raise_hold_s"] * 1000)
