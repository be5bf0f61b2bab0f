"""The sound card, through Qt Multimedia: runs only in the sound process (``ui.sound.child``).

``QAudioSink`` fed from an in-memory ``QBuffer`` (the module is in the
PySide6-Addons wheel). Qt Multimedia loads the system's sound libraries
(libpulse, PipeWire) into the process, and a crash of the sound server can end
the process through them: that is why this module is imported by the child
only, never by the dashboard (tests/test_sound_process.py checks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QTimer

from ui.sound.output import AudioUnavailable, Output

SAMPLE_RATE = 44100
MIN_SAMPLE_RATE = 16000  # below this the tone loses the harmonics Table 4 asks for


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
    """PySide6.QtMultimedia, or AudioUnavailable saying why it cannot load.

    A plain import statement, so a PyInstaller bundle sees that the module is needed.
    """
    try:
        import PySide6.QtMultimedia as qm
    except Exception as exc:  # ImportError, or a missing system library (libpulse) surfacing as OSError
        detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise AudioUnavailable(f"Qt Multimedia cannot load ({detail})") from exc
    return qm


def qt_output(on_failure: Callable[[str], None], parent: QObject) -> Output:
    return QtOutput(on_failure, parent)


def watch_devices(parent: QObject, changed: Callable[[], None]) -> object | None:
    """Call ``changed`` when audio outputs come and go (a USB speaker plugged in or out)."""
    try:
        devices = load_multimedia().QMediaDevices(parent)
        devices.audioOutputsChanged.connect(changed)
    except Exception:  # noqa: BLE001 - opening the output reports the same failure
        return None
    return devices


__all__ = ["SAMPLE_RATE", "QtOutput", "encode", "load_multimedia", "qt_output", "watch_devices"]
