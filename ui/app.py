"""Builds the Qt side of ``infusion-monitor live`` from objects main.py hands it."""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QMessageBox

from monitor.clock import Clock
from monitor.latest import LatestValues
from monitor.readings import DeviceStatus
from monitor.recording import RecordingError, SessionRecorder
from ui.bridge import EventBridge
from ui.live_values import LiveValuesWindow


class LiveSession:
    """The running pieces of one live session, and their orderly shutdown."""

    def __init__(self, clock: Clock, bridge: EventBridge) -> None:
        self._clock = clock
        self._bridge = bridge
        self.recorder: SessionRecorder | None = None
        self.driver = None
        self.simulator = None

    def sink(self, event: object) -> None:
        """Driver thread: record first, then hand to the display."""
        if self.recorder is not None:
            self.recorder.add((self._clock.now(), event) if isinstance(event, DeviceStatus) else event)
        self._bridge.event.emit(event)

    def stop(self) -> None:
        if self.driver is not None:
            self.driver.stop()
        if self.simulator is not None:
            self.simulator.stop()
        if self.recorder is not None:
            self.recorder.close()


def start_live_session(
    clock: Clock,
    connect: Callable,
    recorder_factory: Callable[..., SessionRecorder],
    window: LiveValuesWindow,
    bridge: EventBridge,
) -> LiveSession:
    """Connect (which may fail with a clear message) before creating the recording."""
    session = LiveSession(clock, bridge)
    session.driver, session.simulator = connect(session.sink)
    bridge.event.connect(window.on_event)
    bridge.recording_failed.connect(lambda message: window.set_recording(f"● NOT RECORDING: {message}", ok=False))
    bridge.recording_recovered.connect(lambda: window.set_recording("● Recording", ok=True))
    try:
        session.recorder = recorder_factory(bridge.recording_failed.emit, bridge.recording_recovered.emit)
        window.set_recording(f"● Recording to {session.recorder.path.name}", ok=True)
    except RecordingError as exc:
        window.set_recording("● NOT RECORDING", ok=False)
        QMessageBox.critical(window, "Cannot record this session", f"{exc}\n\nMonitoring continues without a recording.")
    session.driver.start()
    return session


def run_live_window(clock: Clock, connect: Callable, recorder_factory: Callable[..., SessionRecorder], title: str) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Infusion Room Monitor")
    bridge = EventBridge()
    window = LiveValuesWindow(LatestValues(), clock.now, title)
    session = start_live_session(clock, connect, recorder_factory, window, bridge)
    window.resize(1280, 720)
    window.show()
    try:
        return app.exec()
    finally:
        session.stop()
