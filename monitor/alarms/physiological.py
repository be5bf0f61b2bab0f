"""Physiological alarms: readings through the limit watches onto the alarm board.

``detect`` says whether a value is beyond a limit for long enough; this module
turns that into raised, escalated and ended alarms, keeps the last NIBP result
so a limit or baseline change can judge it at once, and lets the pulse rate
stand by while an ECG heart rate is available (one tachycardia, one alarm).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from monitor.alarms import messages
from monitor.alarms.board import AlarmBoard
from monitor.alarms.detect import ConditionWatch, Finding, NibpResults, watches_for
from monitor.alarms.lifecycle import Alarm, Moment
from monitor.alarms.model import AlarmCondition, AlarmEvent, AlarmState
from monitor.alarms.settings import Profile
from monitor.readings import NIBP_PARAMETERS, Parameter, Reading

BACKUP_WINDOW_S = 15.0  # PR stands by while HR had a value this recently (as long as a tile stays fresh)


class Physiology:
    """Limit watches per parameter, fed with readings, raising alarms on the board."""

    def __init__(
        self, board: AlarmBoard, profile: Callable[[], Profile], on_nibp_result: Callable[[float], None]
    ) -> None:
        self._board = board
        self._profile = profile
        self._on_nibp_result = on_nibp_result  # the NIBP-overdue watch restarts its timer
        self._baseline: dict[Parameter, float] = {}
        self._watches: dict[Parameter, list[ConditionWatch]] = {}
        self._pending: dict[AlarmCondition, Finding] = {}
        self._nibp = {p: NibpResults() for p in NIBP_PARAMETERS}
        self._last_value: dict[Parameter, float] = {}
        self._last_number_t: dict[Parameter, float] = {}
        for parameter, limits in profile().parameters.items():
            self._watches[parameter] = watches_for(limits, None)

    def pending(self) -> tuple[AlarmState, ...]:
        return tuple(messages.pending_state(f, self._profile()) for f in self._pending.values())

    def baseline(self, parameter: Parameter) -> float | None:
        return self._baseline.get(parameter)

    # -- inputs -------------------------------------------------------------------------
    def on_reading(self, reading: Reading, at: Moment) -> list[AlarmEvent]:
        """NIBP per new cuff result; continuous parameters per value, breaking runs on gaps."""
        parameter = reading.parameter
        if parameter in NIBP_PARAMETERS:
            if not self._nibp[parameter].is_new(reading):
                return []
            self._on_nibp_result(at.t)
        elif reading.value is None:
            self._interrupt(parameter)
            return []
        value = reading.value
        if value is None:  # unreachable: a new NIBP result always has a value
            return []
        self._last_value[parameter] = value
        self._last_number_t[parameter] = at.t
        if self._stands_by(parameter, at.t):
            self._interrupt(parameter)
            return self._end_all(parameter, at, "the primary parameter has a value again")
        return self._evaluate(parameter, value, at)

    def set_baseline(self, values: Mapping[Parameter, float], at: Moment) -> list[AlarmEvent]:
        self._baseline.update({p: float(v) for p, v in values.items()})
        events: list[AlarmEvent] = []
        for parameter in values:
            limits = self._profile().limits(parameter)
            if limits is not None:
                events += messages.baseline_events(limits, self._baseline[parameter], at)
        return events + self.rebuild(list(values), at)

    def rebuild(self, parameters: list[Parameter], at: Moment) -> list[AlarmEvent]:
        """New limits or baseline: fresh watches; NIBP re-judges its last result at once."""
        events: list[AlarmEvent] = []
        for parameter in parameters:
            limits = self._profile().limits(parameter)
            watches = watches_for(limits, self._baseline.get(parameter)) if limits else []
            self._watches[parameter] = watches
            self._interrupt(parameter)
            kept = {w.condition for w in watches}
            events += self._end_all(parameter, at, "no longer monitored with these limits", kept)
            if parameter in NIBP_PARAMETERS and parameter in self._last_value:
                events += self._evaluate(parameter, self._last_value[parameter], at)
        return events

    # -- findings onto the board -------------------------------------------------------------
    def _evaluate(self, parameter: Parameter, value: float, at: Moment) -> list[AlarmEvent]:
        events: list[AlarmEvent] = []
        for watch in self._watches.get(parameter, []):
            events += self._apply(watch.observe(value, at.t), at)
        return events

    def _apply(self, finding: Finding, at: Moment) -> list[AlarmEvent]:
        self._pending.pop(finding.condition, None)
        alarm = self._board.get(finding.condition)
        if alarm is None:
            if finding.level is not None:
                return self._raise(finding, at)
            if finding.pending:
                self._pending[finding.condition] = finding
            return []
        alarm.track(finding.value)
        events: list[AlarmEvent] = []
        if finding.level is not None:
            if not alarm.present:
                events.append(alarm.resume(at))
            if finding.level >= alarm.priority:
                alarm.limit = finding.limit
            if finding.level > alarm.priority:
                events += self._board.worsen(alarm, finding.level, at, messages.worsened(finding))
        elif finding.inside and alarm.present:
            events += self._board.end(alarm, at, "value back inside the limit")
        alarm.message = messages.physiological(alarm, finding.note, self._profile())
        return events

    def _raise(self, finding: Finding, at: Moment) -> list[AlarmEvent]:
        assert finding.level is not None
        alarm = Alarm(finding.condition, finding.level, at, "")
        alarm.upward = finding.direction.upward
        alarm.limit, alarm.baseline = finding.limit, finding.baseline
        alarm.track(finding.value)
        alarm.message = messages.physiological(alarm, finding.note, self._profile())
        return self._board.add(alarm, at)

    def _interrupt(self, parameter: Parameter) -> None:
        for watch in self._watches.get(parameter, []):
            watch.interrupt()
            self._pending.pop(watch.condition, None)

    def _stands_by(self, parameter: Parameter, now: float) -> bool:
        """A backup parameter (PR for HR) alarms only while its primary has no value."""
        limits = self._profile().limits(parameter)
        primary = limits.backup_for if limits else None
        seen = self._last_number_t.get(primary) if primary else None
        return seen is not None and now - seen <= BACKUP_WINDOW_S

    def _end_all(
        self, parameter: Parameter, at: Moment, detail: str, keep: set[AlarmCondition] | None = None
    ) -> list[AlarmEvent]:
        events: list[AlarmEvent] = []
        for alarm in self._board.sorted():
            condition = alarm.condition
            if condition.parameter is parameter and alarm.present and condition not in (keep or set()):
                events += self._board.end(alarm, at, detail)
        return events
