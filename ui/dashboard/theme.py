"""Every colour and font size of the dashboard, in one place.

Dark is the default: the infusion room is dim and a bright screen glares and
wakes patients. Colours follow bedside-monitor habit (HR green, NIBP white,
ART red, SpO2/PR cyan, respiration yellow, CO2 amber, temperature pink) so a
nurse reads them the way she reads the monitor. The catalogue
(``monitor/parameters.py``) names each measurement's colour by role; a theme
maps every role to a colour readable on its background (:data:`ROLES`).
Alarm colours follow IEC 60601-1-8 habit: red high, yellow medium, cyan low.
A value that is not current is always the same dim grey, in every theme.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from monitor.parameters import MEASUREMENTS
from monitor.readings import LinkState

FONT_FAMILIES = ["DejaVu Sans", "Noto Sans", "Segoe UI", "Helvetica", "Arial"]

# Pixel sizes of the fixed-size text (numbers on tiles scale with the tile).
SIZE_PHASE = 64  # phase and infusion clock: read from 4 m
SIZE_WALL_CLOCK = 48
SIZE_HEADER_SMALL = 20
SIZE_ALARM = 34
SIZE_TILE_TITLE = 26
SIZE_TILE_INFO = 22  # baseline/change, limits, notes: read from about 1-2 m
SIZE_TILE_NOTE = 24
SIZE_BUTTON = 18
SIZE_CHART_AXIS = 15

FLASH_HIGH_MS = 250  # 2 Hz, 50 % on
FLASH_MEDIUM_MS = 833  # 0.6 Hz, 50 % on


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    surface: str  # tiles, bars
    border: str
    text: str
    text_dim: str
    stale: str  # a value that is not current
    stale_badge_text: str
    roles: Mapping[str, str]  # a parameter's colour role (catalogue) -> its colour
    alarm_high: str
    alarm_medium: str
    alarm_low: str
    alarm_text_high: str
    alarm_text_medium: str
    alarm_text_low: str
    phase_baseline: str
    phase_infusion: str
    phase_recovery: str
    phase_ended: str
    overrun: str
    recording_ok: str
    recording_bad: str
    simulated: str
    button: str
    button_text: str
    button_disabled_text: str
    chart_background: str
    chart_axis: str
    chart_grid_alpha: int
    shade_alpha: int  # 0-255: phase shading on the chart
    marker_annotation: str
    threshold: str
    link: dict[LinkState, str] = field(default_factory=dict)
    # the treatment (checks and rate changes on the trend, the check reminder): informative blue,
    # never an alarm colour (red, yellow, cyan)
    marker_treatment: str = "#8fb8ff"
    reminder: str = "#7c9cff"

    def colour(self, role: str) -> str:
        """The colour of a catalogue colour role ("hr", "spo2", ...)."""
        return self.roles[role]

    def alarm_colours(self, priority: str) -> tuple[str, str]:
        """(background, text) for an alarm priority: "high" | "medium" | "low"."""
        return {
            "high": (self.alarm_high, self.alarm_text_high),
            "medium": (self.alarm_medium, self.alarm_text_medium),
            "low": (self.alarm_low, self.alarm_text_low),
        }[priority]

    def phase_colour(self, phase: str) -> str:
        return {
            "baseline": self.phase_baseline,
            "infusion": self.phase_infusion,
            "recovery": self.phase_recovery,
        }.get(phase, self.phase_ended)


_DARK_LINK = {
    LinkState.RECEIVING: "#3ddc84",
    LinkState.WAITING: "#ffd54f",
    LinkState.CONNECTING: "#ffd54f",
    LinkState.SILENT: "#ff9800",
    LinkState.NO_VALID_FRAMES: "#ff9800",
    LinkState.DISCONNECTED: "#ff5252",
    LinkState.CLOSED: "#80868f",
}

DARK = Theme(
    name="dark",
    background="#07090b",
    surface="#101418",
    border="#242a31",
    text="#e9edf1",
    text_dim="#9aa3ad",
    stale="#5d646d",
    stale_badge_text="#07090b",
    roles={"hr": "#3ddc84", "nibp": "#e8ebef", "art": "#ff6b6b", "spo2": "#4fd2ff", "pr": "#4fd2ff",
           "resp": "#ffe066", "co2": "#ffab40", "temp": "#f48fb1"},
    alarm_high="#e0201b",
    alarm_medium="#ffd000",
    alarm_low="#19c3de",
    alarm_text_high="#ffffff",
    alarm_text_medium="#000000",
    alarm_text_low="#000000",
    phase_baseline="#9aa3ad",
    phase_infusion="#7c9cff",
    phase_recovery="#3cc7a5",
    phase_ended="#9aa3ad",
    overrun="#ff9800",
    recording_ok="#e9edf1",
    recording_bad="#ff5252",
    simulated="#d58cff",
    button="#1b2128",
    button_text="#e9edf1",
    button_disabled_text="#4a5058",
    chart_background="#07090b",
    chart_axis="#9aa3ad",
    chart_grid_alpha=40,
    shade_alpha=34,
    marker_annotation="#d6b4ff",
    threshold="#b8a03a",
    link=_DARK_LINK,
)

LIGHT = Theme(
    name="light",
    background="#eef0f3",
    surface="#ffffff",
    border="#c9ced6",
    text="#111417",
    text_dim="#4f5660",
    stale="#a2a8b0",
    stale_badge_text="#ffffff",
    roles={"hr": "#067a34", "nibp": "#111417", "art": "#c62828", "spo2": "#0067a8", "pr": "#0067a8",
           "resp": "#7a6000", "co2": "#a54800", "temp": "#ad1457"},
    alarm_high="#d50000",
    alarm_medium="#ffd000",
    alarm_low="#00b8d4",
    alarm_text_high="#ffffff",
    alarm_text_medium="#000000",
    alarm_text_low="#000000",
    phase_baseline="#5b636d",
    phase_infusion="#2f55d4",
    phase_recovery="#0d8f6f",
    phase_ended="#5b636d",
    overrun="#c25e00",
    recording_ok="#111417",
    recording_bad="#d50000",
    simulated="#8e24aa",
    button="#e3e7ec",
    button_text="#111417",
    button_disabled_text="#a2a8b0",
    chart_background="#ffffff",
    chart_axis="#4f5660",
    chart_grid_alpha=60,
    shade_alpha=40,
    marker_annotation="#7b1fa2",
    threshold="#9a7400",
    link={
        LinkState.RECEIVING: "#067a34",
        LinkState.WAITING: "#a66f00",
        LinkState.CONNECTING: "#a66f00",
        LinkState.SILENT: "#c25e00",
        LinkState.NO_VALID_FRAMES: "#c25e00",
        LinkState.DISCONNECTED: "#d50000",
        LinkState.CLOSED: "#5b636d",
    },
    marker_treatment="#1e4fbf",
    reminder="#2f55d4",
)

THEMES: dict[str, Theme] = {"dark": DARK, "light": LIGHT}
ROLES = frozenset(m.colour for m in MEASUREMENTS.values())
assert all(set(t.roles) >= ROLES for t in THEMES.values()), "every catalogue colour role has a colour in every theme"
DEFAULT_THEME = "dark"


def get_theme(name: str | None) -> Theme:
    """The named theme; an unknown or missing name gives the dark default."""
    return THEMES.get(name or DEFAULT_THEME, DARK)


def other_theme(name: str) -> str:
    return "light" if name == "dark" else "dark"


def stylesheet(theme: Theme) -> str:
    """Window-wide style: colours, borders, buttons. Sizes of big text are set per widget."""
    t = theme
    return f"""
QMainWindow, QWidget#dashboard {{ background: {t.background}; }}
QWidget {{ color: {t.text}; }}
QFrame#tile, QFrame#panel {{ background: {t.surface}; border: 1px solid {t.border}; border-radius: 10px; }}
QFrame#tile QLabel, QFrame#panel QLabel {{ background: transparent; border: none; }}
QLabel#dim {{ color: {t.text_dim}; }}
QScrollArea {{ background: transparent; border: none; }}
QPushButton {{
    background: {t.button}; color: {t.button_text}; border: 1px solid {t.border};
    border-radius: 8px; padding: 6px 10px; font-size: {SIZE_BUTTON}px;
}}
QPushButton:hover {{ border-color: {t.text_dim}; }}
QPushButton:focus {{ border: 2px solid {t.phase_infusion}; }}
QPushButton:disabled {{ color: {t.button_disabled_text}; }}
QPushButton#primary {{ font-size: {SIZE_BUTTON + 2}px; font-weight: bold; padding: 10px; }}
QPushButton#quick {{ font-size: {SIZE_BUTTON - 2}px; padding: 6px 4px; }}
QLineEdit {{
    background: {t.background}; color: {t.text}; border: 1px solid {t.border};
    border-radius: 6px; padding: 6px; font-size: {SIZE_BUTTON}px;
}}
QProgressBar {{
    background: {t.background}; border: 1px solid {t.border}; border-radius: 6px;
}}
QProgressBar::chunk {{ background: {t.phase_infusion}; border-radius: 5px; }}
QProgressBar[overrun="true"]::chunk {{ background: {t.overrun}; }}
QScrollBar:vertical {{ background: {t.background}; width: 10px; margin: 0; }}
QScrollBar::handle:vertical {{ background: {t.border}; border-radius: 5px; min-height: 30px; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; }}
QStatusBar {{ color: {t.text}; font-size: {SIZE_BUTTON}px; }}
QToolTip {{ color: {t.text}; background: {t.surface}; border: 1px solid {t.border}; }}
"""
