"""The dashboard for a bed that ``main.py`` built: ``main.py`` calls :func:`run_live` and nothing else does.

It makes the QApplication and, for one bed, the window and the alarm presenter,
and connects them: the bed's events arrive through the bridge, the nurse's
actions go to the bed's commands. What is recorded and how alarms are judged is
the bed's business (``monitor/bed.py``), and what sounds is the annunciator's,
which follows the bed on the bed's thread (``ui/sound/annunciator.py``): the GUI
thread only sends it the display's heartbeat. Nothing here decides either.

The program ends the same way whether the window is closed or a stop signal
comes (SIGTERM, SIGINT, SIGHUP; ``ui/shutdown.py``): the session is recorded as
ended with the reason, the bed is stopped (the driver's goodbye to the monitor)
and the sound process ends.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QMessageBox

from monitor.alarms import StartCheck
from monitor.bed import Bed
from monitor.core import RecordingStatus
from monitor.latest import LatestValues
from monitor.session import Phase, SessionError
from monitor.trends import TrendStore
from ui.alarm_dialogs import confirm_start_despite
from ui.alarm_presenter import AlarmPresenter
from ui.app_identity import set_app_identity
from ui.bridge import EventBridge
from ui.dashboard.connection_dialog import choose_connection
from ui.dashboard.window import DashboardWindow
from ui.presets import Preset
from ui.shutdown import QuitOnRequest
from ui.sound.adapter import DisplayHeartbeat
from ui.sound.annunciator import Annunciator
from ui.treatment_presenter import TreatmentPresenter

log = logging.getLogger(__name__)
# glibc's mallopt() parameters (<malloc.h>) and the size from which a buffer gets its own mapping.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
OWN_MAPPING_BYTES = 512 * 1024


class BedView(QObject):
    """One bed on screen: its window and alarm presenter, fed by the bed's events.

    The bed hands its events to the bridge on the bed's thread; Qt queues them to
    the GUI thread. The view reads the bed's state and forwards the nurse's
    actions to the bed's commands, which record what they cause.
    """

    def __init__(self, bed: Bed, theme: str | None = None, settings=None, *,
                 bridge: EventBridge | None = None) -> None:
        """``bridge``: the bed's events as the caller already receives them (a room listens to each
        chair from the start, builds its dashboard later and hands it what came before,
        :meth:`catch_up`); by default the view subscribes its own bridge when it starts."""
        super().__init__()
        self.bed = bed
        config = bed.config
        self._own_bridge = bridge is None
        self.bridge = bridge or EventBridge(self)
        self.window = DashboardWindow(
            LatestValues(), TrendStore(), bed.session, bed.clock.now, theme, config.patient_id,
            f"{config.protocol} · {config.port}", simulated=config.simulated, settings=settings,
        )
        self.presenter = AlarmPresenter(bed.alarms, self.window)
        self.treatment = TreatmentPresenter(bed.treatment, bed.session, self.window, bed.clock.now)
        self._unsubscribe: Callable[[], None] | None = None
        self.setParent(self.window)

    def start(self) -> None:
        """Connect the signals, subscribe to the bed and start it."""
        window, bed = self.window, self.bed
        self.bridge.event.connect(window.on_event)
        self.bridge.event.connect(self._on_bed_event)
        self.bridge.event.connect(self.treatment.on_event)
        window.set_recording(self._recording_text(), ok=bed.recorder is not None)
        window.start_infusion_requested.connect(self._start_infusion)
        window.stop_infusion_requested.connect(lambda: self._session_action(bed.session.stop_infusion))
        window.end_session_requested.connect(lambda: self._session_action(bed.session.end_session))
        window.annotation_requested.connect(
            lambda text, kind: self._session_action(lambda: bed.session.annotate(text, kind))
        )
        window.acknowledge_requested.connect(lambda: self.presenter.acknowledge())
        window.audio_pause_requested.connect(lambda: self.presenter.pause_audio())
        window.limits_requested.connect(lambda: self.presenter.limits_dialog().exec())
        if self._own_bridge:
            self._unsubscribe = bed.subscribe(self.bridge.event.emit)
        self.presenter.start()
        bed.start()

    def stop(self) -> None:
        """Stop showing and listening (the bed is stopped by whoever built it)."""
        self.presenter.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def catch_up(self, events: Iterable[object]) -> None:
        """The bed's events from before this view existed, in order (GUI thread), as if just arrived."""
        for event in events:
            self.window.on_event(event)
            self._on_bed_event(event)
            self.treatment.on_event(event)

    # -- GUI thread ------------------------------------------------------------------------
    def _on_bed_event(self, event: object) -> None:
        if isinstance(event, RecordingStatus):
            if event.failed:
                self.window.set_recording(f"NOT RECORDING: {event.message}", ok=False)
            else:
                self.window.set_recording(self._recording_text(), ok=True)

    def _start_infusion(self) -> None:
        """The pre-start check: a high baseline BP needs the nurse's explicit, logged confirmation."""
        def ask(check: StartCheck, systolic: float | None, diastolic: float | None) -> bool:
            return confirm_start_despite(check, systolic, diastolic, parent=self.window)

        if not self.treatment.before_start():  # the dose plan first, when none is confirmed
            self.window.show_notice("Infusion not started.")
            return
        try:
            if self.bed.session.start_infusion(ask) is None:
                self.window.show_notice("Infusion not started.")
            else:
                self.treatment.after_start()
        except SessionError as exc:
            self.window.show_notice(str(exc))

    def _session_action(self, action: Callable[[], object]) -> None:
        try:
            action()
        except SessionError as exc:
            self.window.show_notice(str(exc))

    def _recording_text(self) -> str:
        if self.bed.recorder is None:
            return "NOT RECORDING"
        return f"Recording  {self.bed.recorder.path.name}"


def show_bed(bed: Bed, theme: str | None = None, settings=None) -> BedView:
    """The dashboard for ``bed``, started (and the bed with it)."""
    if bed.recording_error is not None:
        QMessageBox.critical(None, "Cannot record this session",
                             f"{bed.recording_error}\n\nMonitoring continues without a recording.")
    view = BedView(bed, theme, settings)
    view.start()
    return view


def end_reason(bed: Bed, why: str | None) -> str:
    """What the recording says: the nurse ended the session, or the program was closed (how)."""
    if bed.session.phase is Phase.ENDED:
        return "ended normally"
    return why or "program closed (window closed)"


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


def start_program(annunciator: Annunciator, on_stop_signals: Callable[[Callable[[str], object]], None]
                  ) -> tuple[QApplication, QuitOnRequest, DisplayHeartbeat]:
    """What every dashboard (a bedside's, a room's) starts with: the application (its memory
    kept flat), the stop signals turned into a quit with its reason, the sound process and
    the display's heartbeat to it."""
    keep_large_buffers_out_of_the_heap()  # before Qt allocates its first image
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Infusion Room Monitor")
    set_app_identity(app)
    quit_on = QuitOnRequest(app)
    on_stop_signals(quit_on.request)
    annunciator.start()
    heartbeat = DisplayHeartbeat(annunciator.heartbeat, app)
    heartbeat.start()
    return app, quit_on, heartbeat


def run_live(
    bed: Bed | None,
    open_bed: Callable[[str, str], Bed],
    theme: str | None,
    list_ports: Callable,
    annunciator: Annunciator,
    on_stop_signals: Callable[[Callable[[str], object]], None],
    *,
    presets: Mapping[str, Preset] | None = None,
    notice: str = "",
) -> int:
    """Show ``bed`` (built by ``main.py``); without one, ask for the port first (remembered
    between runs) and have ``open_bed(port, protocol)``, the composition root's, build it.
    ``annunciator`` sounds the bed's alarms; ``on_stop_signals(request)`` has the stop
    signals call ``request(reason)``. The bed is stopped and the sound process ended when
    the window closes or a stop signal comes. ``presets``: what the clinic's settings fix
    ("protocol" for the dialog, "theme" when locked); ``notice``: shown once the window is up."""
    presets = presets or {}
    unfollow: Callable[[], None] | None = None
    quit_on: QuitOnRequest | None = None
    try:
        app, quit_on, heartbeat = start_program(annunciator, on_stop_signals)
        if bed is None:
            choice = choose_connection(list_ports, protocol_preset=presets.get("protocol"))
            if choice is None or quit_on.reason is not None:
                return 0  # the nurse cancelled, or a signal came: nothing was started
            bed = open_bed(*choice)
        unfollow = annunciator.follow(bed)
        view = show_bed(bed, theme)
        _apply_presets(view.window, presets, notice)
        view.window.show()
        try:
            return app.exec()
        finally:
            heartbeat.stop()
            view.window.save_state()
            view.stop()
    finally:
        # the sound (and its display watchdog) first: the heartbeat has stopped, and stopping the
        # bed takes a moment that the watchdog would report as a frozen display
        if unfollow is not None:
            unfollow()
        annunciator.close()
        if bed is not None:
            bed.stop(end_reason(bed, quit_on.reason if quit_on else None))
        if quit_on is not None:
            quit_on.close()


def _apply_presets(window: DashboardWindow, presets: Mapping[str, Preset], notice: str) -> None:
    theme = presets.get("theme")
    if theme is not None and theme.locked_by:
        window.lock_theme(theme.locked_by)
    if notice:
        window.show_notice(notice)
