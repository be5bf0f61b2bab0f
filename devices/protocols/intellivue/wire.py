"""Big-endian primitives shared by the IntelliVue message layers (spec §B.3, §B.5, §B.6).

Every count, length and id inside the user data is big-endian. Lists are
``{u16 count; u16 length; items}`` where ``length`` is the byte length of the
items; attributes are AVAs ``{u16 id; u16 length; value}``. A malformed length
must never make us read another object's bytes as a vital sign, so the
:class:`Reader` checks every bound and raises :class:`DecodeError`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo

TICKS_PER_SECOND = 8000  # RelativeTime is in 1/8 ms (§B.4 step 5, §B.6)
_U32 = 1 << 32

ABS_TIME_UNAVAILABLE = b"\xff" * 8  # what the real monitor sends in poll replies (§B.5)


class DecodeError(ValueError):
    """The user data does not have the layout the spec describes."""


_BE_U16 = struct.Struct(">H")
_BE_U32 = struct.Struct(">I")
_ID_AND_LENGTH = struct.Struct(">HH")


class Reader:
    """A bounds-checked cursor over a bytes object."""

    __slots__ = ("_data", "_end", "_pos")

    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self._data = data
        self._pos = start
        self._end = len(data) if end is None else end
        if not 0 <= start <= self._end <= len(data):
            raise DecodeError("bounds outside the data")

    @property
    def remaining(self) -> int:
        return self._end - self._pos

    def take(self, n: int) -> bytes:
        if n < 0 or n > self.remaining:
            raise DecodeError(f"need {n} bytes, {self.remaining} left")
        chunk = self._data[self._pos : self._pos + n]
        self._pos += n
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        if self._end - self._pos < 2:
            raise DecodeError(f"need 2 bytes, {self.remaining} left")
        (value,) = _BE_U16.unpack_from(self._data, self._pos)
        self._pos += 2
        return value

    def u32(self) -> int:
        if self._end - self._pos < 4:
            raise DecodeError(f"need 4 bytes, {self.remaining} left")
        (value,) = _BE_U32.unpack_from(self._data, self._pos)
        self._pos += 4
        return value

    def sub(self, n: int) -> Reader:
        """A reader over the next ``n`` bytes; this one skips past them."""
        if n < 0 or n > self.remaining:
            raise DecodeError(f"length {n} exceeds the {self.remaining} bytes left")
        inner = Reader(self._data, self._pos, self._pos + n)
        self._pos += n
        return inner

    def expect_end(self, what: str) -> None:
        if self.remaining:
            raise DecodeError(f"{self.remaining} unexpected bytes after {what}")


def u16(value: int) -> bytes:
    return struct.pack(">H", value)


def u32(value: int) -> bytes:
    return struct.pack(">I", value)


def read_list(reader: Reader) -> tuple[int, Reader]:
    """Read a ``{count; length}`` list header; return the count and a reader over its items."""
    count = reader.u16()
    return count, reader.sub(reader.u16())


def encode_list(items: Iterable[bytes]) -> bytes:
    """Encode items (already encoded) as ``{count; length; items}``."""
    parts = list(items)
    body = b"".join(parts)
    return u16(len(parts)) + u16(len(body)) + body


def read_attributes(reader: Reader) -> dict[int, bytes]:
    """Read an AttributeList into ``{attribute id: raw value}`` (§B.5)."""
    count, items = read_list(reader)
    attributes, items._pos = walk_attributes(items._data, items._pos, items._end, count)
    items.expect_end("the attribute list")
    return attributes


def walk_attributes(data: bytes, pos: int, end: int, count: int) -> tuple[dict[int, bytes], int]:
    """``count`` attributes from ``data[pos:end]``: ``({id: raw value}, the position after them)``.

    The hottest loop of the decoder (every numeric carries several attributes),
    so it walks the bytes with struct rather than through a Reader, with the
    same bounds checks; the poll-reply parser calls it directly for each object.
    """
    attributes: dict[int, bytes] = {}
    unpack = _ID_AND_LENGTH.unpack_from
    for _ in range(count):
        if end - pos < 4:
            raise DecodeError("attribute header runs past the list")
        attribute_id, length = unpack(data, pos)
        pos += 4
        if end - pos < length:
            raise DecodeError(f"attribute 0x{attribute_id:04X} runs past the list")
        attributes[attribute_id] = data[pos : pos + length]
        pos += length
    return attributes, pos


def encode_attributes(attributes: Iterable[tuple[int, bytes]]) -> bytes:
    """Encode ``(id, value)`` pairs as an AttributeList (order kept)."""
    return encode_list(u16(aid) + u16(len(value)) + value for aid, value in attributes)


def _bcd(byte: int) -> int | None:
    high, low = byte >> 4, byte & 0x0F
    return None if high > 9 or low > 9 else high * 10 + low


def decode_bcd_time(raw: bytes, tz: tzinfo) -> datetime | None:
    """AbsoluteTime: BCD century, year, month, day, hour, minute, second, 1/100 s (§B.4, §B.5).

    Returns None for all-FF ("not supported", as in every poll reply of the real
    capture) or anything that is not a valid date. The monitor's clock carries no
    zone, so the caller says which zone it runs in.
    """
    if len(raw) != 8:
        return None
    fields = [_bcd(b) for b in raw[:7]]
    if None in fields:
        return None
    century, year, month, day, hour, minute, second = (f or 0 for f in fields)
    hundredths = _bcd(raw[7]) or 0  # an FF fraction just means "no fraction"
    try:
        stamp = datetime(century * 100 + year, month, day, hour, minute, second, tzinfo=tz)
    except (TypeError, ValueError):
        return None
    return stamp + timedelta(milliseconds=10 * hundredths)


def encode_bcd_time(stamp: datetime | None) -> bytes:
    """The inverse of :func:`decode_bcd_time`; None gives the all-FF "not supported"."""
    if stamp is None:
        return ABS_TIME_UNAVAILABLE
    fields = (
        stamp.year // 100,
        stamp.year % 100,
        stamp.month,
        stamp.day,
        stamp.hour,
        stamp.minute,
        stamp.second,
        stamp.microsecond // 10_000,
    )
    return bytes((v // 10) << 4 | v % 10 for v in fields)


def tick_delta(later: int, earlier: int) -> int:
    """Signed difference of two u32 RelativeTime values, allowing one wrap (~6.2 days)."""
    delta = (later - earlier) % _U32
    return delta - _U32 if delta >= _U32 // 2 else delta
