"""Shows the alarm engine's state on a view (issue 5, "Signals").

:meth:`AlarmPresenter.refresh` (its own timer, 4 Hz, or called by the app)
reads the engine and updates, only where something changed:

- the alarm bar: every alarm, highest priority first, technical alarms included
  (never hidden); an acknowledged top alarm is shown steadily in its colour;
- the numeric tile of each physiological alarm: flashing at the priority of its
  unacknowledged alarms, and a badge with the alarm's worst value and the
  violated limit (``*** HR 134 > 130``), kept once acknowledged, for as long as
  the alarm is shown;
- the tiles' limit lines and the chart's threshold lines, from the session's
  limits (and the limit of each active alarm on a charted parameter);
- the audio pause: the bar's paused symbol and countdown.

It does not sound anything: what sounds is chosen on the beds' threads
(``ui.sound.annunciator``), so a frozen display cannot hold back an alarm's sound.

It speaks to the window through :class:`AlarmView` only (an alarm bar, tiles
that show an alarm state, limits and a badge, and threshold lines); which tile
and which chart line belong to an alarm comes from the catalogue
(:mod:`ui.alarm_display`).

The presenter never advances the engine (the bed ticks it) and never records:
operator actions go through :meth:`acknowledge`, :meth:`pause_audio`,
:meth:`resume_audio` and :meth:`set_limits` to the bed's alarms (``bed.alarms``),
which record the AlarmEvents they return.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from monitor.alarms.engine import AlarmEngine
from monitor.alarms.model import AlarmCondition, AlarmEvent, AlarmKind, AlarmState, Priority
from monitor.bed_controls import BedAlarms
from monitor.parameters import Parameter
from ui.alarm_display import badge, threshold_lines, tile_limits, tile_of
from ui.dashboard.alarm_bar import countdown_text
from ui.dashboard.chart_panels import Threshold
from ui.limits_dialog import LimitsDialog

log = logging.getLogger(__name__)

REFRESH_MS = 250  # 4 Hz: the countdown and a new alarm show within a quarter of a second
ACKNOWLEDGED = " (acknowledged)"


class AlarmTile(Protocol):
    """A numeric tile, as the presenter sees it."""

    def set_alarming(self, priority: str | None) -> None: ...
    def set_limits(self, low: float | str | None, high: float | str | None) -> None: ...
    def show_badge(self, text: str, priority: str | None) -> None: ...


class AlarmBarView(Protocol):
    def set_alarms(self, items: Sequence[tuple[object, str]], steady: bool = False) -> None: ...
    def show_audio_pause(self, remaining_s: float | None, pause_length_s: float) -> None: ...


class AlarmView(Protocol):
    """What the presenter shows alarms on: the dashboard window, or any other view of a bed."""

    alarm_bar: AlarmBarView
    tiles: Mapping[str, AlarmTile]  # by measurement key (catalogue)

    def set_thresholds(self, lines: Sequence[Threshold]) -> None: ...


class AlarmPresenter(QObject):
    """Engine state -> alarm bar, tiles, chart lines and pause countdown."""

    def __init__(
        self,
        engine: BedAlarms | AlarmEngine,
        view: AlarmView,
        *,
        operator: str | Callable[[], str] = "",
        refresh_ms: int = REFRESH_MS,
    ) -> None:
        super().__init__(view if isinstance(view, QObject) else None)
        self.engine = engine
        self.view = view
        self._operator = operator
        self._bar_key: object = None
        self._tile_alarming: dict[str, str | None] = {}
        self._badges: dict[str, tuple[str, str | None]] = {}
        self._limits_key: object = None
        self._lines_key: object = None
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self.refresh)

    # -- running ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Refresh now and then every ``refresh_ms``."""
        self.refresh()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        """Bring every signal up to date. One part failing does not stop the others (the
        bar is not left showing old alarms because a tile failed); the first error is
        raised again afterwards so it is not lost."""
        states = self.engine.active()
        steps: list[Callable[[], None]] = [
            lambda: self._show_bar(states),
            lambda: self._show_tiles(states),
            self._show_pause,
            lambda: self._show_limits(states),
        ]
        failure: Exception | None = None
        for step in steps:
            try:
                step()
            except Exception as exc:
                log.exception("alarm presenter: showing the alarms failed")
                failure = failure or exc
        if failure is not None:
            raise failure

    # -- operator actions (the app records what they return) -------------------------------------

    @property
    def operator(self) -> str:
        return self._operator() if callable(self._operator) else self._operator

    def acknowledge(self, condition: AlarmCondition | None = None) -> list[AlarmEvent]:
        """Acknowledge one alarm, or all (None): silenced at once, still shown while it lasts."""
        events = self.engine.acknowledge(condition, by=self.operator)
        self.refresh()
        return events

    def pause_audio(self, duration_s: float | None = None) -> list[AlarmEvent]:
        """The audio-pause button: pause all alarm sound; pressed during a pause, end it."""
        if self.engine.audio_pause_remaining_s() is not None:
            return self.resume_audio()
        events = self.engine.pause_audio(duration_s, by=self.operator)
        self.refresh()
        return events

    def resume_audio(self) -> list[AlarmEvent]:
        """End the audio pause early."""
        events = self.engine.resume_audio(by=self.operator)
        self.refresh()
        return events

    def set_limits(
        self,
        parameter: Parameter,
        above: Mapping[Priority, float | None] | None = None,
        below: Mapping[Priority, float | None] | None = None,
    ) -> list[AlarmEvent]:
        """Change one parameter's session limits; raises ProfileError and changes nothing if refused."""
        events = self.engine.set_limits(parameter, above, below, by=self.operator)
        self.refresh()
        return events

    def limits_dialog(self, on_events: Callable[[list[AlarmEvent]], object] | None = None) -> LimitsDialog:
        """The limits dialog on this engine; each applied change's events go to ``on_events``."""
        def apply(parameter: Parameter, above: Mapping, below: Mapping) -> None:
            events = self.set_limits(parameter, above, below)
            if on_events is not None:
                on_events(events)
        parent = self.view if isinstance(self.view, QWidget) else None
        return LimitsDialog(lambda: self.engine.profile, apply, parent)

    # -- display ------------------------------------------------------------------------------------

    def _show_bar(self, states: Sequence[AlarmState]) -> None:
        # the bar adds the priority stars itself: give it the message, not bar_text
        items = [(s.priority, s.message + (ACKNOWLEDGED if s.silenced else "")) for s in states]
        # The engine lists unacknowledged before acknowledged within a priority, so the
        # top alarm is acknowledged only when every alarm of the top priority is.
        steady = bool(states) and states[0].silenced
        key = (tuple((p.value, t) for p, t in items), steady)
        if key != self._bar_key:
            self._bar_key = key
            self.view.alarm_bar.set_alarms(items, steady=steady)

    def _show_tiles(self, states: Sequence[AlarmState]) -> None:
        tiles = self.view.tiles
        per_tile: dict[str, list[AlarmState]] = {key: [] for key in tiles}
        for state in states:
            if state.kind is AlarmKind.PHYSIOLOGICAL:
                key = tile_of(state.condition)
                if key in per_tile:
                    per_tile[key].append(state)
        for key, alarms in per_tile.items():
            sounding = [a.priority for a in alarms if not a.silenced]
            flashing = max(sounding).value if sounding else None
            if self._tile_alarming.get(key, "unset") != flashing:
                self._tile_alarming[key] = flashing
                tiles[key].set_alarming(flashing)
            shown = badge(alarms)
            if self._badges.get(key) != shown:
                self._badges[key] = shown
                tiles[key].show_badge(*shown)

    def _show_limits(self, states: Sequence[AlarmState]) -> None:
        profile = self.engine.profile
        tiles = self.view.tiles
        limits = {key: tile_limits(profile, key) for key in tiles}
        if limits != self._limits_key:
            self._limits_key = limits
            for key, (low, high) in limits.items():
                tiles[key].set_limits(low, high)
        lines = threshold_lines(profile, states)
        if lines != self._lines_key:
            self._lines_key = lines
            self.view.set_thresholds(lines)

    def _show_pause(self) -> None:
        remaining = self.engine.audio_pause_remaining_s()
        self.view.alarm_bar.show_audio_pause(remaining, self.engine.profile.timing.audio_pause_s)


__all__ = ["AlarmPresenter", "AlarmTile", "AlarmView", "countdown_text", "threshold_lines", "tile_limits"]
