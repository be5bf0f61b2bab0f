"""Physiological alarms: readings through the limit watches, folded per measurement, onto the board.

``detect`` says whether one parameter's value is beyond one of its limits for long
enough; ``grouping`` folds those findings into one condition per measurement and
direction (NIBP_HIGH for systolic, diastolic and mean); this module turns that
into raised, escalated and ended alarms and ``crossed`` log rows, keeps the last
NIBP result so a limit or baseline change can judge it at once, and lets the
pulse rate stand by while an ECG heart rate is available (one tachycardia, one alarm).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from monitor.alarms import messages
from monitor.alarms.board import AlarmBoard
from monitor.alarms.detect import ConditionWatch, Finding, NibpResults, watches_for
from monitor.alarms.grouping import ORDER, Group, covering
from monitor.alarms.lifecycle import Alarm, Moment
from monitor.alarms.model import AlarmCondition, AlarmEvent, AlarmState
from monitor.alarms.settings import Profile
from monitor.parameters import spec
from monitor.readings import NIBP_PARAMETERS, Parameter, Reading

BACKUP_WINDOW_S = 15.0  # PR stands by while HR had a value this recently (as long as a tile stays fresh)
BACK_INSIDE = "values back inside their limits"


class Physiology:
    """Limit watches per parameter, fed with readings, raising one alarm per measurement and direction."""

    def __init__(
        self, board: AlarmBoard, profile: Callable[[], Profile], on_nibp_result: Callable[[float], None]
    ) -> None:
        self._board = board
        self._profile = profile
        self._on_nibp_result = on_nibp_result  # the NIBP-overdue watch restarts its timer
        self._baseline: dict[Parameter, float] = {}
        self._watches: dict[Parameter, list[ConditionWatch]] = {}
        self._groups: dict[AlarmCondition, Group] = {}
        self._pending: dict[AlarmCondition, Finding] = {}  # by limit name: delay still running
        self._nibp = {p: NibpResults() for p in NIBP_PARAMETERS}
        self._last_value: dict[Parameter, float] = {}
        self._last_number_t: dict[Parameter, float] = {}
        for parameter, limits in profile().parameters.items():
            self._watches[parameter] = watches_for(limits, None)

    def pending(self) -> tuple[AlarmState, ...]:
        """One state per condition not raised yet whose delay runs: its most severe finding."""
        shown: dict[AlarmCondition, Finding] = {}
        for finding in self._pending.values():
            condition = finding.condition.group
            assert condition is not None
            if self._board.get(condition) is not None:
                continue
            current = shown.get(condition)
            if current is None or _severity(finding) > _severity(current):
                shown[condition] = finding
        return tuple(messages.pending_state(f, c) for c, f in shown.items())

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
            return self._stop(parameter, at, "the primary parameter has a value again")
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
            events += self._stop(parameter, at, "no longer monitored with these limits", kept)
            if parameter in NIBP_PARAMETERS and parameter in self._last_value:
                events += self._evaluate(parameter, self._last_value[parameter], at)
        return events

    # -- findings into groups, groups onto the board -------------------------------------------
    def _evaluate(self, parameter: Parameter, value: float, at: Moment) -> list[AlarmEvent]:
        for watch in self._watches.get(parameter, []):
            self._note(watch.observe(value, at.t))
        return self._settle(spec(parameter).measurement, at, BACK_INSIDE)

    def _note(self, finding: Finding) -> None:
        """One parameter's finding into its member of the measurement's condition."""
        self._pending.pop(finding.condition, None)
        if finding.pending:
            self._pending[finding.condition] = finding
        group = self._group(finding.condition)
        if self._board.get(group.condition) is None and not group.present:
            group.reset()  # nothing left of the last occurrence: a new one starts clean
        parameter = finding.condition.parameter
        assert parameter is not None
        group.member(parameter).observe(finding)

    def _settle(self, measurement: str, at: Moment, ended: str) -> list[AlarmEvent]:
        """Raise, escalate, fold or end the measurement's conditions (high before rise)."""
        events: list[AlarmEvent] = []
        for direction in ORDER:
            group = self._groups.get(AlarmCondition.grouped(measurement, direction))
            if group is not None:
                events += self._settle_group(group, at, ended)
        return events

    def _settle_group(self, group: Group, at: Moment, ended: str) -> list[AlarmEvent]:
        alarm = self._board.get(group.condition)
        cover = self._cover(group)
        level = group.level
        events: list[AlarmEvent] = []
        if alarm is None:
            if level is not None and cover is None:
                alarm = Alarm(group.condition, level, at, "")
                self._show(alarm, group)
                events += self._board.add(alarm, at)
        else:
            self._show(alarm, group)
            if cover is not None:
                if alarm.present:
                    events += self._board.end(alarm, at, f"included in {cover.value}")
            elif level is not None:
                if not alarm.present:
                    events.append(alarm.resume(at))
                if level > alarm.priority:
                    events += self._board.worsen(alarm, level, at, messages.worsened(group))
            elif alarm.present:
                events += self._board.end(alarm, at, ended)
        shown_as = group.condition if self._board.get(group.condition) is not None else cover or group.condition
        events += [messages.crossed(finding, at, shown_as) for finding in group.take_crossings()]
        if self._board.get(group.condition) is None and not group.present:
            group.reset()
        return events

    def _cover(self, group: Group) -> AlarmCondition | None:
        """The present high (low) condition a rise (fall) is folded into, if at least as urgent."""
        condition = covering(group.condition)
        alarm = self._board.get(condition) if condition is not None else None
        if alarm is None or not alarm.present:
            return None
        own = group.level
        return condition if own is None or alarm.priority >= own else None

    def _show(self, alarm: Alarm, group: Group) -> None:
        """The alarm shows its worst member's values and names every member that crossed a limit."""
        worst = group.worst()
        if worst is None:
            return
        alarm.value, alarm.worst, alarm.limit, alarm.baseline = worst.value, worst.worst, worst.limit, worst.baseline
        alarm.members = tuple(m.state() for m in group.shown())
        alarm.message = messages.grouped(group, self._profile())

    def _group(self, limit: AlarmCondition) -> Group:
        condition = limit.group
        assert condition is not None
        group = self._groups.get(condition)
        if group is None:
            group = self._groups[condition] = Group(condition)
        return group

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

    def _stop(
        self, parameter: Parameter, at: Moment, detail: str, keep: set[AlarmCondition] | None = None
    ) -> list[AlarmEvent]:
        """The parameter's limits (but ``keep``) no longer apply: it leaves its conditions, and a
        condition none of whose parameters is beyond a limit any more ends with ``detail``."""
        for direction in ORDER:
            limit = AlarmCondition.physiological(parameter, direction)
            group = self._groups.get(limit.group) if limit.group is not None else None
            if group is not None and limit not in (keep or set()):
                group.member(parameter).stop()
                self._pending.pop(limit, None)
        return self._settle(spec(parameter).measurement, at, detail)


def _severity(finding: Finding) -> int:
    return finding.beyond.rank if finding.beyond is not None else 0
