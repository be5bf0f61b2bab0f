"""The central station's window: every chair of the site at a glance, the station's own alarms, the sound.

It only displays and forwards: twice a second it asks the station (thread-safe,
immutable views) for the beds and its alarms, hands the chairs' snapshots to the
room overview (``ui/central/overview.py``), lists the station's own technical
alarms, and plays the highest priority sounding anywhere (a chair's own alarm
until it is acknowledged at its bedside; the station's until "Silence" here).
Clicking a chair opens its trend.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QPushButton, QVBoxLayout, QWidget

from central.station import Station
from ui.central.overview import make_overview
from ui.central.trend import TrendDialog
from ui.dashboard.theme import Theme, get_theme, stylesheet

REFRESH_MS = 500


class Speaker(Protocol):
    """The sound process as the window uses it (:class:`ui.sound.supervisor.SoundSupervisor`)."""

    def play(self, priority: object) -> None: ...

STARS = {"high": "***", "medium": "**", "low": "*"}


class CentralWindow(QMainWindow):
    def __init__(self, station: Station, sound: Speaker, theme: Theme | None = None) -> None:
        super().__init__()
        self.station = station
        self.sound = sound
        self.theme = theme or get_theme("dark")
        self._names: dict[str, tuple[str, str]] = {}  # panel name -> (site, bed)
        self.trends: list[TrendDialog] = []
        self.setWindowTitle("Infusion Room Monitor - central station" + (f" ({station.site})" if station.site else ""))
        self.setStyleSheet(stylesheet(self.theme))
        body = QWidget(self)
        layout = QVBoxLayout(body)
        top = QHBoxLayout()
        self.alarm_bar = QLabel(body)
        self.alarm_bar.setWordWrap(True)
        font = self.alarm_bar.font()
        font.setPixelSize(20)
        font.setBold(True)
        self.alarm_bar.setFont(font)
        self.silence = QPushButton("Silence station alarms", body)
        self.silence.clicked.connect(station.acknowledge)
        top.addWidget(self.alarm_bar, 1)
        top.addWidget(self.silence)
        layout.addLayout(top)
        self.overview = make_overview(self.theme, body)
        self.overview.chair_clicked.connect(self.open_trend)
        layout.addWidget(self.overview, 1)
        self.status = QLabel(body)
        layout.addWidget(self.status)
        self.setCentralWidget(body)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        views = self.station.beds()
        several_sites = self.station.site is None and len({v.site for v in views}) > 1
        snapshots = []
        self._names.clear()
        for v in views:
            if v.snapshot is None:
                continue
            name = f"{v.site}/{v.bed}" if several_sites else v.bed
            self._names[name] = (v.site, v.bed)
            snapshots.append(v.snapshot if name == v.bed else replace(v.snapshot, bed=name))
        self.overview.show_snapshots(snapshots)
        self._show_alarms()
        owed = [f"{v.bed}: {v.backlog} readings on their way" for v in views if v.backlog]
        waiting = "" if snapshots or views else "Waiting for the bedsides' state from the broker..."
        self.status.setText("   ".join(owed) or waiting or f"{len(snapshots)} chairs")
        self.sound.play(self.station.sounding())

    def _show_alarms(self) -> None:
        alarms = self.station.alarms()
        if not alarms:
            self.alarm_bar.setText("")
            self.alarm_bar.setStyleSheet("")
            return
        top = alarms[0]
        background, ink = self.theme.alarm_colours(top.priority.value)
        if top.acknowledged:
            background, ink = self.theme.surface, background
        lines = [f"{STARS[a.priority.value]} {a.message}" + ("  (silenced)" if a.acknowledged else "") for a in alarms]
        self.alarm_bar.setText("\n".join(lines[:4]) + (f"\n(+{len(lines) - 4} more)" if len(lines) > 4 else ""))
        self.alarm_bar.setStyleSheet(f"background:{background}; color:{ink}; padding:6px;")

    def open_trend(self, name: str) -> None:
        site, bed = self._names.get(name, (self.station.site or "", name))
        data = self.station.trend(site, bed)
        view = next((v for v in self.station.beds() if (v.site, v.bed) == (site, bed)), None)
        if data is None or view is None:
            return
        dialog = TrendDialog(view, data, self.theme, self)
        self.trends.append(dialog)
        dialog.show()
