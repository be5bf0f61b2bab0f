"""The dashboard's alarm sound: the ``AlarmSound`` interface over a supervised sound process.

Built on the GUI thread by the composition root. The presenter calls
:meth:`SupervisedSound.play` with ``engine.should_sound()``; ``unavailable`` and
``restored`` are emitted on the GUI thread, once per change, for
``engine.on_audio`` (the AUDIO_UNAVAILABLE technical alarm: no output device,
or the sound process failed and is being restarted). Its timer sends the
display heartbeat from the GUI thread's event loop, so a blocked GUI thread
stops it and the sound process's watchdog sounds. The watchdog's verdicts go to
``on_display(frozen, seconds)`` straight from the supervisor's thread: the GUI
thread is the one that is frozen, so it cannot carry them (``core.post`` judges
them at the moment they came).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from monitor.alarms.model import Priority
from ui.sound.protocol import HEARTBEAT_S, priority_name
from ui.sound.supervisor import SoundEvent, SoundSupervisor

log = logging.getLogger(__name__)


class Annunciator(Protocol):
    """What the alarm presenter needs of a sound: play a priority, or None for silence."""

    def play(self, priority: object) -> None: ...


class SupervisedSound(QObject):
    unavailable = Signal(str)  # a sentence for the AUDIO_UNAVAILABLE alarm
    restored = Signal()  # sound plays again after it was reported unavailable
    _arrived = Signal(object)  # a SoundEvent, from the supervisor's threads to the GUI thread

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        on_display: Callable[[bool, float], None] | None = None,
        output: str | None = None,
        heartbeat_ms: int = round(HEARTBEAT_S * 1000),
    ) -> None:
        super().__init__(parent)
        self._on_display = on_display
        self._available = False
        self._problem: str | None = None
        self._reported: bool | None = None  # the availability last signalled
        self._playing: Priority | None = None
        self._arrived.connect(self._on_event)
        self.supervisor = SoundSupervisor(output, self._from_supervisor)
        self.heartbeat_timer = QTimer(self)
        self.heartbeat_timer.setInterval(heartbeat_ms)
        self.heartbeat_timer.timeout.connect(self.supervisor.heartbeat)
        self.supervisor.start()
        self.heartbeat_timer.start()

    @property
    def available(self) -> bool:
        return self._available

    @property
    def problem(self) -> str | None:
        """Why sound cannot play (the text ``unavailable`` carried), or None."""
        return self._problem

    @property
    def playing(self) -> Priority | None:
        """The priority the sound process was asked to repeat."""
        return self._playing

    def check(self) -> bool:
        """True when sound can play; the sound process reports changes by itself."""
        return self._available

    def play(self, priority: object) -> None:
        name = priority_name(priority)
        self._playing = None if name is None else Priority(name)
        self.supervisor.play(name)

    def stop(self) -> None:
        """Silence (the sound process keeps running)."""
        self.play(None)

    def close(self) -> None:
        """End the sound process: at the end of the session."""
        self.heartbeat_timer.stop()
        self.supervisor.stop()

    # -- from the supervisor ------------------------------------------------------------------------

    def _from_supervisor(self, event: SoundEvent) -> None:
        """The supervisor's threads: the display's verdicts go on at once, the rest to the GUI thread."""
        if event.kind in ("display_frozen", "display_recovered") and self._on_display is not None:
            self._on_display(event.kind == "display_frozen", event.seconds or 0.0)
            return
        try:
            self._arrived.emit(event)
        except RuntimeError:  # the window, and this object with it, is already gone
            log.debug("sound event after the dashboard closed: %s", event)

    def _on_event(self, event: SoundEvent) -> None:
        if event.kind in ("available", "restored"):
            self._available, self._problem = True, None
            if self._reported is False:
                self.restored.emit()
            self._reported = True
        elif event.kind in ("unavailable", "failed"):
            changed = self._reported is not False or event.text != self._problem
            self._available, self._problem, self._reported = False, event.text, False
            if changed:
                self.unavailable.emit(event.text)


__all__ = ["Annunciator", "SupervisedSound"]
