"""Labels of alarm-limit lines on a trend, for the live chart and the review chart alike (no Qt).

Two labels at one height cover each other: ``DBP 110`` over ``HR 110`` read as
neither (issue 14). So lines at the same whole value share one label
(``DBP 110, HR 110``; one name at close values: ``DBP 110/110.5``), and labels of
lines closer together than a label is high are stacked downwards, each just clear
of the one above it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LimitLabel:
    """One label for limit lines at (about) the same value: ``SBP 160`` or ``DBP 110, DBP rise 110/110.5``."""

    value: float  # where the label sits
    text: str
    right: float  # x (minutes) of the right end of the latest line at this value


def merge_limits(lines: Iterable[tuple[float, str, float]]) -> list[LimitLabel]:
    """``(value, name, right)`` per line -> one label per whole value, lowest first; names in
    the order given, each with its values."""
    groups: dict[int, list[tuple[float, str, float]]] = {}
    for line in lines:
        groups.setdefault(round(line[0]), []).append(line)
    labels = []
    for _, members in sorted(groups.items()):
        parts = []
        for name in dict.fromkeys(name for _, name, _ in members):
            values = sorted({value for value, n, _ in members if n == name})
            parts.append(f"{name} {'/'.join(f'{v:g}' for v in values)}")
        labels.append(LimitLabel(max(v for v, _, _ in members), ", ".join(parts), max(r for _, _, r in members)))
    return labels


def stacked(values: Sequence[float], height: float) -> list[float]:
    """Where each label's bottom goes, in data units, for labels that sit on their line: the
    highest on its line, each lower one moved down as far as it must to clear the one above
    (``height``: a label's height in the same units)."""
    placed = [0.0] * len(values)
    ceiling = float("inf")
    for i in sorted(range(len(values)), key=lambda i: -values[i]):
        placed[i] = min(values[i], ceiling - height)
        ceiling = placed[i]
    return placed


__all__ = ["LimitLabel", "merge_limits", "stacked"]
