"""The one clock all timing logic reads.

Session timing, alarm delays, staleness, link-loss timeouts and recording
timestamps all ask an injected :class:`Clock`, never ``time.time()``. A
:class:`ScaledClock` runs faster than real time so a 40-minute session can be
checked in 40 s and behave exactly as in real time; a :class:`ManualClock`
makes tests deterministic.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    """Time as the monitor logic sees it."""

    speed: float

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""

    def monotonic(self) -> float:
        """Seconds on this clock; only differences are meaningful."""

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Block until ``event`` is set or ``seconds`` of this clock pass.

        Returns True if the event was set. This is how threads pace
        themselves, so an accelerated clock accelerates them too.
        """


class ScaledClock:
    """Wall-clock time running ``speed`` times faster from the moment it is made."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = float(speed)
        self._start = start or datetime.now(timezone.utc)
        self._mono0 = time.monotonic()

    def monotonic(self) -> float:
        return (time.monotonic() - self._mono0) * self.speed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds) / self.speed)


class FastForwardClock:
    """Wall-clock time running ``speed`` times faster until ``until_s`` seconds of it have passed,
    then at real time.

    Why: a benchmark or a soak must judge the program as a clinic runs it, an hour into a
    session with the trend full, without waiting the hour. Everything paced by this clock
    (drivers, simulators, alarm timers) runs that hour at ``speed``, then goes on at real
    time without a jump: ``monotonic`` and ``now`` are continuous, only their rate changes.
    ``real`` is the real clock (injectable for tests).
    """

    def __init__(self, speed: float, until_s: float, start: datetime | None = None,
                 real: Callable[[], float] = time.monotonic) -> None:
        if speed <= 0 or until_s < 0:
            raise ValueError("speed must be positive and until_s not negative")
        self._fast = float(speed)
        self._until = float(until_s)
        self._real = real
        self._start = start or datetime.now(timezone.utc)
        self._real0 = real()
        self._switch_real = self._until / self._fast  # real seconds of the fast part

    @property
    def speed(self) -> float:
        return self._fast if self._real() - self._real0 < self._switch_real else 1.0

    def monotonic(self) -> float:
        real = self._real() - self._real0
        return real * self._fast if real < self._switch_real else self._until + real - self._switch_real

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def real_seconds_until(self, clock_s: float) -> float:
        """Real seconds from now until this clock reads ``clock_s`` (0 if it already has)."""
        real = clock_s / self._fast if clock_s <= self._until else self._switch_real + clock_s - self._until
        return max(0.0, real - (self._real() - self._real0))

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(self.real_seconds_until(self.monotonic() + max(0.0, seconds)))


class ManualClock:
    """A clock that moves only when a test advances it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.speed = 1.0
        self._start = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
        self._elapsed = 0.0
        self._lock = threading.Condition()

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._elapsed += seconds
            self._lock.notify_all()

    def wait(self, event: threading.Event, seconds: float) -> bool:
        deadline = self.monotonic() + seconds
        with self._lock:
            while not event.is_set() and self._elapsed < deadline:
                self._lock.wait(0.01)
        return event.is_set()
