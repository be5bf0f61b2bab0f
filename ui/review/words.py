"""How the review window words times, minutes, durations and values (as the PDF report does)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from monitor.review.events import number_text

DASH = "—"


def local(t: float) -> datetime:
    """UTC Unix seconds in this computer's time zone (what the clinic's clocks showed)."""
    return datetime.fromtimestamp(t, UTC).astimezone()


def clock(t: float | None, seconds: bool = True) -> str:
    if t is None:
        return DASH
    return local(t).strftime("%H:%M:%S" if seconds else "%H:%M")


def minutes(value: float, decimals: int = 1) -> str:
    """Session minutes with a sign: ``+22.5``, ``−4.0``, ``0``."""
    rounded = round(value, decimals)
    if rounded == 0:
        return "0"
    return f"{rounded:+.{decimals}f}".replace("-", "−")


def min_sec(value: float) -> str:
    """Session minutes as a signed ``m:ss``: ``+31:24``, ``−4:58``, ``0:00``."""
    seconds = round(value * 60)
    sign = "" if seconds == 0 else ("+" if seconds > 0 else "\u2212")
    mins, secs = divmod(abs(seconds), 60)
    return f"{sign}{mins}:{secs:02d}"


def duration(seconds: float | None) -> str:
    """``45 s``, ``40 min``, ``1 h 05 min``; ``—`` when unknown."""
    if seconds is None or math.isnan(seconds):
        return DASH
    if seconds < 60:
        return f"{seconds:.0f} s"
    whole = round(seconds / 60)
    hours, mins = divmod(whole, 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def duration_exact(seconds: float) -> str:
    """``12 min 30 s``: for time beyond a limit, where seconds matter."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    mins, secs = divmod(seconds, 60)
    hours, mins = divmod(mins, 60)
    text = f"{mins} min {secs:02d} s"
    return f"{hours} h {text}" if hours else text


def value(v: float | None) -> str:
    """A measured value as the monitor showed it (``72``, ``98.5``); ``—`` when none."""
    return DASH if v is None or math.isnan(v) else number_text(round(v, 1))
