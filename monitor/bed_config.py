"""What a bed is made of: its configuration, and what it needs of the parts ``main.py`` gives it.

The parts are described as protocols, not imported: ``monitor`` knows no
device, so a driver, a simulator or a recorder is anything with these methods.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from monitor.alarms import Profile
from monitor.clock import Clock
from monitor.session import DEFAULT_PLANNED_INFUSION_S, TimelineEventLike
from monitor.treatment.profile import TreatmentProfile, load_treatment_profile
from monitor.treatment.request import PlanRequest

Listener = Callable[[object], None]


@dataclass(frozen=True)
class BedConfig:
    """What one bed is: which monitor, whose session, which alarm limits, where it is recorded."""

    name: str  # the bed's name on screen and in every line it prints ("bed", "Chair 3")
    port: str  # /dev/ttyUSB0, socket://HOST:PORT or sim:SCENARIO
    protocol: str
    clock: Clock
    profile: Profile
    patient_id: str = ""
    planned_infusion_s: float = DEFAULT_PLANNED_INFUSION_S
    recording_file: Path | None = None  # a new recording file ...
    recordings_folder: Path | None = None  # ... or a folder to name one in; neither: not recorded
    treatment_profile: TreatmentProfile | None = None  # dose bounds, checks, discharge; None: ketamine-iv
    treatment_plan: PlanRequest | None = None  # a plan given before the start, confirmed when the bed is built
    room: str = ""  # the room this bed is a chair of (``name`` is then the chair's); "" for a lone bedside

    @property
    def simulated(self) -> bool:
        return self.port.startswith("sim:")

    def metadata(self, started_at: datetime, program_version: str) -> dict[str, str]:
        """What the recording says about itself (``session_info``, docs/recording-format.md)."""
        room = {"room": self.room, "chair": self.name} if self.room else {}
        return {
            **room,
            "program": "infusion-monitor",
            "program_version": program_version,
            "started_at": started_at.isoformat(),
            "port": self.port,
            "protocol": self.protocol,
            "patient_id": self.patient_id,
            "clock_speed": f"{self.clock.speed:g}",
            "planned_infusion_s": f"{self.planned_infusion_s:g}",
            "alarm_profile": self.profile.name,
            "treatment_profile": (self.treatment_profile or load_treatment_profile()).name,
        }


class DriverLike(Protocol):
    """What a bed needs of its driver: it posts into the sink it was built with."""

    def start(self) -> None: ...
    def stop(self) -> None: ...


class ScenarioRunLike(Protocol):
    start: datetime

    def events_between(self, since_s: float, until_s: float) -> Iterable[TimelineEventLike]: ...


class SimulatorLike(Protocol):
    """An in-process simulated monitor: its scenario's timeline drives the session."""

    scenario_run: ScenarioRunLike

    def stop(self) -> None: ...


class RecorderLike(Protocol):
    path: Path

    def add(self, item: object) -> None: ...
    def close(self, end_reason: str = ...) -> None: ...


Connect = Callable[[Listener], tuple[DriverLike, SimulatorLike | None]]
