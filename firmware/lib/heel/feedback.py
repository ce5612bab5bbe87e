"""LED and buzzer signals, non-blocking, behind a tiny pin interface.

    from heel.feedback import Feedback
    fb = Feedback(led, buzzer=None, clock=time.ticks_ms)   # pins: objects with .value(v)
    fb.rep()                   # queue a signal; an idle output starts it at once
    fb.update()                # steps the running patterns; call it again in fb.due_ms() ms

A pin is anything with `value(0|1)`: machine.Pin, `Inverted(pin)` for an active-low
LED, or the virtual board's recording pin. Patterns are tuples of durations in ms,
on first, then off, on, ...; two channels (LED, buzzer) run independently, each with a
small queue of pattern numbers (a preallocated bytearray: queuing allocates nothing).

The signals (README: "What the LED and the buzzer mean"):
    rep counted            LED  one short blink (80 ms)
    set target reached     buzzer two short beeps (the program's reps for this set)
    hold target reached    buzzer one 300 ms beep (heel raise held long enough);
                           without a buzzer, a 300 ms LED flash
    set ended              LED two long blinks (500 ms)
    session started        LED on for 1 s (not used by the app: it would delay the
                           first rep blinks; the first blink says it)
    session ended          LED three long blinks
    store full             LED five fast flashes, repeated every 10 s while full;
                           buzzer three short beeps when it becomes full
    cannot log             LED ten fast flashes, repeated every 10 s while the log fails
                           (counting goes on; `heeltrack sync` says why)
    IMU error at start     LED fast blinking (heel.start), then the REPL
"""

from heel.compat import const, ticks_add, ticks_diff, ticks_ms

REP = const(0)
SET_END = const(1)
TARGET = const(2)
HOLD = const(3)
SESSION_START = const(4)
SESSION_END = const(5)
FULL = const(6)
ERROR = const(7)

NAMES = ("rep", "set_end", "target", "hold", "session_start", "session_end", "full", "error")

# pattern -> (led durations, buzzer durations); () = nothing on that channel
_LED = (
    (80, 120),
    (500, 200, 500, 300),
    (),
    (300, 200),  # HOLD: used only on boards without a buzzer
    (1000, 300),
    (500, 200, 500, 200, 500, 300),
    (50, 50, 50, 50, 50, 50, 50, 50, 50, 300),
    (50, 50) * 9 + (50, 300),  # ERROR: ten fast flashes (the log fails)
)
_BUZZ = (
    (),
    (),
    (100, 100, 100, 200),
    (300, 200),
    (),
    (),
    (100, 100, 100, 100, 100, 300),
    (),
)
_QUEUE = const(16)
FULL_REPEAT_MS = const(10000)


class Inverted:
    """An active-low output seen as active-high."""

    def __init__(self, pin):
        self.pin = pin

    def value(self, v):
        self.pin.value(0 if v else 1)


class _Channel:
    def __init__(self, pin, patterns):
        self.pin = pin
        self.patterns = patterns
        self.q = bytearray(_QUEUE)
        self.head = 0
        self.n = 0
        self.cur = ()  # durations of the running pattern
        self.step = 0
        self.t_next = 0
        self.busy = False
        self.started = 0  # patterns started (for tests)
        if pin is not None:
            pin.value(0)

    def push(self, p):
        if self.pin is None or not len(self.patterns[p]):
            return
        if self.n < _QUEUE:
            self.q[(self.head + self.n) % _QUEUE] = p
            self.n += 1

    def update(self, now):
        if self.busy:
            if ticks_diff(now, self.t_next) < 0:
                return
            self.step += 1
            if self.step < len(self.cur):
                self.pin.value(1 - (self.step & 1))  # even steps on, odd off
                self.t_next = ticks_add(now, self.cur[self.step])
                return
            self.busy = False
        if self.n:
            p = self.q[self.head]
            self.head = (self.head + 1) % _QUEUE
            self.n -= 1
            self.cur = self.patterns[p]
            self.step = 0
            self.busy = True
            self.started += 1
            self.pin.value(1)
            self.t_next = ticks_add(now, self.cur[0])


class Feedback:
    """Signals on an LED and an optional buzzer; see the module docstring."""

    def __init__(self, led, buzzer=None, clock=None):
        self.clock = clock if clock is not None else ticks_ms
        self.led = _Channel(led, _LED)
        self.buzz = _Channel(buzzer, _BUZZ)
        self.has_buzzer = buzzer is not None
        self.full = False
        self._full_next = 0
        self.failing = False  # the session log cannot be written (not for lack of space)
        self._fail_next = 0
        self.counts = bytearray(len(NAMES))  # signals given, per kind (wraps at 256)

    def signal(self, kind):
        """Queue signal `kind` (REP, SET_END, ...); an idle output starts it now."""
        self.counts[kind] = (self.counts[kind] + 1) & 0xFF
        if kind != HOLD or not self.has_buzzer:
            self.led.push(kind)
        self.buzz.push(kind)
        self.update()

    def rep(self):
        self.signal(REP)

    def set_end(self):
        self.signal(SET_END)

    def target(self):
        self.signal(TARGET)

    def hold(self):
        self.signal(HOLD)

    def session_start(self):
        self.signal(SESSION_START)

    def session_end(self):
        self.signal(SESSION_END)

    def store_full(self, full):
        """Tell the store's state; while full the warning repeats every FULL_REPEAT_MS."""
        if full and not self.full:
            self._full_next = self.clock()
        self.full = full

    def log_failing(self, failing):
        """Tell whether logging fails; while it does, ten fast flashes repeat every
        FULL_REPEAT_MS (a wearable that silently stops logging would lose sessions)."""
        if failing and not self.failing:
            self._fail_next = self.clock()
        self.failing = failing

    def update(self, now=None):
        led = self.led
        buzz = self.buzz
        if not (self.full or self.failing or led.busy or led.n or buzz.busy or buzz.n):
            return  # idle: the common case, no clock reading
        if now is None:
            now = self.clock()
        if self.failing and ticks_diff(now, self._fail_next) >= 0:
            self._fail_next = ticks_add(now, FULL_REPEAT_MS)
            self.counts[ERROR] = (self.counts[ERROR] + 1) & 0xFF
            led.push(ERROR)
        if self.full and ticks_diff(now, self._full_next) >= 0:
            self._full_next = ticks_add(now, FULL_REPEAT_MS)
            self.counts[FULL] = (self.counts[FULL] + 1) & 0xFF
            led.push(FULL)
            if self.counts[FULL] == 1:
                buzz.push(FULL)
        led.update(now)
        buzz.update(now)

    def busy(self):
        return self.led.busy or self.buzz.busy or self.led.n or self.buzz.n

    def due_ms(self, now=None):
        """ms until update() has something to do (a pattern's next step, a repeated
        warning); -1 when idle: nothing until the next signal. Allocates nothing."""
        led = self.led
        buzz = self.buzz
        if led.n or buzz.n:
            return 0
        if not (self.full or self.failing or led.busy or buzz.busy):
            return -1
        if now is None:
            now = self.clock()
        due = FULL_REPEAT_MS
        if led.busy:
            due = min(due, ticks_diff(led.t_next, now))
        if buzz.busy:
            due = min(due, ticks_diff(buzz.t_next, now))
        if self.failing:
            due = min(due, ticks_diff(self._fail_next, now))
        if self.full:
            due = min(due, ticks_diff(self._full_next, now))
        return max(due, 0)
