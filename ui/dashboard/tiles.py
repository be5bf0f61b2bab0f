"""Large numeric tiles, one per catalogue measurement, readable from across the room.

A tile is made from its row of :data:`monitor.parameters.MEASUREMENTS` (title,
unit, the sample text its digits are sized for, colour role) and writes each
number with its parameter's ``decimals``. It only draws what
:class:`~monitor.latest.LatestValues` decides (the staleness rule lives there):
a current value in the measurement's colour; a stale one greyed, with its age on
a grey NOT CURRENT band; an absent one as dashes with the device's reason. Under
the number: the baseline and the change from it, the alarm limits, and for a
measurement on demand (the cuff) how long ago it was measured.

For the alarm presenter a tile shows an alarm state (:meth:`Tile.set_alarming`),
its limits (:meth:`Tile.set_limits`) and a badge (:meth:`Tile.show_badge`); it
knows nothing of the alarm engine. The badge takes the place of the limits in the
title row, one line cut to fit, so an alarm never takes height from the number:
the number stays the largest thing on an alarming tile, as large as without the
alarm (issue 14).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout

from monitor.latest import Freshness, ValueView
from monitor.parameters import MEASUREMENTS, PARAMETERS, Parameter
from ui.dashboard.theme import SIZE_TILE_INFO, SIZE_TILE_NOTE, SIZE_TILE_TITLE, Theme
from ui.dashboard.tile_text import DASH, baseline_text, fmt, limits_text, measured_text, stale_note
from ui.dashboard.widgets import ElidedLabel, FitLabel, Flasher, label, set_px, show_flash, two_looks

SIZE_MEAN = 40
SIZE_BADGE = SIZE_TILE_TITLE - 6  # with its border no higher than the title beside it
FULL_HEIGHT_PX = 360  # tile height at which the small print has its full size
COMPACT_PX = 200  # a tile this short (small tiles stacked in pairs) gives its number every line it can


class Badge(ElidedLabel):
    """A tile's alarms in their colour, one line cut to fit: ``*** HR 134 > 130``; hidden when
    there are none. As high as the tile's title, in whose row it stands."""

    def __init__(self, theme: Theme) -> None:
        super().__init__("", SIZE_BADGE, True)
        self._theme = theme
        self.priority: str | None = None
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hide()

    def show_badge(self, text: str, priority: str | None) -> None:
        if (text, priority) == (self.text(), self.priority) and self.isVisible() == bool(text):
            return
        self.priority = priority if text else None
        self.setText(text)
        self._restyle()
        self.setVisible(bool(text))

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._restyle()

    def _restyle(self) -> None:
        if self.priority is None:
            self.setStyleSheet("")
            return
        background, text = self._theme.alarm_colours(self.priority)
        self.setStyleSheet(f"background: {background}; color: {text}; border: 2px solid {text};"
                           " border-radius: 6px; padding: 0px 6px;")


class Tile(QFrame):
    """One numeric tile. ``show_*`` methods are called on the display timer."""

    def __init__(self, key: str, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("tile")
        self.key = key
        self.spec = MEASUREMENTS[key]
        self.parameters = self.spec.parameters
        self.pressure = self.spec.pressure
        self.decimals = PARAMETERS[self.parameters[0]].decimals
        title, unit, sample = self.spec.title, self.spec.unit, self.spec.sample
        self.state = Freshness.NEVER
        self._theme = theme
        self._style_key: tuple[object, ...] = ()
        self._colours = ("", "")  # the number's colour: steady, flashed on
        self.title = label(f"{title} <span style='font-size:{SIZE_TILE_TITLE - 8}px'>{unit}</span>", SIZE_TILE_TITLE, True)
        self.limits = label(limits_text(None, None), SIZE_TILE_INFO - 2, name="dim")
        self.value = FitLabel(sample)
        self.mean = label("", SIZE_MEAN, True)
        self.baseline = label("", SIZE_TILE_INFO)
        self.note = label("", SIZE_TILE_NOTE, True)
        self.badge = Badge(theme)
        self.flasher = Flasher(self)
        self.flasher.changed.connect(lambda _on: self._restyle())
        for widget in (self.limits, self.baseline, self.note):
            widget.setWordWrap(True)  # a narrow tile wraps its small print instead of widening
        self._build()
        self._flashing = (self, self.title, self.value, self.mean, self.baseline, self.limits, self.note)
        self.mean.setVisible(self.pressure)
        self.show_text(DASH + ("/" + DASH if self.pressure else ""), "", "", "no data yet", Freshness.NEVER)

    def _build(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addSpacing(10)
        top.addWidget(self.limits)
        top.addWidget(self.badge, 100)  # in the limits' place while an alarm shows (its limit is in it)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 10)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.value, 1)
        layout.addWidget(self.mean)
        layout.addWidget(self.baseline)
        layout.addWidget(self.note)
        self.mean.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Small print shrinks on a short tile so the number keeps most of the height."""
        super().resizeEvent(event)
        factor = max(0.55, min(1.0, self.height() / FULL_HEIGHT_PX))
        for widget, size, bold in ((self.title, SIZE_TILE_TITLE, True),
                                   (self.limits, SIZE_TILE_INFO - 2, False), (self.mean, SIZE_MEAN, True),
                                   (self.baseline, SIZE_TILE_INFO, False), (self.note, SIZE_TILE_NOTE, True),
                                   (self.badge, SIZE_BADGE, True)):
            px = round(size * factor)
            if widget.font().pixelSize() != px:
                set_px(widget, px, bold)
        self._make_room()

    def _make_room(self) -> None:
        """On a compact tile an empty note takes no line: the number gets it."""
        compact = self.height() < COMPACT_PX
        self.note.setVisible(not compact or bool(self.note.text()))

    # -- API for the alarm presenter ------------------------------------------------------

    def set_limits(self, low: float | str | None, high: float | str | None) -> None:
        """Show the alarm limits (numbers, or text such as "160/100" for a pressure)."""
        self.limits.setText(limits_text(low, high))

    def set_alarming(self, priority: object) -> None:
        """Flash the tile: "high" red 2 Hz, "medium" yellow 0.6 Hz, "low" steady cyan; None stops."""
        self.flasher.set_priority(priority)
        self._restyle()

    def show_badge(self, text: str, priority: str | None) -> None:
        """The tile's alarms in one line in the title row ("" hides it and shows the limits again);
        the number keeps its size."""
        self.badge.show_badge(text, priority)
        self.limits.setVisible(not text)

    @property
    def alarm_priority(self) -> str | None:
        return self.flasher.priority

    # -- display -------------------------------------------------------------------------

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.badge.apply_theme(theme)
        self._restyle()

    def show_values(self, views: Sequence[ValueView], baselines: Mapping[Parameter, float], forming: bool) -> None:
        """Its parameters' values (``views`` in catalogue order) with their baselines."""
        if self.pressure:
            self.show_pressure(tuple(views), baselines, forming)  # type: ignore[arg-type]
        else:
            self.show_single(views[0], baselines.get(self.parameters[0]), forming)

    def show_text(self, value: str, mean: str, baseline: str, note: str, state: Freshness) -> None:
        self.state = state
        for widget, text in ((self.value, value), (self.mean, mean), (self.baseline, baseline), (self.note, note)):
            if widget.text() != text:
                widget.setText(text)
        if self.note.isHidden() == bool(note):
            self._make_room()
        self._restyle()

    def show_single(self, view: ValueView, baseline: float | None, forming: bool) -> None:
        d = self.decimals
        if view.value is None:
            reason = view.reason or ("no data yet" if view.freshness is Freshness.NEVER else "no value")
            self.show_text(DASH, "", baseline_text((baseline,), (None,), forming, d), reason, view.freshness)
            return
        note = stale_note(view, measured=False) if view.freshness is Freshness.STALE else view.reason
        base = baseline_text((baseline,), (view.value,), forming, d)
        self.show_text(fmt(view.value, d), "", base, note, view.freshness)

    def show_pressure(
        self, views: tuple[ValueView, ValueView, ValueView], baselines: Mapping[Parameter, float], forming: bool
    ) -> None:
        sys_v, dia_v, mean_v = views
        base = (baselines.get(self.parameters[0]), baselines.get(self.parameters[1]))
        measured = self.spec.discrete
        if sys_v.value is None or dia_v.value is None:
            missing = sys_v if sys_v.value is None else dia_v
            reason = missing.reason or "no value"
            state = missing.freshness
            self.show_text(f"{DASH}/{DASH}", "", baseline_text(base, (None, None), forming), reason, state)
            return
        stale = Freshness.STALE in (sys_v.freshness, dia_v.freshness)
        state = Freshness.STALE if stale else Freshness.CURRENT
        mean = f"({fmt(mean_v.value)})" if mean_v.value is not None else ""
        if stale:
            note = stale_note(sys_v if sys_v.freshness is Freshness.STALE else dia_v, measured)
        else:
            parts = [measured_text(sys_v.age_s)] if measured else []
            if sys_v.reason:
                parts.append("cuff measuring\u2026" if sys_v.reason == "measuring" else sys_v.reason)
            note = " \u00b7 ".join(p for p in parts if p)
        value = f"{fmt(sys_v.value)}/{fmt(dia_v.value)}"
        self.show_text(value, mean, baseline_text(base, (sys_v.value, dia_v.value), forming), note, state)

    # -- styling -------------------------------------------------------------------------

    def _restyle(self) -> None:
        """Colours for the theme, freshness and alarm priority: style sheets holding both flash
        states, set when one of those changes; a flash toggle only switches between the two
        (:func:`~ui.dashboard.widgets.show_flash`), and so costs half as much."""
        style_key = (self._theme.name, self.state, self.flasher.priority)
        if style_key != self._style_key:
            self._style_key = style_key
            self._set_sheets()
        show_flash(self._flashing, self.flasher.on)

    def _set_sheets(self) -> None:
        t = self._theme
        priority = self.flasher.priority
        current = self.state is Freshness.CURRENT
        colour = t.colour(self.spec.colour) if current else t.stale
        text, dim = t.text, t.text_dim
        background, border, width = t.surface, t.border, 1
        flashed = (background, colour, text, dim)  # (background, colour, text, dim) while flashed on
        if priority is not None:
            alarm_bg, alarm_text = t.alarm_colours(priority)
            border, width = alarm_bg, 4
            flashed = (alarm_bg, alarm_text, alarm_text, alarm_text)
        self._colours = (colour, flashed[1])
        title = (colour, flashed[1]) if current or priority else (t.text_dim, t.text_dim)

        def colours(steady: str, on: str) -> str:
            return two_looks("QLabel", f"color: {steady};", f"color: {on};")

        self.setStyleSheet(two_looks(
            "QFrame#tile", f"background: {background}; border: {width}px solid {border}; border-radius: 10px;",
            f"background: {flashed[0]};"))
        self.title.setStyleSheet(colours(*title))
        self.value.setStyleSheet(colours(colour, flashed[1]))
        self.mean.setStyleSheet(colours(colour, flashed[1]))
        self.baseline.setStyleSheet(colours(text, flashed[2]))
        self.limits.setStyleSheet(colours(dim, flashed[3]))
        if self.state is Freshness.STALE:  # the mark: a grey band, as well as the grey number
            self.note.setStyleSheet(
                f"background: {t.stale}; color: {t.stale_badge_text}; border-radius: 4px; padding: 1px 8px;"
            )
        else:
            self.note.setStyleSheet(colours(text, flashed[2]))

    @property
    def marked_not_current(self) -> bool:
        """True when the tile shows its value as not current (grey number and band)."""
        return self.state is Freshness.STALE and self.note.text().startswith("NOT CURRENT")

    @property
    def value_colour(self) -> str:
        """The colour the number is drawn in now (tests: current vs greyed)."""
        return self._colours[1] if self.flasher.on else self._colours[0]


def make_tiles(theme: Theme) -> dict[str, Tile]:
    """One tile per catalogue measurement, in catalogue order."""
    return {key: Tile(key, theme) for key in MEASUREMENTS}


__all__ = ["Badge", "Tile", "make_tiles"]
