"""How the PDF report words times, minutes and durations."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from ui.report.pdf_plot import plot_origin
from monitor.review.reader import Recording


class Words:
    """Times and values as the report writes them.

    Times are in the local time zone of the computer making the report (the
    clinic's), with daylight saving applied per moment; the offset is printed.
    """

    def __init__(self, recording: Recording) -> None:
        self.origin = plot_origin(recording)
        self.start = recording.start

    def local(self, t: float) -> datetime:
        return datetime.fromtimestamp(t, UTC).astimezone()

    def clock(self, t: float | None, seconds: bool = True) -> str:
        if t is None:
            return "—"
        return self.local(t).strftime("%H:%M:%S" if seconds else "%H:%M")

    def minutes(self, t: float) -> str:
        whole = math.floor((t - self.origin) / 60 + 0.5)
        return "0" if whole == 0 else f"{whole:+d}".replace("-", "−")

    def offset(self) -> str:
        text = self.local(self.start).strftime("%z") or "+0000"
        return f"UTC{text[:3]}:{text[3:]}"


def duration_text(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "—"
    minutes = round(seconds / 60)
    if seconds < 60:
        return f"{seconds:.0f} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
