"""Set segmentation: turns rep candidates from the detectors into sets and events.

A detector proposes a rep with `candidate(key, t_start, t, t_end, hold_ms)`; keys are
the exercises, with ankle circles split by direction (a change of direction starts a new
set). Reps of the running set are emitted at once. Otherwise candidates wait until
CONFIRM[key] of them came in a row: then the set is recognised, its start and the waiting
reps are emitted together (their t_ms is when they happened). A pause of more than
10 s ends a set (DESIGN.md). Preallocated lists only: no allocation per call.

    tracker = SetTracker(listener)          # listener(kind, exercise, t_ms, value)
    tracker.candidate(KEY_RAISE, 1000, 2500, 4000, 1200)
    tracker.tick(now_ms)                    # ends a set after the pause
"""

from heel.compat import const, micropython
from heel.motion.events import (
    ANKLE_CIRCLE,
    DIR_CCW,
    DIR_CW,
    DIR_NONE,
    EV_REP,
    EV_SET_END,
    EV_SET_START,
)

KEY_RAISE = const(0)
KEY_WALK = const(1)
KEY_TAP = const(2)
KEY_CIRCLE_CW = const(3)
KEY_CIRCLE_CCW = const(4)
_KEYS = const(5)
_MAXP = const(8)  # waiting candidates kept per key
_FIELDS = const(4)  # t_start, t, t_end, hold
SET_GAP_MS = const(10000)  # a longer pause ends the set

# Reps in a row before a set is believed, per key: a rise or two on tiptoe (reaching a
# shelf) or a bump must not count.
CONFIRM = (3, 3, 3, 2, 2)
# Longest pause between waiting candidates of one key, ms.
PENDING_GAP = (10000, 4000, 4000, 6000, 6000)


class SetTracker:
    def __init__(self, listener):
        self._listener = listener
        self.key = -1  # running set, or -1
        self.exercise = -1
        self.direction = DIR_NONE
        self.count = 0
        self.last_end = 0
        self._pend = [0] * (_KEYS * _MAXP * _FIELDS)
        self._npend = [0] * _KEYS

    @micropython.native
    def candidate(self, key, t_start, t, t_end, hold):
        if key == self.key and t_start - self.last_end <= SET_GAP_MS:
            self._emit_rep(t, t_end, hold)
            return
        base = key * _MAXP * _FIELDS
        n = self._npend[key]
        p = self._pend
        if n and t_start - p[base + (n - 1) * _FIELDS + 2] > PENDING_GAP[key]:
            n = 0  # not in a row with the waiting ones: start over
        if n == _MAXP:  # keep the newest
            for i in range(_FIELDS, _MAXP * _FIELDS):
                p[base + i - _FIELDS] = p[base + i]
            n -= 1
        i = base + n * _FIELDS
        p[i] = t_start
        p[i + 1] = t
        p[i + 2] = t_end
        p[i + 3] = hold
        n += 1
        self._npend[key] = n
        if n >= CONFIRM[key]:
            self._start_set(key, n)

    def _start_set(self, key, n):
        if self.key >= 0:
            self._end_set()
        base = key * _MAXP * _FIELDS
        p = self._pend
        self.key = key
        self.direction = DIR_NONE
        self.exercise = key
        if key == KEY_CIRCLE_CW:
            self.exercise = ANKLE_CIRCLE
            self.direction = DIR_CW
        elif key == KEY_CIRCLE_CCW:
            self.exercise = ANKLE_CIRCLE
            self.direction = DIR_CCW
        self.count = 0
        self._listener(EV_SET_START, self.exercise, p[base], self.direction)
        for j in range(n):
            i = base + j * _FIELDS
            self._emit_rep(p[i + 1], p[i + 2], p[i + 3])

    def _emit_rep(self, t, t_end, hold):
        # the running set goes on: other exercises' waiting candidates conflict with it
        for k in range(_KEYS):
            self._npend[k] = 0
        self.count += 1
        if t_end > self.last_end:
            self.last_end = t_end
        self._listener(EV_REP, self.exercise, t, hold)

    def _end_set(self):
        self._listener(EV_SET_END, self.exercise, self.last_end, self.count)
        self.key = -1
        self.exercise = -1
        self.direction = DIR_NONE
        self.count = 0

    def tick(self, now):
        """Call once per block: ends the running set after a pause."""
        if self.key >= 0 and now - self.last_end > SET_GAP_MS:
            self._end_set()

    def flush(self):
        """End of data: close the running set."""
        if self.key >= 0:
            self._end_set()
