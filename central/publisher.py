"""The bedside's publisher: every reading and event of a bed to the broker, and nothing lost.

A listener on the bed (``bed.subscribe``), called on the bed's thread: it numbers
the event in its stream (``central/ledger.py``) and puts it on a bounded queue,
never waiting for the network. Its own thread hands queued events to the MQTT
client (QoS 1) while the broker takes them; when it cannot (no connection, the
queue or the client's window full), the number goes on the ledger's missed list,
counted, and the replay thread sends it later from the recording, marked
``late`` (``central/backlog.py``). What the broker never acknowledged on a lost
connection goes there too. So the central station eventually receives every
reading and alarm event of the session, in each stream once or, rarely, twice
(it drops the second by its number).

Every second the publisher also sends a heartbeat and the chair's state
(:class:`ChairSnapshot` with limits and who acknowledged what), retained so a
central station that starts later discovers the bed at once; the broker's last
will marks the bed offline if the bedside vanishes. While the broker cannot be
reached the bed raises CENTRAL_UNREACHABLE (:class:`CentralStatus`).
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from central import messages
from central.backlog import BY_NAME, STREAMS, BacklogReader, Stream, stream_of
from central.broker import BrokerSettings
from central.connection import Connection, Will
from central.ledger import Ledger
from central.state import ChairState
from monitor.clock import Clock, ScaledClock
from monitor.core import CentralStatus
from monitor.alarms.model import utc_text as _utc
from monitor.event_json import event_to_json

log = logging.getLogger(__name__)

QUEUE_SIZE = 2_000  # events waiting for the MQTT thread; beyond it they are sent from the recording
WINDOW = 1_000  # messages handed to the client and not yet acknowledged
REPLAY_CHUNK = 200  # rows read from the recording at a time
REPLAY_RETRY_S = 0.2  # rows not committed yet (the recorder commits every 0.5 s): look again
HEARTBEAT_S = 1.0
STOP_DRAIN_S = 5.0
# After a reconnection, what is due waits this long (then goes out from the recording, late): a
# PUBACK only says the broker has a message, and a broker restarted without persistence has lost
# the central station's subscription until the station, retrying too, subscribes again.
SETTLE_S = 3.0  # at the end, how long to go on delivering what is still owed


class PublishedBed(Protocol):
    """What the publisher needs of a bed (``monitor.bed.Bed``)."""

    name: str
    clock: Clock

    def post(self, event: object) -> None: ...


class BedPublisher:
    """Publishes one bed to the broker; ``__call__`` is its bed listener."""

    def __init__(self, bed: PublishedBed, settings: BrokerSettings, site: str, bed_name: str, state: ChairState,
                 recording: Callable[[], Path | None] = lambda: None, clock: Clock | None = None) -> None:
        """``recording()``: the path of the bed's recording now, None without one (nothing can be
        sent afterwards then); ``clock``: real time for the heartbeat (the bed's may run faster)."""
        self.origin = messages.Origin(messages.check_name(site, "site"), messages.check_name(bed_name, "bed"),
                                      uuid.uuid4().hex[:12])
        self._bed = bed
        self._state = state
        self._clock = clock or ScaledClock()
        self._ledger = Ledger(s.name for s in STREAMS)
        self._queue: queue.Queue[tuple[Stream, int, object]] = queue.Queue(QUEUE_SIZE)
        self._reader = BacklogReader(lambda: recording())
        self._stop = threading.Event()
        self._replay_wake = threading.Event()
        self._reachable: bool | None = None
        self._connections = 0
        self._settled_at = 0.0  # monotonic time from which this connection sends
        self._report_lock = threading.Lock()
        self._problem = ""
        self.overflowed = 0  # events that went to the recording's backlog because the queue was full
        self.unsendable = 0  # missed events with no recording to send them from
        will = Will(self._topic("online"), self._online(False, "connection lost"))
        self._connection = Connection(
            settings, f"irm-{self.origin.bed}-{self.origin.session}", on_state=self._on_state,
            on_acked=self._acked, on_connected=self._on_connected, will=will, name=f"publish {bed_name}")
        self._threads = [threading.Thread(target=self._publish_loop, name=f"publish {bed_name}", daemon=True),
                         threading.Thread(target=self._replay_loop, name=f"replay {bed_name}", daemon=True)]

    # -- the bed's thread -------------------------------------------------------------------
    def __call__(self, event: object) -> None:
        self._state.update(event)
        stream = stream_of(event)
        if stream is None:
            return
        seq = self._ledger.assign(stream.name)
        try:
            self._queue.put_nowait((stream, seq, event))
        except queue.Full:
            self.overflowed += 1
            self._ledger.miss(stream.name, seq)
            self._replay_wake.set()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._connection.start()
        for thread in self._threads:
            thread.start()

    def stop(self, drain_s: float = STOP_DRAIN_S) -> None:
        """After the bed stopped: go on delivering what is owed for up to ``drain_s``, then say goodbye."""
        idle = threading.Event()
        end = self._clock.monotonic() + drain_s
        while self.owed() and self._connection.connected and self._clock.monotonic() < end:
            self._clock.wait(idle, 0.05)
        self._stop.set()
        self._replay_wake.set()
        for thread in self._threads:
            thread.join(2.0)
        owed = self.owed()
        if owed:
            log.warning("%d messages of %s did not reach the central station; they are in the recording",
                        owed, self.origin.bed)
        self._connection.stop(goodbye=self._goodbye)
        self._reader.close()

    def owed(self) -> int:
        """Messages not yet acknowledged by the broker (queued, in flight or missed)."""
        return self._queue.qsize() + self._ledger.in_flight() + self._ledger.missed_count()

    @property
    def delivered(self) -> int:
        return self._ledger.acknowledged

    # -- the publisher's thread ------------------------------------------------------------------
    def _publish_loop(self) -> None:
        next_beat = self._clock.monotonic()
        while not self._stop.is_set():
            try:
                item = self._queue.get(timeout=max(0.0, next_beat - self._clock.monotonic()))
            except queue.Empty:
                item = None
            if item is not None:
                self._send(*item, late=False)
            if self._clock.monotonic() >= next_beat:
                self._beat()
                next_beat = self._clock.monotonic() + HEARTBEAT_S
        while True:  # stopping: what is still queued is for the recording's backlog
            try:
                stream, seq, _ = self._queue.get_nowait()
            except queue.Empty:
                return
            self._ledger.miss(stream.name, seq)

    def _settling(self) -> bool:
        return self._clock.monotonic() < self._settled_at

    def _send(self, stream: Stream, seq: int, event: object, late: bool) -> bool:
        """Hand one numbered event to the client; False (and missed) if it cannot take it now."""
        if self._ledger.in_flight() >= WINDOW or self._settling():
            self._ledger.miss(stream.name, seq)
            return False
        payload = messages.sequenced(self.origin, event_to_json(event, self._bed.clock.now()), seq, late)
        sent = self._connection.publish(self._topic(messages.topic_kind(stream.name)), payload, qos=1)
        if sent is None:
            self._ledger.miss(stream.name, seq)
            self._replay_wake.set()
            return False
        self._ledger.sent(*sent, stream.name, seq)
        return True

    def _beat(self) -> None:
        """The heartbeat and the retained state, and whether the central station can see this bed."""
        self._report()
        if not self._connection.connected:
            return
        now = self._bed.clock.now()
        heartbeat = {**self.origin.fields(), "type": "heartbeat", "time": _utc(now),
                     "backlog": self._ledger.missed_count(),
                     "last": {s.name: self._ledger.last(s.name) for s in STREAMS}}
        self._connection.publish(self._topic("heartbeat"), messages.encode(heartbeat), qos=0)
        state = {**self.origin.fields(), "type": "state", "time": _utc(now), **self._state.payload(self._bed.clock.now)}
        self._untracked(self._connection.publish(self._topic("state"), messages.encode(state), qos=1, retain=True))

    def _untracked(self, sent: tuple[int, int] | None) -> None:
        """A QoS 1 message that is not numbered: its PUBACK is matched and forgotten."""
        if sent is not None:
            self._ledger.sent(*sent, None)

    # -- the replay thread --------------------------------------------------------------------------
    def _replay_loop(self) -> None:
        while not self._stop.is_set():
            self._replay_wake.wait(REPLAY_RETRY_S)
            self._replay_wake.clear()
            if not self._connection.connected or self._settling():
                continue
            for name in self._ledger.streams_with_missed():
                self._replay(BY_NAME[name])

    def _replay(self, stream: Stream) -> None:
        while not self._stop.is_set() and self._connection.connected and self._ledger.in_flight() < WINDOW:
            run = self._ledger.take_missed(stream.name, REPLAY_CHUNK)
            if run is None:
                return
            first, last = run
            rows = self._reader.read(stream, first, last)
            if not rows:
                self._no_rows(stream, first, last)
                return
            done = rows[-1][0]
            if done < last:
                self._ledger.miss(stream.name, done + 1, last)
            for seq, event in rows:
                if not self._send(stream, seq, event, late=True):
                    if seq < done:
                        self._ledger.miss(stream.name, seq + 1, done)
                    return

    def _no_rows(self, stream: Stream, first: int, last: int) -> None:
        if self._reader.has_recording():
            self._ledger.miss(stream.name, first, last)  # not committed yet: the next round
            return
        self.unsendable += last - first + 1
        log.error("%s: %d %s messages cannot be sent to the central station: there is no recording",
                  self.origin.bed, last - first + 1, stream.name)

    # -- paho's and the connection's threads -------------------------------------------------------
    def _acked(self, connection: int, mid: int, refused: bool) -> None:
        self._ledger.acked(connection, mid, refused)
        self._replay_wake.set()  # the window has room again

    # -- the connection's thread -----------------------------------------------------------------------
    def _on_connected(self) -> None:
        self._connections += 1
        if self._connections > 1:
            self._settled_at = self._clock.monotonic() + SETTLE_S
        self._untracked(self._connection.publish(self._topic("online"), self._online(True, ""), qos=1, retain=True))
        self._replay_wake.set()

    def _on_state(self, connected: bool, problem: str) -> None:
        if not connected:
            self._ledger.connection_lost(self._connection.number)
        self._report()

    def _report(self) -> None:
        """Tell the bed (CENTRAL_UNREACHABLE) when reachability changes; nothing before the first
        attempt to connect has ended. Called from two threads: decided under one lock from the
        connection's state now, so a late caller never undoes a newer report."""
        with self._report_lock:
            connected, problem = self._connection.connected, self._connection.problem
            if not connected and not problem:
                return
            reachable = connected and not self._ledger.refusing
            if connected and not reachable:
                problem = self._refusal()
            if reachable == self._reachable and (reachable or problem == self._problem):
                return
            self._reachable, self._problem = reachable, problem
            message = "" if reachable else f"Central station not reachable: {problem}"
            self._bed.post(CentralStatus(reachable, message))

    def _refusal(self) -> str:
        return (f"the broker refuses this bed's messages (not authorized to publish as {self.origin.bed!r} "
                f"of site {self.origin.site!r}): check --bed and --site against the broker's ACL.")

    def _goodbye(self, client: object) -> None:
        info = client.publish(self._topic("online"), self._online(False, "stopped"), qos=1, retain=True)
        info.wait_for_publish(2.0)

    # -- payload helpers ---------------------------------------------------------------------------
    def _topic(self, kind: str) -> str:
        return messages.topic(self.origin.site, self.origin.bed, kind)

    def _online(self, online: bool, reason: str) -> bytes:
        return messages.encode({**self.origin.fields(), "type": "online", "time": _utc(self._bed.clock.now()),
                                "online": online, "reason": reason})


def recording_path(bed: object) -> Path | None:
    """Where the bed records now (None without a recording)."""
    recorder = getattr(bed, "recorder", None)
    return None if recorder is None else recorder.path
