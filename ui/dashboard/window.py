"""The bedside dashboard window: header, alarm bar, tiles, trend and controls.

It displays models it is given and asks for every action through a signal;
it never talks to a device, the session or the recording itself. Events from
the driver arrive in :meth:`DashboardWindow.on_event` (GUI thread, immutable
values) and update the models. A new reading's number is drawn at once: the
tiles are updated on the next turn of the event loop (a zero-time timer, so a
burst of readings from one record costs one update, after every slot of the
bridge has seen them), which puts it on screen within a frame of its arrival
(docs/BENCHMARKS.md). Everything else (clocks, staleness, the trend) follows
one display timer at 2 Hz.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QKeyEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from monitor.latest import LatestValues
from monitor.readings import DeviceStatus, LinkEvent, LinkState, Reading
from monitor.session import QUICK_ANNOTATIONS
from monitor.trends import TrendStore
from ui.dashboard.alarm_bar import AlarmBar
from ui.dashboard.connection_dialog import dashboard_settings
from ui.dashboard.controls import Confirm, Controls, ask
from ui.dashboard.header import Header
from ui.dashboard.help_overlay import HelpOverlay
from ui.dashboard.shortcuts import QUICK_KEYS, key
from ui.dashboard.spans import Spans
from ui.dashboard.theme import FONT_FAMILIES, get_theme, other_theme, stylesheet
from ui.dashboard.tile_row import TileRow
from ui.dashboard.tiles import Tile
from ui.dashboard.trend_chart import TrendChart

REFRESH_MS = 500  # the display timer: at most 2 redraws a second
NOTICE_MS = 10_000
KEY_GEOMETRY, KEY_STATE, KEY_FULLSCREEN, KEY_THEME = (
    "window/geometry", "window/state", "window/fullscreen", "theme",
)


def remembered_theme(settings: QSettings | None = None) -> str:
    return str((settings or dashboard_settings()).value(KEY_THEME, "dark"))


class DashboardWindow(QMainWindow):
    start_infusion_requested = Signal()
    stop_infusion_requested = Signal()
    end_session_requested = Signal()  # only after the nurse confirmed
    annotation_requested = Signal(str, str)  # text, kind ("quick" | "free")
    acknowledge_requested = Signal()
    audio_pause_requested = Signal()
    limits_requested = Signal()
    theme_toggled = Signal(str)  # the theme now shown
    refreshed = Signal()  # after every display refresh (2 Hz): panels of other parts follow it
    theme_locked_by = ""  # set by lock_theme: who fixed the theme, and where

    def __init__(
        self,
        latest: LatestValues,
        trends: TrendStore,
        session: Any,  # the InfusionSession API: view(), minutes_at(), events
        now: Callable[[], datetime],
        theme: str | None = None,
        patient_id: str = "",
        link_description: str = "",
        *,
        simulated: bool | None = None,
        settings: QSettings | None = None,
        confirm: Confirm = ask,
        refresh_ms: int = REFRESH_MS,
    ) -> None:
        super().__init__()
        self._latest, self._trends, self._session, self._now = latest, trends, session, now
        self._settings = settings or dashboard_settings()
        self.theme_name = get_theme(theme or remembered_theme(self._settings)).name
        theme_ = get_theme(self.theme_name)
        self._ref = now()  # a fixed instant: tells when the session's x origin moves
        self._ref_minutes = session.minutes_at(self._ref)
        self._events_seen = 0
        self._link: LinkEvent | None = None
        self._last_data_at: datetime | None = None
        self._device_conditions: tuple[str, ...] = ()
        sim = simulated if simulated is not None else "sim:" in link_description
        self.setWindowTitle(" \u2014 ".join(p for p in ("Infusion Room Monitor", patient_id, link_description) if p))
        font = QFont()
        font.setFamilies(FONT_FAMILIES)
        self.setFont(font)
        self.header = Header(theme_, patient_id, link_description, sim)
        self.alarm_bar = AlarmBar(theme_)
        self.tile_row = TileRow(theme_)
        self.tiles: dict[str, Tile] = self.tile_row.tiles
        self.chart = TrendChart(theme_)
        self.controls = Controls(QUICK_ANNOTATIONS, confirm)
        self.help_overlay = HelpOverlay(QUICK_ANNOTATIONS)
        self.help_text = self.help_overlay.text
        self._build()
        self._connect()
        self._make_shortcuts()
        self.apply_theme(self.theme_name, announce=False)
        self._restore_state()
        self.type_sink: Callable[[str], None] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(min(refresh_ms, REFRESH_MS))
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._arrivals = QTimer(self)  # new readings: tiles on the next turn of the event loop
        self._arrivals.setSingleShot(True)
        self._arrivals.setInterval(0)
        self._arrivals.timeout.connect(self._show_arrivals)
        self.refresh()

    # -- construction ----------------------------------------------------------------------

    def _build(self) -> None:
        central = QWidget(objectName="dashboard")
        lower = QHBoxLayout()
        lower.setSpacing(10)
        lower.addWidget(self.chart, 1)
        scroll = QScrollArea()  # on a small screen the controls scroll rather than push the window
        side = QWidget()
        self._side = QVBoxLayout(side)  # the controls, then the panels added (add_panel)
        self._side.setContentsMargins(0, 0, 0, 0)
        self._side.setSpacing(8)
        self._side.addWidget(self.controls)
        self._side.addStretch(1)
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.viewport().setAutoFillBackground(False)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFixedWidth(360)
        scroll.setMinimumHeight(120)
        lower.addWidget(scroll)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(8)
        layout.addWidget(self.header)
        layout.addWidget(self.alarm_bar)
        layout.addWidget(self.tile_row, 9)
        layout.addLayout(lower, 12)
        self.setCentralWidget(central)
        self.help_overlay.setParent(central)
        self.help_overlay.hide()

    def _connect(self) -> None:
        c = self.controls
        c.start_infusion_clicked.connect(self.start_infusion_requested)
        c.stop_infusion_clicked.connect(self.stop_infusion_requested)
        c.end_session_confirmed.connect(self.end_session_requested)
        c.annotation_requested.connect(self.annotation_requested)
        self.alarm_bar.acknowledge_clicked.connect(self.acknowledge_requested)
        self.alarm_bar.audio_pause_clicked.connect(self.audio_pause_requested)
        self.alarm_bar.limits_clicked.connect(self.limits_requested)

    def _make_shortcuts(self) -> None:
        actions: dict[str, Callable[[], None]] = {
            "help": self.toggle_help,
            "start_infusion": self.controls.start.click,
            "stop_infusion": self.controls.stop.click,
            "end_session": self.controls.request_end_session,
            "acknowledge": self.alarm_bar.acknowledge.click,
            "audio_pause": self.alarm_bar.audio_pause.click,
            "limits": self.alarm_bar.limits.click,
            "theme": self.toggle_theme,
            "back_to_live": self.chart.back_to_live,
            "note": self._focus_note,
            "fullscreen": self.toggle_fullscreen,
        }
        self.shortcuts: dict[str, QShortcut] = {}
        for action, slot in actions.items():
            self.shortcuts[action] = QShortcut(QKeySequence(key(action)), self, slot)
        for i, sequence in enumerate(QUICK_KEYS[: len(self.controls.quick)]):
            self.shortcuts[f"quick{i}"] = QShortcut(QKeySequence(sequence), self, lambda i=i: self.controls.quick_note(i))
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.help_overlay.hide)
        self.shortcuts["escape"] = escape

    # -- events from the driver (GUI thread) ---------------------------------------------------

    def on_event(self, event: object) -> None:
        """A Reading, LinkEvent or DeviceStatus: update the models; a reading's tile follows at once."""
        if isinstance(event, Reading):
            self._latest.update(event)
            self._last_data_at = event.received_at
            self._sync_origin()
            minutes = self._session.minutes_at(event.received_at)
            self._trends.add(event.parameter, minutes, event.value, event.quality)
            if self._timer.isActive() and not self._arrivals.isActive():  # not while paused (set_active)
                self._arrivals.start()
        elif isinstance(event, LinkEvent):
            self._link = event
            if event.state is not LinkState.RECEIVING:
                self._sync_origin()
                self._trends.add_gap(self._session.minutes_at(event.at))
        elif isinstance(event, DeviceStatus):
            self._device_conditions = event.conditions

    def add_marker(self, at: datetime, kind: str, text: str) -> None:
        """A chart marker at ``at`` (a kind of :data:`monitor.trends.MARKER_KINDS`): alarms, checks, the pump."""
        self._sync_origin()
        self._trends.add_marker(self._session.minutes_at(at), kind, text)

    def add_panel(self, panel: QWidget) -> None:
        """Another part's panel at the top of the right-hand column, above the controls (the
        treatment's: its reminder and discharge status must not scroll out of sight)."""
        self._side.insertWidget(0, panel)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A character typed outside a text field goes to ``type_sink`` (the check entry: ``S5``)."""
        text = event.text()
        plain = not event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        if self.type_sink is not None and plain and len(text) == 1 and text.isprintable() and text != " ":
            self.type_sink(text)
            return
        super().keyPressEvent(event)

    # -- places for the app and the alarm presenter (ui.alarm_presenter.AlarmView) -----------------
    # alarm_bar: the alarm bar; tiles: by measurement key, each showing an alarm state, limits, a badge

    def set_recording(self, text: str, ok: bool) -> None:
        self.header.set_recording(text, ok)

    def set_thresholds(self, lines: Sequence[tuple[float, str] | tuple[float, str, str]]) -> None:
        """Alarm limit lines on the trend: (value, name ("SBP")[, trend panel]), labelled "SBP 160"."""
        self.chart.set_thresholds(lines)

    def show_notice(self, text: str) -> None:
        """A sentence for the nurse (e.g. why a command was refused), for ten seconds."""
        self.statusBar().showMessage(text, NOTICE_MS)

    # -- user actions handled by the window itself ----------------------------------------------

    def apply_theme(self, name: str, announce: bool = True) -> None:
        theme = get_theme(name)
        self.theme_name = theme.name
        self.setStyleSheet(stylesheet(theme))
        self.header.apply_theme(theme)
        self.alarm_bar.apply_theme(theme)
        self.tile_row.apply_theme(theme)
        self.chart.apply_theme(theme)
        if announce:
            self._settings.setValue(KEY_THEME, theme.name)
            self.theme_toggled.emit(theme.name)

    def toggle_theme(self) -> None:
        if self.theme_locked_by:
            self.show_notice(f"The theme cannot be changed on this computer. {self.theme_locked_by}")
            return
        self.apply_theme(other_theme(self.theme_name))

    def lock_theme(self, locked_by: str) -> None:
        """An administrator fixed the theme (``locked_by`` says who and where): F8 says so instead."""
        self.theme_locked_by = locked_by

    def toggle_fullscreen(self) -> None:
        self.setWindowState(self.windowState() ^ Qt.WindowState.WindowFullScreen)

    def toggle_help(self) -> None:
        self.help_overlay.toggle()

    def _focus_note(self) -> None:
        self.controls.note.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- display (timer) ---------------------------------------------------------------------------

    def refresh(self) -> None:
        now = self._now()
        view = self._session.view()
        self._sync_origin(force=False)
        self._pull_session_events()
        self.header.show_session(view)
        self.header.show_wall_clock(now)
        self._show_link(now)
        self.header.show_device(self._device_conditions)
        self.controls.set_phase(str(view.phase))
        self._show_tiles(view, now)
        self.chart.refresh(self._trends, self._spans(view, now))
        self.refreshed.emit()

    def _show_arrivals(self) -> None:
        """The numbers, as soon as readings arrived (the 2 Hz timer would wait up to 500 ms)."""
        self._show_tiles(self._session.view(), self._now())

    def set_active(self, active: bool) -> None:
        """Draw (the default), or pause drawing while this dashboard is out of sight (the room keeps
        one per chair): readings and the trend go on being kept, and it is all brought up to date
        the moment it is shown again."""
        if active == self._timer.isActive():
            return
        if active:
            self._timer.start()
            self.refresh()
        else:
            self._timer.stop()
            self._arrivals.stop()

    def _show_link(self, now: datetime) -> None:
        link = self._link
        age = None if self._last_data_at is None else (now - self._last_data_at).total_seconds()
        if link is None:
            self.header.show_link(None, "", "", age, "")
        else:
            self.header.show_link(link.state, link.protocol, link.port, age, link.message)

    def _show_tiles(self, view: Any, now: datetime) -> None:
        self.tile_row.show_values(self._latest, view.baseline, str(view.phase) == "baseline", now)

    def _spans(self, view: Any, now: datetime) -> Spans:
        m = self._chart_minutes
        start = m(view.infusion_started_at) if view.infusion_started_at else None
        return Spans(
            start=m(view.started_at),
            now=m(now),
            infusion_start=start,
            infusion_stop=m(view.infusion_stopped_at) if view.infusion_stopped_at else None,
            end=m(view.ended_at) if view.ended_at else None,
            planned_end=None if start is None else start + view.planned_infusion_s / 60.0,
        )

    def _sync_origin(self, force: bool = True) -> None:
        """Keep stored trend minutes right when the session's x origin moves.

        It jumps when the infusion starts; before that it is "now", so it moves all the
        time, and shifting every stored point (so redrawing the whole chart) on every
        refresh was most of the dashboard's CPU in the baseline phase (docs/BENCHMARKS.md).
        So a refresh applies the move only once it reaches the step the chart draws "now"
        on (about a pixel); until then the chart is drawn against the origin last applied
        (:meth:`_chart_minutes`). Anything added to the trends syncs first (``force``).
        """
        minutes = self._session.minutes_at(self._ref)
        delta = minutes - self._ref_minutes
        if delta and (force or abs(delta) * 60.0 >= self.chart.now_step_s() - 1e-6):
            self._trends.shift(delta)
            self._ref_minutes = minutes

    def _chart_minutes(self, t: datetime) -> float:
        """Chart x of ``t``: session minutes against the origin the trends were last shifted to."""
        return self._session.minutes_at(t) - (self._session.minutes_at(self._ref) - self._ref_minutes)

    def _pull_session_events(self) -> None:
        """Phase changes and annotations from the session become chart markers."""
        events = getattr(self._session, "events", ())
        if len(events) > self._events_seen:
            self._sync_origin()
        for event in events[self._events_seen:]:
            at = getattr(event, "at", None)
            if at is None:
                continue
            if hasattr(event, "phase"):
                self._trends.add_marker(self._session.minutes_at(at), "phase", str(event.phase))
            elif hasattr(event, "text"):
                self._trends.add_marker(self._session.minutes_at(at), "annotation", str(event.text))
        self._events_seen = len(events)

    # -- window state --------------------------------------------------------------------------------

    def _restore_state(self) -> None:
        s = self._settings
        geometry = s.value(KEY_GEOMETRY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1600, 900)
        state = s.value(KEY_STATE)
        if state is not None:
            self.restoreState(state)
        if str(s.value(KEY_FULLSCREEN, "false")).lower() == "true":
            self.setWindowState(self.windowState() | Qt.WindowState.WindowFullScreen)

    def save_state(self) -> None:
        s = self._settings
        s.setValue(KEY_GEOMETRY, self.saveGeometry())
        s.setValue(KEY_STATE, self.saveState())
        s.setValue(KEY_FULLSCREEN, self.isFullScreen())
        s.setValue(KEY_THEME, self.theme_name)
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self._timer.stop()
        self._arrivals.stop()
        super().closeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.help_overlay.place()

