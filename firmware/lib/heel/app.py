"""The app: sampling -> engine -> feedback and session log, plus the link, in asyncio.

    from heel.app import App
    app = App(board, cfg, imu, log, led=led_pin, buzzer=None, clock=time.ticks_ms)
    app.run()            # asyncio: sampling, feedback and link tasks, until Ctrl-C

    app.step()           # one sampling poll (what the sampling task does every poll_ms):
                         # the hot path; allocates nothing in steady state

Hardware comes in from heel.start (machine.I2C/Pin on a Pico, the fake chip and recording
pins on the virtual board); nothing here imports `machine`.

Tasks:
- sampling, every `poll_ms` (100 ms: 10 samples of the 100 Hz FIFO, which holds 85):
  read the IMU FIFO, feed every sample to the engine (heel.sampler), forward gaps,
  log I2C errors and FIFO overflows, give the hold cue, end an idle session;
- feedback, every 10 ms: steps the LED/buzzer patterns (heel.feedback);
- link, every 40 ms (5 ms during a host exchange): heel.link.server.LinkServer.poll().

Session lifecycle: a session starts by itself with the first event of the engine (the
first set) and ends after `idle_timeout_s` of engine time without a set, or when the app
stops (Ctrl-C). Times in the log are ms since boot: the uptime when the engine started
plus engine time (samples x 10 ms), so they follow the IMU's clock.

The device interface of heel.link.server (log, info, set_clock, get_config, set_config,
subscribe, unsubscribe) is implemented here.
"""

import asyncio
import sys

from heel import VERSION
from heel import config as C
from heel import feedback as FB
from heel import records as R
from heel.compat import print_exception, ticks_diff, ticks_ms
from heel.motion import events as E
from heel.motion.engine import Engine
from heel.sampler import Sampler

# MicroPython's asyncio has sleep_ms (no allocation); CPython's (tests, the host) only sleep(s)
sleep_ms = getattr(asyncio, "sleep_ms", None) or (lambda ms: asyncio.sleep(ms / 1000))

POLL_MS = 100  # 10 samples per FIFO burst: the driver costs ~7k instead of ~17k per sample
# An asyncio wake-up costs ~35k cycles on a Pico's M0+: no task wakes every 10 ms. Feedback
# sleeps until its next LED/buzzer step (the sampling task wakes it when a signal starts); the
# link polls every LINK_IDLE_MS until a host speaks, then every LINK_ACTIVE_MS.
LINK_IDLE_MS = 200
LINK_ACTIVE_MS = 5
FAULT_POLLS = 400  # I2C error / FIFO overflow counts go to the log at most every 400 polls


class App:
    def __init__(
        self,
        board,
        cfg,
        imu,
        log,
        led=None,
        buzzer=None,
        clock=None,
        wall=None,
        poll_ms=POLL_MS,
        config_path="/config.json",
        stream_in=None,
        stream_out=None,
        ms_per_s=1000,
    ):
        self.board = board
        self.cfg = cfg
        self.imu = imu
        self.log = log
        self.clock = clock if clock is not None else ticks_ms
        self._wall = wall  # epoch seconds from an RTC, or None
        self.poll_ms = poll_ms
        self.config_path = config_path
        self._stream_in = stream_in
        self._stream_out = stream_out
        self.feedback = FB.Feedback(led, buzzer if cfg["buzzer"] else None, self.clock)
        self.engine = Engine(self._on_event)
        self.sampler = Sampler(imu, board)
        self._up_last = self.clock()
        self._uptime = self._up_last  # unwrapped ms since boot
        self.t0 = self._uptime  # uptime when the engine started
        self._epoch0 = 0
        self._epoch_up = 0
        self.ms_per_s = ms_per_s  # clock ms per real second (the virtual board runs faster)
        self.boot = log.note_boot(self._uptime)  # which power-up this is (heel.store)
        self._apply(cfg)
        self._hold_cued = False
        self._last_event = 0  # engine ms of the last event
        self.set_no = 0
        self._set_reps = 0
        self.reps = 0  # reps counted since start
        self.sessions = 0  # sessions started since start
        self._subs = []
        self._gaps = 0
        self._errors = 0
        self._overflows = 0
        self._full = False
        self.errors = 0  # unexpected exceptions in the tasks
        self.unlogged = 0  # events the log failed to take (not counting a full store's drops)
        self.log_error = None  # why the log last failed, until a session begins again
        self._unlogged_told = 0  # unlogged events already in a FAULT record
        self._polls = 0  # sampling polls since start
        self._empty = 0  # consecutive polls without a sample
        self._fault_poll = -FAULT_POLLS  # poll of the last FAULT record
        self.server = None
        self._fb_wake = None  # asyncio.Event: the feedback task sleeps on it while idle
        self._fb_idle = False

    def _apply(self, cfg):
        self.cfg = cfg
        self._hold_target = C.hold_ms(cfg)
        self._idle_ms = cfg["idle_timeout_s"] * 1000
        self._targets = tuple(C.rep_target(cfg, ex) for ex in range(len(E.EXERCISES)))

    # ---- clocks ----------------------------------------------------------------------
    def uptime_ms(self):
        now = self.clock()
        self._uptime += ticks_diff(now, self._up_last)
        self._up_last = now
        return self._uptime

    def now_ms(self):
        """Log time now: ms since boot, on the IMU's clock."""
        return self.t0 + self.engine.t_ms

    def epoch_s(self):
        if self._epoch0:
            return self._epoch0 + (self.uptime_ms() - self._epoch_up) // 1000
        if self._wall is not None:
            t = int(self._wall())
            if t > 1700000000:  # an RTC that was set (rp2 boots at 2021-01-01)
                return t
        return 0

    # ---- the engine's listener ---------------------------------------------------------
    def _on_event(self, kind, exercise, t_ms, value):
        if self.log.active is None:
            self._begin(t_ms)
        if kind == E.EV_REP:
            self.reps += 1
            self._set_reps += 1
        elif kind == E.EV_SET_START:
            self.set_no += 1
            self._set_reps = 0
        # log first (a power cut right after a blink must not lose the rep), but whatever the
        # log does, the wearer still gets the feedback and the host the event
        failed = False
        try:
            ok = self._log_event(kind, exercise, self.t0 + t_ms, value)
        except Exception as e:  # noqa: BLE001 - logging must never stop the counting
            self._log_failed(e)
            ok = False
            failed = True
        if not ok:
            if failed or self.log.active is None:
                self.unlogged += 1  # counted here; "store full" drops are counted by the log
            self._check_full()
        elif self.feedback.failing:
            self.feedback.log_failing(False)  # it works again (the count stays)
        if kind == E.EV_REP:
            self.feedback.rep()
            if self._set_reps == self._targets[exercise]:
                self.feedback.target()
        elif kind == E.EV_SET_END:
            self.feedback.set_end()
        self._last_event = self.engine.t_ms
        for cb in self._subs:
            cb(kind, exercise, t_ms, value)

    def _log_event(self, kind, exercise, t, value):
        log = self.log
        if kind == E.EV_REP:
            return log.append_rep(exercise, t, value, self.set_no)
        if kind == E.EV_SET_START:
            return log.append_set_start(exercise, t, value)
        if kind == E.EV_SET_END:
            return log.append_set_end(exercise, t, value)
        return True

    def _log_failed(self, e):
        """The log raised (not a full store: that is reported by the log itself). Count it,
        keep the reason for the host (HELLO's log_error) and signal it on the board."""
        first = self.log_error is None
        self.log_error = "%s: %s" % (type(e).__name__, e)
        self.feedback.log_failing(True)
        if first:
            print("heeltrack: the session log failed (%s); counting goes on" % self.log_error)

    def _begin(self, t_ms):
        cfg = self.cfg
        self.set_no = 0
        try:
            self.log.begin(
                self.t0 + t_ms,
                self.epoch_s(),
                self.board.name,
                cfg["foot"],
                VERSION,
                C.digest(cfg),
                C.pack_program(cfg),
            )
        except Exception as e:  # noqa: BLE001 - e.g. a value the log cannot store
            self._log_failed(e)
            return
        self.log_error = None
        self.sessions += 1
        if self.unlogged != self._unlogged_told:  # the events lost meanwhile, in the log too
            if self.log.append_fault(R.FAULT_UNLOGGED, self.unlogged - self._unlogged_told):
                self._unlogged_told = self.unlogged
        # what the IMU reported before the session is not this session's business
        self._gaps = self.sampler.gaps
        self._errors = self.imu.errors
        self._overflows = self.imu.overflows

    def end_session(self, reason=R.END_NORMAL):
        if self.log.active is not None:
            try:
                self.log.end(self.now_ms(), reason)
            except Exception as e:  # noqa: BLE001 - the next session must still begin
                self._log_failed(e)
                self.log.active = None
            self.feedback.session_end()

    def _check_full(self):
        full = self.log.full
        if full != self._full:
            self._full = full
            self.feedback.store_full(full)

    # ---- sampling: the hot path ----------------------------------------------------------
    def step(self):
        """Poll the IMU once and feed the engine; returns the samples fed. No allocation."""
        # Few locals and no try here (the fault logging is a call away): a frame of at most
        # 11 words stays on the C stack, a larger one is a heap block at every poll.
        eng = self.engine
        n = self.sampler.poll(eng)
        self._polls += 1
        if n:
            self._empty = 0
        else:
            self._empty += 1
            if self.log.active is None:
                return 0
        h = eng.hold_ms
        if h == 0:
            self._hold_cued = False
        elif not self._hold_cued and self._hold_target and h >= self._hold_target:
            h = eng.exercise
            if h == E.HEEL_RAISE or h < 0:
                self._hold_cued = True
                self.feedback.hold()
        if self.log.active is not None:
            if self.sampler.gaps != self._gaps or (
                self._polls - self._fault_poll >= FAULT_POLLS
                and (self.imu.errors != self._errors or self.imu.overflows != self._overflows)
            ):
                self._log_faults()
            if eng.exercise < 0 and eng.t_ms - self._last_event > self._idle_ms:
                self.end_session(R.END_IDLE)
            elif self._empty * self.poll_ms > self._idle_ms:
                # no samples at all (the IMU stopped answering): engine time stands still
                eng.finish()
                self.end_session(R.END_IDLE)
        if self.log.full != self._full:
            self._check_full()
        return n

    def _log_faults(self):
        try:
            self._faults()
        except Exception as e:  # noqa: BLE001 - the idle end in step must still happen
            self._log_failed(e)

    def _faults(self):
        """GAP records at once; I2C error and FIFO overflow counts at most every
        FAULT_POLLS polls, so a failing chip cannot flood the log."""
        log = self.log
        g = self.sampler.gaps
        if g != self._gaps:
            log.append_gap(self.now_ms(), g - self._gaps)
            self._gaps = g
        if self._polls - self._fault_poll < FAULT_POLLS:
            return
        e = self.imu.errors
        o = self.imu.overflows
        if e != self._errors or o != self._overflows:
            self._fault_poll = self._polls
        if e != self._errors:
            log.append_fault(R.FAULT_I2C, e - self._errors)
            self._errors = e
        if o != self._overflows:
            log.append_fault(R.FAULT_FIFO_OVERFLOW, o - self._overflows)
            self._overflows = o

    def stop(self):
        """End of data or Ctrl-C: close the running set and the session."""
        self.engine.finish()
        self.end_session(R.END_USER)
        for ch in (self.feedback.led, self.feedback.buzz):
            if ch.pin is not None:
                ch.pin.value(0)

    # ---- the link's device interface -------------------------------------------------------
    def info(self):
        return {
            "device_id": self.log.device_id,
            "fw": VERSION,
            "board": self.board.name,
            "foot": self.cfg["foot"],
            "uptime_ms": self.uptime_ms(),
            "epoch_s": self.epoch_s(),
            "free": self.log.free_bytes(),
            "mode": "app",
            "session": self.log.active,
            "exercise": self.engine.exercise,
            "count": self.engine.count,
            "hold_ms": self.engine.hold_ms,  # the heel raise being held now (live view)
            "reps": self.reps,
            "boot": self.boot,
            "ms_per_s": self.ms_per_s,
            "unlogged": self.unlogged,  # events counted but not logged (the log failed)
            "log_error": self.log_error,
        }

    def set_clock(self, epoch_s):
        self._epoch0 = int(epoch_s)
        self._epoch_up = self.uptime_ms()
        self.log.note_boot(self._epoch_up)  # the host dates this power-up from now on
        if self.log.active is not None:
            self.log.append_clock(self.now_ms(), self._epoch0)

    def get_config(self):
        return dict(self.cfg)

    def set_config(self, changes):
        cfg = C.merge(self.cfg, changes)  # ValueError with the message for the host
        if self.config_path:
            C.save(cfg, self.config_path)
        self._apply(cfg)
        return dict(cfg)

    def subscribe(self, cb):
        if cb not in self._subs:
            self._subs.append(cb)

    def unsubscribe(self, cb):
        if cb in self._subs:
            self._subs.remove(cb)

    # ---- asyncio ---------------------------------------------------------------------------
    def _oops(self, where, e):
        """An unexpected error in a task: report the first one, keep the board counting."""
        self.errors += 1
        if self.errors == 1:
            print("heeltrack: %s failed, continuing:" % where)
            print_exception(e)

    async def _sampling(self):
        while True:
            try:
                self.step()
            except Exception as e:  # noqa: BLE001 - a wearable keeps counting
                self._oops("sampling", e)
            if self._fb_idle and self.feedback.busy():
                self._fb_wake.set()  # a signal started (it is on already): its next steps
            await sleep_ms(self.poll_ms)

    async def _feedback(self):
        fb = self.feedback
        wake = self._fb_wake
        while True:
            fb.update()
            due = fb.due_ms()
            if due < 0:
                self._fb_idle = True
                wake.clear()
                await wake.wait()
                self._fb_idle = False
            else:  # a signal that starts meanwhile is seen at the latest after poll_ms
                await sleep_ms(min(max(due, 1), self.poll_ms))

    async def _link(self):
        from heel.link.server import LinkServer

        stream_in = self._stream_in if self._stream_in is not None else sys.stdin.buffer
        stream_out = self._stream_out if self._stream_out is not None else sys.stdout.buffer
        while True:
            server = LinkServer(self, stream_in, stream_out)
            self.server = server
            try:
                while not server.done:
                    server.poll()
                    await sleep_ms(LINK_ACTIVE_MS if server.active else LINK_IDLE_MS)
                return  # input closed
            except Exception as e:  # noqa: BLE001 - garbage must not stop the app
                self._oops("link", e)
                await sleep_ms(500)
            finally:
                server._end_session()  # Ctrl-C back on

    async def main(self, link=True):
        self._fb_wake = asyncio.Event()
        tasks = [asyncio.create_task(self._sampling()), asyncio.create_task(self._feedback())]
        if link:
            tasks.append(asyncio.create_task(self._link()))
        await tasks[0]

    def run(self, link=True):
        """Run until Ctrl-C (KeyboardInterrupt propagates, as a Pico's REPL expects)."""
        try:
            asyncio.run(self.main(link))
        finally:
            self.stop()
