"""Feedback.due_ms: when the app's feedback task must wake next (it sleeps, never polls)."""

from __future__ import annotations

from heel.feedback import FULL_REPEAT_MS, Feedback


class Pin:
    def __init__(self) -> None:
        self.v = 0

    def value(self, v: int) -> None:
        self.v = v


def test_due_ms_follows_the_pattern_and_is_idle_otherwise() -> None:
    now = [1000]
    led = Pin()
    fb = Feedback(led, None, clock=lambda: now[0])
    assert fb.due_ms() == -1  # idle: sleep until a signal
    fb.rep()  # starts at once
    assert led.v == 1 and fb.due_ms() == 80
    now[0] += 30
    assert fb.due_ms() == 50
    now[0] += 50
    fb.update()
    assert led.v == 0 and fb.due_ms() == 120  # the pause after the blink
    now[0] += 120
    fb.update()
    assert fb.due_ms() == -1
    fb.store_full(True)
    assert fb.due_ms() == 0  # the first warning now
    fb.update()
    assert 0 < fb.due_ms() <= FULL_REPEAT_MS
