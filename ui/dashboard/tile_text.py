"""What a tile writes, as pure functions of values (the tests read them through the widgets).

Numbers are written with their parameter's catalogue ``decimals`` (HR ``72``,
temperature ``36.8``); a change from baseline with the same precision and a
real minus sign, which a hyphen is too easy to miss from a distance.
"""

from __future__ import annotations

from monitor.latest import ValueView

DASH = "---"
MINUS = "\u2212"  # a real minus sign: a hyphen is easy to miss from a distance


def fmt(value: float | None, decimals: int = 0) -> str:
    return DASH if value is None else f"{value:.{decimals}f}"


def signed(delta: float, decimals: int = 0) -> str:
    rounded = round(delta, decimals)
    if rounded == 0:
        return "\u00b10"
    return f"+{rounded:.{decimals}f}" if rounded > 0 else f"{MINUS}{abs(rounded):.{decimals}f}"


def age_text(seconds: float) -> str:
    if seconds < 60:
        return f"{max(0, int(seconds))} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def measured_text(age_s: float | None) -> str:
    if age_s is None:
        return ""
    if age_s < 60:
        return "measured <1 min ago"
    return f"measured {age_text(age_s)} ago"


def limits_text(low: float | str | None, high: float | str | None) -> str:
    if low is None and high is None:
        return "limits not set"

    def one(value: float | str | None) -> str:
        if value is None:
            return "off"
        return value if isinstance(value, str) else f"{value:g}"

    # no-break space and word joiner: a narrow tile breaks the line after "limits" only
    return f"limits {one(low)}\u00a0\u2013\u2060\u00a0{one(high)}"


def baseline_text(
    baselines: tuple[float | None, ...], values: tuple[float | None, ...], forming: bool, decimals: int = 0
) -> str:
    """"baseline 124/78 · +12/+9"; while the baseline is still forming, no change."""
    if all(b is None for b in baselines):
        return "baseline pending" if forming else "no baseline"
    base = "/".join(fmt(b, decimals) for b in baselines)
    if forming:
        return f"baseline so far {base}"
    deltas = [signed(v - b, decimals) if v is not None and b is not None else DASH
              for v, b in zip(values, baselines, strict=True)]
    if all(d == DASH for d in deltas):
        return f"baseline {base}"
    return f"baseline {base} \u00b7 {'/'.join(deltas)}"


def stale_note(view: ValueView, measured: bool) -> str:
    if view.age_s is None:
        return "NOT CURRENT: no recent value"
    if measured:
        return f"NOT CURRENT: {measured_text(view.age_s)}"
    return f"NOT CURRENT: last value {age_text(view.age_s)} ago"
