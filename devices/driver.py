"""The driver: one thread that owns a port and a protocol session.

It opens the port, lets the session say what to send, feeds it what arrives,
stamps decoded observations into readings with the injected clock, and turns
everything that can go wrong with a serial line (unplugged adapter, closed
port, silent monitor, wrong settings) into link events with a sentence for the
user, reconnecting by itself with back-off.

Only immutable values leave this thread, through ``sink``, which must be
thread-safe (a ``queue.Queue.put`` or a Qt signal's ``emit``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import serial

from devices.protocols import Decoded, ProtocolSession
from devices.protocols.plausibility import screen
from devices.transport import PortError, open_port
from monitor.clock import Clock
from monitor.readings import DeviceStatus, FrameStats, LinkEvent, LinkState, Observation, Reading

log = logging.getLogger(__name__)

DriverEvent = Reading | LinkEvent | DeviceStatus | FrameStats
Sink = Callable[[DriverEvent], None]
PortOpener = Callable[[str, object], serial.SerialBase]

BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0)  # clock seconds between reconnect attempts
STATS_EVERY_S = 5.0  # clock seconds between frame counts sent on (for the noisy-line alarm)


@dataclass(frozen=True, slots=True)
class LinkTimeouts:
    """How long silence may last before the user is told, in clock seconds."""

    silent_after_s: float  # valid frames stopped: say so
    no_frames_after_s: float  # after opening, nothing valid yet: wrong settings?
    reconnect_after_s: float  # silent this long: close and reopen the port

    @classmethod
    def for_interval(cls, interval_s: float) -> LinkTimeouts:
        return cls(
            silent_after_s=max(3.0, 2.5 * interval_s),
            no_frames_after_s=max(5.0, 1.5 * interval_s),
            reconnect_after_s=max(10.0, 6.0 * interval_s),
        )


class Driver:
    """Connects to one monitor and keeps connecting until stopped."""

    def __init__(
        self,
        url: str,
        session_factory: Callable[[], ProtocolSession],
        clock: Clock,
        sink: Sink,
        opener: PortOpener = open_port,
        name: str | None = None,
    ) -> None:
        self.url = url
        self.name = name or url  # what the user calls the port: messages say this, not a loopback URL
        self._session_factory = session_factory
        self._clock = clock
        self._sink = sink
        self._opener = opener
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"driver {url}", daemon=True)
        self._state: LinkState | None = None
        probe = session_factory()
        self.protocol = probe.name
        self._settings = probe.settings
        self._timeouts = LinkTimeouts.for_interval(probe.expected_interval_s)
        self.first_open = threading.Event()  # set once the first open succeeded or failed
        self.first_open_error: str | None = None

    # -- control (any thread) -------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to send its goodbye, close the port and finish."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    # -- the thread -----------------------------------------------------------
    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            self._report(LinkState.CONNECTING, f"Opening {self.name} ({self._settings.describe()})")
            try:
                try:
                    port = self._opener(self.url, self._settings)
                except PortError:
                    raise
                except Exception as exc:  # an error type the opener did not expect: still retry
                    log.exception("unexpected error opening %s", self.url)
                    raise PortError(f"Could not open {self.name} ({type(exc).__name__}: {_short(exc)}).") from None
            except PortError as exc:
                self._note_first_open(str(exc))
                delay = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
                self._report(LinkState.DISCONNECTED, f"{exc} Retrying in {delay:g} s.")
                attempt += 1
                self._clock.wait(self._stop, delay)
                continue
            self._note_first_open(None)
            attempt = 0
            reason = self._serve(port)
            _close_quietly(port)
            if reason and not self._stop.is_set():
                self._report(LinkState.DISCONNECTED, reason)
                self._clock.wait(self._stop, BACKOFF_S[0])
        self._report(LinkState.CLOSED, f"Stopped reading {self.name}.")

    def _serve(self, port: serial.SerialBase) -> str | None:
        """Talk to the monitor until stopped or the link fails; returns why it ended."""
        session = self._session_factory()
        opened_at = self._clock.monotonic()
        last_valid = last_stats = opened_at
        bytes_seen = 0
        self._report(LinkState.WAITING, f"Connected to {self.name}; waiting for {self.protocol} data.")
        try:
            _write(port, session.on_open(opened_at))
            while not self._stop.is_set():
                data = port.read(max(1, port.in_waiting))
                now = self._clock.monotonic()
                if data:
                    bytes_seen += len(data)
                    if self._deliver(session.feed(data, now)):
                        last_valid = now
                        self._report(LinkState.RECEIVING, f"Receiving {self.protocol} data from {self.name}.")
                _write(port, session.poll(now))
                if now - last_stats >= STATS_EVERY_S:
                    self._sink(session.stats)
                    last_stats = now
                quiet = now - last_valid
                if self._state == LinkState.WAITING and quiet > self._timeouts.no_frames_after_s:
                    self._report(LinkState.NO_VALID_FRAMES, self._no_frames_message(bytes_seen, quiet))
                elif self._state == LinkState.RECEIVING and quiet > self._timeouts.silent_after_s:
                    self._report(
                        LinkState.SILENT,
                        f"No valid data from the monitor for {quiet:.0f} s. Check the cable and that the monitor is on.",
                    )
                if quiet > self._timeouts.reconnect_after_s and self._state != LinkState.NO_VALID_FRAMES:
                    return f"Still no data after {quiet:.0f} s; reopening {self.name}."
                if self._state == LinkState.NO_VALID_FRAMES and quiet > 2 * self._timeouts.reconnect_after_s:
                    return f"Still no valid frames after {quiet:.0f} s; reopening {self.name}."
            _write(port, session.on_close())
            return None
        except (serial.SerialException, OSError) as exc:
            log.info("link to %s lost: %s", self.url, exc)
            return f"Lost the connection to {self.name} ({_short(exc)}). Reconnecting."
        except Exception as exc:  # a bug must not end monitoring: start over with a fresh session
            log.exception("unexpected error serving %s", self.url)
            return (
                f"Internal error while reading {self.name} ({type(exc).__name__}: {_short(exc)}); "
                "reopening. Please report this."
            )

    def _deliver(self, decoded: list[Decoded]) -> bool:
        """Stamp and pass on what the session decoded; True if any frame was valid.

        Every protocol's values pass the plausibility screen here, so a number
        no monitor can measure is never shown, recorded or alarmed on.
        """
        if not decoded:
            return False
        received_at = self._clock.now()
        for item in screen(decoded):
            if isinstance(item, Observation):
                self._sink(Reading.from_observation(item, received_at, self.protocol))
            else:
                self._sink(item)
        return True

    def _no_frames_message(self, bytes_seen: int, quiet: float) -> str:
        what = f"{bytes_seen} bytes arrived but none decoded" if bytes_seen else "nothing arrived"
        return (
            f"No valid {self.protocol} frames at {self._settings.describe()} after {quiet:.0f} s "
            f"({what}). Check the protocol and line settings, and that the monitor's serial "
            "output is switched on."
        )

    def _report(self, state: LinkState, message: str) -> None:
        if state == self._state and state != LinkState.DISCONNECTED:
            return
        self._state = state
        log.info("%s: %s", state.value, message)
        self._sink(LinkEvent(state, message, self._clock.now(), self.name, self.protocol))

    def _note_first_open(self, error: str | None) -> None:
        if not self.first_open.is_set():
            self.first_open_error = error
            self.first_open.set()


def _write(port: serial.SerialBase, data: bytes) -> None:
    if data:
        port.write(data)


def _close_quietly(port: serial.SerialBase) -> None:
    try:
        port.close()
    except (serial.SerialException, OSError):  # already gone with the cable
        pass


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
