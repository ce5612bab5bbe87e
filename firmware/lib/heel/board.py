"""Load and validate a board file (boards/*.json, /board.json on the device).

    from heel.board import load_board
    b = load_board("/board.json")       # or a dict already parsed
    b.sda, b.scl, b.imu_addr, b.axis_index, b.axis_sign

Any defect raises ValueError with one line naming the file and the field:
    boards/x.json: field 'i2c.sda' must be a GPIO number 0-29, got 'GP4'
Unknown fields are errors too, so a typo never passes silently.

Schema (every key required unless marked optional):
    name     str, 1..63 bytes of printable UTF-8 (the session log stores it), e.g. "pico-mpu6050"
    mcu      "rp2040" | "rp2350" | "unix"   (unix: the virtual board)
    notes    str, optional        free text for people
    i2c      {id: 0|1, sda: GPIO, scl: GPIO, freq: 10000..1000000}; null for unix
    imu      {type: "mpu6050" | "fake_mpu6050", addr: 0x68|0x69 (int or "0x68"),
              rate_hz: 100, the engine's rate (heel.motion.engine.RATE_HZ)}
    axes     [3 strings] from "x" "-x" "y" "-y" "z" "-z": where the FOOT axes x, y, z
             come from on the board; a rotation (permutation with signs, det +1)
    led      {pin: GPIO | "LED", active_high: bool}
    button   {pin: GPIO, pull_up: bool} | null
    buzzer   {pin: GPIO} | null
    usb      {vid: int | "0x2E8A", pid: int | "0x0005"} | null (null for unix)

Axes, reference mounting: the MPU6050 breakout (GY-521) lies flat on the top of the
foot, component side up, its printed X arrow pointing to the toes and Y to the
wearer's left: then the chip's z points up out of the foot and axes is
["x", "y", "z"]. Strapped upside down (components against the foot, X still to the
toes) it is ["x", "-y", "-z"]. Turned a quarter so that the chip's Y points to the
toes and X to the wearer's right: ["y", "-x", "z"].
"""

import json

from heel.motion.engine import RATE_HZ
from heel.records import MAX_TEXT

_MCUS = ("rp2040", "rp2350", "unix")
_MAX_GPIO = {"rp2040": 29, "rp2350": 47, "unix": 47}
_IMUS = ("mpu6050", "fake_mpu6050")
_AXES = ("x", "-x", "y", "-y", "z", "-z")
_TOP = ("name", "mcu", "notes", "i2c", "imu", "axes", "led", "button", "buzzer", "usb")
_OPTIONAL = ("notes",)


class Board:
    """A validated board: plain attributes, nothing to do with machine."""

    def __repr__(self):
        return "<Board %s (%s)>" % (self.name, self.source)


class _Check:
    def __init__(self, source):
        self.source = source

    def fail(self, field, what):
        raise ValueError("%s: field '%s' %s" % (self.source, field, what))

    def obj(self, d, field, keys, nullable=False):
        if d is None and nullable:
            return None
        if not isinstance(d, dict):
            self.fail(field, "must be an object with %s, got %s" % (", ".join(keys), _show(d)))
        for k in d:
            if k not in keys:
                self.fail(_join(field, k), "is not a known field (known: %s)" % ", ".join(keys))
        for k in keys:
            if k not in d and k not in _OPTIONAL:
                self.fail(_join(field, k), "is missing")
        return d

    def int_in(self, v, field, lo, hi, hexok=False):
        if hexok and isinstance(v, str):
            text = v
            v = None
            if text[:2].lower() == "0x":
                try:
                    v = int(text[2:], 16)
                except ValueError:
                    pass
            if v is None:
                self.fail(field, "must be a number like 0x%x, got %s" % (lo, _show(text)))
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            self.fail(field, "must be a number %d-%d, got %s" % (lo, hi, _show(v)))
        return v

    def gpio(self, v, field, mcu, named=()):
        if isinstance(v, str) and v in named:
            return v
        hi = _MAX_GPIO[mcu]
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= hi:
            also = " or %s" % " ".join('"%s"' % n for n in named) if named else ""
            self.fail(field, "must be a GPIO number 0-%d%s, got %s" % (hi, also, _show(v)))
        return v

    def boolean(self, v, field):
        if not isinstance(v, bool):
            self.fail(field, "must be true or false, got %s" % _show(v))
        return v


def _join(a, b):
    return a + "." + b if a else b


def _show(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return "'%s'" % v
    if isinstance(v, (int, float)):
        return repr(v)
    return "a list" if isinstance(v, list) else "an object"


def _axes(c, v):
    if not isinstance(v, list) or len(v) != 3:
        c.fail("axes", 'must be a list of 3 axis names like ["x", "-y", "-z"], got %s' % _show(v))
    index = []
    sign = []
    for k in range(3):
        a = v[k]
        if a not in _AXES:
            c.fail("axes", "item %d must be one of %s, got %s" % (k, " ".join(_AXES), _show(a)))
        index.append("xyz".index(a[-1]))
        sign.append(-1 if a[0] == "-" else 1)
    if sorted(index) != [0, 1, 2]:
        c.fail("axes", "must use each board axis x, y, z once, got %s" % ", ".join(v))
    # determinant of the signed permutation: +1 for a rotation, -1 for a mirror image
    inversions = (index[0] > index[1]) + (index[0] > index[2]) + (index[1] > index[2])
    det = sign[0] * sign[1] * sign[2] * (-1 if inversions % 2 else 1)
    if det < 0:
        c.fail(
            "axes",
            "%s is a mirror image, not a mounting; flip the sign of one axis" % ", ".join(v),
        )
    return tuple(index), tuple(sign)


def load_board(obj_or_path):
    """Board from a path to a JSON file or from an already-parsed dict; ValueError if bad."""
    if isinstance(obj_or_path, dict):
        d = obj_or_path
        source = "board %s" % (d.get("name", "(no name)"),)
    else:
        source = str(obj_or_path)
        try:
            with open(obj_or_path) as f:
                d = json.load(f)
        except OSError:
            raise ValueError("%s: cannot read the board file; check the path" % source) from None
        except ValueError as e:
            raise ValueError("%s: not valid JSON (%s)" % (source, e)) from None
    c = _Check(source)
    if not isinstance(d, dict):
        raise ValueError("%s: must be a JSON object with %s" % (source, ", ".join(_TOP)))
    c.obj(d, "", _TOP)
    b = Board()
    b.source = source
    name = d["name"]
    if not isinstance(name, str) or not name:
        c.fail("name", "must be a non-empty string, got %s" % _show(name))
    # every session's log records the board name: a name the log cannot hold would stop logging
    size = len(name.encode())
    if size > MAX_TEXT:
        c.fail(
            "name",
            "must be at most %d bytes (the session log stores it), got %d" % (MAX_TEXT, size),
        )
    for ch in name:
        if ord(ch) < 32 or ord(ch) == 127:
            c.fail("name", "must be printable text, got a control character (code %d)" % ord(ch))
    b.name = name
    if "notes" in d and not isinstance(d["notes"], str):
        c.fail("notes", "must be a string, got %s" % _show(d["notes"]))
    mcu = d["mcu"]
    if mcu not in _MCUS:
        c.fail("mcu", "must be one of %s, got %s" % (", ".join(_MCUS), _show(mcu)))
    b.mcu = mcu
    virtual = mcu == "unix"

    i2c = c.obj(d["i2c"], "i2c", ("id", "sda", "scl", "freq"), nullable=virtual)
    b.i2c_id = b.sda = b.scl = b.freq = None
    if i2c is not None:
        b.i2c_id = c.int_in(i2c["id"], "i2c.id", 0, 1)
        b.sda = c.gpio(i2c["sda"], "i2c.sda", mcu)
        b.scl = c.gpio(i2c["scl"], "i2c.scl", mcu)
        # rp2 pin functions: GPn is I2C((n // 2) % 2), SDA on even n, SCL on odd n
        for role, pin, parity in (("sda", b.sda, 0), ("scl", b.scl, 1)):
            if pin % 2 != parity or (pin // 2) % 2 != b.i2c_id:
                ok = [p for p in range(_MAX_GPIO[mcu] + 1) if p % 2 == parity]
                ok = [p for p in ok if (p // 2) % 2 == b.i2c_id][:4]
                c.fail(
                    "i2c." + role,
                    "GP%d cannot be %s of I2C%d; use e.g. %s"
                    % (pin, role.upper(), b.i2c_id, ", ".join("GP%d" % p for p in ok)),
                )
        b.freq = c.int_in(i2c["freq"], "i2c.freq", 10000, 1000000)

    imu = c.obj(d["imu"], "imu", ("type", "addr", "rate_hz"))
    if imu["type"] not in _IMUS:
        c.fail("imu.type", "must be one of %s, got %s" % (", ".join(_IMUS), _show(imu["type"])))
    if (imu["type"] == "fake_mpu6050") != virtual:
        c.fail("imu.type", "fake_mpu6050 goes with mcu unix and only there")
    b.imu_type = imu["type"]
    b.imu_addr = c.int_in(imu["addr"], "imu.addr", 0x68, 0x69, hexok=True)
    rate = imu["rate_hz"]
    if not isinstance(rate, int) or isinstance(rate, bool) or rate != RATE_HZ:
        c.fail(
            "imu.rate_hz",
            "must be %d: the engine counts at %d samples per second, got %s"
            % (RATE_HZ, RATE_HZ, _show(rate)),
        )
    b.rate_hz = RATE_HZ

    b.axes = tuple(d["axes"]) if isinstance(d["axes"], list) else d["axes"]
    b.axis_index, b.axis_sign = _axes(c, d["axes"])

    led = c.obj(d["led"], "led", ("pin", "active_high"))
    b.led_pin = c.gpio(led["pin"], "led.pin", mcu, named=("LED",))
    b.led_active_high = c.boolean(led["active_high"], "led.active_high")
    button = c.obj(d["button"], "button", ("pin", "pull_up"), nullable=True)
    b.button_pin = b.button_pull_up = None
    if button is not None:
        b.button_pin = c.gpio(button["pin"], "button.pin", mcu)
        b.button_pull_up = c.boolean(button["pull_up"], "button.pull_up")
    buzzer = c.obj(d["buzzer"], "buzzer", ("pin",), nullable=True)
    b.buzzer_pin = None if buzzer is None else c.gpio(buzzer["pin"], "buzzer.pin", mcu)
    usb = c.obj(d["usb"], "usb", ("vid", "pid"), nullable=True)
    b.usb_vid = b.usb_pid = None
    if usb is not None:
        b.usb_vid = c.int_in(usb["vid"], "usb.vid", 1, 0xFFFF, hexok=True)
        b.usb_pid = c.int_in(usb["pid"], "usb.pid", 0, 0xFFFF, hexok=True)

    used = {}
    for field, pin in (
        ("i2c.sda", b.sda),
        ("i2c.scl", b.scl),
        ("led.pin", b.led_pin),
        ("button.pin", b.button_pin),
        ("buzzer.pin", b.buzzer_pin),
    ):
        if pin is None:
            continue
        if pin in used:
            c.fail(field, "uses GPIO %s, already used by '%s'" % (pin, used[pin]))
        used[pin] = field
    return b
