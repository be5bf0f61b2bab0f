"""What the central station missed, read back from the bedside's recording.

Why the recording: it already holds every reading and event of the session,
on disk, in order, whatever happened to the network; keeping a second copy in
memory for a long outage would grow without bound. The publisher numbers each
stream in the order the bed hands events to its listeners, the recorder first,
and the recorder writes them in that order into a table of their own, whose row
ids start at 1 in a new recording. So message n of a stream is row n of its
table: :func:`read` turns rows back into the bed's events, and the payload is
made by the same encoder as the live one (only ``late`` differs).

The rows of the last half second may not be committed yet (the recorder commits
in batches); :func:`read` returns what is there, and the caller asks again.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from monitor.alarms.model import AlarmCondition, AlarmEvent, EventType, Priority
from monitor.core import OperatorAction
from monitor.readings import DeviceStatus, LinkEvent, LinkState, Parameter, Quality, Reading
from monitor.session import Annotation, Phase, PhaseChange

log = logging.getLogger(__name__)


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _aware(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class Stream:
    """One numbered stream: the event class, its recording table and how a row becomes the event again."""

    name: str  # the payload's "type"
    event_class: type
    table: str
    columns: str
    from_row: Callable[[tuple], object]


STREAMS: tuple[Stream, ...] = (
    Stream("reading", Reading, "readings", "host_time, device_time, parameter, value, unit, source, quality",
           lambda r: Reading(Parameter(r[2]), r[3], r[4], _utc(r[0]), r[5],
                             Quality.from_names([q for q in r[6].split(",") if q]), _aware(r[1]))),
    Stream("alarm", AlarmEvent, "alarm_events",
           "host_time, condition, priority, event, value, limit_value, baseline, phase, detail",
           lambda r: AlarmEvent(_utc(r[0]), AlarmCondition(r[1]), Priority(r[2]), EventType(r[3]),
                                r[4], r[5], r[6], r[7], r[8] or "")),
    Stream("phase", PhaseChange, "phase_changes", "host_time, phase, by",
           lambda r: PhaseChange(Phase(r[1]), _utc(r[0]), r[2])),
    Stream("annotation", Annotation, "annotations", "host_time, kind, text",
           lambda r: Annotation(_utc(r[0]), r[2], r[1])),
    Stream("link", LinkEvent, "link_events", "host_time, state, message",
           lambda r: LinkEvent(LinkState(r[1]), r[2], _utc(r[0]))),
    Stream("device_status", DeviceStatus, "device_status", "host_time, device_time, conditions",
           lambda r: DeviceStatus(tuple(json.loads(r[2])), _aware(r[1]), _utc(r[0]))),
    Stream("operator_action", OperatorAction, "operator_actions", "host_time, action, detail",
           lambda r: OperatorAction(_utc(r[0]), r[1], json.loads(r[2]))),
)
BY_NAME = {s.name: s for s in STREAMS}


def stream_of(event: object) -> Stream | None:
    """The numbered stream an event of the bed belongs to; None for what is not sent (statuses)."""
    for stream in STREAMS:
        if type(event) is stream.event_class:
            return stream
    return None


class BacklogReader:
    """Reads rows of a live recording, read-only, on the replay's own thread."""

    def __init__(self, path: Callable[[], Path | None]) -> None:
        """``path()``: where the recording is now (a restored recording may have moved)."""
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._opened: Path | None = None

    def read(self, stream: Stream, first: int, last: int) -> list[tuple[int, object]]:
        """``(seq, event)`` for rows ``first``..``last`` committed so far, in order, gap-free from ``first``."""
        conn = self._connection()
        if conn is None:
            return []
        try:
            rows = conn.execute(f"SELECT id, {stream.columns} FROM {stream.table} "  # noqa: S608 (fixed names)
                                "WHERE id BETWEEN ? AND ? ORDER BY id", (first, last)).fetchall()
        except sqlite3.Error as exc:
            log.warning("cannot read the recording for the central station: %s", exc)
            self.close()
            return []
        out: list[tuple[int, object]] = []
        for row in rows:
            if row[0] != first + len(out):
                break  # a row not yet committed, or never written: stop at the gap
            try:
                out.append((row[0], stream.from_row(row[1:])))
            except (ValueError, TypeError, KeyError) as exc:
                log.error("recording row %s %d cannot be sent: %s", stream.table, row[0], exc)
                break
        return out

    def has_recording(self) -> bool:
        return self._path() is not None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._opened = None

    def _connection(self) -> sqlite3.Connection | None:
        path = self._path()
        if path is None:
            return None
        if self._conn is None or path != self._opened:
            self.close()
            try:
                self._conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False)
            except sqlite3.Error as exc:
                log.warning("cannot open the recording %s for the central station: %s", path, exc)
                return None
            self._opened = path
        return self._conn
