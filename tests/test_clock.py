"""The fast-forward clock (monitor/clock.py): an hour at speed, then real time, without a jump.

A fake real clock stands in for time.monotonic, so nothing here waits; expected readings are
worked out by hand (100x for 3600 clock seconds: the switch comes after 36 real seconds).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from monitor.clock import FastForwardClock

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


class Real:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_the_first_hour_runs_at_speed_then_real_time_continues_from_it():
    real = Real()
    clock = FastForwardClock(100, 3600, start=T0, real=real)
    real.t += 18
    assert (clock.monotonic(), clock.speed) == (1800, 100)
    real.t += 18  # 36 real seconds: the hour is over
    assert (clock.monotonic(), clock.speed, clock.now()) == (3600, 1.0, T0 + timedelta(hours=1))
    real.t += 2.5
    assert clock.monotonic() == 3602.5


@pytest.mark.parametrize("real_s, clock_s, wait_real_s", [
    (0, 100, 1.0),  # during the fast part: 100 clock seconds are one real second
    (35, 3700, 101.0),  # across the switch: 1 s to reach 3600, then 100 s at real time
    (40, 3610, 6.0),  # after it: real time (the clock reads 3604)
    (40, 3000, 0.0),  # already passed
])
def test_waits_are_converted_to_real_seconds(real_s, clock_s, wait_real_s):
    real = Real()
    clock = FastForwardClock(100, 3600, start=T0, real=real)
    real.t += real_s
    assert clock.real_seconds_until(clock_s) == pytest.approx(wait_real_s)


def test_a_wait_returns_at_once_when_its_event_is_set():
    clock = FastForwardClock(100, 3600)
    event = threading.Event()
    event.set()
    assert clock.wait(event, 10_000) is True
