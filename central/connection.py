"""One MQTT connection kept up on a thread of its own, with a new paho client for each attempt.

Why a new client each time: paho keeps the messages of a lost connection in its
own memory and sends them again on the next one, without bound and out of our
sight. The bedside instead knows exactly what the broker acknowledged
(``central/ledger.py``) and sends the rest from the recording; so a lost
connection takes its client, and its queue, with it. A failure to connect (no
broker, wrong password, untrusted certificate, something that is not a broker)
is reported once per change as one sentence (``on_state``), and the thread
keeps trying, a little slower each time, until stopped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from central.broker import KEEPALIVE_S, BrokerError, BrokerSettings, describe_failure, new_client, not_mqtt

log = logging.getLogger(__name__)

CONNACK_TIMEOUT_S = 5.0  # connected over TCP but no CONNACK by then: not an MQTT broker
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 2.0  # a broker back after an outage is found within this


@dataclass(frozen=True, slots=True)
class Will:
    """What the broker publishes for us if we vanish without saying goodbye."""

    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


OnState = Callable[[bool, str], None]  # (connected, why not: one sentence; "" when connected)
OnMessage = Callable[[str, bytes, bool], None]  # (topic, payload, retained)
OnAcked = Callable[[int, int, bool], None]  # (connection number, mid, refused by the broker)


class Connection:
    """Connects, reconnects and hands out publish/subscribe; ``number`` counts the connections made."""

    def __init__(self, settings: BrokerSettings, client_id: str, *, on_state: OnState,
                 on_message: OnMessage | None = None, on_acked: OnAcked | None = None,
                 on_connected: Callable[[], None] | None = None, will: Will | None = None,
                 subscriptions: Iterable[str] = (), max_in_flight: int = 100, name: str = "mqtt",
                 session_expiry_s: int = 0) -> None:
        """``session_expiry_s`` > 0: a persistent session (MQTT 5), so the broker keeps this client's
        subscriptions and queues its QoS 1 messages while it is away (the central station)."""
        self.settings = settings
        self._client_id = client_id
        self._on_state = on_state
        self._on_message = on_message
        self._on_acked = on_acked
        self._on_connected = on_connected
        self._will = will
        self._subscriptions = tuple(subscriptions)
        self._max_in_flight = max_in_flight
        self._session_expiry_s = session_expiry_s
        self._client: mqtt.Client | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._connack = threading.Event()
        self._refusal: object = None
        self._accepted = False
        self.number = 0  # the current connection's number: PUBACKs are matched per connection
        self.connected = False
        self.problem = ""
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    # -- any thread ----------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, goodbye: Callable[[mqtt.Client], None] | None = None, timeout_s: float = 3.0) -> None:
        """``goodbye(client)`` publishes last words while still connected; then a clean disconnect
        (no last will)."""
        client = self._client
        if client is not None and self.connected and goodbye is not None:
            try:
                goodbye(client)
            except Exception:
                log.exception("saying goodbye to the broker failed")
        self._stop.set()
        self._lost.set()
        self._connack.set()  # an attempt waiting for its CONNACK gives up at once
        self._thread.join(timeout_s + CONNACK_TIMEOUT_S)
        client = self._client
        if client is not None:
            self._close(client)

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> tuple[int, int] | None:
        """(connection number, mid) once handed to the client; None when not connected."""
        with self._lock:
            client, number = self._client, self.number
            if client is None or not self.connected:
                return None
            info = client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return None
        return number, info.mid

    # -- the connection's thread ----------------------------------------------------------
    def _run(self) -> None:
        pause = RETRY_FIRST_S
        while not self._stop.is_set():
            problem = self._connect_once()
            if self._stop.is_set():
                return
            if problem is None:
                pause = RETRY_FIRST_S
                continue
            self._report(False, problem)
            self._stop.wait(pause)
            pause = min(pause * 2, RETRY_MAX_S)

    def _connect_once(self) -> str | None:
        """One connection, held until it is lost; None if it was made, else why not."""
        try:
            client = self._new_client()
        except BrokerError as exc:
            return str(exc)
        try:
            client.connect(self.settings.host, self.settings.port, keepalive=KEEPALIVE_S,
                           clean_start=self._session_expiry_s == 0, properties=self._connect_properties())
        except Exception as exc:  # socket, TLS and name errors alike: one sentence each
            return describe_failure(self.settings, exc)
        client.loop_start()
        answered = self._connack.wait(CONNACK_TIMEOUT_S)
        if self._stop.is_set() or not answered or self._refusal is not None or not self._accepted:
            self._close(client)
            if self._stop.is_set():
                return None
            if self._refusal is not None:
                return describe_failure(self.settings, self._refusal)  # type: ignore[arg-type]
            return not_mqtt(self.settings)  # no CONNACK in time, or hung up before one
        with self._lock:
            self._client = client
            self.connected = True
        for topic in self._subscriptions:
            client.subscribe(topic, qos=1)
        self._report(True, "")
        if self._on_connected is not None:
            self._on_connected()
        self._lost.wait()
        with self._lock:
            self.connected = False
            if self._stop.is_set():
                return None
            self._client = None
        self._close(client)
        self._report(False, f"Lost the connection to the broker at {self.settings.address}.")
        return None

    def _connect_properties(self) -> Properties | None:
        if not self._session_expiry_s:
            return None
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self._session_expiry_s
        return properties

    def _new_client(self) -> mqtt.Client:
        client = new_client(self.settings, self._client_id)
        client.max_inflight_messages_set(self._max_in_flight)
        if self._will is not None:
            w = self._will
            client.will_set(w.topic, w.payload, qos=w.qos, retain=w.retain)
        self._connack.clear()
        self._lost.clear()
        self._refusal = None
        self._accepted = False
        with self._lock:
            self.number += 1
        number = self.number
        client.on_connect = lambda c, u, flags, reason, props: self._connected(reason)
        client.on_disconnect = lambda c, u, flags, reason, props: self._disconnected(number)
        if self._on_message is not None:
            on_message = self._on_message
            client.on_message = lambda c, u, msg: on_message(msg.topic, msg.payload, bool(msg.retain))
        if self._on_acked is not None:
            on_acked = self._on_acked
            client.on_publish = lambda c, u, mid, reason, props: on_acked(number, mid, reason.is_failure)
        return client

    def _connected(self, reason: object) -> None:
        if getattr(reason, "is_failure", False):
            self._refusal = reason
        else:
            self._accepted = True
        self._connack.set()

    def _disconnected(self, number: int) -> None:
        if number == self.number:
            self._lost.set()
        self._connack.set()  # a broker that hangs up before its CONNACK is no broker we can use

    def _close(self, client: mqtt.Client) -> None:
        try:
            client.disconnect()
        except Exception:
            pass
        client.loop_stop()

    def _report(self, connected: bool, problem: str) -> None:
        if problem != self.problem or connected:
            (log.info if connected else log.warning)("broker %s: %s", self.settings.address,
                                                      "connected" if connected else problem)
        self.problem = problem
        try:
            self._on_state(connected, problem)
        except Exception:
            log.exception("a connection listener failed")
