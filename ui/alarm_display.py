"""What the alarm presenter shows, as pure functions of the engine's state and the catalogue.

Which tile an alarm belongs to, what a tile's limits read, its badge, and the
chart's threshold lines all follow from :mod:`monitor.parameters`: a parameter's
measurement is its tile, its ``chart_label`` names its lines and its ``trend``
panel is where they are drawn. No Qt here.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.alarms.model import LABELS, AlarmCondition, AlarmState, number
from monitor.alarms.settings import Profile
from monitor.parameters import MEASUREMENTS, PARAMETERS, Parameter
from ui.dashboard.chart_panels import Threshold

# drawn always: where the alarms a ketamine infusion is watched for begin (reference §2.2)
CHART_DEFAULT_LINES = (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.HR)


def tile_of(condition: AlarmCondition) -> str | None:
    """The tile (measurement key) of a physiological alarm; None for a technical one."""
    return condition.measurement


def innermost(profile: Profile, parameter: Parameter) -> tuple[float | None, float | None]:
    """(low, high): where the first alarm of any priority begins, or None."""
    limits = profile.limits(parameter)
    if limits is None:
        return None, None
    below = [v for _, v in limits.below.items()]
    above = [v for _, v in limits.above.items()]
    return (max(below) if below else None), (min(above) if above else None)


def tile_limits(profile: Profile, tile: str) -> tuple[float | str | None, float | str | None]:
    """What a tile's limit line shows: numbers, or "160/100" for a pressure tile."""
    measurement = MEASUREMENTS[tile]
    if not measurement.pressure:
        return innermost(profile, measurement.parameters[0])
    sys_p, dia_p = (p for p in measurement.parameters if PARAMETERS[p].role in ("sys", "dia"))
    (sys_low, sys_high), (dia_low, dia_high) = innermost(profile, sys_p), innermost(profile, dia_p)

    def pair(a: float | None, b: float | None) -> str | None:
        """"160/100"; "90" when only the systolic has a limit on that side."""
        if a is None and b is None:
            return None
        if b is None:
            return f"{number(a)}"
        return "/".join("off" if v is None else f"{number(v)}" for v in (a, b))

    return pair(sys_low, dia_low), pair(sys_high, dia_high)


def threshold_lines(profile: Profile, states: Sequence[AlarmState]) -> list[Threshold]:
    """Upper limits of SBP, DBP and HR, plus the violated limit of each alarm on a charted
    parameter, each in its parameter's trend panel."""
    lines: list[Threshold] = []
    for parameter in CHART_DEFAULT_LINES:
        _, high = innermost(profile, parameter)
        if high is not None:
            lines.append(_line(parameter, high))
    for state in states:
        for member in state.members:  # each parameter's violated limit (NIBP_HIGH: sys and dia)
            if PARAMETERS[member.parameter].trend is not None and member.limit is not None:
                line = _line(member.parameter, member.limit)
                if line not in lines:
                    lines.append(line)
    return lines


def _line(parameter: Parameter, value: float) -> Threshold:
    row = PARAMETERS[parameter]
    assert row.trend is not None
    return Threshold(float(value), row.chart_label, row.trend)


def badge_order(state: AlarmState) -> tuple[int, int]:
    """Highest priority first, then unacknowledged (the engine's order otherwise)."""
    return -state.priority.rank, 1 if state.silenced else 0


def headline(state: AlarmState) -> tuple[str, int]:
    """``("sys 172 > 160", 1)``: the worst parameter of a physiological alarm, as its tile names it
    (a pressure's part by its role: the tile's title says NIBP), and how many others crossed a
    limit with it (the bar's message names them); the message and 0 otherwise."""
    if not state.members or state.condition.direction is None:
        return state.message, 0
    worst = state.members[0]
    row = PARAMETERS[worst.parameter]
    name = LABELS[worst.parameter] if row.role == "value" else row.role
    sign = ">" if state.condition.direction.upward else "<"
    text = f"{name} {number(worst.worst_value)} {sign} {number(worst.limit)}"
    return text + (" (ended)" if state.latched else ""), len(state.members) - 1


def badge(alarms: Sequence[AlarmState]) -> tuple[str, str | None]:
    """``(text, priority)`` of a tile's badge: its most severe alarm's worst parameter in one
    short line, so the number stays the largest thing on the tile (the bar has the rest);
    ("", None): none."""
    if not alarms:
        return "", None
    ordered = sorted(alarms, key=badge_order)
    text, others = headline(ordered[0])
    others += len(ordered) - 1
    more = f" +{others} more" if others else ""
    return f"{ordered[0].priority.stars} {text}{more}", max(a.priority for a in ordered).value
