"""Alarm sound: the IEC 60601-1-8 burst for the priority the engine asks for, repeated.

The presenter calls :meth:`AlarmSound.play` with ``engine.should_sound()`` about
four times a second; only a change of priority changes what is heard, so the
rhythm is not restarted by every call. A new priority sounds at once; ``None``
silences at once (acknowledge, audio pause). Bursts come from
``monitor.alarms.tones`` and repeat every ``tones.burst_period_s`` (high 10 s,
medium 20 s, low 30 s).

Sound is played through Qt Multimedia (``QAudioSink`` fed from an in-memory
``QBuffer``; the module is in the PySide6-Addons wheel). When it cannot play,
because Qt Multimedia does not load, there is no output device, the device
refuses the format or playing fails, :attr:`AlarmSound.available` is False and
:attr:`AlarmSound.unavailable` is emitted with a sentence for the nurse. The
composition root routes that to ``engine.on_audio(False, message)``: a
permanent technical alarm, so the dashboard never stays silent without saying
so (issue 5). :attr:`AlarmSound.restored` says sound works again (a device was
plugged in). Nothing here raises: a missing sound system must never stop the
dashboard.

What this cannot see: the system mixer's volume and mute, and a speaker that is
switched off. docs/alarms.md should say so and recommend a dedicated speaker
(reference §1.3.3).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QTimer, Signal

from monitor.alarms import tones
from monitor.alarms.model import Priority

log = logging.getLogger(__name__)

SAMPLE_RATE = 44100
MIN_SAMPLE_RATE = 16000  # below this the tone loses the harmonics Table 4 asks for
WATCH_THE_SCREEN = "Watch the screen."


class AudioUnavailable(Exception):
    """An output cannot play; ``str()`` says why, in words for the nurse."""


class Output(Protocol):
    """Where bursts go. ``play`` gets mono 16-bit samples at ``sample_rate``."""

    sample_rate: int
    description: str

    def play(self, samples: np.ndarray) -> None: ...

    def stop(self) -> None: ...


# (report a failure while playing, Qt parent) -> an output; raises AudioUnavailable
OutputFactory = Callable[[Callable[[str], None], QObject], Output]


def unavailable_text(reason: str) -> str:
    """The sentence shown in the AUDIO_UNAVAILABLE alarm."""
    return f"No alarm sound: {reason}. {WATCH_THE_SCREEN}"


def encode(samples: np.ndarray, sample_format: str, channels: int) -> bytes:
    """Mono int16 samples as the device wants them: "Int16", "Int32", "Float" or "UInt8"."""
    mono = np.asarray(samples, dtype=np.int16)
    if sample_format == "Int16":
        out: np.ndarray = mono
    elif sample_format == "Int32":
        out = mono.astype(np.int32) << 16
    elif sample_format == "Float":
        out = mono.astype(np.float32) / 32768.0
    elif sample_format == "UInt8":
        out = ((mono.astype(np.int32) >> 8) + 128).astype(np.uint8)
    else:
        raise AudioUnavailable(f"the audio device wants samples as {sample_format}")
    if channels > 1:
        out = np.repeat(out, channels)  # interleaved: the same sound in every channel
    return out.astype(out.dtype.newbyteorder("<")).tobytes()


class QtOutput:
    """Plays a burst through the default output device with a QAudioSink (pull mode)."""

    def __init__(self, on_failure: Callable[[str], None], parent: QObject) -> None:
        qm = load_multimedia()
        device = qm.QMediaDevices.defaultAudioOutput()
        if device.isNull():
            raise AudioUnavailable("no audio output device")
        fmt = qm.QAudioFormat()
        fmt.setSampleRate(SAMPLE_RATE)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(qm.QAudioFormat.SampleFormat.Int16)
        if not device.isFormatSupported(fmt):
            fmt = device.preferredFormat()
        self.sample_format = fmt.sampleFormat().name
        self.channels = max(1, fmt.channelCount())
        self.sample_rate = fmt.sampleRate()
        if self.sample_rate < MIN_SAMPLE_RATE or self.sample_format not in ("Int16", "Int32", "Float", "UInt8"):
            raise AudioUnavailable(
                f"the audio device {device.description()!r} cannot play the alarm tone "
                f"({self.sample_rate} Hz, {self.sample_format})"
            )
        self.description = device.description()
        self._errors = getattr(qm, "QtAudio", None) or qm.QAudio
        self._on_failure = on_failure
        self._sink = qm.QAudioSink(device, fmt, parent)
        self._sink.setVolume(1.0)  # the app's own level; the system mixer is outside its reach
        # stateChanged carries a QtAudio::State that PySide6 6.11 cannot convert for a Python
        # slot, so errors are polled while a burst plays instead.
        self._watch = QTimer(parent)
        self._watch.setInterval(250)
        self._watch.timeout.connect(self._check_error)
        self._buffer: QBuffer | None = None

    def play(self, samples: np.ndarray) -> None:
        self.stop()
        buffer = QBuffer(self._sink)
        buffer.setData(QByteArray(encode(samples, self.sample_format, self.channels)))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._buffer = buffer
        self._sink.start(buffer)
        self._watch.start()
        self._check_error()

    def stop(self) -> None:
        self._watch.stop()
        self._sink.stop()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
            self._buffer = None

    def close(self) -> None:
        """Give the device back (when it failed or another one is chosen)."""
        self.stop()
        self._watch.deleteLater()
        self._sink.deleteLater()

    def _check_error(self) -> None:
        error = self._sink.error()
        fine = (self._errors.Error.NoError, self._errors.Error.UnderrunError)  # underrun: the burst ended
        if error not in fine:
            self._watch.stop()
            self._on_failure(f"playing failed on {self.description!r} ({getattr(error, 'name', error)})")
        elif self._sink.state() in (self._errors.State.IdleState, self._errors.State.StoppedState):
            self._watch.stop()  # the burst is over


def load_multimedia() -> Any:
    """PySide6.QtMultimedia, or AudioUnavailable saying why it cannot load."""
    try:
        return importlib.import_module("PySide6.QtMultimedia")
    except Exception as exc:  # ImportError, or a missing system library (libpulse) surfacing as OSError
        detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise AudioUnavailable(f"Qt Multimedia cannot load ({detail})") from exc


def qt_output(on_failure: Callable[[str], None], parent: QObject) -> Output:
    return QtOutput(on_failure, parent)


class AlarmSound(QObject):
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
        self._factory = output_factory or qt_output
        self._output: Output | None = None
        self._problem: str | None = None
        self._reported: bool | None = None  # the availability last signalled (None: nothing yet)
        self._priority: Priority | None = None
        self._bursts: dict[tuple[Priority, int], np.ndarray] = {}
        self.repeat_timer = QTimer(self)
        self.repeat_timer.timeout.connect(self._next_burst)
        self._devices: Any = None
        if watch_devices if watch_devices is not None else output_factory is None:
            self._watch_devices()
        self._open()

    # -- what the presenter and the composition root use ------------------------------------

    @property
    def available(self) -> bool:
        return self._output is not None

    @property
    def problem(self) -> str | None:
        """Why sound cannot play (the text ``unavailable`` carried), or None."""
        return self._problem

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
        wanted = _priority(priority)
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
        except Exception as exc:  # never let the sound layer take the dashboard down
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

    def _watch_devices(self) -> None:
        """Re-open the output when devices come and go (a USB speaker plugged in or out)."""
        try:
            qm = load_multimedia()
            self._devices = qm.QMediaDevices(self)
            self._devices.audioOutputsChanged.connect(self._devices_changed)
        except Exception:  # noqa: BLE001 - _open reports the same failure
            self._devices = None  # reported through _open, which fails the same way

    def _devices_changed(self) -> None:
        log.info("alarm sound: audio outputs changed")
        self._drop_output()
        self._open()
        self._announce()
        if self._output is not None and self._priority is not None:
            self._burst()


def _priority(priority: object) -> Priority | None:
    if priority is None:
        return None
    if isinstance(priority, Priority):
        return priority
    return Priority(str(getattr(priority, "value", priority)).lower())


__all__ = ["AlarmSound", "AudioUnavailable", "Output", "QtOutput", "encode", "unavailable_text"]
