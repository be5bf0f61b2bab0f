"""The central station's window: every chair of the site at a glance and the station's own alarms.

It only displays and forwards: twice a second it asks the station (thread-safe,
immutable views) for the beds and its alarms and hands both to the infusion
room's overview (``ui/central/overview.py``): one panel per bed heard, as many
as there are, and one alarm bar listing each alarming chair and the station's
own technical alarms (``Central: ...``, silenced with the bar's button or F5).
The sound is not the window's: main.py has the program's annunciator follow the
station (``central/station_sound.py``), so the highest priority sounding anywhere (a
chair's own alarm until it is acknowledged at its bedside; the station's until
silenced here) plays whatever the window does. Clicking a chair opens its trend.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QVBoxLayout, QWidget

from central.station import Station
from ui.central.overview import make_overview, station_alarms
from ui.central.trend import TrendDialog
from ui.dashboard.theme import SIZE_HEADER_SMALL, Theme, get_theme, stylesheet
from ui.dashboard.widgets import label

REFRESH_MS = 500
WAITING = "Waiting for the bedsides' state from the broker..."


class CentralWindow(QMainWindow):
    def __init__(self, station: Station, theme: Theme | None = None) -> None:
        super().__init__()
        self.station = station
        self.theme = theme or get_theme("dark")
        self._shown: list[tuple[str, str]] = []  # (site, bed) of each panel, in the overview's order
        self.trends: list[TrendDialog] = []
        place = f" \u2014 {station.site}" if station.site else ""
        self.setWindowTitle(f"Infusion Room Monitor \u2014 central station{place}")
        self.setStyleSheet(stylesheet(self.theme))
        body = QWidget(self)
        body.setObjectName("dashboard")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 6)
        self.overview = make_overview(f"Central station{place}", self.theme)
        self.overview.chair_chosen.connect(self.open_trend)
        self.overview.acknowledge_room_clicked.connect(self.silence)
        layout.addWidget(self.overview, 1)
        self.status = label("", SIZE_HEADER_SMALL, name="dim")
        self.status.setContentsMargins(10, 0, 10, 0)
        layout.addWidget(self.status)
        self.setCentralWidget(body)
        QShortcut(QKeySequence("F5"), self, self.silence)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        views = self.station.beds()
        several_sites = self.station.site is None and len({v.site for v in views}) > 1
        snapshots = []
        self._shown = []
        for v in views:
            if v.snapshot is None:
                continue
            name = f"{v.site}/{v.bed}" if several_sites else v.bed
            self._shown.append((v.site, v.bed))
            snapshots.append(v.snapshot if name == v.bed else replace(v.snapshot, bed=name))
        self.overview.show_chairs(snapshots, station_alarms(self.station.alarms()), self.station.clock.now())
        owed = [f"{v.bed}: {v.backlog} readings on their way" for v in views if v.backlog]
        waiting = "" if snapshots or views else WAITING
        self.status.setText("   ".join(owed) or waiting or f"{len(snapshots)} chairs")

    def silence(self) -> None:
        """The station's own alarms, silenced here (F5 or the bar's button)."""
        self.station.acknowledge()
        self.refresh()

    def open_trend(self, index: int) -> None:
        if not 0 <= index < len(self._shown):
            return
        site, bed = self._shown[index]
        data = self.station.trend(site, bed)
        view = next((v for v in self.station.beds() if (v.site, v.bed) == (site, bed)), None)
        if data is None or view is None:
            return
        dialog = TrendDialog(view, data, self.theme, self)
        self.trends.append(dialog)
        dialog.show()
