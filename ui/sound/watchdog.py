"""The display watchdog's judgement (pure, no Qt): is the dashboard's GUI thread frozen?

The dashboard's GUI thread sends a heartbeat from a timer of its event loop
every 250 ms. If none comes for longer than ``limit_s`` (2 s, issue 14), the
display is frozen: alarms may be neither shown nor, if the engine runs on that
thread, judged. The sound process then sounds the high-priority pattern on its
own; when heartbeats resume, the freeze lasted from the last heartbeat before it
to the first one after it.

Armed by the first heartbeat, so a dashboard still starting is not "frozen".
Times are seconds of a monotonic clock, passed in.
"""

from __future__ import annotations

from ui.sound.protocol import FROZEN_AFTER_S


class DisplayWatchdog:
    def __init__(self, limit_s: float = FROZEN_AFTER_S) -> None:
        self.limit_s = limit_s
        self.last: float | None = None  # the latest heartbeat; None: not armed yet
        self.frozen = False

    def heartbeat(self, t: float) -> float | None:
        """A heartbeat at ``t``; if it ends a freeze, how long the display was frozen."""
        ended = t - self.last if self.frozen and self.last is not None else None
        self.last = t if self.last is None else max(self.last, t)
        self.frozen = False
        return ended

    def check(self, t: float) -> float | None:
        """If the display is judged frozen at ``t`` (once per freeze): the silence so far."""
        if self.frozen or self.last is None or t - self.last <= self.limit_s:
            return None
        self.frozen = True
        return t - self.last

    def inherit(self, silent_s: float, frozen: bool, t: float) -> None:
        """Take over a previous watchdog's view: the last heartbeat was ``silent_s`` before ``t``."""
        self.last = t - max(0.0, silent_s)
        self.frozen = frozen


__all__ = ["DisplayWatchdog"]
