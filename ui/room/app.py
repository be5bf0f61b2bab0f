"""The infusion room for the chairs ``main.py`` built: ``main.py`` calls :func:`run_room` and nothing else does.

Every chair is a bed of its own (driver, session, alarm engine, recording, thread)
with its own bedside view (:class:`ui.app.BedView`: the dashboard, built just after
the overview is first drawn and given every event since the session began, then kept
up to date, so its trend covers the whole session whenever it is opened) and a
:class:`~monitor.chair_watch.ChairWatch` that makes its snapshot for the
overview's panel. What the room adds is one of each for the whole room:

- **Sound.** The program's one annunciator (``ui/sound/annunciator.py``) follows every
  chair's bed: one sound process plays the highest priority any chair's alarm engine
  wants sounded, chosen on the beds' threads as each alarm is judged (a busy screen
  cannot hold it back); the display only sends the heartbeat.
- **The room's own technical alarms.** The sound failing (AUDIO_UNAVAILABLE) and the
  screen freezing (DISPLAY_FROZEN) happen to the room, not to a chair, yet they
  matter to every session: each chair's engine raises them, so each recording
  says that its alarms could not be heard or seen. On screen they are shown once,
  as ``Room: ...`` in the room's bar (never on the panels, which would all flash
  for one fault), and acknowledged once for every chair (F5 on the overview).
- **Display.** Panels follow a 2 Hz timer (clocks, staleness) and are redrawn on
  the next turn of the event loop when their chair's events arrive, as the
  bedside's tiles are. Only the dashboard on screen draws; the others keep their
  readings and trend and catch up when shown (``DashboardWindow.set_active``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from PySide6.QtCore import QObject, QSettings, QTimer

from monitor.alarms import AlarmCondition
from monitor.bed import Bed
from monitor.chair_watch import ChairWatch
from monitor.snapshot import AlarmSnapshot, ChairSnapshot
from ui.app import BedView, end_reason, start_program
from ui.bridge import EventBridge
from ui.dashboard.theme import get_theme, other_theme
from ui.dashboard.window import remembered_theme
from ui.presets import Preset
from ui.room.overview import RoomOverview, bar_items
from ui.room.window import RoomWindow
from ui.sound.annunciator import Annunciator

log = logging.getLogger(__name__)

REFRESH_MS = 500  # panels' clocks and staleness
BUILD_AFTER_MS = 100  # the chairs' dashboards are built after the overview's first paint
STATION_CONDITIONS = frozenset({AlarmCondition.AUDIO_UNAVAILABLE.value, AlarmCondition.DISPLAY_FROZEN.value})


def room_settings() -> QSettings:
    """The room's window and its chairs' dashboards remember their own state, apart from a bedside's."""
    return QSettings("infusion-monitor", "room")


def split_station(snapshots: Sequence[ChairSnapshot]) -> tuple[list[ChairSnapshot], list[AlarmSnapshot]]:
    """Each chair without the room's own alarms, and those once each (unacknowledged if any chair's is)."""
    chairs: list[ChairSnapshot] = []
    station: dict[str, AlarmSnapshot] = {}
    for snap in snapshots:
        own = tuple(a for a in snap.alarms if a.condition not in STATION_CONDITIONS)
        for alarm in snap.alarms:
            if alarm.condition in STATION_CONDITIONS:
                kept = station.get(alarm.condition)
                if kept is None or (kept.status != "active" and alarm.status == "active"):
                    station[alarm.condition] = alarm
        chairs.append(snap if len(own) == len(snap.alarms) else replace(snap, alarms=own))
    return chairs, list(station.values())


class _Chair(QObject):
    """One chair in the room: its bed, its watch, and its bedside view (the room has one sound for all).

    The chair listens to its bed from the start (its bridge); its dashboard is built a moment
    after the room is on screen (start-up would otherwise wait for eight dashboards), or at
    once when the nurse opens the chair, and is handed every event the bed made before it.
    """

    def __init__(self, room: RoomView, index: int, bed: Bed, theme: str, settings: QSettings) -> None:
        super().__init__()
        self.room, self.index, self.bed = room, index, bed
        self._theme, self._settings = theme, settings
        notice = f"NOT RECORDING: {bed.recording_error}" if bed.recording_error else ""
        self.watch = ChairWatch(bed, bed.config.patient_id, bed.clock.now, notice)
        self.bridge = EventBridge(self)
        self.bridge.event.connect(self.on_event)
        self._unsubscribe = bed.subscribe(self.bridge.event.emit)
        self.view: BedView | None = None
        self._early: list[object] = []  # what the bed made before the view existed

    def on_event(self, event: object) -> None:
        """GUI thread: something happened at this chair; its panel is redrawn on the next turn."""
        if self.view is None:
            self._early.append(event)
        self.room.changed(self.index)

    def make_view(self) -> BedView:
        """The chair's dashboard, caught up with everything since the session began."""
        if self.view is None:
            view = BedView(self.bed, self._theme, self._settings, bridge=self.bridge)
            view.catch_up(self._early)
            self._early = []
            self.view = view
            view.start()  # the bed is already running: this only connects the dashboard
            self.room.window.attach(self.index, view.window)
            self.set_shown(self.room.window.current_chair == self.index)
        return self.view

    def set_shown(self, shown: bool) -> None:
        if self.view is None:
            return
        self.view.window.set_active(shown)
        if shown:
            self.view.presenter.start()
        else:
            self.view.presenter.timer.stop()

    def apply_theme(self, theme: str) -> None:
        self._theme = theme
        if self.view is not None:
            self.view.window.apply_theme(theme, announce=False)

    def close(self) -> None:
        self._unsubscribe()
        self.watch.close()
        if self.view is not None:
            self.view.stop()


class RoomView(QObject):
    def __init__(self, title: str, beds: Sequence[Bed], theme: str | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__()
        self.beds = tuple(beds)
        self.settings = settings or room_settings()
        self.theme = get_theme(theme or remembered_theme(self.settings))
        self.overview = RoomOverview(title, self.theme, simulated=any(b.config.simulated for b in beds))
        self.window = RoomWindow(title, self.overview, [bed.name for bed in beds], self.theme, self.settings,
                                 ensure=lambda index: self.chairs[index].make_view())
        self.chairs = [_Chair(self, i, bed, self.theme.name, self.settings) for i, bed in enumerate(beds)]
        self.setParent(self.window)
        self.snapshots: list[ChairSnapshot] = []
        self.station: list[AlarmSnapshot] = []
        self._dirty: set[int] = set()
        self.theme_locked_by = ""  # set by lock_theme: who fixed the theme, and where
        self._timers = [self._timer(REFRESH_MS, self.refresh)]
        self._arrivals = self._timer(0, self._show_arrivals, single=True)
        self._builder = self._timer(BUILD_AFTER_MS, self._build_next, single=True)
        self.window.page_changed.connect(self._page_changed)
        self.window.theme_toggled.connect(self.toggle_theme)
        self.window.acknowledge_room.connect(self.acknowledge_room)

    def _timer(self, ms: int, slot, single: bool = False) -> QTimer:
        timer = QTimer(self)
        timer.setInterval(ms)
        timer.setSingleShot(single)
        timer.timeout.connect(slot)
        return timer

    # -- running ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Every bed and the room's display; the chairs' dashboards follow, one per turn of
        the event loop, once the overview is on screen."""
        for bed in self.beds:
            bed.start()
        for timer in self._timers:
            timer.start()
        self.refresh()
        self._builder.start()

    def _build_next(self) -> None:
        waiting = [chair for chair in self.chairs if chair.view is None]
        if waiting:
            waiting[0].make_view()
            self._builder.start(0)

    def stop(self) -> None:
        """Silence and stop listening (the beds are stopped by whoever built them)."""
        for timer in (*self._timers, self._arrivals, self._builder):
            timer.stop()
        for chair in self.chairs:
            chair.close()

    # -- display --------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Every panel, the room's bar and the strip over the chair shown."""
        now = self.beds[0].clock.now() if self.beds else None
        self.snapshots, self.station = split_station([c.watch.snapshot(now) for c in self.chairs])
        self._dirty.clear()
        self.overview.show_chairs(self.snapshots, self.station, now)
        self._show_strip()

    def changed(self, index: int) -> None:
        self._dirty.add(index)
        if not self._arrivals.isActive():
            self._arrivals.start()

    def _show_arrivals(self) -> None:
        if len(self.snapshots) != len(self.chairs):
            self.refresh()
            return
        fresh, station = split_station([self.chairs[i].watch.snapshot() for i in sorted(self._dirty)])
        for i, snap in zip(sorted(self._dirty), fresh, strict=True):
            self.snapshots[i] = snap
            self.overview.panels[i].show_snapshot(snap)
        self._dirty.clear()
        if station or self.station:
            _, self.station = split_station([c.watch.snapshot() for c in self.chairs])
        self.overview.show_bar(self.snapshots, self.station)
        self._show_strip()

    def _show_strip(self) -> None:
        shown = self.window.current_chair
        if shown is None:
            return
        others = [s for i, s in enumerate(self.snapshots) if i != shown]
        self.window.strips[shown].show_others(*bar_items(others, self.station))

    def _page_changed(self, index: int) -> None:
        for chair in self.chairs:
            chair.set_shown(chair.index == index)
        self.refresh()

    def lock_theme(self, locked_by: str) -> None:
        """An administrator fixed the theme (``locked_by`` says who and where): F8 says so instead."""
        self.theme_locked_by = locked_by

    def toggle_theme(self) -> None:
        if self.theme_locked_by:
            self.window.show_notice(f"The theme cannot be changed on this computer. {self.theme_locked_by}")
            return
        self.theme = get_theme(other_theme(self.theme.name))
        self.window.apply_theme(self.theme)
        for chair in self.chairs:
            chair.apply_theme(self.theme.name)
        self.settings.setValue("theme", self.theme.name)

    # -- the room's own alarms -------------------------------------------------------------------------
    def acknowledge_room(self) -> None:
        """The room's sound or screen alarms, acknowledged in every chair (each logs it)."""
        for bed in self.beds:
            for alarm in bed.alarms.active():
                if alarm.condition.value in STATION_CONDITIONS and not alarm.silenced:
                    bed.alarms.acknowledge(alarm.condition)
        self.refresh()


def run_room(title: str, beds: Sequence[Bed], theme: str | None, annunciator: Annunciator,
             on_stop_signals: Callable[[Callable[[str], object]], None], *,
             presets: Mapping[str, Preset] | None = None, notice: str = "") -> int:
    """Show the room of ``beds`` (built by ``main.py``) until its window closes or a stop signal
    comes; then stop every bed (the reason recorded) and end the sound process. ``annunciator``
    follows every chair; ``presets``/``notice`` as for a bedside (``ui.app.run_live``)."""
    presets = presets or {}
    unfollow: list[Callable[[], None]] = []
    quit_on = None
    try:
        app, quit_on, heartbeat = start_program(annunciator, on_stop_signals)
        unfollow = [annunciator.follow(bed) for bed in beds]
        room = RoomView(title, beds, theme)
        locked = presets.get("theme")
        if locked is not None and locked.locked_by:
            room.lock_theme(locked.locked_by)
        room.start()
        room.window.show()
        if notice:
            room.window.show_notice(notice)
        try:
            return app.exec()
        finally:
            heartbeat.stop()
            room.window.save_state()
            room.stop()
    finally:
        # the sound (and its display watchdog) first: the heartbeat has stopped, and stopping eight
        # beds takes seconds that the watchdog reported as a frozen display (DISPLAY_FROZEN, high,
        # in the last chairs' recordings: docs/BENCHMARKS.md, the run of 2026-12-07)
        for stop_following in unfollow:
            stop_following()
        annunciator.close()
        for bed in beds:
            bed.stop(end_reason(bed, quit_on.reason if quit_on else None))
        if quit_on is not None:
            quit_on.close()


__all__ = ["RoomView", "run_room", "split_station"]
