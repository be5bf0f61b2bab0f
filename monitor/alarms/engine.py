"""The alarm engine: readings, link and component events in; alarm events and states out.

Pure Python, no Qt, no threads: the GUI thread (or ``record``) calls it and
stores what it returns. Time comes only from the injected clock, and a
transition that falls due between two calls (a delay running out, an
escalation, a reminder, the end of an audio pause, link loss) is logged at the
moment it fell due, in time order, before the input that follows it. So the
log depends only on the inputs and their times, not on how often ``tick`` runs,
and an accelerated run logs the same as a real-time one (issue 5).

Every public method returns the AlarmEvents it caused, in time order; the
caller passes each to ``SessionRecorder.add``. Not thread-safe: call it from
one thread. docs/alarms.md discloses the behaviour.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from monitor.alarms import messages
from monitor.alarms.board import AlarmBoard, Due
from monitor.alarms.lifecycle import Alarm, Moment
from monitor.alarms.model import (
    AlarmCondition,
    AlarmEvent,
    AlarmKind,
    AlarmState,
    EventType,
    Priority,
)
from monitor.alarms.physiological import Physiology
from monitor.alarms.profile import load_profile as load_profile_file
from monitor.alarms.rules import check_parameter, validate
from monitor.alarms.settings import Profile, ProfileError
from monitor.alarms.technical import CAUSE_GONE, SwitchWatch, TechnicalWatches, Watch
from monitor.clock import Clock
from monitor.readings import DeviceStatus, FrameStats, LinkEvent, Parameter, Reading

log = logging.getLogger(__name__)

_MAX_STEPS = 10_000  # transitions per call; more means a bug, not a busy ward
Step = Callable[[Moment], list[AlarmEvent] | None]


class AlarmEngine:
    """Decides which alarms exist, at which priority, and what the sound layer should play."""

    def __init__(self, profile: Profile, clock: Clock) -> None:
        validate(profile)
        self._profile = profile
        self._clock = clock
        self._phase: str | None = None
        self._board = AlarmBoard(lambda: self._profile.timing)
        self._technical = TechnicalWatches(profile)
        self._physiology = Physiology(self._board, lambda: self._profile, self._technical.overdue.on_result)
        self._mono = clock.monotonic()
        self._wall = clock.now()
        self._horizon = self._mono  # everything due before this has been processed

    # -- inputs -----------------------------------------------------------------------
    def on_reading(self, reading: Reading) -> list[AlarmEvent]:
        """Every reading the driver delivers, valid or not (a gap in values is a fact too)."""
        def step(at: Moment) -> list[AlarmEvent]:
            self._technical.on_reading(reading, at.t)
            return self._physiology.on_reading(reading, at)
        return self._run(step)

    def on_link(self, event: LinkEvent) -> list[AlarmEvent]:
        return self._run(lambda at: self._technical.on_link(event, at.t))

    def on_device_status(self, status: DeviceStatus) -> list[AlarmEvent]:
        return self._run(lambda at: self._technical.on_device_status(status, at.t))

    def on_frame_stats(self, stats: FrameStats) -> list[AlarmEvent]:
        """The decoder's cumulative counts; call every few seconds (e.g. with ``tick``)."""
        return self._run(lambda at: self._technical.noisy.on_stats(stats, at.t))

    def on_recording(self, failed: bool, message: str = "") -> list[AlarmEvent]:
        """From SessionRecorder's ``on_failure`` (True, its message) and ``on_recovered`` (False)."""
        text = message or "The session recording cannot be written: data is being lost."
        return self._run(lambda at: self._technical.recording.set(failed, text, at.t))

    def on_audio(self, available: bool, message: str = "") -> list[AlarmEvent]:
        """From the sound layer: False when there is no output device, it is muted, or playing failed."""
        text = message or "Alarm sound cannot be played: watch the screen."
        return self._run(lambda at: self._technical.audio.set(not available, text, at.t))

    def on_display(self, frozen: bool, seconds: float) -> list[AlarmEvent]:
        """From the sound process's display watchdog: the GUI thread has sent no heartbeat for
        ``seconds`` (True), or responds again after ``seconds`` frozen (False)."""
        return self._run(lambda at: self._technical.display.report(frozen, seconds, at.t))

    def on_central(self, reachable: bool, message: str = "") -> list[AlarmEvent]:
        """From the publisher to the central station: False while the broker cannot be reached."""
        text = message or "Central station not reachable: this chair is watched here only."
        return self._run(lambda at: self._technical.central.set(not reachable, text, at.t))

    def set_baseline(self, values: Mapping[Parameter, float]) -> list[AlarmEvent]:
        """Session baseline (mean of the pre-infusion readings, reference §2.7); logs relative limits."""
        return self._run(lambda at: self._physiology.set_baseline(values, at))

    def set_phase(self, phase: str) -> list[AlarmEvent]:
        """``baseline``, ``infusion``, ``recovery`` or ``ended``: logged with every event."""
        def step(at: Moment) -> None:
            self._phase = phase
        return self._run(step)

    def tick(self) -> list[AlarmEvent]:
        """Process what fell due by now; call it about once a second."""
        return self._run(lambda at: None)

    # -- operator actions -------------------------------------------------------------------
    def acknowledge(self, condition: AlarmCondition | None = None, by: str = "") -> list[AlarmEvent]:
        """Acknowledge one alarm, or all (None): silenced; a new or worse condition sounds again."""
        return self._run(lambda at: self._board.acknowledge(condition, at, by))

    def pause_audio(self, duration_s: float | None = None, by: str = "") -> list[AlarmEvent]:
        """Silence all alarm sound for the profile's pause (default 120 s, at most 180 s)."""
        timing = self._profile.timing
        length = timing.audio_pause_s if duration_s is None else float(duration_s)
        if not length > 0:
            raise ValueError(f"an audio pause must last a positive time, not {duration_s!r}")
        if length > timing.audio_pause_max_s:
            log.warning("audio pause of %g s shortened to the maximum %g s", length, timing.audio_pause_max_s)
            length = timing.audio_pause_max_s
        return self._run(lambda at: self._board.pause(length, at, by))

    def resume_audio(self, by: str = "") -> list[AlarmEvent]:
        """End an audio pause early."""
        return self._run(lambda at: self._board.end_pause(at, f"ended early{messages.by(by)}"))

    def set_limits(
        self,
        parameter: Parameter,
        above: Mapping[Priority, float | None] | None = None,
        below: Mapping[Priority, float | None] | None = None,
        by: str = "",
    ) -> list[AlarmEvent]:
        """Change this session's limits for one parameter; validated first, each change logged.

        ``above``/``below`` map priorities to new limits (None removes one); other
        limits stay. Raises ProfileError, changing nothing, if the result breaks a rule.
        """
        current = self._profile.limits(parameter)
        if current is None:
            raise ProfileError(self._profile.source, f"parameters.{parameter.value}", "has no limits to change")
        new = replace(current, above=current.above.merged(above or {}), below=current.below.merged(below or {}))
        check_parameter(replace(self._profile, source=f"session limits ({self._profile.name})"), new)

        def step(at: Moment) -> list[AlarmEvent]:
            baseline = self._physiology.baseline(parameter)
            events = messages.limit_events(current, new, at, baseline, by)
            self._profile = self._profile.with_limits(new)
            return events + self._physiology.rebuild([parameter], at)
        return self._run(step)

    def load_profile(self, profile: Profile | str | Path, by: str = "") -> list[AlarmEvent]:
        """Switch profile; one that fails validation raises ProfileError and changes nothing."""
        new = profile if isinstance(profile, Profile) else load_profile_file(profile)
        validate(new)

        def step(at: Moment) -> list[AlarmEvent]:
            self._profile = new
            self._technical.use(new)
            detail = f"{new.name} from {new.source}{messages.by(by)}"
            events = [self._board.system_event(EventType.PROFILE_LOADED, at, detail)]
            return events + self._physiology.rebuild(list(Parameter), at)
        return self._run(step)

    # -- queries ------------------------------------------------------------------------------
    @property
    def profile(self) -> Profile:
        return self._profile

    @property
    def phase(self) -> str | None:
        return self._phase

    def active(self, kind: AlarmKind | None = None) -> tuple[AlarmState, ...]:
        """Alarms to show: highest priority first, unacknowledged before acknowledged, then oldest.

        Technical alarms are listed like the others and never dropped; a bar with
        one line per group asks ``active(AlarmKind.TECHNICAL)`` as well.
        """
        return tuple(a.state() for a in self._board.sorted() if kind in (None, a.kind))

    def pending(self) -> tuple[AlarmState, ...]:
        """Conditions beyond a limit whose delay is still running (not alarms yet)."""
        return self._physiology.pending()

    @property
    def audio_paused_until(self) -> datetime | None:
        remaining = self.audio_pause_remaining_s()
        return None if remaining is None else self._clock.now() + timedelta(seconds=remaining)

    def audio_pause_remaining_s(self) -> float | None:
        """Seconds left in the audio pause, for the countdown; None when not paused."""
        if self._board.pause_until is None:
            return None
        remaining = self._board.pause_until - self._clock.monotonic()
        return remaining if remaining > 0 else None

    def should_sound(self) -> Priority | None:
        """What the sound layer plays now: the highest unacknowledged priority, unless paused.

        A new alarm of the break-through priority (high by default) ends the pause
        when it is raised, so it sounds at once.
        """
        if self.audio_pause_remaining_s() is not None:
            return None
        return self._board.sounding()

    # -- the time machinery ----------------------------------------------------------------------
    def _run(self, step: Step) -> list[AlarmEvent]:
        """Due transitions up to now, then the input, then what the input makes due now."""
        self._mono = max(self._clock.monotonic(), self._horizon)
        self._wall = self._clock.now()
        events = self._advance(self._mono)
        at = self._moment(self._mono)
        events += step(at) or []
        events += self._sync_technical(at)
        events += self._advance(self._mono)
        for event in events:
            log.info("alarm %s %s %s: %s", event.event.value, event.condition.value, event.priority.value,
                     event.detail)
        return events

    def _moment(self, t: float) -> Moment:
        return Moment(t, self._wall - timedelta(seconds=self._mono - t), self._phase)

    def _advance(self, now: float) -> list[AlarmEvent]:
        """Run every transition due by ``now``, each at its own time, earliest first."""
        events: list[AlarmEvent] = []
        for _ in range(_MAX_STEPS):
            due = self._next_due()
            if due is None or not due[0].reached(now):
                break
            at = self._moment(max(due[0].t, self._horizon))
            self._horizon = at.t
            events += due[2](at)
        else:
            log.error("alarm engine: too many transitions at once; the rest wait for the next call")
        self._horizon = max(self._horizon, now)
        return events

    def _next_due(self) -> Due | None:
        """The earliest timed transition; ties in a fixed order, so logs repeat exactly."""
        dues = self._board.dues()
        for order, watch in enumerate(self._technical.all()):
            onset = watch.onset(self._phase)
            alarm = self._board.get(watch.condition)
            if onset is not None and (alarm is None or not alarm.present):
                dues.append((onset, order, partial(self._technical_onset, watch)))
        return min(dues, key=lambda d: (d[0].t, d[1])) if dues else None

    # -- technical alarms ------------------------------------------------------------------------
    def _sync_technical(self, at: Moment) -> list[AlarmEvent]:
        """After an input: raise or end technical alarms, and refresh their messages."""
        events: list[AlarmEvent] = []
        for watch in self._technical.all():
            onset = watch.onset(self._phase)
            exists = onset is not None and onset.reached(at.t)
            alarm = self._board.get(watch.condition)
            if exists and (alarm is None or not alarm.present):
                events += self._technical_onset(watch, at)
            elif not exists and alarm is not None and alarm.present:
                ended = watch.ended if isinstance(watch, SwitchWatch) else CAUSE_GONE
                events += self._board.end(alarm, at, ended)
            elif alarm is not None:
                alarm.message = watch.message_in(self._phase)
        return events

    def _technical_onset(self, watch: Watch, at: Moment) -> list[AlarmEvent]:
        message = watch.message_in(self._phase)
        alarm = self._board.get(watch.condition)
        if alarm is not None:  # latched, and the cause is back
            alarm.message = message
            return [alarm.resume(at)]
        priority = self._profile.technical_for(watch.condition).priority_in(self._phase)
        return self._board.add(Alarm(watch.condition, priority, at, message), at)
