"""Large numeric tiles: HR, NIBP, ART, SpO2 and PR, readable from across the room.

A tile only draws what :class:`~monitor.latest.LatestValues` decides (the
staleness rule lives there): a current value in the parameter's colour; a
stale one greyed, with its age on a grey NOT CURRENT band; an absent one as
dashes with the device's reason. Under the number: the baseline and the
change from it, the alarm limits, and for NIBP how long ago the cuff measured.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout

from monitor.latest import Freshness, ValueView
from monitor.readings import Parameter
from ui.dashboard.theme import SIZE_TILE_INFO, SIZE_TILE_NOTE, SIZE_TILE_TITLE, Theme
from ui.dashboard.widgets import FitLabel, Flasher, label, set_px, show_flash, two_looks

DASH = "---"
SIZE_MEAN = 40
FULL_HEIGHT_PX = 360  # tile height at which the small print has its full size
MINUS = "\u2212"  # a real minus sign: a hyphen is easy to miss from a distance

# key -> (title, unit, parameters shown, sample text that sizes the digits)
TILE_SPECS: dict[str, tuple[str, str, tuple[Parameter, ...], str]] = {
    "HR": ("HR", "/min", (Parameter.HR,), "888"),
    "NIBP": ("NIBP", "mmHg", (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN), "888/188"),
    "ART": ("ART", "mmHg", (Parameter.ART_SYS, Parameter.ART_DIA, Parameter.ART_MEAN), "888/188"),
    "SPO2": ("SpO\u2082", "%", (Parameter.SPO2,), "188"),
    "PR": ("PR", "/min", (Parameter.PR,), "888"),
}


# -- text rules (pure; the tests read them through the widgets) --------------------------

def fmt(value: float | None) -> str:
    return DASH if value is None else f"{value:.0f}"


def signed(delta: float) -> str:
    rounded = round(delta)
    if rounded == 0:
        return "\u00b10"
    return f"+{rounded:.0f}" if rounded > 0 else f"{MINUS}{abs(rounded):.0f}"


def age_text(seconds: float) -> str:
    if seconds < 60:
        return f"{max(0, int(seconds))} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def measured_text(age_s: float | None) -> str:
    if age_s is None:
        return ""
    if age_s < 60:
        return "measured <1 min ago"
    return f"measured {age_text(age_s)} ago"


def limits_text(low: float | str | None, high: float | str | None) -> str:
    if low is None and high is None:
        return "limits not set"

    def one(value: float | str | None) -> str:
        if value is None:
            return "off"
        return value if isinstance(value, str) else f"{value:g}"

    return f"limits {one(low)} \u2013 {one(high)}"


def baseline_text(
    baselines: tuple[float | None, ...], values: tuple[float | None, ...], forming: bool
) -> str:
    """"baseline 124/78 · +12/+9"; while the baseline is still forming, no change."""
    if all(b is None for b in baselines):
        return "baseline pending" if forming else "no baseline"
    base = "/".join(fmt(b) for b in baselines)
    if forming:
        return f"baseline so far {base}"
    deltas = [signed(v - b) if v is not None and b is not None else DASH for v, b in zip(values, baselines, strict=True)]
    if all(d == DASH for d in deltas):
        return f"baseline {base}"
    return f"baseline {base} \u00b7 {'/'.join(deltas)}"


def stale_note(view: ValueView, measured: bool) -> str:
    if view.age_s is None:
        return "NOT CURRENT: no recent value"
    if measured:
        return f"NOT CURRENT: {measured_text(view.age_s)}"
    return f"NOT CURRENT: last value {age_text(view.age_s)} ago"


class Tile(QFrame):
    """One numeric tile. ``show_*`` methods are called on the display timer."""

    def __init__(self, key: str, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("tile")
        self.key = key
        title, unit, self.parameters, sample = TILE_SPECS[key]
        self.pressure = len(self.parameters) == 3
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
                                   (self.baseline, SIZE_TILE_INFO, False), (self.note, SIZE_TILE_NOTE, True)):
            px = round(size * factor)
            if widget.font().pixelSize() != px:
                set_px(widget, px, bold)

    # -- API for the alarm engine ------------------------------------------------------

    def set_limits(self, low: float | str | None, high: float | str | None) -> None:
        """Show the alarm limits (numbers, or text such as "160/100" for a pressure)."""
        self.limits.setText(limits_text(low, high))

    def set_alarming(self, priority: object) -> None:
        """Flash the tile: "high" red 2 Hz, "medium" yellow 0.6 Hz, "low" steady cyan; None stops."""
        self.flasher.set_priority(priority)
        self._restyle()

    @property
    def alarm_priority(self) -> str | None:
        return self.flasher.priority

    # -- display -------------------------------------------------------------------------

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._restyle()

    def show_text(self, value: str, mean: str, baseline: str, note: str, state: Freshness) -> None:
        self.state = state
        for widget, text in ((self.value, value), (self.mean, mean), (self.baseline, baseline), (self.note, note)):
            if widget.text() != text:
                widget.setText(text)
        self._restyle()

    def show_single(self, view: ValueView, baseline: float | None, forming: bool) -> None:
        if view.value is None:
            reason = view.reason or ("no data yet" if view.freshness is Freshness.NEVER else "no value")
            self.show_text(DASH, "", baseline_text((baseline,), (None,), forming), reason, view.freshness)
            return
        note = stale_note(view, measured=False) if view.freshness is Freshness.STALE else view.reason
        self.show_text(fmt(view.value), "", baseline_text((baseline,), (view.value,), forming), note, view.freshness)

    def show_pressure(
        self, views: tuple[ValueView, ValueView, ValueView], baselines: Mapping[Parameter, float], forming: bool
    ) -> None:
        sys_v, dia_v, mean_v = views
        base = (baselines.get(self.parameters[0]), baselines.get(self.parameters[1]))
        measured = self.key == "NIBP"
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
        colour = t.parameter_colour(self.key) if current else t.stale
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
    return {key: Tile(key, theme) for key in TILE_SPECS}


__all__ = ["TILE_SPECS", "Tile", "make_tiles"]
