"""Reviewing recorded sessions without Qt: open a recording, list a folder, summarise.

* :func:`open_recording` -> :class:`Recording` (metadata, ``series``, ``events``,
  ``phases``, ``summary``), refusing bad files with :class:`RecordingOpenError`.
* :func:`list_recordings` -> :class:`RecordingInfo` per file; :func:`search`.
* :func:`alarm_occurrences` folds the alarm log into alarms (raised, acknowledged, ended).
"""

from monitor.review.events import (
    ActionRecord,
    AlarmRecord,
    AnnotationRecord,
    Event,
    LinkRecord,
    PhaseRecord,
)
from monitor.review.library import LibraryError, RecordingInfo, list_recordings, search
from monitor.review.metadata import SessionMetadata
from monitor.review.occurrences import AlarmOccurrence, alarm_occurrences
from monitor.review.reader import PhaseSpan, Recording, RecordingOpenError, Samples, open_recording
from monitor.review.summary import LimitExposure, ParameterSummary, Summary

__all__ = [
    "ActionRecord",
    "AlarmOccurrence",
    "AlarmRecord",
    "AnnotationRecord",
    "Event",
    "LibraryError",
    "LimitExposure",
    "LinkRecord",
    "ParameterSummary",
    "PhaseRecord",
    "PhaseSpan",
    "Recording",
    "RecordingInfo",
    "RecordingOpenError",
    "Samples",
    "SessionMetadata",
    "Summary",
    "alarm_occurrences",
    "list_recordings",
    "open_recording",
    "search",
]
