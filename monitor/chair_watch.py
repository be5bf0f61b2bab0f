"""What a chair's snapshot needs that the bed does not keep itself: its latest values and its link.

A bed keeps its session and its alarms; what was last measured, and whether the
monitor is talking, only flow past as events. :class:`ChairWatch` is a bed
listener that keeps them, so that :meth:`ChairWatch.snapshot` can make the
:class:`~monitor.snapshot.ChairSnapshot` a room panel draws (and that a bedside
could publish) from any thread, at any moment: the staleness rule is applied at
that moment (:class:`~monitor.latest.LatestValues`), never at arrival.

Thread-safe: the bed calls it on its own thread, views ask for snapshots on theirs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from monitor.alarms import AlarmState, Priority
from monitor.latest import LatestValues
from monitor.readings import LinkEvent, Reading
from monitor.session import SessionView
from monitor.snapshot import ChairSnapshot, make_snapshot


class _Session(Protocol):
    def view(self) -> SessionView: ...


class _Alarms(Protocol):
    def active(self) -> tuple[AlarmState, ...]: ...
    def should_sound(self) -> Priority | None: ...


class _Bed(Protocol):
    name: str
    session: _Session
    alarms: _Alarms

    def subscribe(self, listener: Callable[[object], None]) -> Callable[[], None]: ...


class ChairWatch:
    """A bed's listener keeping its latest values and link, for snapshots on any thread."""

    def __init__(self, bed: _Bed, patient: str, now: Callable[[], datetime], notice: str = "") -> None:
        self._bed = bed
        self._patient = patient
        self._now = now
        self._lock = threading.Lock()
        self._latest = LatestValues()
        self._link: LinkEvent | None = None
        self.notice = notice  # a line the panel shows (e.g. why the chair is not recorded)
        self._unsubscribe = bed.subscribe(self)

    def __call__(self, event: object) -> None:
        """The bed's thread: keep what a snapshot needs."""
        if isinstance(event, Reading):
            with self._lock:
                self._latest.update(event)
        elif isinstance(event, LinkEvent):
            with self._lock:
                self._link = event

    def snapshot(self, now: datetime | None = None) -> ChairSnapshot:
        """The chair as it stands at ``now`` (the clock's now by default)."""
        at = now or self._now()
        view, alarms, sounding = self._bed.session.view(), self._bed.alarms.active(), self._bed.alarms.should_sound()
        with self._lock:
            return make_snapshot(self._bed.name, self._patient, view, self._latest, alarms, self._link, at,
                                 sounding=sounding, notice=self.notice)

    def close(self) -> None:
        self._unsubscribe()
