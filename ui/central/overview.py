"""The central station's room overview: the one place the room's widget is chosen.

What the central window needs of an overview is small: a widget showing a list
of :class:`ChairSnapshot` values, one panel per chair, and a signal with the
chair's name when a panel is clicked. The infusion room (issue 15) builds that
widget for a room's screen (``ui/room``: its ``ChairPanel`` and overview grid);
until it is on main, :class:`ui.central.grid.SnapshotGrid` stands in. Swapping
is one line in :func:`make_overview` (docs/central-station.md, "The window").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtWidgets import QWidget

from monitor.snapshot import ChairSnapshot
from ui.dashboard.theme import Theme


class ChairOverview(Protocol):
    """A QWidget with ``chair_clicked = Signal(str)`` (the snapshot's ``bed``)."""

    def show_snapshots(self, snapshots: Sequence[ChairSnapshot]) -> None: ...


def make_overview(theme: Theme, parent: QWidget | None = None) -> QWidget:
    """The overview the window shows (a :class:`ChairOverview`)."""
    from ui.central.grid import SnapshotGrid  # until the room's overview lands: see the module docstring

    return SnapshotGrid(theme, parent)
