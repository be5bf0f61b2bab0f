"""The vocabulary every layer shares: parameters, units, quality flags and readings.

A reading crosses threads (driver thread -> GUI and recorder), so every type here
is immutable. An invalid, absent, under/over-range or not-calibrated value is
carried as ``value=None`` with a quality flag saying why: it never becomes a number.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

# The catalogue owns the parameters; re-exported because every layer speaks of readings here.
from monitor.parameters import ART_PARAMETERS, NIBP_PARAMETERS, UNITS, Parameter  # noqa: F401


class Quality(enum.Flag):
    """Why a value is missing, or what the device says about a present value.

    Flags in ``NOT_A_NUMBER`` always come with ``value=None``; the others
    (``NIBP_MEASURING``, ``OLDER_THAN_60S``, ...) may accompany a real number.
    """

    NONE = 0
    ABSENT = enum.auto()  # module/parameter not present, or the device sent "no value"
    INVALID = enum.auto()  # device marks the value invalid / NaN / questionable
    NOT_UPDATED = enum.auto()
    UNDER_RANGE = enum.auto()
    OVER_RANGE = enum.auto()
    NOT_CALIBRATED = enum.auto()
    SENSOR_OFF = enum.auto()
    NIBP_MEASURING = enum.auto()  # cuff inflating: the displayed NIBP is the previous one
    OLDER_THAN_60S = enum.auto()  # device says the value is more than 60 s old
    CALIBRATING = enum.auto()
    LOW_PERFUSION = enum.auto()
    INTERFERENCE = enum.auto()
    DEMO = enum.auto()  # device is in demo/simulation mode

    @property
    def names(self) -> tuple[str, ...]:
        """Flag names, in declaration order, for logs, JSON and the recording."""
        return tuple(f.name for f in Quality if f and f in self and f.name)

    @classmethod
    def from_names(cls, names: list[str] | tuple[str, ...]) -> Quality:
        flags = cls.NONE
        for name in names:
            flags |= cls[name]
        return flags


NOT_A_NUMBER = (
    Quality.ABSENT
    | Quality.INVALID
    | Quality.NOT_UPDATED
    | Quality.UNDER_RANGE
    | Quality.OVER_RANGE
    | Quality.NOT_CALIBRATED
    | Quality.SENSOR_OFF
)


@dataclass(frozen=True, slots=True)
class Observation:
    """One parameter value as a codec decodes it from the device's bytes.

    Codecs know nothing of host time or transports, so they return observations;
    the driver stamps them into :class:`Reading`. ``origin`` names how the monitor
    measured a parameter it can measure more than one way (RR: ``"impedance"`` from
    the ECG electrodes or ``"co2"`` from the capnograph); empty otherwise.
    """

    parameter: Parameter
    value: float | None
    quality: Quality = Quality.NONE
    device_time: datetime | None = None
    origin: str = ""

    def __post_init__(self) -> None:
        if self.value is not None and self.quality & NOT_A_NUMBER:
            raise ValueError(f"{self.parameter}: a value flagged {self.quality} must be None")
        if self.value is None and not self.quality & NOT_A_NUMBER:
            raise ValueError(f"{self.parameter}: a missing value needs a reason flag")


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """Conditions the device reports about itself (e.g. Masimo EXC bits).

    ``conditions`` is a tuple of short human-readable names ("sensor off",
    "low perfusion"); an empty tuple means the device reports nothing unusual.
    ``received_at`` is when the host received it (timezone-aware UTC), stamped on
    arrival (the codec that decodes it does not know): None until then.
    """

    conditions: tuple[str, ...]
    device_time: datetime | None = None
    received_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """An observation stamped with where and when the host received it."""

    parameter: Parameter
    value: float | None
    unit: str
    received_at: datetime  # host receive time, timezone-aware UTC
    source: str  # protocol name ("datex", "masimo", "intellivue"), then ":origin" if any
    quality: Quality = Quality.NONE
    device_time: datetime | None = None

    @property
    def is_number(self) -> bool:
        return self.value is not None

    @classmethod
    def from_observation(
        cls, obs: Observation, received_at: datetime, source: str
    ) -> Reading:
        """``source`` is the protocol; the observation's origin is appended: ``"datex:co2"``."""
        return cls(
            parameter=obs.parameter,
            value=obs.value,
            unit=UNITS[obs.parameter],
            received_at=received_at,
            source=f"{source}:{obs.origin}" if obs.origin else source,
            quality=obs.quality,
            device_time=obs.device_time,
        )


class LinkState(enum.StrEnum):
    """What the driver knows about the connection to the monitor."""

    CONNECTING = "connecting"  # opening the port
    WAITING = "waiting"  # port open, no valid frame yet
    RECEIVING = "receiving"  # valid frames arriving
    NO_VALID_FRAMES = "no-valid-frames"  # bytes or silence, but nothing decodes
    SILENT = "silent"  # valid frames stopped arriving
    DISCONNECTED = "disconnected"  # port lost or could not be opened; retrying
    CLOSED = "closed"  # stopped by the user


@dataclass(frozen=True, slots=True)
class LinkEvent:
    """A change of link state, with a sentence for the user."""

    state: LinkState
    message: str
    at: datetime
    port: str = ""
    protocol: str = ""


@dataclass(frozen=True, slots=True)
class FrameStats:
    """Counts a decoder keeps, for the noisy-line alarm and the link display."""

    frames_ok: int = 0
    frames_bad: int = 0
    bytes_discarded: int = 0
    details: tuple[str, ...] = field(default_factory=tuple)
