"""The Qt half of the composition root: ``main.py`` calls :func:`run_live` and nothing else does.

It builds the window and the objects that live on the GUI thread, and connects
them: driver events arrive through the bridge, user actions go to the session
model, everything that matters is written to the recording.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from monitor.alarms import (
    DEFAULT_PROFILE,
    AlarmEngine,
    Profile,
    StartDecision,
    check_start,
    load_profile,
)
from monitor.clock import Clock
from monitor.core import ArrivalClock, DisplayStatus, MonitoringCore, OperatorAction, RecordingStatus
from monitor.latest import LatestValues
from monitor.readings import DeviceStatus, LinkEvent, Parameter, Reading
from monitor.recording import RecordingError, SessionRecorder
from monitor.session import InfusionSession, SessionError
from monitor.trends import TrendStore
from ui.alarm_dialogs import confirm_start_despite
from ui.alarm_presenter import AlarmPresenter
from ui.bridge import EventBridge
from ui.dashboard.connection_dialog import choose_connection
from ui.dashboard.window import DashboardWindow
from ui.sound.adapter import SupervisedSound

log = logging.getLogger(__name__)
TICK_MS = 500  # alarm timers and the scenario timeline; readings themselves are pushed
# glibc's mallopt() parameters (<malloc.h>) and the size from which a buffer gets its own mapping.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
OWN_MAPPING_BYTES = 512 * 1024


@dataclass(frozen=True)
class LiveOptions:
    port: str | None  # None: ask with the connection dialog
    protocol: str | None
    patient_id: str
    planned_infusion_s: float
    theme: str | None = None
    profile: Profile | None = None  # None: the built-in default


class LiveSession(QObject):
    """The running pieces of one live session and their orderly shutdown."""

    def __init__(self, clock: Clock, bridge: EventBridge) -> None:
        super().__init__()
        self._clock = clock
        self._bridge = bridge
        self.recorder: SessionRecorder | None = None
        self.driver = None
        self.simulator = None
        self.core: MonitoringCore | None = None
        self.window: DashboardWindow | None = None
        self.presenter: AlarmPresenter | None = None
        self.sound: SupervisedSound | None = None
        self._scenario_s = 0.0

    @property
    def session(self) -> InfusionSession:
        return self.core.session

    def sink(self, event: object) -> None:
        """Driver thread: record what was measured first, then hand everything to the GUI thread."""
        if isinstance(event, Reading | LinkEvent):
            self.record(event)
        elif isinstance(event, DeviceStatus):
            self.record((self._clock.now(), event))
        self.core.post(event)  # judged at this moment even if the GUI thread is held up
        self._bridge.event.emit(event)

    def record(self, item: object) -> None:
        if self.recorder is not None:
            self.recorder.add(item)

    def clock_now(self) -> datetime:
        return self._clock.now()

    def on_event(self, event: object) -> None:
        """GUI thread: the session model and the alarm engine see every driver event posted so far."""
        self.core.process()

    def on_recording(self, failed: bool, message: str = "") -> None:
        self.core.post(RecordingStatus(failed, message))
        self.core.process()

    def tick(self) -> None:
        self.core.tick()
        self.follow_scenario()

    def follow_scenario(self) -> None:
        """For ``sim:`` ports the scenario's own timeline starts and stops the infusion."""
        run = getattr(self.simulator, "scenario_run", None)
        if run is None:
            return
        now_s = (self._clock.now() - run.start).total_seconds()
        if now_s > self._scenario_s:
            self.session.apply_scenario_events(run.events_between(self._scenario_s, now_s))
            self._scenario_s = now_s

    def stop(self, end_reason: str) -> None:
        if self.presenter is not None:
            self.presenter.stop()
        if self.sound is not None:
            self.sound.close()  # the sound process ends with the session
        if self.driver is not None:
            self.driver.stop()
        if self.simulator is not None:
            self.simulator.stop()
        if self.recorder is not None:
            self.recorder.close(end_reason)


def _start_infusion(live: LiveSession, window: DashboardWindow) -> None:
    """The pre-start check: a high baseline BP needs the nurse's explicit, logged confirmation."""
    baseline = live.session.baseline()
    systolic, diastolic = baseline.get(Parameter.NIBP_SYS), baseline.get(Parameter.NIBP_DIA)
    check = check_start(live.core.engine.profile.start, systolic, diastolic)
    if not confirm_start_despite(check, systolic, diastolic, parent=window):
        window.show_notice("Infusion not started.")
        return
    if check.decision is not StartDecision.OK:
        live.record(OperatorAction(live.clock_now(), "start_confirmed_despite_" + check.decision.value,
                                   {"message": check.message, "systolic": systolic, "diastolic": diastolic}))
    _session_action(window, live.session.start_infusion)


def _session_action(window: DashboardWindow, action: Callable[[], object]) -> None:
    try:
        action()
    except SessionError as exc:
        window.show_notice(str(exc))


def build_live(
    options: LiveOptions,
    clock: Clock,
    connect: Callable,
    recorder_factory: Callable[..., SessionRecorder],
    settings=None,
) -> tuple[LiveSession, DashboardWindow]:
    """Connect (which may fail with a clear message) before creating the recording."""
    bridge = EventBridge()
    live = LiveSession(clock, bridge)
    live.driver, live.simulator = connect(live.sink)
    try:
        live.recorder = recorder_factory(bridge.recording_failed.emit, bridge.recording_recovered.emit)
    except RecordingError as exc:
        QMessageBox.critical(None, "Cannot record this session", f"{exc}\n\nMonitoring continues without a recording.")
    arrival = ArrivalClock(clock)
    engine = AlarmEngine(options.profile or load_profile(DEFAULT_PROFILE), arrival)
    live.core = MonitoringCore(
        lambda on_event: InfusionSession(clock, options.planned_infusion_s, on_event=on_event), engine, live.record,
        arrival,
    )
    window = DashboardWindow(
        LatestValues(), TrendStore(), live.session, clock.now, options.theme, options.patient_id,
        f"{options.protocol} · {options.port}", simulated=options.port.startswith("sim:"), settings=settings,
    )
    live.window = window
    _connect_signals(live, bridge, window)
    live.setParent(window)
    return live, window


def _connect_signals(live: LiveSession, bridge: EventBridge, window: DashboardWindow) -> None:
    bridge.event.connect(window.on_event)
    bridge.event.connect(live.on_event)
    bridge.recording_failed.connect(lambda message: window.set_recording(f"NOT RECORDING: {message}", ok=False))
    bridge.recording_recovered.connect(lambda: window.set_recording(_recording_text(live), ok=True))
    bridge.recording_failed.connect(lambda message: live.on_recording(True, message))
    bridge.recording_recovered.connect(lambda: live.on_recording(False))
    window.set_recording(_recording_text(live), ok=live.recorder is not None)
    session = live.session
    window.start_infusion_requested.connect(lambda: _start_infusion(live, window))
    window.stop_infusion_requested.connect(lambda: _session_action(window, session.stop_infusion))
    window.end_session_requested.connect(lambda: _session_action(window, session.end_session))
    window.annotation_requested.connect(
        lambda text, kind: _session_action(window, lambda: session.annotate(text, kind))
    )
    _connect_alarm_signals(live, window)
    timer = QTimer(live, interval=TICK_MS)
    timer.timeout.connect(live.tick)
    timer.start()
    live.driver.start()


def _connect_alarm_signals(live: LiveSession, window: DashboardWindow) -> None:
    """Sound, alarm bar, flashing tiles and the nurse's alarm actions; all logged."""
    core = live.core
    # the sound process's display watchdog reports from a thread of its own: core.post takes any thread
    sound = SupervisedSound(window, on_display=lambda frozen, seconds: core.post(DisplayStatus(frozen, seconds)))
    sound.unavailable.connect(lambda message: core.on_audio(False, message))
    sound.restored.connect(lambda: core.on_audio(True))
    presenter = AlarmPresenter(core.engine, window, sound)
    window.acknowledge_requested.connect(lambda: core.keep(presenter.acknowledge()))
    window.audio_pause_requested.connect(lambda: core.keep(presenter.pause_audio()))
    window.limits_requested.connect(lambda: presenter.limits_dialog(on_events=core.keep).exec())
    sound.check()
    presenter.start()
    live.presenter, live.sound = presenter, sound


def _recording_text(live: LiveSession) -> str:
    if live.recorder is None:
        return "NOT RECORDING"
    return f"Recording  {live.recorder.path.name}"


def keep_large_buffers_out_of_the_heap() -> bool:
    """Never grow the heap for a buffer of :data:`OWN_MAPPING_BYTES` or more: give it its own mapping.

    (glibc still reuses free heap space that fits such a buffer; what it no longer does
    is extend the heap for one.)

    Why: the dashboard runs for hours, and Qt re-creates its large buffers as the view
    changes: the window's backing store (about 6 MB), the chart's cached background and
    axes (1.2-1.8 MB each, a new size whenever the axis labels change). glibc first gives
    such buffers their own mapping, returned to the system when freed, but its *dynamic*
    threshold rises to the size of the first one freed, and from then on they are carved
    out of the main heap instead. There they leave holes that smaller, long-lived objects
    settle above, so the heap keeps its high-water mark: measured, the main heap grew by
    1-4 MB at a random moment of an 8-hour session and never shrank. A fixed threshold
    (glibc's ``mallopt``, as ``MALLOC_MMAP_THRESHOLD_`` would set it) keeps the heap's growth for
    small objects; the cost is one mmap/munmap per large buffer, and Qt re-creates them only
    when the view changes (measured: about one every three seconds at 150x speed).
    The trim threshold is fixed at twice that, glibc's own ratio, so a freed top of the
    heap is returned without trimming on every paint.
    Linux with glibc only; elsewhere (or if it fails) nothing changes. Returns whether it was set.
    """
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION") if sys.platform.startswith("linux") else None
        glibc = (libc or "").startswith("glibc")
        mallopt = ctypes.CDLL(None).mallopt if glibc else None  # the C library Python allocates with
    except (OSError, ValueError, AttributeError):  # no such confstr name, no such function
        mallopt = None
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    done = (mallopt(M_MMAP_THRESHOLD, OWN_MAPPING_BYTES) == 1
            and mallopt(M_TRIM_THRESHOLD, 2 * OWN_MAPPING_BYTES) == 1)
    if not done:
        log.warning("could not set the allocator's thresholds; memory use may creep up over a session")
    return done


def run_live(
    options: LiveOptions,
    clock: Clock,
    connect_to: Callable[[str, str], Callable],
    recorder_factory: Callable[[str, str, datetime], Callable[..., SessionRecorder]],
    list_ports: Callable,
) -> int:
    """Open the dashboard; with no port given, ask for one first (remembered between runs)."""
    keep_large_buffers_out_of_the_heap()  # before Qt allocates its first image
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Infusion Room Monitor")
    if options.port is None:
        choice = choose_connection(list_ports)
        if choice is None:
            return 0  # the nurse cancelled: nothing was started
        options = replace(options, port=choice[0], protocol=choice[1])
    protocol = options.protocol or "datex"
    options = replace(options, protocol=protocol)
    live, window = build_live(
        options, clock, connect_to(options.port, protocol), recorder_factory(options.port, protocol, clock.now())
    )
    window.show()
    try:
        return app.exec()
    finally:
        window.save_state()
        live.stop("ended normally" if live.session.phase.value == "ended" else "program closed")
