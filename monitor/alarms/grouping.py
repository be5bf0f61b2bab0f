"""One alarm condition per measurement and direction: the parameters' findings folded into it.

Why: one hypertensive cuff result used to raise NIBP_SYS_HIGH, NIBP_DIA_HIGH and
NIBP_MEAN_HIGH at once, and the arterial line three more, plus the baseline-rise
advisories: nine lines in the alarm bar for one event. Alarm floods are what make
nurses stop listening (NPSG.06.01.01). So each limit is still watched per
parameter (``detect``), with that parameter's own tiers, delay, hysteresis and
confirmation, but the alarm is the measurement's (``NIBP_HIGH``): a :class:`Group`
holds what each of its parameters (a :class:`Member`) found during the occurrence.

The rule (disclosed in docs/alarms.md, section 2):

- the condition exists while any of its parameters is beyond a limit (delay met),
  and ends only when every one is back inside its limit by its hysteresis;
- its priority is the highest tier any of its parameters reached (and, as for
  every alarm, it never goes down within an occurrence; time escalation applies);
- it shows the worst parameter first (highest tier reached, then the catalogue's
  order: systolic, diastolic, mean), then the others that crossed a limit;
- every tier each parameter crosses is logged as its own ``crossed`` row, named
  by the parameter's limit (``NIBP_DIA_HIGH``), so the log keeps every limit;
- a baseline rise (fall) is *suppressed* while the same measurement's high (low)
  condition is present at a priority at least its own: it is not raised, and
  one already raised ends ("included in NIBP_HIGH"); its crossings are still
  logged. When the high condition ends and the rise persists, the rise is raised.
"""

from __future__ import annotations

from monitor.alarms.detect import Finding
from monitor.alarms.model import AlarmCondition, Direction, MemberState, Priority
from monitor.parameters import MEASUREMENTS, Parameter

# A rise is folded into the high condition, a fall into the low one.
COVERED_BY = {Direction.RISE: Direction.HIGH, Direction.FALL: Direction.LOW}
# Settled in this order, so a rise sees the high condition of the same reading.
ORDER = (Direction.HIGH, Direction.LOW, Direction.RISE, Direction.FALL)


class Member:
    """One parameter's part in its measurement's condition, for one occurrence."""

    def __init__(self, parameter: Parameter, upward: bool) -> None:
        self.parameter = parameter
        self.upward = upward
        self.level: Priority | None = None  # tier held now (delay met); None: not beyond
        self.reached: Priority | None = None  # highest tier of the occurrence
        self.value: float | None = None
        self.worst: float | None = None
        self.limit: float | None = None  # the limit of ``reached``
        self.baseline: float | None = None
        self.note = ""
        self.crossings: list[Finding] = []  # tiers newly crossed, still to be logged

    @property
    def present(self) -> bool:
        return self.level is not None

    def observe(self, finding: Finding) -> None:
        """Take one finding of this parameter's watch."""
        if finding.level is not None:
            if self.level is None or finding.level > self.level:
                self.crossings.append(finding)
            self.level = finding.level if self.level is None else max(self.level, finding.level)
            if self.reached is None or finding.level >= self.reached:
                self.reached, self.limit = finding.level, finding.limit
            self.note, self.baseline = finding.note, finding.baseline
        elif finding.inside:
            self.level, self.note = None, ""
        if self.reached is not None:
            self.track(finding.value)

    def stop(self) -> None:
        """No longer watched (limits removed, or a backup standing by): not beyond any more."""
        self.level, self.note = None, ""

    def track(self, value: float) -> None:
        self.value = value
        if self.worst is None:
            self.worst = value
        else:
            self.worst = max(self.worst, value) if self.upward else min(self.worst, value)

    def state(self) -> MemberState:
        assert self.reached is not None
        return MemberState(self.parameter, self.reached, self.value, self.worst, self.limit, self.present)


class Group:
    """The members of one measurement's condition in one direction (``NIBP_HIGH``)."""

    def __init__(self, condition: AlarmCondition) -> None:
        assert condition.measurement is not None and condition.direction is not None
        self.condition = condition
        self.direction = condition.direction
        parameters = MEASUREMENTS[condition.measurement].parameters
        self._members = {p: Member(p, self.direction.upward) for p in parameters}

    def member(self, parameter: Parameter) -> Member:
        return self._members[parameter]

    @property
    def present(self) -> bool:
        return any(m.present for m in self._members.values())

    @property
    def level(self) -> Priority | None:
        """The highest tier held now by any member."""
        levels = [m.level for m in self._members.values() if m.level is not None]
        return max(levels) if levels else None

    def shown(self) -> list[Member]:
        """Members that crossed a limit in this occurrence, worst first (then catalogue order)."""
        crossed = [(m.reached, m) for m in self._members.values() if m.reached is not None]
        return [m for _, m in sorted(crossed, key=lambda pair: -pair[0].rank)]

    def worst(self) -> Member | None:
        shown = self.shown()
        return shown[0] if shown else None

    def take_crossings(self) -> list[Finding]:
        """The tiers crossed since the last call, in catalogue order (to be logged once)."""
        taken = [f for m in self._members.values() for f in m.crossings]
        for m in self._members.values():
            m.crossings.clear()
        return taken

    def reset(self) -> None:
        """A new occurrence starts from nothing."""
        for parameter, member in self._members.items():
            self._members[parameter] = Member(parameter, member.upward)


def covering(condition: AlarmCondition) -> AlarmCondition | None:
    """The condition that suppresses this one: ``NIBP_HIGH`` for ``NIBP_RISE``; None for the others."""
    measurement, direction = condition.measurement, condition.direction
    if measurement is None or direction not in COVERED_BY:
        return None
    return AlarmCondition.grouped(measurement, COVERED_BY[direction])
