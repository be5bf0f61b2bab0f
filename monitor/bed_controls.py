"""A bed's session model and alarm engine as any thread may use them (``bed.session``, ``bed.alarms``).

They offer the calls the dashboard already makes on :class:`InfusionSession` and
:class:`AlarmEngine`, so a view needs no other API, but each one runs under the
bed's lock and returns immutable values. Commands first take the events already
queued (a reading that arrived before the nurse's click belongs to the baseline
she started from), raise what the session model or the engine raise
(SessionError, ProfileError), and hand every event they cause to the bed's
listeners themselves: the caller never has to keep anything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol

from monitor.alarms import (
    AlarmCondition,
    AlarmEvent,
    AlarmKind,
    AlarmState,
    Priority,
    Profile,
    StartCheck,
    StartDecision,
    check_start,
)
from monitor.clock import Clock
from monitor.core import MonitoringCore, OperatorAction
from monitor.readings import Parameter
from monitor.session import BY_NURSE, Annotation, Phase, PhaseChange, SessionError, SessionEvent, SessionView

# Asked when the pre-start check is not OK: (check, baseline systolic, diastolic) -> start anyway?
ConfirmStart = Callable[[StartCheck, float | None, float | None], bool]


class _Bed(Protocol):
    lock: threading.RLock
    clock: Clock

    def process_pending(self) -> None: ...


class _Part:
    def __init__(self, bed: _Bed, core: MonitoringCore) -> None:
        self._bed = bed
        self._core = core

    @contextmanager
    def _command(self) -> Iterator[None]:
        with self._bed.lock:
            self._bed.process_pending()
            yield


class BedSession(_Part):
    """The session's state for views, and the nurse's session commands."""

    # -- state -----------------------------------------------------------------------------
    @property
    def phase(self) -> Phase:
        with self._bed.lock:
            return self._core.session.phase

    @property
    def events(self) -> tuple[SessionEvent, ...]:
        with self._bed.lock:
            return self._core.session.events

    @property
    def planned_infusion_s(self) -> float:
        return self._core.session.planned_infusion_s

    def view(self) -> SessionView:
        with self._bed.lock:
            return self._core.session.view()

    def minutes_at(self, t: datetime) -> float:
        with self._bed.lock:
            return self._core.session.minutes_at(t)

    def baseline(self) -> dict[Parameter, float]:
        with self._bed.lock:
            return self._core.session.baseline()

    def can_change_to(self, phase: Phase) -> bool:
        with self._bed.lock:
            return self._core.session.can_change_to(phase)

    # -- commands ----------------------------------------------------------------------------
    def start_infusion(self, confirm: ConfirmStart | None = None, by: str = BY_NURSE) -> PhaseChange | None:
        """The pre-start check on the baseline blood pressure, then the start.

        When the check is not OK, ``confirm`` is asked (outside the lock: a dialog may wait
        for the nurse while readings go on being judged); None means it was not confirmed.
        Without ``confirm`` such a start is refused with the check's message. A start
        confirmed despite the check is logged as an operator action.
        """
        with self._command():
            baseline = self._core.session.baseline()
            systolic, diastolic = baseline.get(Parameter.NIBP_SYS), baseline.get(Parameter.NIBP_DIA)
            check = check_start(self._core.engine.profile.start, systolic, diastolic)
        if check.decision is not StartDecision.OK:
            if confirm is None:
                raise SessionError(check.message)
            if not confirm(check, systolic, diastolic):
                return None
        with self._command():
            if check.decision is not StartDecision.OK:
                self._core.record(OperatorAction(
                    self._bed.clock.now(), "start_confirmed_despite_" + check.decision.value,
                    {"message": check.message, "systolic": systolic, "diastolic": diastolic},
                ))
            return self._core.session.start_infusion(by)

    def stop_infusion(self, by: str = BY_NURSE) -> PhaseChange:
        with self._command():
            return self._core.session.stop_infusion(by)

    def end_session(self, by: str = BY_NURSE) -> PhaseChange:
        with self._command():
            return self._core.session.end_session(by)

    def annotate(self, text: str, kind: str = "free") -> Annotation:
        with self._command():
            return self._core.session.annotate(text, kind)


class BedAlarms(_Part):
    """The alarm engine's state for views, and the nurse's alarm commands (each logged)."""

    # -- state -----------------------------------------------------------------------------
    @property
    def profile(self) -> Profile:
        with self._bed.lock:
            return self._core.engine.profile

    def active(self, kind: AlarmKind | None = None) -> tuple[AlarmState, ...]:
        with self._bed.lock:
            return self._core.engine.active(kind)

    def pending(self) -> tuple[AlarmState, ...]:
        with self._bed.lock:
            return self._core.engine.pending()

    def should_sound(self) -> Priority | None:
        with self._bed.lock:
            return self._core.engine.should_sound()

    def audio_pause_remaining_s(self) -> float | None:
        with self._bed.lock:
            return self._core.engine.audio_pause_remaining_s()

    # -- commands ----------------------------------------------------------------------------
    def acknowledge(self, condition: AlarmCondition | None = None, by: str = "") -> list[AlarmEvent]:
        with self._command():
            return self._core.keep(self._core.engine.acknowledge(condition, by))

    def pause_audio(self, duration_s: float | None = None, by: str = "") -> list[AlarmEvent]:
        with self._command():
            return self._core.keep(self._core.engine.pause_audio(duration_s, by))

    def resume_audio(self, by: str = "") -> list[AlarmEvent]:
        with self._command():
            return self._core.keep(self._core.engine.resume_audio(by))

    def set_limits(
        self,
        parameter: Parameter,
        above: Mapping[Priority, float | None] | None = None,
        below: Mapping[Priority, float | None] | None = None,
        by: str = "",
    ) -> list[AlarmEvent]:
        """Raises ProfileError, changing nothing, if the new limits break a rule."""
        with self._command():
            return self._core.keep(self._core.engine.set_limits(parameter, above, below, by))

    def on_audio(self, available: bool, message: str = "") -> list[AlarmEvent]:
        """From the sound layer: whether alarms can be heard (the engine raises a technical alarm)."""
        with self._command():
            return self._core.keep(self._core.engine.on_audio(available, message))
