"""The ``session_info`` facts of a recording, parsed (see ``docs/recording-format.md``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class SessionMetadata:
    """The ``session_info`` facts, parsed. Missing keys become empty strings / None."""

    patient_id: str
    protocol: str
    port: str
    device: str  # the ``device`` key if the writer stored one, else the protocol name
    program: str
    program_version: str
    format_version: int
    started_at: datetime | None  # aware, with the offset the writer's computer had
    ended_at: datetime | None  # None: the program ended unexpectedly
    end_reason: str
    clock_speed: float
    alarm_profile: str
    planned_infusion_s: float | None
    info: Mapping[str, str] = field(default_factory=dict)  # every key, as stored
    room: str = ""  # the room and chair of a room's session ("" for a bedside's, and older recordings)
    chair: str = ""

    @property
    def chair_text(self) -> str:
        return chair_text(self.chair, self.room)

    @property
    def ended_unexpectedly(self) -> bool:
        return self.ended_at is None

    @property
    def status(self) -> str:
        """``ok`` or ``ended unexpectedly`` (crash, ``kill -9``, power loss)."""
        return "ended unexpectedly" if self.ended_unexpectedly else "ok"

    @property
    def simulated(self) -> bool:
        """True for simulator or accelerated-clock (QA) sessions: not patient data."""
        return self.port.startswith("sim:") or self.clock_speed != 1.0


def chair_text(chair: str, room: str) -> str:
    """``Chair 3 (Room 2)``: where a room's session was recorded; '' for a bedside's."""
    return f"{chair} ({room})" if chair and room else chair


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _parse_float(text: str | None) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def parse_metadata(info: Mapping[str, str], format_version: int) -> SessionMetadata:
    planned = _parse_float(info.get("planned_infusion_s"))
    if planned is None and _parse_float(info.get("planned_infusion_min")) is not None:
        planned = 60.0 * _parse_float(info.get("planned_infusion_min"))  # type: ignore[operator]
    return SessionMetadata(
        patient_id=info.get("patient_id", ""),
        protocol=info.get("protocol", ""),
        port=info.get("port", ""),
        device=info.get("device") or info.get("protocol", ""),
        program=info.get("program", ""),
        program_version=info.get("program_version", ""),
        format_version=format_version,
        started_at=_parse_time(info.get("started_at")),
        ended_at=_parse_time(info.get("ended_at")) if "ended_at" in info else None,
        end_reason=info.get("end_reason", ""),
        clock_speed=_parse_float(info.get("clock_speed")) or 1.0,
        alarm_profile=info.get("alarm_profile", ""),
        planned_infusion_s=planned,
        info=MappingProxyType(dict(info)),
        room=info.get("room", ""),
        chair=info.get("chair", ""),
    )
