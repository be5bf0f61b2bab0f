"""The room's window: the overview, and each chair's full bedside dashboard one key away.

Page 0 is the :class:`~ui.room.overview.RoomOverview`; page *n* is chair *n*'s own
:class:`~ui.dashboard.window.DashboardWindow` (the bedside's, unchanged: its trend
since the session started, its controls, its keys F1-F11), under a strip that
leads back (Esc) and keeps every other chair's alarms in sight, flashing in
their colour, so a nurse looking at one chair never misses another.

Keys: Ctrl+1 ... Ctrl+9 open a chair from anywhere, Esc returns to the overview
(or closes the dashboard's help first), F5 on the overview acknowledges the
room's own alarms, F8 switches the theme of everything, F11 full screen.
Which page is shown is announced by :attr:`RoomWindow.page_changed` (the
room pauses the dashboards nobody sees).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QMainWindow, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from ui.dashboard.alarm_bar import PREFIX, ordered
from ui.dashboard.theme import SIZE_HEADER_SMALL, Theme, stylesheet
from ui.dashboard.widgets import Flasher, label, show_flash, two_looks
from ui.dashboard.window import NOTICE_MS, DashboardWindow
from ui.room.overview import MAX_SHORTCUTS, RoomOverview

KEY_GEOMETRY, KEY_FULLSCREEN = "room/geometry", "room/fullscreen"
NO_OTHER_ALARMS = "No alarm in the other chairs"


class ChairStrip(QFrame):
    """Above a chair's dashboard: the way back to the room, and the other chairs' alarms."""

    back_clicked = Signal()

    def __init__(self, chair: str, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("strip")
        self._theme = theme
        self._priority: str | None = None
        self._sheet_key: object = None
        self.back = QPushButton("\u25c0 Room   Esc")
        self.back.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.back.clicked.connect(self.back_clicked)
        self.chair = label(chair, SIZE_HEADER_SMALL + 6, True)
        self.others = label(NO_OTHER_ALARMS, SIZE_HEADER_SMALL + 4, True)
        self.others.setMinimumWidth(1)
        self.others.installEventFilter(self)
        self.flasher = Flasher(self)
        self.flasher.changed.connect(lambda _on: self._restyle())
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.setSpacing(16)
        row.addWidget(self.back)
        row.addWidget(self.chair)
        row.addWidget(self.others, 1)
        self._restyle()

    def show_others(self, items: Sequence[tuple[object, str]], steady: bool) -> None:
        """The other chairs' alarms, as the room's bar lists them (highest priority first)."""
        shown = ordered(items)
        text = ("Other alarms:  " + "   ".join(f"{PREFIX[p]} {t}" for p, t in shown)) if shown else NO_OTHER_ALARMS
        if self.others.toolTip() != text:
            self.others.setToolTip(text)  # the whole line; shown cut to the strip's width with "…"
            self._fit_others()
        self._priority = shown[0][0] if shown else None
        self.flasher.set_priority("low" if steady and shown else self._priority)
        self._restyle()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.others and event.type() == QEvent.Type.Resize:
            self._fit_others()  # the label's own new width, known only once the strip is laid out
        return False

    def _fit_others(self) -> None:
        """Never a word cut in half at the edge: what does not fit ends in an ellipsis."""
        full = self.others.toolTip() or NO_OTHER_ALARMS
        width = self.others.width() - 4
        shown = self.others.fontMetrics().elidedText(full, Qt.TextElideMode.ElideRight, width) if width > 0 else full
        if self.others.text() != shown:
            self.others.setText(shown)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._restyle()

    def _restyle(self) -> None:
        t, priority = self._theme, self._priority
        if (t.name, priority) != self._sheet_key:
            self._sheet_key = (t.name, priority)
            border, text, on_bg, on_text = t.border, t.text_dim, t.surface, t.text_dim
            if priority is not None:
                on_bg, on_text = t.alarm_colours(priority)
                border = text = on_bg
            self.setStyleSheet(
                two_looks("QFrame#strip", f"background: {t.surface}; border: 3px solid {border}; border-radius: 8px;",
                          f"background: {on_bg};")
                + " " + two_looks("QFrame#strip QLabel", f"color: {text}; background: transparent; border: none;",
                                  f"color: {on_text};"))
        show_flash((self, self.others, self.chair), priority is not None and self.flasher.on)


class RoomWindow(QMainWindow):
    page_changed = Signal(int)  # -1: the overview; else the index of the chair shown
    theme_toggled = Signal()
    acknowledge_room = Signal()

    def __init__(self, title: str, overview: RoomOverview, chairs: Sequence[str], theme: Theme,
                 settings: QSettings, ensure: Callable[[int], object] = lambda index: None) -> None:
        """``chairs``: their names; each chair's dashboard is given later (:meth:`attach`), and
        ``ensure(index)`` is asked for it when its chair is opened before it was."""
        super().__init__()
        self.setWindowTitle(f"Infusion Room Monitor \u2014 {title}")
        self._settings = settings
        self._ensure = ensure
        self.overview = overview
        self.dashboards: list[DashboardWindow | None] = [None] * len(chairs)
        self.strips = [ChairStrip(name, theme) for name in chairs]
        self._pages: list[QVBoxLayout] = []
        self.stack = QStackedWidget()
        self.stack.addWidget(overview)
        for strip in self.strips:
            self.stack.addWidget(self._chair_page(strip))
        self.setCentralWidget(self.stack)
        overview.chair_chosen.connect(self.show_chair)
        overview.acknowledge_room_clicked.connect(self.acknowledge_room)
        self._keys()
        self.apply_theme(theme)
        self._restore()

    def _chair_page(self, strip: ChairStrip) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(strip)
        self._pages.append(layout)
        strip.back_clicked.connect(self.show_overview)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), page, self._escape)  # active while its page is shown
        return page

    def attach(self, index: int, dashboard: DashboardWindow) -> None:
        """Chair ``index``'s bedside dashboard as it is, under its strip; its own keys for leaving,
        theme and full screen give way to the room's (two shortcuts on one key would both be ignored)."""
        dashboard.setWindowFlags(Qt.WindowType.Widget)
        for action in ("escape", "theme", "fullscreen"):
            dashboard.shortcuts[action].setEnabled(False)
        self._pages[index].addWidget(dashboard, 1)
        self.dashboards[index] = dashboard

    def _keys(self) -> None:
        for i in range(min(MAX_SHORTCUTS, len(self.dashboards))):
            QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self, lambda i=i: self.show_chair(i))
        QShortcut(QKeySequence("F11"), self, self.toggle_fullscreen)
        QShortcut(QKeySequence("F8"), self, self.theme_toggled.emit)
        QShortcut(QKeySequence("F5"), self.overview, self._acknowledge_room)  # the overview's only

    # -- pages ------------------------------------------------------------------------------------
    @property
    def current_chair(self) -> int | None:
        index = self.stack.currentIndex()
        return None if index <= 0 else index - 1

    def show_chair(self, index: int) -> None:
        if 0 <= index < len(self.dashboards) and self.current_chair != index:
            if self.dashboards[index] is None:
                self._ensure(index)
            self.stack.setCurrentIndex(index + 1)
            self.page_changed.emit(index)

    def show_overview(self) -> None:
        if self.current_chair is not None:
            self.stack.setCurrentIndex(0)
            self.page_changed.emit(-1)

    def _escape(self) -> None:
        chair = self.current_chair
        dashboard = None if chair is None else self.dashboards[chair]
        if dashboard is not None and dashboard.help_overlay.isVisible():
            dashboard.help_overlay.hide()
        else:
            self.show_overview()

    def _acknowledge_room(self) -> None:
        if self.overview.alarm_bar.acknowledge.isVisible():
            self.acknowledge_room.emit()

    # -- look ---------------------------------------------------------------------------------------
    def apply_theme(self, theme: Theme) -> None:
        self.setStyleSheet(stylesheet(theme))
        self.overview.apply_theme(theme)
        for strip in self.strips:
            strip.apply_theme(theme)

    def show_notice(self, text: str) -> None:
        """A sentence for the nurse (a refused command, the settings' problems), for ten seconds."""
        self.statusBar().showMessage(text, NOTICE_MS)

    def toggle_fullscreen(self) -> None:
        self.setWindowState(self.windowState() ^ Qt.WindowState.WindowFullScreen)

    def _restore(self) -> None:
        geometry = self._settings.value(KEY_GEOMETRY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1920, 1080)
        if str(self._settings.value(KEY_FULLSCREEN, "false")).lower() == "true":
            self.setWindowState(self.windowState() | Qt.WindowState.WindowFullScreen)

    def save_state(self) -> None:
        self._settings.setValue(KEY_GEOMETRY, self.saveGeometry())
        self._settings.setValue(KEY_FULLSCREEN, self.isFullScreen())
        self._settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        super().closeEvent(event)


__all__ = ["ChairStrip", "RoomWindow"]
