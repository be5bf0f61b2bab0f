"""FLOAT-Type: the 32-bit decimal float of IntelliVue numerics (spec §B.6).

Layout (u32 big-endian): the **top** byte is a signed exponent, the low 24 bits
a signed two's-complement mantissa; value = mantissa × 10^exponent. Real bytes:
``00 00 00 3C`` = 60, ``FF 00 00 07`` = 0.7, ``FF FF FF F7`` = −0.9.
PyVSCapture [S9] reads the *last* byte as the exponent (HR 60 would become 0);
that bug is not copied here.

Special mantissas (NaN, NRes, ±∞, and the reserved 0x800001) are recognised
whatever the exponent byte says (decision: a special mantissa with a non-zero
exponent is still not a number; being strict here can only hide a value,
never invent one).
"""

from __future__ import annotations

import enum
import math
from decimal import Decimal


class FloatSpecial(enum.IntEnum):
    """Special FLOAT-Type mantissas; the enum value is the 24-bit code (§B.6)."""

    NAN = 0x7FFFFF  # invalid
    NRES = 0x800000  # not at this resolution
    POS_INF = 0x7FFFFE
    NEG_INF = 0x800002
    RESERVED = 0x800001


_SPECIAL_CODES = frozenset(int(s) for s in FloatSpecial)
MAX_MANTISSA = 0x7FFFFD  # largest magnitude that is not a special code
EXPONENT_RANGE = range(-128, 128)


def decode_float(raw: int) -> float | FloatSpecial:
    """Decode a u32 FLOAT-Type into a float, or the special value it codes."""
    code = raw & 0xFFFFFF
    if code in _SPECIAL_CODES:
        return FloatSpecial(code)
    exponent = (raw >> 24) - 256 if raw & 0x80000000 else raw >> 24
    mantissa = code - 0x1000000 if code & 0x800000 else code
    scale: int = 10 ** abs(exponent)
    if exponent >= 0:
        return float(mantissa * scale)
    return mantissa / scale  # int / int: exact, then correctly rounded


def encode_float(value: float | FloatSpecial) -> int:
    """Encode a value as FLOAT-Type with the fewest digits that represent it.

    Whole numbers get exponent 0, as the real monitor sends them (HR 60 is
    ``00 00 00 3C``). Float NaN and ±inf map to the special codes. Values that
    need more than the 24-bit mantissa are rounded (half-even) to fit; values
    outside the exponent range raise ValueError.
    """
    if isinstance(value, FloatSpecial):
        return int(value)
    if math.isnan(value):
        return int(FloatSpecial.NAN)
    if math.isinf(value):
        return int(FloatSpecial.POS_INF if value > 0 else FloatSpecial.NEG_INF)
    mantissa, exponent = _shortest_decimal(value)
    mantissa, exponent = _fit_mantissa(mantissa, exponent)
    if exponent not in EXPONENT_RANGE:
        raise ValueError(f"{value!r} is outside the FLOAT-Type range")
    return (exponent & 0xFF) << 24 | (mantissa & 0xFFFFFF)


def _shortest_decimal(value: float) -> tuple[int, int]:
    """(mantissa, exponent) of the shortest decimal that reads back as ``value``."""
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    magnitude = int("".join(map(str, digits)))
    if magnitude == 0:
        return 0, 0
    while exponent < 0 and magnitude % 10 == 0:
        magnitude //= 10
        exponent += 1
    while exponent > 0 and magnitude * 10 <= MAX_MANTISSA:
        magnitude *= 10
        exponent -= 1
    return (-magnitude if sign else magnitude), exponent


def _fit_mantissa(mantissa: int, exponent: int) -> tuple[int, int]:
    """Drop digits (rounding half-even) until the mantissa fits 24 bits."""
    while abs(mantissa) > MAX_MANTISSA or exponent < EXPONENT_RANGE.start:
        if mantissa == 0:
            return 0, 0
        mantissa = int(Decimal(mantissa).scaleb(-1).to_integral_value())
        exponent += 1
    return mantissa, exponent
