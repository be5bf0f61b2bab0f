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
