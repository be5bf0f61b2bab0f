"""A bed: one monitor connection and everything that watches it, as one object.

Why one object: a room of chairs or a central station runs several beds in one
process, each fully independent, and every front end (``record``, the
dashboard, later ones) must get exactly the same alarms and the same recording.
So a bed owns its driver, its session model, its alarm engine (with the
:class:`ArrivalClock`), its treatment record (dose, checks, discharge:
:class:`~monitor.treatment.treatment.Treatment`, fed every reading and ticked with
the engine), its recorder if it has one, the scenario run of a simulated monitor,
and the stream of events views subscribe to. ``main.py``
builds beds; nothing else does.

Threads, and why:

- The driver's thread calls :meth:`Bed.post` (the driver's sink): the event is
  stamped with the instant it arrived and queued. Nothing else happens there, so
  a slow listener never holds up the serial port.
- The bed's own thread takes queued events in order, hands every event worth
  keeping to the listeners (the recording first), then feeds the session model
  and the alarm engine, judged at the instant the event arrived; and it ticks the
  engine about every :data:`TICK_S` of clock time. So alarms are judged when a
  reading arrives, off the GUI thread, for ``record`` and the dashboard alike, and
  a stalled window loses no alarm.
- Any thread may read the bed's state (:attr:`Bed.session`, :attr:`Bed.alarms`, :attr:`Bed.treatment`:
  immutable values) and give it commands, which raise the same errors the
  session model and the engine raise. Every event a command causes is handed to
  the listeners by the bed: no caller has to keep anything.

One re-entrant lock guards the session model, the engine and the hand-out to
listeners, so every listener sees the events in the order the engine made them.
Listeners run on the thread that produced the event, under that lock: they must
be thread-safe and quick (a Qt signal emit, a queue put, ``recorder.add``) and
must never wait for another thread that may call the bed. One that raises is
logged and skipped; the bed and the other listeners go on.

Tests drive a bed without its thread: :meth:`Bed.post`, :meth:`Bed.process_pending`
and :meth:`Bed.tick` with a ManualClock.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import replace

from monitor.alarms import AlarmEngine
from monitor.alarms.model import AlarmEvent
from monitor.bed_config import BedConfig, Connect, Listener, RecorderLike
from monitor.bed_controls import BedAlarms, BedSession
from monitor.bed_treatment import BedTreatment
from monitor.core import ArrivalClock, Instant, MonitoringCore, RecordingStatus
from monitor.readings import DeviceStatus, LinkEvent, Reading
from monitor.session import InfusionSession, TimelineEventLike
from monitor.treatment.discharge import limits_from_profile
from monitor.treatment.profile import load_treatment_profile
from monitor.treatment.scenario import TREATMENT_EVENT_KINDS
from monitor.treatment.treatment import Treatment

__all__ = ["Bed", "BedConfig", "Listener"]

log = logging.getLogger(__name__)

TICK_S = 0.5  # clock seconds between engine ticks: delays, escalation and watchdogs show within this
MIN_WAIT_REAL_S = 0.02  # at a high --speed the ticks come at most this often in real time
STOP_JOIN_S = 5.0
PUBLISHED_ARRIVALS = (Reading, LinkEvent, DeviceStatus, RecordingStatus)  # FrameStats only feed the engine


class Bed:
    """One monitor connection, its session, its alarms, its recording and its event stream."""

    sound_events: tuple[type, ...] = (AlarmEvent,)  # what it should sound changes with its alarms only

    def __init__(self, config: BedConfig, connect: Connect | None = None) -> None:
        """``connect(sink)`` builds the driver (and the simulator of a ``sim:`` port) posting into
        ``sink``; it may raise, and then nothing was started. Without it the bed has no driver
        (tests post events themselves)."""
        self.config = config
        self.name = config.name
        self.clock = config.clock
        self.lock = threading.RLock()
        self._arrival = ArrivalClock(config.clock)
        self._inbox: queue.SimpleQueue[tuple[Instant, object]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._halt = threading.Event()
        self._listeners: tuple[Listener, ...] = ()
        self._held: list[object] | None = []  # events made before anything was processed (see _release)
        self._scenario_s = 0.0
        self._thread: threading.Thread | None = None
        self._link_open = False
        self._stopped = False
        self._lifecycle = threading.Lock()
        treatment_profile = config.treatment_profile or load_treatment_profile()
        plan = config.treatment_plan.check(treatment_profile) if config.treatment_plan else None  # before anything runs
        self.driver, self.simulator = connect(self.post) if connect is not None else (None, None)
        engine = AlarmEngine(config.profile, self._arrival)
        self._core = MonitoringCore(  # the session begins here, once the link is built
            lambda on_event: InfusionSession(config.clock, config.planned_infusion_s, on_event=on_event),
            engine, self._publish,
        )
        self._treatment = Treatment(
            config.clock, self._core.session, treatment_profile, on_event=self._publish,
            active_alarms=engine.active, alarm_limits=lambda: limits_from_profile(engine.profile),
        )
        if plan is not None and config.treatment_plan is not None:
            self._treatment.confirm_plan(plan, config.treatment_plan.by, config.treatment_plan.confirmed)
        self.session = BedSession(self, self._core)
        self.alarms = BedAlarms(self, self._core)
        self.treatment = BedTreatment(self, self._core, self._treatment)
        self.recorder: RecorderLike | None = None
        self.recording_error: str | None = None  # why there is no recording, for the nurse

    # -- wiring (before start) -----------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Hand every event worth keeping to ``listener`` from now on; returns the unsubscribe."""
        with self.lock:
            self._listeners = (*self._listeners, listener)

        def unsubscribe() -> None:
            with self.lock:
                self._listeners = tuple(x for x in self._listeners if x is not listener)
        return unsubscribe

    def record_to(self, recorder: RecorderLike) -> None:
        """Record everything from now on into ``recorder``, closed by :meth:`stop`."""
        self.recorder = recorder
        self.subscribe(recorder.add)

    # -- lifecycle (any thread) -------------------------------------------------------------
    def open_link(self) -> None:
        """Start the driver only: what it delivers waits in the inbox, judged at its arrival
        once :meth:`start` runs (``record`` checks the port opens before creating its file)."""
        with self._lifecycle:
            if self._link_open or self._stopped or self.driver is None:
                return
            self._link_open = True
        self.driver.start()

    def start(self) -> None:
        """Start the bed's thread and the driver."""
        with self._lifecycle:
            if self._stopped or self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name=f"bed {self.name}", daemon=True)
            self._thread.start()
        self.open_link()

    def stop(self, end_reason: str = "ended normally") -> None:
        """Stop judging, stop the driver (it says goodbye) and the simulator, record what they
        delivered, and close the recording with ``end_reason``. Idempotent.

        What arrives after judging stopped is recorded, not alarmed on: stopping takes clock
        time, and at a high --speed that pause would look like a lost link.
        """
        with self._lifecycle:
            if self._stopped:
                return
            self._stopped = True
        self._halt.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(STOP_JOIN_S)
        for part in (self.driver, self.simulator):
            if part is not None:
                try:
                    part.stop()
                except Exception:
                    log.exception("bed %s: stopping %r failed", self.name, part)
        self._drain()
        if self.recorder is not None:
            self.recorder.close(end_reason)

    # -- events in (any thread) ---------------------------------------------------------------
    def post(self, event: object) -> None:
        """The driver's sink (and the recorder's status): queued, stamped with this instant."""
        self._inbox.put((self._arrival.stamp(), event))
        self._wake.set()

    def process_pending(self) -> None:
        """Take every queued event, in order, each judged at the instant it arrived.
        Once :meth:`stop` has begun nothing more is judged (it records the rest)."""
        while not self._halt.is_set():
            with self.lock:
                self._release()
                try:
                    instant, event = self._inbox.get_nowait()
                except queue.Empty:
                    return
                self._take(instant, event)

    def tick(self) -> None:
        """Queued events first (a tick must not run ahead of an event that arrived before it),
        then the engine's timed transitions, then the scenario's timeline."""
        with self.lock:
            self.process_pending()
            if self._halt.is_set():
                return
            try:
                self._core.tick()
            except Exception:
                log.exception("bed %s: the alarm engine's tick failed", self.name)
            try:
                self._treatment.tick()  # discharge criteria becoming met (or lost)
            except Exception:
                log.exception("bed %s: the treatment's tick failed", self.name)
            self._follow_scenario()

    # -- inside ----------------------------------------------------------------------------
    def _take(self, instant: Instant, event: object) -> None:
        """Keep it, then judge it: a reading is recorded even if judging it fails."""
        event = _stamped(instant, event)
        if isinstance(event, PUBLISHED_ARRIVALS):
            self._publish(event)
        try:
            with self._arrival.pinned(instant):
                self._core.on_event(event)
            if isinstance(event, Reading):
                self._treatment.on_reading(event)
        except Exception:
            log.exception("bed %s: judging %s failed", self.name, type(event).__name__)

    def _release(self) -> None:
        """Hand out what the bed made while it was being wired (the session's opening phase
        change): every listener subscribed before the first processing sees the whole session."""
        held, self._held = self._held, None
        for event in held or ():
            self._publish(event)

    def _publish(self, event: object) -> None:
        if self._held is not None:
            self._held.append(event)
            return
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("bed %s: a listener failed on %s", self.name, type(event).__name__)

    def _follow_scenario(self) -> None:
        """For ``sim:`` ports the scenario's own timeline starts and stops the infusion and
        gives the nurse's entries (plan, checks, rate changes, sign-off), in their order."""
        run = getattr(self.simulator, "scenario_run", None)
        if run is None:
            return
        now_s = (self.clock.now() - run.start).total_seconds()
        if now_s > self._scenario_s:
            for event in run.events_between(self._scenario_s, now_s):
                self._apply_scenario_event(event)
            self._scenario_s = now_s

    def _apply_scenario_event(self, event: TimelineEventLike) -> None:
        if event.kind in TREATMENT_EVENT_KINDS:
            self._treatment.apply_scenario_events((event,))
        else:
            self._core.session.apply_scenario_events((event,))

    def _drain(self) -> None:
        """Record what arrived after judging stopped (see :meth:`stop`)."""
        with self.lock:
            self._release()
            while True:
                try:
                    instant, event = self._inbox.get_nowait()
                except queue.Empty:
                    return
                event = _stamped(instant, event)
                if isinstance(event, PUBLISHED_ARRIVALS) and not isinstance(event, RecordingStatus):
                    self._publish(event)

    def _run(self) -> None:
        """The bed's thread: queued events as they come, a tick every ``step`` of clock time.

        At speed 1 it wakes about twice a second plus once per delivery; at a high
        --speed no more often than every MIN_WAIT_REAL_S of real time.
        """
        next_tick = self.clock.monotonic()
        while True:
            self._wake.clear()
            if self._halt.is_set():
                return
            try:
                if self.clock.monotonic() >= next_tick:
                    self.tick()
                    # the clock's speed may change (a benchmark's fast-forwarded first hour)
                    next_tick = self.clock.monotonic() + max(TICK_S, MIN_WAIT_REAL_S * self.clock.speed)
                else:
                    self.process_pending()
                    with self.lock:
                        self._follow_scenario()  # on every wake: at a high --speed a tick is long
            except Exception:  # never let the bed stop judging
                log.exception("bed %s: processing failed", self.name)
            self.clock.wait(self._wake, next_tick - self.clock.monotonic())


def _stamped(instant: Instant, event: object) -> object:
    """A device status gets the time it arrived (its codec does not know it)."""
    if isinstance(event, DeviceStatus) and event.received_at is None:
        return replace(event, received_at=instant[1])
    return event
