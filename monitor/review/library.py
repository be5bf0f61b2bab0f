"""The session library: every recording in a folder, one line each, and a search.

A recording with no end written is "ended unexpectedly", unless it is plainly
still being written (a ``-wal`` beside it and data from the last minute): then
it is "recording", so the session in progress is not reported as a crash.

Listing never fails because of one file: a damaged, foreign, newer-version or
unreadable file is listed with status ``damaged`` (or ``newer version``) and the
sentence saying why, so the clinician sees it is there and what to do about it.
Files are opened without the full page check (:func:`open_recording` with
``verify=False``) so a folder of long sessions lists in well under a second per
hundred files; opening one for review runs the full check.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from monitor.review.metadata import chair_text
from monitor.review.reader import RecordingOpenError, open_recording
from monitor.review.summary import alarm_counts
from monitor.storage import RECORDING_SUFFIX

log = logging.getLogger(__name__)

STATUS_OK = "ok"
STATUS_UNEXPECTED = "ended unexpectedly"
STATUS_DAMAGED = "damaged"
STATUS_NEWER = "newer version"
STATUS_RECORDING = "recording"
LIVE_WINDOW_S = 60.0  # no end written, a -wal beside it and data this recent: still being recorded
RECORDING_REASON = "The session is still being recorded; what is shown is everything so far."
UNEXPECTED_REASON = (
    "The program stopped without closing the session (crash, power loss or kill); "
    "everything recorded up to about a second before is kept."
)


class LibraryError(Exception):
    """The folder itself cannot be listed; ``str()`` is the sentence for the user."""


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """One line of the library."""

    path: Path
    status: str  # ok | ended unexpectedly | recording | damaged | newer version
    reason: str = ""  # why it is not ok: the sentence to show
    patient_id: str = ""
    started_at: datetime | None = None
    duration_s: float | None = None
    phase_lengths: Mapping[str, float] = field(default_factory=dict)  # seconds
    alarm_counts: Mapping[str, int] = field(default_factory=dict)  # raised, by priority
    protocol: str = ""
    port: str = ""
    simulated: bool = False
    room: str = ""  # the room and chair the session was recorded at ("" for a bedside's or an older one)
    chair: str = ""

    @property
    def chair_text(self) -> str:
        return chair_text(self.chair, self.room)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def openable(self) -> bool:
        return self.status in (STATUS_OK, STATUS_UNEXPECTED, STATUS_RECORDING)

    @property
    def local_start(self) -> datetime | None:
        """The start in this computer's local time zone (what the clinic's clocks showed)."""
        return self.started_at.astimezone() if self.started_at else None

    @property
    def date_text(self) -> str:
        """``2026-11-22 09:00`` in local time, or '' if unknown."""
        return self.local_start.strftime("%Y-%m-%d %H:%M") if self.local_start else ""

    def search_text(self) -> str:
        parts = [
            self.patient_id, self.chair, self.room, self.name, self.status, self.protocol, self.port,
            self.date_text, self.local_start.strftime("%d.%m.%Y %d/%m/%Y") if self.local_start else "",
            "simulated" if self.simulated else "",
        ]
        return " ".join(parts).casefold()


def describe(path: Path) -> RecordingInfo:
    """The library line for one file; never raises for a bad file."""
    try:
        recording = open_recording(path, verify=False)
    except RecordingOpenError as exc:
        status = STATUS_NEWER if exc.reason == "newer format" else STATUS_DAMAGED
        return RecordingInfo(path, status, str(exc), started_at=_date_from_name(path.name))
    try:
        with recording:
            meta = recording.metadata
            started = meta.started_at or (
                datetime.fromtimestamp(recording.start).astimezone() if recording.duration_s else None
            )
            status, reason = STATUS_OK, ""
            if meta.ended_unexpectedly:
                live = Path(f"{path}-wal").exists() and recording.end >= time.time() - LIVE_WINDOW_S
                status, reason = (STATUS_RECORDING, RECORDING_REASON) if live else (
                    STATUS_UNEXPECTED, UNEXPECTED_REASON)
            return RecordingInfo(
                path=path,
                status=status,
                reason=reason,
                patient_id=meta.patient_id,
                started_at=started,
                duration_s=recording.duration_s,
                phase_lengths=MappingProxyType(recording.phase_lengths()),
                alarm_counts=MappingProxyType(alarm_counts(recording.events(frozenset({"alarm"})))),
                protocol=meta.protocol,
                port=meta.port,
                simulated=meta.simulated,
                room=meta.room,
                chair=meta.chair,
            )
    except RecordingOpenError as exc:  # damage found while reading the events
        return RecordingInfo(path, STATUS_DAMAGED, str(exc), started_at=_date_from_name(path.name))


def _date_from_name(name: str) -> datetime | None:
    match = re.match(r"(\d{8}-\d{6})", name)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").astimezone()
    except ValueError:
        return None


def list_recordings(folder: Path | str) -> list[RecordingInfo]:
    """Every ``*.irm.sqlite`` in ``folder``, newest first.

    A file that cannot be read is dated from its name (``YYYYMMDD-HHMMSS...``, see
    :func:`monitor.storage.recording_name`) when it has one, else listed last.

    A folder that does not exist yet (nothing recorded) gives an empty list.
    """
    folder = Path(folder)
    if not folder.exists():
        return []
    if not folder.is_dir():
        raise LibraryError(f"{folder} is a file, not a folder; choose the recordings folder.")
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if entry.name.endswith(RECORDING_SUFFIX))
    except OSError as exc:
        raise LibraryError(f"Cannot list {folder} ({exc.strerror}); check the folder and its permissions.") from None
    infos = []
    for name in names:
        try:
            infos.append(describe(folder / name))
        except Exception as exc:  # a listing must survive any single file
            log.exception("cannot describe %s", name)
            infos.append(RecordingInfo(
                folder / name, STATUS_DAMAGED, f"{folder / name}: cannot be read ({exc}).",
                started_at=_date_from_name(name),
            ))
    infos.sort(key=lambda i: (i.started_at.timestamp() if i.started_at else float("-inf"), i.name), reverse=True)
    return infos


def search(infos: Iterable[RecordingInfo], text: str) -> list[RecordingInfo]:
    """Recordings matching every term of ``text`` (case-insensitive) in patient, chair, room, date,
    file name, status, protocol or port. A term matches where a word of the line begins with it,
    so "K-01" finds K-0142. A number typed after a word belongs to it: "chair 3" finds Chair 3 only,
    not patient K-0143, Chair 30 or a session started at 10:36. Empty text matches everything;
    order is kept."""
    terms = _terms(text.casefold())
    return [info for info in infos if all(_begins_a_word(term, info.search_text()) for term in terms)]


def _terms(text: str) -> list[str]:
    terms: list[str] = []
    for word in text.split():
        if word.isdigit() and terms:
            terms[-1] = f"{terms[-1]} {word}"
        else:
            terms.append(word)
    return terms


def _begins_a_word(term: str, line: str) -> bool:
    """True where ``term`` starts a word of ``line``; a term ending in a digit must also end the number."""
    start = line.find(term)
    while start >= 0:
        end = start + len(term)
        starts_word = start == 0 or not line[start - 1].isalnum()
        ends_number = not term[-1].isdigit() or " " not in term or end == len(line) or not line[end].isdigit()
        if starts_word and ends_number:
            return True
        start = line.find(term, start + 1)
    return False
