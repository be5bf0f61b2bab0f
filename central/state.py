"""The chair's state as the bedside publishes it (retained): its snapshot, limits and acknowledgements.

The snapshot is :class:`monitor.snapshot.ChairSnapshot`, the same value the room's
panels draw, so the central station shows a chair exactly as the room does. This
object keeps what the bed itself does not hold for views (the latest value of
each parameter, the link, who acknowledged each alarm) from the events the bed
hands its listeners, and asks the bed for the rest (session, alarms, limits).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from monitor.alarms import AlarmEvent, AlarmState, EventType, Priority, Profile
from monitor.latest import LatestValues
from monitor.readings import LinkEvent, Reading
from monitor.session import SessionView
from monitor.snapshot import make_snapshot, snapshot_to_json


class _Session(Protocol):
    def view(self) -> SessionView: ...


class _Alarms(Protocol):
    @property
    def profile(self) -> Profile: ...
    def active(self) -> tuple[AlarmState, ...]: ...
    def should_sound(self) -> Priority | None: ...


class ChairState:
    """Fed on the bed's thread (:meth:`update`), read on the publisher's (:meth:`payload`)."""

    def __init__(self, bed_name: str, patient: str, session: _Session, alarms: _Alarms) -> None:
        self._bed = bed_name
        self._patient = patient
        self._session = session
        self._alarms = alarms
        self._lock = threading.Lock()
        self._latest = LatestValues()
        self._link: LinkEvent | None = None
        self._acknowledged_by: dict[str, str] = {}

    def update(self, event: object) -> None:
        with self._lock:
            if isinstance(event, Reading):
                self._latest.update(event)
            elif isinstance(event, LinkEvent):
                self._link = event
            elif isinstance(event, AlarmEvent) and event.event is EventType.ACKNOWLEDGED:
                self._acknowledged_by[event.condition.value] = event.detail.removeprefix("by ") or "bedside"

    def payload(self, clock: Callable[[], datetime]) -> dict[str, object]:
        """``snapshot`` and ``limits`` of the state message (docs/central-station.md).

        ``clock()`` is read under our lock: every reading kept so far was stamped before it, so
        no age comes out negative (the bed's thread stamps and adds readings meanwhile).
        """
        view = self._session.view()  # the bed's lock first, and never while holding ours
        active = self._alarms.active()
        sounding = self._alarms.should_sound()
        profile = self._alarms.profile
        with self._lock:
            now = clock()
            snapshot = make_snapshot(self._bed, self._patient, view, self._latest, active, self._link, now,
                                     sounding=sounding, acknowledged_by=dict(self._acknowledged_by))
        return {"snapshot": snapshot_to_json(snapshot), "limits": limits_json(profile)}


def limits_json(profile: Profile) -> dict[str, object]:
    """``{"HR": {"above": {"medium": 120, "high": 140}, "below": {...}}, ...}``: the limits in force."""
    return {
        parameter.value: {
            "above": {p.value: v for p, v in limits.above.items()},
            "below": {p.value: v for p, v in limits.below.items()},
        }
        for parameter, limits in profile.parameters.items()
    }
