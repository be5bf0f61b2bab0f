"""Keyboard shortcuts: one table, used by the window, the buttons' labels and the help overlay.

Function keys are used for actions so that typing a note never triggers one.
"""

from __future__ import annotations

# action -> (key sequence, what it does)
SHORTCUTS: dict[str, tuple[str, str]] = {
    "help": ("F1", "Show or hide this help"),
    "start_infusion": ("F2", "Start infusion"),
    "stop_infusion": ("F3", "Stop infusion"),
    "end_session": ("F4", "End session (asks to confirm)"),
    "acknowledge": ("F5", "Acknowledge alarms"),
    "audio_pause": ("F6", "Pause alarm sound"),
    "limits": ("F7", "Alarm limits"),
    "theme": ("F8", "Dark / light theme"),
    "back_to_live": ("F9", "Trend: back to live (whole session)"),
    "note": ("Ctrl+N", "Write a note (Enter adds it)"),
    "dose_plan": ("F10", "Dose plan (confirm it before the start)"),
    "sign_off": ("F12", "Discharge sign-off (ends the session)"),
    "checks": ("S5  D3  N V H A", "A check, typed anywhere: sedation, dissociation, a side effect"),
    "fullscreen": ("F11", "Full screen on / off"),
}

QUICK_KEYS = tuple(f"Alt+{n}" for n in (*range(1, 10), 0))  # quick annotations 1-9, then 0


def key(action: str) -> str:
    return SHORTCUTS[action][0]


def with_key(text: str, action: str) -> str:
    """Button text with its key, e.g. "Start infusion   F2"."""
    return f"{text}   {key(action)}"


def help_rows(quick_annotations: tuple[str, ...]) -> list[tuple[str, str]]:
    rows = [(k, what) for k, what in SHORTCUTS.values()]
    rows += [(k, f"Note: {text}") for k, text in zip(QUICK_KEYS, quick_annotations, strict=False)]
    return rows
