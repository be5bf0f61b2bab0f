"""The central station: every bed of a site, heard through the broker, checked, de-duplicated, watched.

It subscribes to the site's topics and hands its listeners (the ``--jsonl``
printer, the window's bridge) three kinds of immutable events, under its lock and
in order: :class:`BedMessage` (a reading, alarm event or session event, each
once: a second copy of (bed, session, type, seq) is dropped), :class:`BedState`
(a bed's panel changed: its snapshot, online, silent) and the station's own
:class:`~central.alarms.CentralAlarmEvent`.

What it shows comes only from messages that passed :func:`central.messages.parse`;
anything else is counted, logged once a minute per bed, and alarmed
(INVALID_MESSAGES), never shown and never a crash. A bed's heartbeat silent for
5 s raises BED_SILENT naming it; a lost broker raises BROKER_LOST naming every
bed; two live bedsides under one name raise BED_NAME_CONFLICT and only the first
is shown. Timing reads the injected clock; paho's thread delivers messages, a
watch thread of its own ticks.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from central.alarms import CentralAlarm, CentralAlarmEvent, CentralAlarms, CentralCondition
from central.broker import BrokerSettings
from central.connection import Connection
from central.ledger import IntervalSet
from central.messages import Message, MessageError, parse, parse_time, split_topic, subscription
from central.trend import Trend, TrendData
from monitor.alarms import Priority
from monitor.clock import Clock, ScaledClock
from monitor.latest import Freshness
from monitor.snapshot import ChairSnapshot

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 3600  # the broker keeps the station's messages this long while it is away
SILENT_AFTER_S = 5.0  # a bed's heartbeat missing this long raises BED_SILENT
CONFLICT_CLEARS_S = 30.0  # the second bedside under one name unheard this long: conflict over
INVALID_WINDOW_S = 60.0  # invalid messages alarm until a minute without any
MAX_BEDS = 256  # beds tracked; a flood of new names beyond it is refused (TOO_MANY_BEDS)
TICK_S = 0.25
UNKNOWN = "(unknown)"


@dataclass(frozen=True, slots=True)
class BedView:
    """One bed as the window and the printer see it (immutable)."""

    site: str
    bed: str
    session: str
    snapshot: ChairSnapshot | None  # None until its first state arrived
    status: str  # "live", "silent", "lost" (last will), "ended" (stopped cleanly), "waiting"
    limits: dict[str, object]
    backlog: int  # messages the bedside still owes (its heartbeat says)
    readings: int  # readings received in this session
    first_seq: int | None  # the lowest reading number received: above 1, the trend starts late


@dataclass(frozen=True, slots=True)
class BedMessage:
    message: Message


@dataclass(frozen=True, slots=True)
class BedState:
    view: BedView


StationEvent = BedMessage | BedState | CentralAlarmEvent
Listener = Callable[[StationEvent], None]


@dataclass
class _Bed:
    """What the station knows of one bed's current session (mutable, under the station's lock)."""

    site: str
    bed: str
    session: str
    discovered: float
    last_live: float | None = None  # monotonic time of the last message that was not retained
    snapshot: ChairSnapshot | None = None
    snapshot_heard: float | None = None  # monotonic time the snapshot arrived live; None: retained
    limits: dict[str, object] = field(default_factory=dict)
    online: bool | None = None
    reason: str = ""
    backlog: int = 0
    seen: dict[str, IntervalSet] = field(default_factory=dict)
    trend: Trend = field(default_factory=Trend)
    first_seq: int | None = None
    shown: tuple = ()

    def status(self, now: float) -> str:
        if self.online is False:
            return "ended" if self.reason == "stopped" else "lost"
        heard = self.last_live if self.last_live is not None else self.discovered
        if now - heard > SILENT_AFTER_S:
            return "silent"
        return "live" if self.last_live is not None else "waiting"


class Station:
    """Subscribes to a site (or every site), keeps each bed's state and trend, and watches them."""

    def __init__(self, settings: BrokerSettings | None, site: str | None, clock: Clock | None = None,
                 name: str | None = None) -> None:
        """``settings`` None: no connection (tests feed :meth:`receive` and :meth:`connection_state`).

        ``name``: this station's name at the broker, the same on every run (default: a new one).
        Its session is persistent: while the station is away, or the broker restarts (with
        persistence, deploy/mosquitto), the broker keeps what the bedsides publish for it. A
        bedside only learns that the broker has a message, not that a station read it; without
        this, what a bedside sent while the station was reconnecting would be lost.
        """
        self.site = site
        self.clock = clock or ScaledClock()
        self._lock = threading.RLock()
        self._alarms = CentralAlarms(site)
        self._beds: dict[tuple[str, str], _Bed] = {}
        self._listeners: tuple[Listener, ...] = ()
        self._connected = False
        self._broker_problem = ""
        self._invalid: dict[str, tuple[float, int, str]] = {}  # bed -> (last time, count, last reason)
        self._conflicts: dict[tuple[str, str], tuple[float, str]] = {}  # bed -> (last heard, other session)
        self._stop = threading.Event()
        self.duplicates = 0
        self.refused = 0
        self._connection = None if settings is None else Connection(
            settings, f"irm-central-{name or uuid.uuid4().hex[:12]}", on_state=self.connection_state,
            on_message=self.receive, subscriptions=[subscription(site)], name="central",
            session_expiry_s=SESSION_EXPIRY_S)
        self._watch = threading.Thread(target=self._run, name="central watch", daemon=True)

    # -- wiring and lifecycle -----------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """``listener`` gets every event from now on, under the station's lock; returns the unsubscribe."""
        with self._lock:
            self._listeners = (*self._listeners, listener)

        def unsubscribe() -> None:
            with self._lock:
                self._listeners = tuple(x for x in self._listeners if x is not listener)
        return unsubscribe

    def start(self) -> None:
        if self._connection is not None:
            self._connection.start()
        self._watch.start()

    def stop(self) -> None:
        self._stop.set()
        if self._connection is not None:
            self._connection.stop()
        if self._watch.is_alive():
            self._watch.join(2.0)

    # -- views (any thread) ----------------------------------------------------------------------
    def beds(self) -> tuple[BedView, ...]:
        with self._lock:
            now = self.clock.monotonic()
            return tuple(self._view(b, now) for _, b in sorted(self._beds.items(), key=_natural))

    def trend(self, site: str, bed: str) -> TrendData | None:
        with self._lock:
            record = self._beds.get((site, bed))
            return None if record is None else record.trend.copy()

    def alarms(self) -> tuple[CentralAlarm, ...]:
        with self._lock:
            return self._alarms.active()

    def sounding(self) -> Priority | None:
        """What the station sounds: its own unacknowledged alarms and every live bed's own sound."""
        with self._lock:
            now = self.clock.monotonic()
            loud = [self._alarms.sounding()] + [
                b.snapshot.top_priority for b in self._beds.values()
                if b.snapshot is not None and b.status(now) == "live"]
        priorities = [Priority(p) if isinstance(p, str) else p for p in loud if p is not None]
        return max(priorities) if priorities else None

    def acknowledge(self) -> None:
        """Silence the station's own alarms (a bed's alarms are acknowledged at its bedside)."""
        with self._lock:
            self._emit_all(self._alarms.acknowledge_all(self.clock.now()))

    def on_audio(self, available: bool, message: str = "") -> None:
        """From the sound process: whether the station's alarms can be heard."""
        text = message or "Alarm sound cannot be played at the central station: watch the screen."
        with self._lock:
            self._emit_all(self._alarms.set(CentralCondition.AUDIO_UNAVAILABLE, None, not available, text,
                                            self.clock.now()))

    def on_display(self, frozen: bool, seconds: float) -> None:
        """From the sound process's display watchdog: the window has not responded for ``seconds``
        (frozen), or responds again after ``seconds``; the cleared line says how long it was."""
        text = (f"Display frozen for {seconds:.1f} s: alarms may not be shown." if frozen
                else f"Display was frozen for {seconds:.1f} s.")
        condition = CentralCondition.DISPLAY_FROZEN
        with self._lock:
            now = self.clock.now()
            if not frozen and any(a.condition is condition for a in self._alarms.active()):
                self._alarms.set(condition, None, True, text, now)  # the message it is cleared with
            self._emit_all(self._alarms.set(condition, None, frozen, text, now))

    # -- from the broker (paho's thread) ---------------------------------------------------------------
    def connection_state(self, connected: bool, problem: str) -> None:
        with self._lock:
            self._connected = connected
            self._broker_problem = problem
            self._check_broker()

    def receive(self, topic: str, payload: bytes, retained: bool = False) -> None:
        """One message from the broker: checked, then kept and handed on, or refused and counted."""
        try:
            message = parse(topic, payload)
        except MessageError as exc:
            self._refuse(topic, str(exc))
            return
        try:
            with self._lock:
                self._take(message, retained)
        except Exception:  # never let one message stop the station
            log.exception("central station: a %s message of %s could not be handled", message.kind, message.bed)

    # -- inside (under the lock) -------------------------------------------------------------------------
    def _take(self, message: Message, retained: bool) -> None:
        now = self.clock.monotonic()
        record = self._record_for(message, retained, now)
        if record is None:
            return
        if not retained:
            record.last_live = now
        kind = message.kind
        if kind == "state":
            record.snapshot, record.limits = message.snapshot, dict(message.data["limits"])  # type: ignore[arg-type]
            record.snapshot_heard = None if retained else now
        elif kind == "online":
            record.online, record.reason = bool(message.data["online"]), str(message.data["reason"])
        elif kind == "heartbeat":
            record.backlog = int(message.data["backlog"])  # type: ignore[arg-type]
            if record.online is False:
                record.online = True
        else:
            self._sequenced(record, message)
        self._show_if_changed(record, now)

    def _record_for(self, message: Message, retained: bool, now: float) -> _Bed | None:
        """The bed's record for this message's session: a new bed, a new session, or None (refused)."""
        key = (message.site, message.bed)
        record = self._beds.get(key)
        if record is not None and record.session == message.session:
            return record
        if record is None and len(self._beds) >= MAX_BEDS:
            self._emit_all(self._alarms.set(CentralCondition.TOO_MANY_BEDS, None, True,
                                            f"More than {MAX_BEDS} beds publish: {message.bed} and others are "
                                            "not shown. Check the broker's ACL for a rogue publisher.",
                                            self.clock.now()))
            return None
        if record is not None and not retained and record.status(now) == "live":
            self._conflicts[key] = (now, message.session)
            self._emit_all(self._alarms.set(
                CentralCondition.BED_NAME_CONFLICT, message.bed, True,
                f"Two bedsides publish as {message.bed}: only the first is shown. Check --bed on each chair.",
                self.clock.now()))
            return None
        if record is not None and retained and record.last_live is not None:
            return None  # an older session's retained message: the live one stands
        record = _Bed(message.site, message.bed, message.session, discovered=now)
        self._beds[key] = record
        return record

    def _sequenced(self, record: _Bed, message: Message) -> None:
        seq = message.seq or 0
        if not record.seen.setdefault(message.type, IntervalSet()).add(seq):
            self.duplicates += 1
            return
        data = message.data
        t = parse_time(str(data["time"])).timestamp()
        if message.type == "reading":
            record.trend.add_reading(str(data["parameter"]), t, data["value"])  # type: ignore[arg-type]
            record.first_seq = seq if record.first_seq is None else min(record.first_seq, seq)
        elif message.type == "phase":
            record.trend.add_phase(t, str(data["phase"]))
        elif message.type == "alarm" and data["event"] == "raised":
            record.trend.add_alarm(t, str(data["condition"]), str(data["priority"]))
        self._emit(BedMessage(message))

    def _show_if_changed(self, record: _Bed, now: float) -> None:
        """A BedState when what a nurse sees of the bed changed (not every second's new ages)."""
        view = self._view(record, now)
        snap = view.snapshot
        shown = (view.status, view.session, None if snap is None else (
            snap.phase, snap.link, snap.sounding, snap.notice,
            tuple((a.condition, a.priority, a.status, a.acknowledged_by) for a in snap.alarms)))
        if shown != record.shown:
            record.shown = shown
            self._emit(BedState(view))

    def _view(self, record: _Bed, now: float) -> BedView:
        status = record.status(now)
        snapshot = record.snapshot
        if snapshot is not None and status != "live":
            since = None if record.snapshot_heard is None else now - record.snapshot_heard
            snapshot = _offline(snapshot, status, record.reason, since)
        readings = len(record.seen.get("reading", ()))  # type: ignore[arg-type]
        return BedView(record.site, record.bed, record.session, snapshot, status, record.limits, record.backlog,
                       readings, record.first_seq)

    def _refuse(self, topic: str, reason: str) -> None:
        """An invalid message: counted per bed (or "(unknown)"), logged once a minute, alarmed."""
        try:
            bed = split_topic(topic)[1]
        except MessageError:
            bed = UNKNOWN
        with self._lock:
            self.refused += 1
            now = self.clock.monotonic()
            if bed not in self._invalid and len(self._invalid) >= MAX_BEDS:
                bed = UNKNOWN
            last, count, _ = self._invalid.get(bed, (now - INVALID_WINDOW_S - 1, 0, ""))
            if now - last > INVALID_WINDOW_S:
                log.warning("central station: refused a message on %s: %s", topic[:120], reason)
            self._invalid[bed] = (now, count + 1, reason)
            self._emit_all(self._alarms.set(
                CentralCondition.INVALID_MESSAGES, bed, True,
                f"{count + 1} invalid messages refused for {bed} (last: {reason[:160]}); nothing of them is shown.",
                self.clock.now()))

    # -- the watch thread ------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self.clock.wait(self._stop, TICK_S)

    def tick(self) -> None:
        """Silent beds, the broker, conflicts and invalid messages that are over."""
        with self._lock:
            now = self.clock.monotonic()
            wall = self.clock.now()
            self._check_broker()
            for record in self._beds.values():
                status = record.status(now)
                silent = status in ("silent", "lost") and self._connected
                self._emit_all(self._alarms.set(CentralCondition.BED_SILENT, record.bed, silent,
                                                _silent_text(record, status, now), wall))
                self._show_if_changed(record, now)
            for key, (heard, _) in list(self._conflicts.items()):
                if now - heard > CONFLICT_CLEARS_S:
                    del self._conflicts[key]
                    self._emit_all(self._alarms.set(CentralCondition.BED_NAME_CONFLICT, key[1], False, "", wall))
            for bed, (last, _, _) in list(self._invalid.items()):
                if now - last > INVALID_WINDOW_S:
                    del self._invalid[bed]
                    self._emit_all(self._alarms.set(CentralCondition.INVALID_MESSAGES, bed, False, "", wall))

    def _check_broker(self) -> None:
        lost = not self._connected and bool(self._broker_problem)
        beds = tuple(sorted({b.bed for b in self._beds.values() if b.online is not False}))
        watched = ", ".join(beds) if beds else "no bed"
        message = f"{self._broker_problem} Not watched from here: {watched}."
        self._emit_all(self._alarms.set(CentralCondition.BROKER_LOST, None, lost, message, self.clock.now(), beds))

    def _emit_all(self, events: list[CentralAlarmEvent]) -> None:
        for event in events:
            self._emit(event)

    def _emit(self, event: StationEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("central station: a listener failed on %s", type(event).__name__)


def _natural(item: tuple[tuple[str, str], _Bed]) -> tuple:
    """Chair-2 before Chair-10: names compared with their numbers as numbers."""
    return tuple(tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)) for name in item[0])


def _silent_text(record: _Bed, status: str, now: float) -> str:
    if status == "lost":
        return f"{record.bed}: the bedside lost its connection to the broker; this chair is not watched from here."
    heard = record.last_live if record.last_live is not None else record.discovered
    return f"{record.bed}: no heartbeat for {now - heard:.0f} s; this chair is not watched from here."


def _offline(snapshot: ChairSnapshot, status: str, reason: str, since: float | None) -> ChairSnapshot:
    """A bed the station cannot hear: link "offline", no number shown as current, and every age
    counted on from when the snapshot arrived (``since`` s ago; None: a retained snapshot of
    unknown age, so no age at all): "NOT CURRENT 0 s" would say the number was just measured."""
    measurements = tuple(
        replace(m, freshness=Freshness.STALE if m.freshness is Freshness.CURRENT else m.freshness,
                age_s=None if since is None or m.age_s is None else m.age_s + since)
        for m in snapshot.measurements)
    text = {"ended": "The bedside ended its session.", "lost": "The bedside lost its connection.",
            "silent": "No heartbeat from the bedside.", "waiting": "Waiting for the bedside."}.get(status, reason)
    return replace(snapshot, link="offline", link_message=text, measurements=measurements, sounding=None)

