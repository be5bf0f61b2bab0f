"""Repeats the IEC 60601-1-8 burst of one priority on an output: the sound process's core.

:meth:`BurstPlayer.play` gets the priority to sound; only a change of priority
changes what is heard, so the rhythm is not restarted by every call. A new
priority sounds at once; ``None`` silences at once (acknowledge, audio pause).
Bursts come from ``monitor.alarms.tones`` and repeat every
``tones.burst_period_s`` (high 10 s, medium 20 s, low 30 s).

When the output cannot play, because Qt Multimedia does not load, there is no
output device, the device refuses the format or playing fails,
:attr:`BurstPlayer.available` is False and :attr:`BurstPlayer.unavailable` is
emitted with a sentence for the nurse; :attr:`BurstPlayer.restored` says sound
works again (a device was plugged in). The sound process reports both to the
dashboard, which raises or ends the AUDIO_UNAVAILABLE technical alarm. Nothing
here raises.

What this cannot see: the system mixer's volume and mute, and a speaker that is
switched off (docs/alarms.md discloses it and recommends a dedicated speaker,
reference §1.3.3).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from monitor.alarms import tones
from monitor.alarms.model import Priority
from ui.sound.output import AudioUnavailable, Output, OutputFactory
from ui.sound.protocol import priority_name, unavailable_text

log = logging.getLogger(__name__)


def default_output(on_failure: Callable[[str], None], parent: QObject) -> Output:
    from ui.sound.qt_output import qt_output  # the audio stack loads only when it is used

    return qt_output(on_failure, parent)


class BurstPlayer(QObject):
    """Plays the burst of one priority, repeating, or nothing.

    Wire ``unavailable`` and ``restored`` first, then call :meth:`check`; the
    first :meth:`play` checks too, so unavailability is reported at the latest
    then. Each signal is emitted once per change, not on every call.
    """

    unavailable = Signal(str)  # a sentence for the AUDIO_UNAVAILABLE alarm
    restored = Signal()  # sound can play again after it was reported unavailable

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        output_factory: OutputFactory | None = None,
        watch_devices: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory = output_factory or default_output
        self._output: Output | None = None
        self._problem: str | None = None
        self._reported: bool | None = None  # the availability last signalled (None: nothing yet)
        self._priority: Priority | None = None
        self._bursts: dict[tuple[Priority, int], np.ndarray] = {}
        self.repeat_timer = QTimer(self)
        self.repeat_timer.timeout.connect(self._next_burst)
        self._devices: object | None = None
        if watch_devices if watch_devices is not None else output_factory is None:
            from ui.sound.qt_output import watch_devices as watch

            self._devices = watch(self, self._devices_changed)
        self._open()

    # -- what the sound process uses ----------------------------------------------------------

    @property
    def available(self) -> bool:
        return self._output is not None

    @property
    def problem(self) -> str | None:
        """Why sound cannot play (the text ``unavailable`` carried), or None."""
        return self._problem

    @property
    def description(self) -> str:
        """The output's name while it can play."""
        return getattr(self._output, "description", "")

    @property
    def playing(self) -> Priority | None:
        """The priority whose bursts are being repeated (even if the device failed)."""
        return self._priority

    @property
    def repeat_interval_ms(self) -> int:
        return self.repeat_timer.interval() if self.repeat_timer.isActive() else 0

    def check(self) -> bool:
        """Try to open the output if it is not open; signal a change. True when sound can play."""
        if self._output is None:
            self._open()
        self._announce()
        return self._output is not None

    def play(self, priority: object) -> None:
        """Repeat the burst of ``priority`` ("high" | "medium" | "low" or a Priority), None: silence."""
        name = priority_name(priority)
        wanted = None if name is None else Priority(name)
        if self._reported is None:
            self.check()
        if wanted == self._priority:
            return
        self._priority = wanted
        self.repeat_timer.stop()
        self._stop_output()
        if wanted is None:
            return
        self.repeat_timer.start(round(tones.burst_period_s(wanted) * 1000))
        self._burst()

    def stop(self) -> None:
        self.play(None)

    # -- inside -------------------------------------------------------------------------------------

    def _next_burst(self) -> None:
        if self._output is None:
            self.check()  # a device may have come back: try again at every burst
        self._burst()

    def _burst(self) -> None:
        output, priority = self._output, self._priority
        if output is None or priority is None:
            return
        key = (priority, output.sample_rate)
        samples = self._bursts.get(key)
        try:
            if samples is None:
                samples = self._bursts[key] = tones.burst(priority, output.sample_rate)
            output.play(samples)
        except Exception as exc:  # never let the sound layer stop the alarm loop
            log.exception("alarm sound: playing failed")
            self._fail(str(exc) if isinstance(exc, AudioUnavailable) else f"playing failed ({exc})")

    def _open(self) -> None:
        try:
            self._output = self._factory(self._fail_later, self)
            self._problem = None
            log.info("alarm sound plays on %s", getattr(self._output, "description", "?"))
        except Exception as exc:  # noqa: BLE001 - any failure means no sound, and is reported as such
            self._output = None
            reason = str(exc) if isinstance(exc, AudioUnavailable) else f"the sound system failed ({exc})"
            problem = unavailable_text(reason)
            # retried at every burst while unavailable: say it once, not every 10 s
            (log.debug if problem == self._problem else log.warning)("alarm sound unavailable: %s", problem)
            self._problem = problem

    def _fail(self, reason: str) -> None:
        self._drop_output()
        self._problem = unavailable_text(reason)
        log.error("alarm sound unavailable: %s", self._problem)
        self._announce()

    def _drop_output(self) -> None:
        self._stop_output()
        close = getattr(self._output, "close", None)
        if close is not None:
            try:
                close()
            except Exception:
                log.exception("alarm sound: closing the output failed")
        self._output = None

    def _fail_later(self, reason: str) -> None:
        """From the output's own signals: leave its slot before dropping it."""
        QTimer.singleShot(0, self, lambda: self._fail(reason) if self._output is not None else None)

    def _stop_output(self) -> None:
        if self._output is not None:
            try:
                self._output.stop()
            except Exception:
                log.exception("alarm sound: stopping failed")

    def _announce(self) -> None:
        now = self._output is not None
        if now == self._reported:
            return
        first, self._reported = self._reported is None, now
        if now:
            if not first:  # "restored" only after an "unavailable"
                self.restored.emit()
            if self._priority is not None and not self.repeat_timer.isActive():
                self.repeat_timer.start(round(tones.burst_period_s(self._priority) * 1000))
        else:
            self.unavailable.emit(self._problem or unavailable_text("unknown reason"))

    def _devices_changed(self) -> None:
        log.info("alarm sound: audio outputs changed")
        self._drop_output()
        self._open()
        self._announce()
        if self._output is not None and self._priority is not None:
            self._burst()


__all__ = ["AudioUnavailable", "BurstPlayer", "Output", "OutputFactory"]
