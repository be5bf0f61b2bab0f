"""The display's one part in the alarm sound: the heartbeat, from the GUI thread's event loop.

What sounds is chosen on the beds' threads (``ui.sound.annunciator``), never here, so
a frozen display cannot hold back an alarm. But only the GUI thread can tell the
sound process's display watchdog that the display is alive: this timer runs in its
event loop, so a blocked GUI thread stops the heartbeat and, after 2 s, the sound
process sounds the high-priority pattern by itself (DISPLAY_FROZEN, docs/alarms.md
section 8).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from ui.sound.protocol import HEARTBEAT_S


class DisplayHeartbeat(QObject):
    """Calls ``beat`` (the annunciator's ``heartbeat``) every ``interval_ms`` from the GUI thread."""

    def __init__(self, beat: Callable[[], None], parent: QObject | None = None,
                 interval_ms: int = round(HEARTBEAT_S * 1000)) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(beat)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()


__all__ = ["DisplayHeartbeat"]
