"""Technical alarm conditions: is the equipment able to monitor? (reference §1.4)

Each watch answers one question for the engine: ``onset(phase)`` is when its
alarm condition exists, given what has been seen so far (None: it does not).
An onset in the future is simply when it will exist unless something arrives
first (data after a silence, a sensor back on); the engine raises the alarm at
that time, whenever ``tick`` or the next input comes.

"The visual manifestation of a technical alarm is active as long as the reason
for that alarm exists" (reference §1.4, GE B40): the engine ends a technical
alarm as soon as its onset is None or back in the future.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Protocol

from monitor.alarms.model import LABELS, AlarmCondition
from monitor.alarms.settings import Profile, TechnicalSettings
from monitor.readings import (
    DeviceStatus,
    FrameStats,
    LinkEvent,
    LinkState,
    Parameter,
    Quality,
    Reading,
)

# The driver itself reports silence only after the protocol's interval allows
# (devices/driver.py LinkTimeouts); if it stops reporting anything at all, a
# watchdog raises LINK_LOST after this many link-lost delays without data.
LINK_WATCHDOG_FACTOR = 3.0
CAUSE_GONE = "the cause is gone"
RECEIVING_STATES = (LinkState.RECEIVING,)

# Masimo EXC names (devices/protocols/masimo.py) that mean "no sensor on the patient".
SENSOR_OFF_NAMES = frozenset({"sensor off", "no sensor", "no cable"})
# ... and those that mean the sensor or cable cannot measure at all.
SENSOR_FAULT_NAMES = frozenset({
    "defective sensor", "unrecognized sensor", "incompatible sensor", "sensor expired",
    "defective cable", "unrecognized cable", "incompatible cable", "cable expired",
    "sensor current limit", "emitter temperature out of range",
})


@dataclass(frozen=True, slots=True)
class Onset:
    """When a condition starts to exist.

    A timer (a delay running out, a cycle overdue) is reached only once the clock
    is past it: the condition must last *longer* than the delay, and an input at
    that very instant (the sensor back on) still counts before it. An onset set by
    an input itself (the driver saying the link is silent, a failure reported) is
    reached at that instant. Either way the log does not depend on tick spacing.
    """

    t: float
    immediate: bool = False

    def reached(self, now: float) -> bool:
        return self.t < now or (self.immediate and self.t <= now)


def _delayed(since: float, delay: float) -> Onset:
    return Onset(since + delay, immediate=delay <= 0)


class LinkWatch:
    """LINK_LOST: no valid data from the monitor for longer than allowed."""

    condition = AlarmCondition.LINK_LOST

    def __init__(self, settings: TechnicalSettings) -> None:
        self.settings = settings
        self._armed = False
        self._state: LinkState | None = None
        self._last_data = 0.0
        self._known_at = 0.0  # when the driver said the data stopped
        self.message = "Monitor link lost: no data from the monitor."

    def on_data(self, now: float) -> None:
        self._arm(now)
        self._last_data = now

    def on_link(self, event: LinkEvent, now: float) -> None:
        """Supervision starts with the first link event and ends when the user closes the link."""
        self._arm(now)
        if event.state is LinkState.CLOSED:
            self._armed = False
        elif event.state in RECEIVING_STATES:
            self._last_data = now
        elif self._state in RECEIVING_STATES or self._state is None:
            self._known_at = now
        self._state = event.state
        if event.state not in RECEIVING_STATES:
            self.message = f"Monitor link lost: {event.message}"

    def onset(self, phase: str | None) -> Onset | None:
        if not self._armed:
            return None
        delay = self.settings.delay_s
        if self._state in RECEIVING_STATES:
            return Onset(self._last_data + LINK_WATCHDOG_FACTOR * max(delay, 1.0))
        if self._known_at >= self._last_data + delay:
            return Onset(self._known_at, immediate=True)  # the driver's report itself is the evidence
        return _delayed(self._last_data, delay)

    def message_in(self, phase: str | None) -> str:
        return self.message

    def _arm(self, now: float) -> None:
        if not self._armed:
            self._armed = True
            self._last_data = now
            self._known_at = now


class FlagWatch:
    """SENSOR_OFF or INVALID_MEASUREMENT: some source has said so for longer than the delay.

    Sources are parameters (a reading's quality) and the device status. A
    parameter counts only once it has delivered a number in this session: a
    monitor sends "invalid" for an NIBP not yet measured, or a module nobody
    uses, and that is not a fault.
    """

    def __init__(self, condition: AlarmCondition, settings: TechnicalSettings) -> None:
        self.condition = condition
        self.settings = settings
        self._since: dict[str, float] = {}  # source -> when it started saying so
        self._what: dict[str, str] = {}

    def set(self, source: str, present: bool, now: float, what: str = "") -> None:
        if present:
            self._since.setdefault(source, now)
            self._what[source] = what
        else:
            self._since.pop(source, None)
            self._what.pop(source, None)

    def onset(self, phase: str | None) -> Onset | None:
        if not self._since:
            return None
        return _delayed(min(self._since.values()), self.settings.delay_s)

    def message_in(self, phase: str | None) -> str:
        parts = sorted(set(self._what.values()))
        if self.condition is AlarmCondition.SENSOR_OFF:
            return f"Sensor off: {', '.join(parts)}. Check the sensor on the patient."
        return f"No valid measurement: {', '.join(parts)}. Check the sensor and the patient."


def reading_flags(reading: Reading) -> tuple[bool, bool]:
    """(sensor off, no valid value for another reason) for one reading.

    A cuff cycle in progress is not a failed measurement, whatever the value.
    """
    sensor_off = bool(reading.quality & Quality.SENSOR_OFF)
    measuring = bool(reading.quality & Quality.NIBP_MEASURING)
    return sensor_off, reading.value is None and not sensor_off and not measuring


def reason_text(reading: Reading) -> str:
    names = ", ".join(n.lower().replace("_", " ") for n in reading.quality.names)
    return f"{LABELS[reading.parameter]} ({names})" if names else LABELS[reading.parameter]


def status_flags(conditions: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Device-status names that mean sensor off, and those that mean a sensor fault."""
    off = [c for c in conditions if c in SENSOR_OFF_NAMES]
    faults = [c for c in conditions if c in SENSOR_FAULT_NAMES]
    return off, faults


class NoisyLineWatch:
    """NOISY_LINE: the share of damaged frames over a window is above the limit.

    Decoders count frames cumulatively (``FrameStats``); the watch works on the
    increments. It clears only below half the limit, so a rate hovering at the
    limit does not make the alarm come and go.
    """

    condition = AlarmCondition.NOISY_LINE

    def __init__(self, settings: TechnicalSettings) -> None:
        self.settings = settings
        self._previous: FrameStats | None = None
        self._window: deque[tuple[float, int, int]] = deque()
        self._since: float | None = None
        self.rate = 0.0

    def on_stats(self, stats: FrameStats, now: float) -> None:
        ok, bad = self._increments(stats)
        self._window.append((now, ok, bad))
        while self._window and self._window[0][0] < now - self.settings.window_s:
            self._window.popleft()
        total_ok = sum(w[1] for w in self._window)
        total_bad = sum(w[2] for w in self._window)
        frames = total_ok + total_bad
        self.rate = total_bad / frames if frames else 0.0
        if frames >= self.settings.min_frames and self.rate > self.settings.error_rate:
            self._since = self._since if self._since is not None else now
        elif self.rate <= self.settings.error_rate / 2 or frames < self.settings.min_frames:
            self._since = None

    def _increments(self, stats: FrameStats) -> tuple[int, int]:
        before = self._previous
        self._previous = stats
        if before is None or stats.frames_ok < before.frames_ok or stats.frames_bad < before.frames_bad:
            return stats.frames_ok, stats.frames_bad  # first count, or the decoder started over
        return stats.frames_ok - before.frames_ok, stats.frames_bad - before.frames_bad

    def onset(self, phase: str | None) -> Onset | None:
        return None if self._since is None else Onset(self._since, immediate=True)

    def message_in(self, phase: str | None) -> str:
        return (
            f"Noisy serial line: {self.rate:.0%} of frames damaged in the last "
            f"{self.settings.window_s:g} s. Check the cable and its connectors."
        )


class NibpOverdueWatch:
    """NIBP_OVERDUE: no new cuff result for longer than the cycle allows (reference §1.4).

    Armed by the first result, so a monitor without NIBP never raises it.
    """

    condition = AlarmCondition.NIBP_OVERDUE

    def __init__(self, settings: TechnicalSettings) -> None:
        self.settings = settings
        self._last: float | None = None

    def on_result(self, now: float) -> None:
        self._last = now

    def onset(self, phase: str | None) -> Onset | None:
        if self._last is None or phase == "ended":  # no cuff cycle is expected after the session
            return None
        return Onset(self._last + self.settings.after_in(phase))

    def message_in(self, phase: str | None) -> str:
        minutes = self.settings.after_in(phase) / 60
        return f"NIBP overdue: no new cuff measurement for over {minutes:g} min. Check the cuff and the NIBP cycle."


class SwitchWatch:
    """AUDIO_UNAVAILABLE or RECORDING_FAILED: on while the component says so, no delay."""

    def __init__(self, condition: AlarmCondition, settings: TechnicalSettings) -> None:
        self.condition = condition
        self.settings = settings
        self._since: float | None = None
        self.message = ""
        self.ended = CAUSE_GONE  # the detail logged when the alarm ends

    def set(self, present: bool, message: str, now: float) -> None:
        if present:
            self._since = self._since if self._since is not None else now
            self.message = message or self.message
        else:
            self._since = None

    def onset(self, phase: str | None) -> Onset | None:
        return None if self._since is None else _delayed(self._since, self.settings.delay_s)

    def message_in(self, phase: str | None) -> str:
        return self.message


class DisplayWatch(SwitchWatch):
    """DISPLAY_FROZEN: the dashboard's GUI thread stopped sending its heartbeat to the sound
    process for over 2 s (its watchdog, ui/sound); the log says how long the freeze lasted."""

    def __init__(self, settings: TechnicalSettings) -> None:
        super().__init__(AlarmCondition.DISPLAY_FROZEN, settings)

    def report(self, frozen: bool, seconds: float, now: float) -> None:
        if frozen:
            self.set(True, f"Display frozen for {seconds:.1f} s: check the patient.", now)
        else:
            self.ended = f"display was frozen for {seconds:.1f} s"
            self.set(False, "", now)


class Watch(Protocol):
    condition: AlarmCondition
    settings: TechnicalSettings

    def onset(self, phase: str | None) -> Onset | None: ...

    def message_in(self, phase: str | None) -> str: ...


class TechnicalWatches:
    """All technical watches, fed from the engine's inputs."""

    def __init__(self, profile: Profile) -> None:
        settings = profile.technical_for
        self.link = LinkWatch(settings(AlarmCondition.LINK_LOST))
        self.sensor_off = FlagWatch(AlarmCondition.SENSOR_OFF, settings(AlarmCondition.SENSOR_OFF))
        self.invalid = FlagWatch(
            AlarmCondition.INVALID_MEASUREMENT, settings(AlarmCondition.INVALID_MEASUREMENT)
        )
        self.noisy = NoisyLineWatch(settings(AlarmCondition.NOISY_LINE))
        self.overdue = NibpOverdueWatch(settings(AlarmCondition.NIBP_OVERDUE))
        self.audio = SwitchWatch(AlarmCondition.AUDIO_UNAVAILABLE, settings(AlarmCondition.AUDIO_UNAVAILABLE))
        self.recording = SwitchWatch(AlarmCondition.RECORDING_FAILED, settings(AlarmCondition.RECORDING_FAILED))
        self.display = DisplayWatch(settings(AlarmCondition.DISPLAY_FROZEN))
        self.central = SwitchWatch(AlarmCondition.CENTRAL_UNREACHABLE, settings(AlarmCondition.CENTRAL_UNREACHABLE))
        self._had_number: set[Parameter] = set()

    def all(self) -> tuple[Watch, ...]:
        """In the order of ``TECHNICAL_CONDITIONS``: simultaneous onsets are logged in this order."""
        return (self.link, self.sensor_off, self.invalid, self.noisy, self.overdue, self.audio, self.recording,
                self.display, self.central)

    def use(self, profile: Profile) -> None:
        for watch in self.all():
            watch.settings = profile.technical_for(watch.condition)

    def on_link(self, event: LinkEvent, now: float) -> None:
        self.link.on_link(event, now)

    def on_reading(self, reading: Reading, now: float) -> None:
        """Any decoded reading proves the link works; its quality may say the sensor does not."""
        self.link.on_data(now)
        if reading.value is not None:
            self._had_number.add(reading.parameter)
        armed = reading.parameter in self._had_number
        sensor_off, invalid = reading_flags(reading)
        source = f"reading:{reading.parameter.value}"
        self.sensor_off.set(source, armed and sensor_off, now, reason_text(reading))
        self.invalid.set(source, armed and invalid, now, reason_text(reading))

    def on_device_status(self, status: DeviceStatus, now: float) -> None:
        """Device-reported sensor conditions count once the device has delivered any number."""
        off, faults = status_flags(status.conditions)
        armed = bool(self._had_number)
        self.sensor_off.set("device", armed and bool(off), now, f"monitor reports {', '.join(off)}")
        self.invalid.set("device", armed and bool(faults), now, f"monitor reports {', '.join(faults)}")
