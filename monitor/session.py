"""One patient's infusion session: phases, timing, baseline and annotations, without Qt.

The dashboard, the alarms and the recording all need the same answers (which
phase are we in, how far into the 40-minute infusion, what is this patient's
baseline), so they live here, driven by an injected :class:`~monitor.clock.Clock`
and tested with a ``ManualClock``. Widgets only call the commands and draw
:meth:`InfusionSession.view`.

Phases run BASELINE -> INFUSION -> RECOVERY -> ENDED; a session may also end
from BASELINE (the infusion never happened), but not during the infusion: the
infusion must be stopped first, so the record always says when it stopped.
Every phase change and annotation is handed to ``on_event`` (the app passes
``SessionRecorder.add``; both types have ``to_record()``). See
``docs/session-model.md``.

Not thread-safe by design: the session belongs to the GUI thread, which is
where readings arrive as immutable values.
"""

from __future__ import annotations

import enum
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Protocol

from monitor.baseline import BaselineCollector
from monitor.clock import Clock
from monitor.readings import Parameter, Reading

log = logging.getLogger(__name__)

DEFAULT_PLANNED_INFUSION_S = 40 * 60.0  # ketamine 0.5 mg/kg over 40 minutes
MAX_ANNOTATION_CHARS = 500
BY_NURSE = "nurse"
BY_SCENARIO = "scenario"
ACTORS = frozenset({BY_NURSE, BY_SCENARIO})
ANNOTATION_KINDS = frozenset({"quick", "free"})

# One-touch notes: what the nurse does, and events that explain artefacts on the trend
# (movement). Side effects (nausea, vomiting, headache, anxiety), dissociation and the pump
# (dose changed, paused, resumed) are the treatment's checks and rate changes now
# (monitor/treatment, docs/treatment.md); older recordings' notes of them are read back as such.
QUICK_ANNOTATIONS = (
    "Antiemetic given",
    "Patient moved",
)


class Phase(enum.StrEnum):
    """Session phases, named as in the recording's ``phase_changes`` table."""

    BASELINE = "baseline"
    INFUSION = "infusion"
    RECOVERY = "recovery"
    ENDED = "ended"


TRANSITIONS: Mapping[Phase, frozenset[Phase]] = MappingProxyType({
    Phase.BASELINE: frozenset({Phase.INFUSION, Phase.ENDED}),
    Phase.INFUSION: frozenset({Phase.RECOVERY}),
    Phase.RECOVERY: frozenset({Phase.ENDED}),
    Phase.ENDED: frozenset(),
})

# Why a command is refused, keyed by (current phase, requested phase): the user's sentence.
_REFUSALS: Mapping[tuple[Phase, Phase], str] = MappingProxyType({
    (Phase.INFUSION, Phase.INFUSION): "The infusion has already started.",
    (Phase.RECOVERY, Phase.INFUSION): (
        "The infusion has already been given; start a new session for another infusion."
    ),
    (Phase.BASELINE, Phase.RECOVERY): "The infusion has not started yet.",
    (Phase.RECOVERY, Phase.RECOVERY): "The infusion has already been stopped.",
    (Phase.INFUSION, Phase.ENDED): "Stop the infusion before ending the session.",
    (Phase.ENDED, Phase.ENDED): "The session has already ended.",
})
_ENDED_REFUSAL = "The session has ended; start a new session."


class SessionError(Exception):
    """A command the session cannot carry out now; ``str()`` is the sentence for the user."""


def _utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _check_aware(at: datetime) -> None:
    if at.tzinfo is None:
        raise ValueError("session times must be timezone-aware (UTC)")


@dataclass(frozen=True, slots=True)
class PhaseChange:
    """A phase beginning at ``at``, started by the nurse or by the scenario's timeline."""

    phase: Phase
    at: datetime
    by: str = BY_NURSE

    def __post_init__(self) -> None:
        _check_aware(self.at)
        if self.by not in ACTORS:
            raise ValueError(f"by must be one of {sorted(ACTORS)}, not {self.by!r}")

    def to_record(self) -> tuple[str, Mapping[str, object]]:
        return "phase_changes", {
            "host_time": self.at.timestamp(), "phase": self.phase.value, "by": self.by,
        }

    def as_json(self) -> dict[str, str]:
        return {
            "type": "phase", "time": _utc_iso(self.at), "phase": self.phase.value, "by": self.by,
        }


@dataclass(frozen=True, slots=True)
class Annotation:
    """A note on the session timeline: ``quick`` (one-touch button) or ``free`` (typed)."""

    at: datetime
    text: str
    kind: str = "free"

    def __post_init__(self) -> None:
        _check_aware(self.at)
        if self.kind not in ANNOTATION_KINDS:
            raise ValueError(f"kind must be one of {sorted(ANNOTATION_KINDS)}, not {self.kind!r}")
        if not self.text.strip():
            raise ValueError("an annotation needs text")

    def to_record(self) -> tuple[str, Mapping[str, object]]:
        return "annotations", {
            "host_time": self.at.timestamp(), "kind": self.kind, "text": self.text,
        }

    def as_json(self) -> dict[str, str]:
        return {
            "type": "annotation", "time": _utc_iso(self.at), "kind": self.kind, "text": self.text,
        }


SessionEvent = PhaseChange | Annotation


@dataclass(frozen=True, slots=True)
class SessionView:
    """Everything the header, the tiles and the chart need about the session at one instant.

    ``infusion_elapsed_s`` stops counting when the infusion stops, so after the
    stop ``infusion_remaining_s`` says how early (positive) or late (negative)
    it stopped against the plan. ``recovery_elapsed_s`` stops counting when the
    session ends.
    """

    phase: Phase
    started_at: datetime
    infusion_started_at: datetime | None
    infusion_stopped_at: datetime | None
    ended_at: datetime | None
    planned_infusion_s: float
    phase_elapsed_s: float
    infusion_elapsed_s: float | None
    infusion_remaining_s: float | None  # negative: the infusion overran the plan
    infusion_progress: float  # 0..1, capped at 1 on overrun
    recovery_elapsed_s: float | None
    baseline: Mapping[Parameter, float]


class TimelineEventLike(Protocol):
    """What :meth:`InfusionSession.apply_scenario_events` reads from a scenario event.

    A protocol rather than an import, so ``monitor`` does not depend on the simulator.
    """

    at_s: float
    kind: str
    text: str


def _seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


def _ignore(event: SessionEvent) -> None:
    pass


class InfusionSession:
    """The state of one session; starts in BASELINE when constructed."""

    def __init__(
        self,
        clock: Clock,
        planned_infusion_s: float = DEFAULT_PLANNED_INFUSION_S,
        on_event: Callable[[SessionEvent], None] = _ignore,
        by: str = BY_NURSE,
    ) -> None:
        if not (math.isfinite(planned_infusion_s) and planned_infusion_s > 0):
            raise ValueError(f"planned_infusion_s must be positive, not {planned_infusion_s!r}")
        self._clock = clock
        self.planned_infusion_s = float(planned_infusion_s)
        self._on_event = on_event
        self._collector: BaselineCollector | None = BaselineCollector()
        self._frozen_baseline: dict[Parameter, float] | None = None
        self._events: list[SessionEvent] = []
        self._phase_started: dict[Phase, datetime] = {}
        self._phase = Phase.BASELINE
        self._begin(Phase.BASELINE, by)

    # -- state -------------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def events(self) -> tuple[SessionEvent, ...]:
        """Every phase change and annotation so far, oldest first (for chart markers)."""
        return tuple(self._events)

    def can_change_to(self, phase: Phase) -> bool:
        """Whether a command leading to ``phase`` would be accepted now (to enable buttons)."""
        return phase in TRANSITIONS[self._phase]

    # -- commands ------------------------------------------------------------------

    def start_infusion(self, by: str = BY_NURSE) -> PhaseChange:
        """Begin the infusion; the baseline is frozen at this moment."""
        self._require(Phase.INFUSION, by)
        self._freeze_baseline(self._clock.now())
        return self._begin(Phase.INFUSION, by)

    def stop_infusion(self, by: str = BY_NURSE) -> PhaseChange:
        """End the infusion; the observation (recovery) period begins."""
        self._require(Phase.RECOVERY, by)
        return self._begin(Phase.RECOVERY, by)

    def end_session(self, by: str = BY_NURSE) -> PhaseChange:
        """Close the session (after recovery, or from baseline if no infusion was given)."""
        self._require(Phase.ENDED, by)
        if self._collector is not None:  # ended without an infusion: keep what the nurse saw
            self._freeze_baseline(self._clock.now())
        return self._begin(Phase.ENDED, by)

    def set_planned_infusion(self, seconds: float) -> None:
        """Plan another infusion length before the start (the confirmed treatment plan's time)."""
        if self._phase is not Phase.BASELINE:
            raise SessionError("The planned infusion time is fixed once the infusion has started.")
        if not (math.isfinite(seconds) and seconds > 0):
            raise ValueError(f"planned infusion time must be positive, not {seconds!r}")
        self.planned_infusion_s = float(seconds)

    def annotate(self, text: str, kind: str = "free") -> Annotation:
        """Add a note at the current time; text is trimmed, must be non-empty and not too long.

        Too-long text is refused rather than cut, so nothing the nurse wrote is lost silently.
        """
        if self._phase is Phase.ENDED:
            raise SessionError(_ENDED_REFUSAL)
        trimmed = text.strip()
        if not trimmed:
            raise SessionError("Write something to annotate.")
        if len(trimmed) > MAX_ANNOTATION_CHARS:
            raise SessionError(
                f"An annotation can be at most {MAX_ANNOTATION_CHARS} characters "
                f"(this one has {len(trimmed)})."
            )
        annotation = Annotation(self._clock.now(), trimmed, kind)
        log.info("annotation (%s): %s", kind, trimmed)
        self._emit(annotation)
        return annotation

    def apply_scenario_events(self, events: Iterable[TimelineEventLike]) -> list[SessionEvent]:
        """Let a scenario's timeline drive the session, so a demo or QA run needs no clicks.

        Feed each window of ``ScenarioRun.events_between`` once. Events that no
        longer apply (the nurse already started the infusion, the session has
        ended) are logged and skipped. Returns what was applied.
        """
        applied = []
        for event in events:
            result = self._apply_scenario_event(event)
            if result is not None:
                applied.append(result)
        return applied

    # -- readings and questions ------------------------------------------------------

    def on_reading(self, reading: Reading) -> None:
        """Collect baseline data; readings after the baseline period are not needed here."""
        if self._phase is Phase.BASELINE and self._collector is not None:
            self._collector.add(reading)

    def baseline(self) -> dict[Parameter, float]:
        """The baseline (rule in :mod:`monitor.baseline`): live in BASELINE, frozen after."""
        if self._frozen_baseline is not None:
            return dict(self._frozen_baseline)
        assert self._collector is not None
        return self._collector.compute(self._clock.now())

    def minutes_at(self, t: datetime) -> float:
        """Chart x-coordinate of ``t``: minutes from infusion start, negative before it.

        Before the infusion starts, minutes are counted from now, so the
        baseline readings sit just left of 0 where the infusion will begin.
        """
        origin = self._phase_started.get(Phase.INFUSION) or self._clock.now()
        return _seconds(origin, t) / 60.0

    def view(self) -> SessionView:
        now = self._clock.now()
        started = self._phase_started
        infusion_start = started.get(Phase.INFUSION)
        infusion_stop = started.get(Phase.RECOVERY)
        ended = started.get(Phase.ENDED)
        infusion_elapsed = (
            None if infusion_start is None else _seconds(infusion_start, infusion_stop or now)
        )
        return SessionView(
            phase=self._phase,
            started_at=started[Phase.BASELINE],
            infusion_started_at=infusion_start,
            infusion_stopped_at=infusion_stop,
            ended_at=ended,
            planned_infusion_s=self.planned_infusion_s,
            phase_elapsed_s=_seconds(started[self._phase], now),
            infusion_elapsed_s=infusion_elapsed,
            infusion_remaining_s=(
                None if infusion_elapsed is None else self.planned_infusion_s - infusion_elapsed
            ),
            infusion_progress=self._progress(infusion_elapsed),
            recovery_elapsed_s=(
                None if infusion_stop is None else _seconds(infusion_stop, ended or now)
            ),
            baseline=MappingProxyType(self.baseline()),
        )

    # -- internals ----------------------------------------------------------------

    def _progress(self, infusion_elapsed: float | None) -> float:
        if infusion_elapsed is None:
            return 0.0
        return min(1.0, max(0.0, infusion_elapsed / self.planned_infusion_s))

    def _require(self, target: Phase, by: str) -> None:
        """Refuse a transition the phase does not allow, before anything changes."""
        if by not in ACTORS:
            raise ValueError(f"by must be one of {sorted(ACTORS)}, not {by!r}")
        if target in TRANSITIONS[self._phase]:
            return
        if self._phase is Phase.ENDED and target is not Phase.ENDED:
            raise SessionError(_ENDED_REFUSAL)
        raise SessionError(_REFUSALS[(self._phase, target)])

    def _freeze_baseline(self, at: datetime) -> None:
        assert self._collector is not None
        self._frozen_baseline = self._collector.compute(at)
        self._collector = None  # frees the baseline-period samples
        log.info("baseline frozen: %s", self._frozen_baseline)

    def _begin(self, phase: Phase, by: str) -> PhaseChange:
        change = PhaseChange(phase, self._clock.now(), by)  # validates ``by`` before any change
        self._phase = phase
        self._phase_started[phase] = change.at
        log.info("session phase %s (by %s)", phase.value, by)
        self._emit(change)
        return change

    def _emit(self, event: SessionEvent) -> None:
        """Record the event and tell the listener.

        The state has already changed; a failing listener must not make the
        caller believe the command failed, so its error is logged, not raised.
        """
        self._events.append(event)
        try:
            self._on_event(event)
        except Exception:
            log.exception("session listener failed on %r", event)

    def _apply_scenario_event(self, event: TimelineEventLike) -> SessionEvent | None:
        commands: dict[str, Callable[[], SessionEvent]] = {
            "infusion_start": lambda: self.start_infusion(by=BY_SCENARIO),
            "infusion_stop": lambda: self.stop_infusion(by=BY_SCENARIO),
            "annotation": lambda: self.annotate(event.text, kind="free"),
        }
        command = commands.get(event.kind)
        if command is None:  # the scenario file's kinds are checked when it is loaded: another part's event
            log.debug("scenario event kind %r at %.0f s is not the session's; ignored", event.kind, event.at_s)
            return None
        try:
            return command()
        except SessionError as exc:
            log.info("scenario event %s at %.0f s ignored: %s", event.kind, event.at_s, exc)
            return None
