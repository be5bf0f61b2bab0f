"""Masimo Radical-5/-7 and Rad-8 serial "ASCII 1" output (spec section C).

The monitor sends one CR LF terminated text line per second, unprompted::

    02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% ... ALARM=0000 EXC=000800

It carries SpO2 and pulse rate (and PI, SpCO, SpMet, PVI we do not use); the
ASCII 1 fields documented in the spec's section C include no respiration rate,
EtCO2 or temperature, so a Masimo monitor gives none of those here.

There is no checksum, so this module is strict about the line's shape: a line
whose date, tags or values are not exactly as the monitor formats them is
rejected whole. That is what catches two lines run together after a lost byte,
which would otherwise put one line's number under another line's time.

Pure: no I/O, no clock reads, no Qt. :class:`MasimoSession` is the host side,
:func:`format_line` writes the line the simulated monitor sends.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from devices.protocols import Decoded, LineSettings
from devices.protocols.plausibility import screen
from monitor.readings import DeviceStatus, FrameStats, Observation, Parameter, Quality

log = logging.getLogger(__name__)

LINE_SETTINGS = LineSettings(9600, 8, "N", 1)
MAX_LINE_BYTES = 512  # real lines are ~130 bytes; anything longer without LF is noise
SPO2_MAX = 100.0
PR_MAX = 300.0  # Masimo measures 25-240 /min; three digits above this are corruption
_DETAILS_KEPT = 5

# EXC bits [S10][S11]. 0x800 "SET mode" is set in normal operation and is not listed.
SET_MODE = 0x000800
EXC_CONDITIONS: Mapping[int, str] = {
    0x000001: "no sensor",
    0x000002: "defective sensor",
    0x000004: "low perfusion",
    0x000008: "pulse search",
    0x000010: "interference",
    0x000020: "sensor off",
    0x000040: "ambient light",
    0x000080: "unrecognized sensor",
    0x000100: "incompatible sensor",
    0x000400: "low signal IQ",
    0x001000: "no cable",
    0x002000: "cable expired",
    0x004000: "incompatible cable",
    0x008000: "unrecognized cable",
    0x010000: "defective cable",
    0x020000: "sensor calibrating",
    0x040000: "sensor expired",
    0x080000: "emitter temperature out of range",
    0x100000: "sensor current limit",
    0x200000: "SpCO low confidence",
    0x400000: "SpMET low confidence",
}
# Conditions under which SpO2 and PR cannot be real, whatever digits the line carries.
SENSOR_OFF_BITS = 0x000001 | 0x000002 | 0x000020 | 0x001000
# Conditions that make a present value questionable: shown next to the number.
_QUALITY_BITS: tuple[tuple[int, Quality], ...] = (
    (0x000004, Quality.LOW_PERFUSION),
    (0x000010 | 0x000040, Quality.INTERFERENCE),  # interference, ambient light
    (0x020000, Quality.CALIBRATING),
)

_PRINTABLE = re.compile(r"[\x20-\x7e\t]*")
_DATE_TIME = re.compile(r"(\d\d)/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)", re.ASCII)
_FIELD = re.compile(r"([A-Z][A-Z0-9]*)=([0-9A-Za-z.+%-]*)")
_DASHES = re.compile(r"-+(\.-+)?")
_THREE_DIGITS = re.compile(r"\d{3}", re.ASCII)
_PI_DIGITS = re.compile(r"\d\d\.\d\d", re.ASCII)
_HEX = re.compile(r"[0-9A-Fa-f]{1,8}")
_SERIAL = re.compile(r"[0-9A-Za-z]{1,32}")


@dataclass(frozen=True)
class MasimoLine:
    """One parsed line. ``device_time`` is the monitor's own clock, naive (no zone on the wire)."""

    device_time: datetime
    spo2: float | None
    bpm: float | None
    pi: float | None
    alarm: int
    exc: int
    serial: str | None


class _BadLine(ValueError):
    """A line rejected as a whole; the message says why, for the link display."""


def parse_line(line: bytes) -> MasimoLine | None:
    """Parse one line (terminator optional); None if it is not a well-formed ASCII 1 line."""
    try:
        return _parse(line)
    except _BadLine:
        return None


def _parse(line: bytes) -> MasimoLine:
    text = _clean_text(line)
    fields = _fields(text[17:])
    return MasimoLine(
        device_time=_device_time(text[:17]),
        spo2=_measurement(fields, "SPO2", _THREE_DIGITS, SPO2_MAX, required=True),
        bpm=_measurement(fields, "BPM", _THREE_DIGITS, PR_MAX, required=True),
        pi=_measurement(fields, "PI", _PI_DIGITS, 99.99, required=False),
        alarm=_hex_field(fields, "ALARM"),
        exc=_hex_field(fields, "EXC"),
        serial=_serial(fields),
    )


def _clean_text(line: bytes) -> str:
    """ASCII text without the terminator; leading CR too, as LF CR order is also seen [§E]."""
    try:
        text = line.decode("ascii").strip(" \t\r\n")
    except UnicodeDecodeError:
        raise _BadLine("non-ASCII bytes") from None
    if not _PRINTABLE.fullmatch(text):
        raise _BadLine("control characters inside the line")
    return text


def _device_time(stamp: str) -> datetime:
    match = _DATE_TIME.fullmatch(stamp)
    if match is None:
        raise _BadLine("no MM/DD/YY HH:MM:SS at the start")
    month, day, year, hour, minute, second = (int(g) for g in match.groups())
    try:  # two-digit years are 20YY: these monitors postdate 2000
        return datetime(2000 + year, month, day, hour, minute, second)
    except ValueError:
        raise _BadLine(f"impossible date/time {stamp!r}") from None


def _fields(rest: str) -> dict[str, str]:
    """Space-separated TAG=value fields, in any order; duplicates mean two lines ran together."""
    if rest and rest[0] not in (" ", "\t"):
        raise _BadLine("no space after the time")
    fields: dict[str, str] = {}
    for token in rest.split():
        match = _FIELD.fullmatch(token)
        if match is None:
            raise _BadLine(f"malformed field {token[:20]!r}")
        tag, value = match.groups()
        if tag in fields:
            raise _BadLine(f"{tag}= twice")
        fields[tag] = value
    return fields


def _measurement(
    fields: dict[str, str], tag: str, digits: re.Pattern[str], maximum: float, *, required: bool
) -> float | None:
    """A fixed-format unsigned value; dashes mean 'no value'; out-of-format rejects the line."""
    raw = fields.get(tag)
    if raw is None:
        if required:
            raise _BadLine(f"no {tag}=")
        return None
    raw = raw.removesuffix("%")
    if _DASHES.fullmatch(raw):
        return None
    if not digits.fullmatch(raw):
        raise _BadLine(f"{tag}={raw[:12]!r} is not in the monitor's format")
    value = float(raw)
    if value > maximum:
        raise _BadLine(f"{tag}={raw} is out of range")
    return value


def _hex_field(fields: dict[str, str], tag: str) -> int:
    """ALARM/EXC bits. Absent counts as 0 (nothing reported); invalid hex rejects the line."""
    raw = fields.get(tag)
    if raw is None:
        return 0
    if not _HEX.fullmatch(raw):
        raise _BadLine(f"{tag}={raw[:12]!r} is not hex")
    return int(raw, 16)


def _serial(fields: dict[str, str]) -> str | None:
    raw = fields.get("SN")
    if raw is None or _DASHES.fullmatch(raw):
        return None
    if not _SERIAL.fullmatch(raw):
        raise _BadLine("malformed SN=")
    return raw


def exc_conditions(exc: int) -> tuple[str, ...]:
    """Human-readable names of the EXC bits set, lowest bit first; SET mode is not a condition.

    Bits the table does not know are named by value, so nothing the monitor
    reports is silently hidden.
    """
    names: list[str] = []
    bits = exc & ~SET_MODE
    bit = 1
    while bits:
        if bits & bit:
            names.append(EXC_CONDITIONS.get(bit, f"exception 0x{bit:06X}"))
            bits &= ~bit
        bit <<= 1
    return tuple(names)


def observations(line: MasimoLine) -> list[Decoded]:
    """SpO2, PR and the device status for one line: sent every line so conditions also clear."""
    return [
        _observation(Parameter.SPO2, line.spo2, line),
        _observation(Parameter.PR, line.bpm, line),
        DeviceStatus(exc_conditions(line.exc), line.device_time),
    ]


def _observation(parameter: Parameter, value: float | None, line: MasimoLine) -> Observation:
    if line.exc & SENSOR_OFF_BITS:  # digits with the probe off are not a patient's values
        return Observation(parameter, None, Quality.SENSOR_OFF, line.device_time)
    if value is None:
        return Observation(parameter, None, Quality.ABSENT, line.device_time)
    return Observation(parameter, value, _value_quality(line.exc), line.device_time)


def _value_quality(exc: int) -> Quality:
    quality = Quality.NONE
    for bits, flag in _QUALITY_BITS:
        if exc & bits:
            quality |= flag
    return quality


class LineDecoder:
    """Turns received bytes into decoded lines: joins split lines, bounds its buffer.

    The first line after creation is dropped, because the port may have been
    opened in the middle of it; create a new decoder on every (re)open.
    """

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._max_line_bytes = max_line_bytes
        self._buffer = bytearray()
        self._skipping = True  # discard up to the next LF: opening partial line, or overflow
        self._ok = 0
        self._bad = 0
        self._discarded = 0
        self._details: deque[str] = deque(maxlen=_DETAILS_KEPT)

    @property
    def stats(self) -> FrameStats:
        return FrameStats(self._ok, self._bad, self._discarded, tuple(self._details))

    def feed(self, data: bytes) -> list[Decoded]:
        """Bytes as received, in chunks of any size; returns what complete lines decode to."""
        self._buffer += data
        decoded: list[Decoded] = []
        while (end := self._buffer.find(b"\n")) >= 0:
            raw = bytes(self._buffer[: end + 1])
            del self._buffer[: end + 1]
            decoded.extend(self._take_line(raw))
        self._bound_buffer()
        return decoded

    def _take_line(self, raw: bytes) -> list[Decoded]:
        if self._skipping:
            self._skipping = False
            self._discarded += len(raw)
            return []
        if not raw.strip():  # stray CR/LF from adapters: not a frame, not noise
            self._discarded += len(raw)
            return []
        try:
            if len(raw) > self._max_line_bytes:
                raise _BadLine(f"line of {len(raw)} bytes")
            line = _parse(raw)
        except _BadLine as bad:
            self._reject(len(raw), str(bad))
            return []
        self._ok += 1
        return screen(observations(line))

    def _bound_buffer(self) -> None:
        """A line that never ends is dropped, not held forever; skip to the next LF."""
        if len(self._buffer) <= self._max_line_bytes:
            return
        if self._skipping:
            self._discarded += len(self._buffer)
        else:
            self._reject(len(self._buffer), f"no line end within {self._max_line_bytes} bytes")
            self._skipping = True
        self._buffer.clear()

    def _reject(self, size: int, reason: str) -> None:
        self._bad += 1
        self._discarded += size
        self._details.append(reason)
        log.debug("masimo: line rejected (%d bytes): %s", size, reason)


class MasimoSession:
    """Host side of a Masimo connection: listen only, nothing is ever sent."""

    name = "masimo"
    settings = LINE_SETTINGS
    expected_interval_s = 1.0

    def __init__(self) -> None:
        self._decoder = LineDecoder()
        self._earlier = FrameStats()  # counts from previous opens: stats never go backwards

    def on_open(self, now_s: float) -> bytes:
        """Start a fresh decoder so the partial first line of this opening is dropped."""
        self._earlier = self.stats
        self._decoder = LineDecoder()
        return b""

    def feed(self, data: bytes, now_s: float) -> list[Decoded]:
        return self._decoder.feed(data)

    def poll(self, now_s: float) -> bytes:
        return b""

    def on_close(self) -> bytes:
        return b""

    @property
    def stats(self) -> FrameStats:
        current = self._decoder.stats
        return FrameStats(
            self._earlier.frames_ok + current.frames_ok,
            self._earlier.frames_bad + current.frames_bad,
            self._earlier.bytes_discarded + current.bytes_discarded,
            current.details or self._earlier.details,
        )


def format_line(
    device_time: datetime, spo2: int | None, pr: int | None, exc: int, *, serial: str = "0000056661"
) -> bytes:
    """The Rad-8 style line a monitor sends (CR LF terminated); None values become dashes.

    Whole numbers only, as the display shows them; the encoder of the simulated
    monitor uses this, so the parser above and this formatter must agree.
    """
    if not _SERIAL.fullmatch(serial):
        raise ValueError(f"serial {serial!r} is not 1-32 letters/digits")
    if not 2000 <= device_time.year <= 2099:
        raise ValueError(f"a Masimo line cannot carry the year {device_time.year}")
    spo2_text = "---" if spo2 is None else f"{spo2:03d}"
    pr_text = "---" if pr is None else f"{pr:03d}"
    text = (
        f"{device_time:%m/%d/%y %H:%M:%S} SN={serial} SPO2={spo2_text}% BPM={pr_text}"
        f" PI=--.--% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC={exc:06X}\r\n"
    )
    return text.encode("ascii")
