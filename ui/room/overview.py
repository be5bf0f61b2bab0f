"""The room at a glance: one panel per chair, and one alarm bar for all of them.

Built from snapshots only (:meth:`RoomOverview.show_chairs`), so the infusion room
and the central station draw the same screen: a chair's panel is
:class:`~ui.room.panel.ChairPanel`, the bar is the bedside's
:class:`~ui.dashboard.alarm_bar.AlarmBar` listing every chair's alarms highest
priority first, each prefixed with its chair's name (``*** Chair 3: NIBP sys 182 >
180  (+2 more)``: one line per alarming chair, its most severe alarm). Alarms that
belong to the station rather than to a chair (the room's sound
or screen failing) are given apart and listed once, as ``Room: ...``; only for
those does the bar offer its acknowledge button, because every chair's own alarms
are acknowledged at that chair's dashboard, by a nurse who has looked at it.

A click on a panel, or the number key the panel shows, emits :attr:`RoomOverview.chair_chosen`.

The central station shows this same overview for the beds it hears through the
broker (``ui/central/overview.py``); its panels come and go with the beds, and
its own alarms (broker lost, a bed silent) take the place of the room's, under
words of its own (:class:`StationWords`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from monitor.snapshot import AlarmSnapshot, ChairSnapshot
from ui.dashboard.alarm_bar import AlarmBar
from ui.dashboard.theme import SIZE_HEADER_SMALL, SIZE_WALL_CLOCK, Theme
from ui.dashboard.widgets import label
from ui.room.panel import ChairPanel
from ui.room.panel_text import RANK, top_alarm

MAX_SHORTCUTS = 9  # Ctrl+1 ... Ctrl+9


@dataclass(frozen=True, slots=True)
class StationWords:
    """What the overview calls the alarms of the station that shows it, how they are
    acknowledged, and what a click on a chair does: the room's unless told otherwise."""

    prefix: str = "Room"  # a station alarm in the bar: "Room: No alarm sound ..."
    acknowledge: str = "Acknowledge room alarm   F5"
    acknowledge_tip: str = "Acknowledge the alarms of the room's own sound and screen, in every chair (F5)"
    hint: str = "Click a chair, or press its Ctrl+number, for its full dashboard; Esc comes back here."
    shortcuts: bool = True  # each panel shows its Ctrl+number


ROOM_WORDS = StationWords()


def grid_shape(count: int) -> tuple[int, int]:
    """(columns, rows) for ``count`` panels on a landscape screen: 4 as 2x2, 8 as 4x2, 12 as 4x3."""
    for limit, shape in ((1, (1, 1)), (2, (2, 1)), (3, (3, 1)), (4, (2, 2)), (6, (3, 2)), (8, (4, 2)),
                         (9, (3, 3))):
        if count <= limit:
            return shape
    return 4, -(-count // 4)


def chair_shortcut(index: int) -> str:
    return f"Ctrl+{index + 1}" if index < MAX_SHORTCUTS else ""


def bar_items(snapshots: Sequence[ChairSnapshot], station: Sequence[AlarmSnapshot] = (),
              prefix: str = ROOM_WORDS.prefix) -> tuple[list[tuple[str, str]], bool]:
    """The room bar's ``(priority, text)`` items, as it shows them, and whether its top one is
    acknowledged (then shown steadily).

    One item per alarming chair, its most severe alarm with how many more it has
    (``Chair 3: NIBP sys 182 > 180  (+2 more)``: the panel and the chair's dashboard list
    them all), so eight alarming chairs still fit the bar; and one per alarm of the room's
    own, prefixed ``prefix``. Highest priority first; within one, unacknowledged before acknowledged, then the
    room's own, then chair by chair.
    """
    entries: list[tuple[int, bool, int, str, str]] = []
    groups = [(prefix, [a]) for a in station] + [(s.bed, list(s.alarms)) for s in snapshots]
    for order, (prefix, alarms) in enumerate(groups):
        top = top_alarm(alarms)
        if top is None:
            continue
        acknowledged = top.status != "active"
        more = f"  (+{len(alarms) - 1} more)" if len(alarms) > 1 else ""
        text = f"{prefix}: {top.message}" + (" (acknowledged)" if acknowledged else "") + more
        entries.append((-RANK[top.priority], acknowledged, order, top.priority, text))
    entries.sort(key=lambda e: e[:3])
    steady = bool(entries) and entries[0][1]
    return [(priority, text) for *_, priority, text in entries], steady


class RoomOverview(QWidget):
    chair_chosen = Signal(int)  # the index of the chair clicked
    acknowledge_room_clicked = Signal()  # the bar's button, shown while a station alarm is unacknowledged

    def __init__(self, title: str, theme: Theme, *, simulated: bool = False,
                 words: StationWords = ROOM_WORDS) -> None:
        super().__init__()
        self.setObjectName("dashboard")
        self.theme = theme
        self.words = words
        self.panels: list[ChairPanel] = []
        self._bar_key: object = None
        self.title = label(title, SIZE_WALL_CLOCK, True)
        self.simulated = label("SIMULATED DATA \u2014 not patients", SIZE_HEADER_SMALL, True)
        self.hint = label(words.hint, SIZE_HEADER_SMALL, name="dim")
        self.wall_clock = label("--:--", SIZE_WALL_CLOCK, True)
        self.alarm_bar = AlarmBar(theme)
        self.alarm_bar.acknowledge.setText(words.acknowledge)
        self.alarm_bar.acknowledge.setToolTip(words.acknowledge_tip)
        self.alarm_bar.acknowledge.hide()
        self.alarm_bar.audio_pause.hide()  # audio pause and limits belong to a chair: at its dashboard
        self.alarm_bar.limits.hide()
        self.alarm_bar.acknowledge_clicked.connect(self.acknowledge_room_clicked)
        self._grid = QGridLayout()
        self._grid.setSpacing(10)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addSpacing(24)
        texts = QVBoxLayout()
        texts.addWidget(self.simulated)
        texts.addWidget(self.hint)
        header.addLayout(texts, 1)
        header.addWidget(self.wall_clock, 0, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.alarm_bar)
        layout.addLayout(self._grid, 1)
        self.simulated.setVisible(simulated)  # once in its layout (before, it would be a window of its own)
        self.apply_theme(theme)

    def show_chairs(self, snapshots: Sequence[ChairSnapshot], station: Sequence[AlarmSnapshot] = (),
                    now: datetime | None = None) -> None:
        """Draw every chair (panels in the order given) and the room's alarm bar."""
        self._ensure_panels(len(snapshots))
        for panel, snapshot in zip(self.panels, snapshots, strict=True):
            panel.show_snapshot(snapshot)
        self.show_bar(snapshots, station)
        if now is not None:
            self.wall_clock.setText(now.astimezone().strftime("%H:%M"))

    def show_bar(self, snapshots: Sequence[ChairSnapshot], station: Sequence[AlarmSnapshot] = ()) -> None:
        items, steady = bar_items(snapshots, station, self.words.prefix)
        key = (tuple(items), steady)
        if key != self._bar_key:
            self._bar_key = key
            self.alarm_bar.set_alarms(items, steady=steady)
        self.alarm_bar.acknowledge.setVisible(any(a.status == "active" for a in station))

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.alarm_bar.apply_theme(theme)
        self.wall_clock.setStyleSheet(f"color: {theme.text};")
        self.simulated.setStyleSheet(f"color: {theme.simulated};")
        for panel in self.panels:
            panel.apply_theme(theme)

    def _ensure_panels(self, count: int) -> None:
        """One panel per chair, laid out as :func:`grid_shape` says (a central station's count may change)."""
        if count == len(self.panels):
            return
        for panel in self.panels:
            self._grid.removeWidget(panel)
            panel.deleteLater()
        self.panels = [ChairPanel(self.theme, chair_shortcut(i) if self.words.shortcuts else "")
                       for i in range(count)]
        columns, rows = grid_shape(count)
        for i, panel in enumerate(self.panels):
            panel.clicked.connect(lambda i=i: self.chair_chosen.emit(i))
            self._grid.addWidget(panel, i // columns, i % columns)
        for column in range(4):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
        for row in range(max(rows + 1, self._grid.rowCount())):  # rows of a larger grid before: none
            self._grid.setRowStretch(row, 1 if row < rows else 0)


__all__ = ["ROOM_WORDS", "RoomOverview", "StationWords", "bar_items", "chair_shortcut", "grid_shape"]
