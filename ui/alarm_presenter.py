"""Shows the alarm engine's state on the dashboard and sounds it (issue 5, "Signals").

:meth:`AlarmPresenter.refresh` (its own timer, 4 Hz, or called by the app)
reads the engine and updates, only where something changed:

- the alarm bar: every alarm, highest priority first, ``***``/``**``/``*``,
  technical alarms included (never hidden); red flashing 2 Hz, yellow 0.6 Hz,
  cyan steady; an acknowledged top alarm is shown steadily in its colour;
- the numeric tile of each physiological alarm: flashing at the priority of its
  unacknowledged alarms, and a badge in the alarm colour with the alarm's worst
  value and the violated limit (``*** HR 134 > 130``), kept steady once
  acknowledged, for as long as the alarm is shown;
- the tiles' limit lines and the chart's threshold lines, from the session's
  limits (and the limit of each active alarm on a plotted parameter);
- the audio-pause symbol and countdown in the bar; the pause button then ends
  the pause;
- the sound: ``sound.play(engine.should_sound())`` (ui/sound: a supervised sound process).

The presenter never advances the engine (``tick`` belongs to the app, which
records what it returns) and never records: operator actions go through
:meth:`acknowledge`, :meth:`pause_audio`, :meth:`resume_audio` and
:meth:`set_limits`, which return the AlarmEvents for the app to record.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QObject, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QWidget

from monitor.alarms.engine import AlarmEngine
from monitor.alarms.model import AlarmCondition, AlarmEvent, AlarmKind, AlarmState, Priority, number
from monitor.alarms.settings import Profile
from monitor.readings import Parameter
from ui.alarm_dialogs import LimitsDialog
from ui.dashboard.shortcuts import key as shortcut_key
from ui.dashboard.shortcuts import with_key
from ui.dashboard.theme import SIZE_TILE_NOTE, Theme, get_theme
from ui.sound.adapter import Annunciator

log = logging.getLogger(__name__)

REFRESH_MS = 250  # 4 Hz: the countdown and a new alarm show within a quarter of a second
ACKNOWLEDGED = " (acknowledged)"
PAUSE_TEXT = with_key("Audio pause", "audio_pause")
END_PAUSE_TEXT = with_key("End audio pause", "audio_pause")

TILE_OF: dict[Parameter, str] = {
    Parameter.HR: "HR",
    Parameter.PR: "PR",
    Parameter.SPO2: "SPO2",
    Parameter.NIBP_SYS: "NIBP",
    Parameter.NIBP_DIA: "NIBP",
    Parameter.NIBP_MEAN: "NIBP",
    Parameter.ART_SYS: "ART",
    Parameter.ART_DIA: "ART",
    Parameter.ART_MEAN: "ART",
}
# what the trend chart plots, and the short names of its threshold lines
CHART_NAMES: dict[Parameter, str] = {
    Parameter.HR: "HR",
    Parameter.NIBP_SYS: "SBP",
    Parameter.NIBP_DIA: "DBP",
    Parameter.ART_SYS: "ART sys",
    Parameter.ART_DIA: "ART dia",
}
# drawn always: where the alarms a ketamine infusion is watched for begin (reference §2.2)
CHART_DEFAULT_LINES = (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.HR)


def tile_of(condition: AlarmCondition) -> str | None:
    parameter = condition.parameter
    return None if parameter is None else TILE_OF.get(parameter)


def countdown_text(seconds: float) -> str:
    """119.2 -> "2:00": rounded up, so it never shows 0:00 while paused."""
    whole = max(0, math.ceil(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def innermost(profile: Profile, parameter: Parameter) -> tuple[float | None, float | None]:
    """(low, high): where the first alarm of any priority begins, or None."""
    limits = profile.limits(parameter)
    if limits is None:
        return None, None
    below = [v for _, v in limits.below.items()]
    above = [v for _, v in limits.above.items()]
    return (max(below) if below else None), (min(above) if above else None)


def tile_limits(profile: Profile, tile: str) -> tuple[float | str | None, float | str | None]:
    """What ``window.set_limits`` shows: numbers, or "160/100" for a pressure tile."""
    if tile in ("NIBP", "ART"):
        sys_p, dia_p = (Parameter.NIBP_SYS, Parameter.NIBP_DIA) if tile == "NIBP" else (
            Parameter.ART_SYS, Parameter.ART_DIA)
        (sys_low, sys_high), (dia_low, dia_high) = innermost(profile, sys_p), innermost(profile, dia_p)

        def pair(a: float | None, b: float | None) -> str | None:
            """"160/100"; "90" when only the systolic has a limit on that side."""
            if a is None and b is None:
                return None
            if b is None:
                return f"{number(a)}"
            return "/".join("off" if v is None else f"{number(v)}" for v in (a, b))
        return pair(sys_low, dia_low), pair(sys_high, dia_high)
    parameter = {"HR": Parameter.HR, "PR": Parameter.PR, "SPO2": Parameter.SPO2}[tile]
    return innermost(profile, parameter)


def threshold_lines(profile: Profile, states: Sequence[AlarmState]) -> list[tuple[float, str]]:
    """Upper limits of SBP, DBP and HR, plus the violated limit of each alarm on a plotted parameter."""
    lines: list[tuple[float, str]] = []
    for parameter in CHART_DEFAULT_LINES:
        _, high = innermost(profile, parameter)
        if high is not None:
            lines.append((high, f"{CHART_NAMES[parameter]} {number(high)}"))
    for state in states:
        parameter = state.condition.parameter
        if parameter in CHART_NAMES and state.limit is not None:
            line = (state.limit, f"{CHART_NAMES[parameter]} {number(state.limit)}")
            if line not in lines:
                lines.append(line)
    return lines


# -- widgets the presenter adds to the window ----------------------------------------------------

class AudioPausedSymbol(QWidget):
    """A bell with a diagonal stroke: the audio-paused mark (IEC 60417 symbols, reference §1.7)."""

    def __init__(self, size: int = 34) -> None:
        super().__init__()
        self.setFixedSize(size, size)
        self.colour = QColor("#ffffff")

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = float(self.width())
        pen = QPen(self.colour, s * 0.08)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        bell = QPainterPath()
        bell.moveTo(s * 0.18, s * 0.72)
        bell.quadTo(s * 0.28, s * 0.62, s * 0.28, s * 0.45)
        bell.cubicTo(s * 0.28, s * 0.12, s * 0.72, s * 0.12, s * 0.72, s * 0.45)
        bell.quadTo(s * 0.72, s * 0.62, s * 0.82, s * 0.72)
        bell.closeSubpath()
        p.drawPath(bell)
        p.drawEllipse(QPointF(s * 0.5, s * 0.82), s * 0.07, s * 0.07)
        p.drawLine(QPointF(s * 0.5, s * 0.12), QPointF(s * 0.5, s * 0.18))
        p.drawLine(QPointF(s * 0.12, s * 0.88), QPointF(s * 0.88, s * 0.12))  # the stroke: paused
        p.end()


class PauseIndicator(QFrame):
    """``[bell] AUDIO PAUSED 1:54``: black with white text, readable on red, yellow, cyan or grey."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("audiopaused")
        self.symbol = AudioPausedSymbol()
        self.text = QLabel("")
        font = self.text.font()
        font.setPixelSize(28)
        font.setBold(True)
        self.text.setFont(font)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 14, 4)
        row.setSpacing(8)
        row.addWidget(self.symbol)
        row.addWidget(self.text)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setStyleSheet(
            "QFrame#audiopaused { background: #000000; border: 2px solid #ffffff; border-radius: 8px; }"
            " QFrame#audiopaused QLabel { color: #ffffff; background: transparent; border: none; }"
        )
        self.hide()

    def show_remaining(self, seconds: float | None) -> None:
        if seconds is None:
            self.hide()
            return
        text = f"AUDIO PAUSED {countdown_text(seconds)}"
        if self.text.text() != text:
            self.text.setText(text)
        self.show()


class TileBadge(QLabel):
    """The alarms of one tile in its colour: worst value and violated limit, e.g. ``*** HR 134 > 130``."""

    def __init__(self, theme: Theme) -> None:
        super().__init__("")
        self._theme = theme
        self._key: tuple[object, ...] = ()
        self.priority: str | None = None
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.font()
        font.setPixelSize(SIZE_TILE_NOTE)
        font.setBold(True)
        self.setFont(font)
        self.hide()

    def show_alarms(self, alarms: Sequence[AlarmState]) -> None:
        key = (self._theme.name, tuple((a.priority, a.message, a.silenced) for a in alarms))
        if key == self._key:
            return
        self._key = key
        if not alarms:
            self.priority = None
            self.setText("")
            self.hide()
            return
        top = max(a.priority for a in alarms)
        self.priority = top.value
        # One line: the tile's number must stay the largest thing on it; the bar lists the rest.
        first = alarms[0]  # already sorted, most severe first
        more = f"  (+{len(alarms) - 1} more)" if len(alarms) > 1 else ""
        self.setText(f"{first.priority.stars} {first.message}{more}")
        background, text = self._theme.alarm_colours(top.value)
        self.setStyleSheet(
            f"background: {background}; color: {text}; border: 2px solid {text};"
            " border-radius: 6px; padding: 2px 8px;"
        )
        self.show()

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._key = ()


_PARAMETER_ORDER = {parameter: i for i, parameter in enumerate(Parameter)}


def _badge_order(state: AlarmState) -> tuple[int, int]:
    """Highest priority first, then systolic before diastolic before mean."""
    parameter = state.condition.parameter
    return -state.priority.rank, _PARAMETER_ORDER.get(parameter, 0) if parameter else 0


def _hold_steady(bar: Any) -> None:
    """Show the bar's alarm steadily in its colour (an acknowledged top alarm).

    AlarmBar has no "steady" switch; its colours come from the top alarm and its
    fill from the flasher, and a "low" flasher is on without flashing. Ask the
    lead for ``AlarmBar.set_alarms(items, steady=True)`` to replace this.
    """
    bar.flasher.set_priority("low")


# -- the presenter --------------------------------------------------------------------------------------

class AlarmPresenter(QObject):
    """Engine state -> alarm bar, tiles, chart lines, pause countdown and sound."""

    def __init__(
        self,
        engine: AlarmEngine,
        window: Any,  # DashboardWindow
        sound: Annunciator | None = None,
        *,
        operator: str | Callable[[], str] = "",
        refresh_ms: int = REFRESH_MS,
    ) -> None:
        super().__init__(window)
        self.engine = engine
        self.window = window
        self.sound = sound
        self._operator = operator
        self._bar_key: object = None
        self._tile_alarming: dict[str, str | None] = {}
        self._limits_key: object = None
        self._lines_key: object = None
        self._paused: bool | None = None
        theme = get_theme(window.theme_name)
        self.pause_indicator = PauseIndicator()
        bar_row = window.alarm_bar.layout()
        bar_row.insertWidget(1, self.pause_indicator)  # after the texts, before the buttons
        self.badges: dict[str, TileBadge] = {}
        for key, tile in window.tiles.items():
            badge = TileBadge(theme)
            tile.layout().insertWidget(1, badge)  # under the title and limits
            self.badges[key] = badge
        window.theme_toggled.connect(self._apply_theme)
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
        if self.sound is not None:
            self.sound.play(None)

    def refresh(self) -> None:
        """Bring every signal up to date. One part failing does not stop the others (the
        sound is not left playing an old priority because a label failed); the first
        error is raised again afterwards so it is not lost."""
        states = self.engine.active()
        steps: list[Callable[[], None]] = [
            self._play,
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

    def _play(self) -> None:
        if self.sound is not None:
            self.sound.play(self.engine.should_sound())

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
        return LimitsDialog(lambda: self.engine.profile, apply, self.window)

    # -- display ------------------------------------------------------------------------------------

    def _show_bar(self, states: Sequence[AlarmState]) -> None:
        # the bar adds the priority stars itself: give it the message, not bar_text
        items = [(s.priority, s.message + (ACKNOWLEDGED if s.silenced else "")) for s in states]
        # The engine lists unacknowledged before acknowledged within a priority, so the
        # top alarm is acknowledged only when every alarm of the top priority is.
        steady = bool(states) and states[0].silenced
        key = (tuple((p.value, t) for p, t in items), steady)
        if key == self._bar_key:
            return
        self._bar_key = key
        self.window.set_alarms(items)
        if steady:
            _hold_steady(self.window.alarm_bar)

    def _show_tiles(self, states: Sequence[AlarmState]) -> None:
        per_tile: dict[str, list[AlarmState]] = {key: [] for key in self.badges}
        for state in states:
            if state.kind is AlarmKind.PHYSIOLOGICAL:
                key = tile_of(state.condition)
                if key in per_tile:
                    per_tile[key].append(state)
        for key, alarms in per_tile.items():
            alarms.sort(key=_badge_order)
            sounding = [a.priority for a in alarms if not a.silenced]
            flashing = max(sounding).value if sounding else None
            if self._tile_alarming.get(key, "unset") != flashing:
                self._tile_alarming[key] = flashing
                self.window.set_alarming(key, flashing)
            self.badges[key].show_alarms(alarms)

    def _show_limits(self, states: Sequence[AlarmState]) -> None:
        profile = self.engine.profile
        limits = {key: tile_limits(profile, key) for key in self.badges}
        if limits != self._limits_key:
            self._limits_key = limits
            for key, (low, high) in limits.items():
                self.window.set_limits(key, low, high)
        lines = threshold_lines(profile, states)
        if lines != self._lines_key:
            self._lines_key = lines
            self.window.set_thresholds(lines)

    def _show_pause(self) -> None:
        remaining = self.engine.audio_pause_remaining_s()
        self.pause_indicator.show_remaining(remaining)
        paused = remaining is not None
        if paused != self._paused:
            self._paused = paused
            button = self.window.alarm_bar.audio_pause
            button.setText(END_PAUSE_TEXT if paused else PAUSE_TEXT)
            length = countdown_text(self.engine.profile.timing.audio_pause_s)
            what = "End the audio pause now" if paused else f"Pause all alarm sound for {length}"
            button.setToolTip(f"{what} ({shortcut_key('audio_pause')})")

    def _apply_theme(self, name: str) -> None:
        theme = get_theme(name)
        for badge in self.badges.values():
            badge.apply_theme(theme)
        self._bar_key = None  # the window restyled the bar; show the steady state again
        self.refresh()


__all__ = ["AlarmPresenter", "PauseIndicator", "TileBadge", "countdown_text", "threshold_lines", "tile_limits"]
