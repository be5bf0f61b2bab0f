"""Seeded mutations of valid frames: what a serial line, a bad cable or a bug does to bytes.

Every operator takes and returns bytes and draws only from the ``random.Random``
it is given, so a failing input is reproduced from (seed, index) alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable

# Bytes that structure each protocol's stream: flags, escapes, terminators, separators.
SPECIAL: dict[str, bytes] = {
    "datex": b"\x7e\x7d\x5e\x5d",
    "intellivue": b"\xc0\xc1\x7d",
    "masimo": b"\n\r =%-/:",
}
FLAGS: dict[str, bytes] = {"datex": b"\x7e", "intellivue": b"\xc0\xc1", "masimo": b"\n"}

Op = Callable[[bytes, random.Random, str], bytes]


def flip_bits(data: bytes, rng: random.Random, protocol: str) -> bytes:
    if not data:
        return data
    buf = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4, 8))):
        buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    return bytes(buf)


def set_bytes(data: bytes, rng: random.Random, protocol: str) -> bytes:
    if not data:
        return data
    buf = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3))):
        buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def truncate(data: bytes, rng: random.Random, protocol: str) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def drop_head(data: bytes, rng: random.Random, protocol: str) -> bytes:
    return data[rng.randrange(len(data) + 1) :]


def insert_random(data: bytes, rng: random.Random, protocol: str) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.randbytes(rng.randint(1, 16)) + data[at:]


def delete_span(data: bytes, rng: random.Random, protocol: str) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    return data[:at] + data[at + rng.randint(1, 16) :]


def duplicate_span(data: bytes, rng: random.Random, protocol: str) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    span = data[at : at + rng.randint(1, 32)]
    return data[:at] + span + data[at:]


def _positions(data: bytes, values: bytes) -> list[int]:
    return [i for i, b in enumerate(data) if b in values]


def duplicate_flag(data: bytes, rng: random.Random, protocol: str) -> bytes:
    where = _positions(data, FLAGS[protocol])
    if not where:
        return insert_special(data, rng, protocol)
    at = rng.choice(where)
    return data[:at] + data[at : at + 1] * rng.randint(2, 3) + data[at + 1 :]


def drop_flag(data: bytes, rng: random.Random, protocol: str) -> bytes:
    where = _positions(data, FLAGS[protocol])
    if not where:
        return delete_span(data, rng, protocol)
    at = rng.choice(where)
    return data[:at] + data[at + 1 :]


def insert_special(data: bytes, rng: random.Random, protocol: str) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + bytes([rng.choice(SPECIAL[protocol])]) + data[at:]


def replace_special(data: bytes, rng: random.Random, protocol: str) -> bytes:
    if not data:
        return data
    buf = bytearray(data)
    buf[rng.randrange(len(buf))] = rng.choice(SPECIAL[protocol])
    return bytes(buf)


def random_bytes(data: bytes, rng: random.Random, protocol: str) -> bytes:
    return rng.randbytes(rng.randint(0, max(1, 2 * len(data))))


OPS: dict[str, Op] = {
    "flip": flip_bits,
    "set": set_bytes,
    "truncate": truncate,
    "drop_head": drop_head,
    "insert": insert_random,
    "delete": delete_span,
    "duplicate": duplicate_span,
    "dup_flag": duplicate_flag,
    "drop_flag": drop_flag,
    "insert_special": insert_special,
    "replace_special": replace_special,
    "random": random_bytes,
}
# Weights: bit errors and lost/added bytes are what lines do most; whole-frame garbage less.
_WEIGHTED = [name for name, weight in (
    ("flip", 6), ("set", 3), ("truncate", 2), ("drop_head", 1), ("insert", 2), ("delete", 2),
    ("duplicate", 1), ("dup_flag", 2), ("drop_flag", 2), ("insert_special", 2),
    ("replace_special", 2), ("random", 1),
) for _ in range(weight)]


def mutate(data: bytes, rng: random.Random, protocol: str) -> tuple[bytes, tuple[str, ...]]:
    """One to three operators applied in turn; returns the bytes and the operator names."""
    names = tuple(rng.choice(_WEIGHTED) for _ in range(rng.choice((1, 1, 1, 2, 2, 3))))
    for name in names:
        data = OPS[name](data, rng, protocol)
    return data, names


def chunks(data: bytes, rng: random.Random) -> list[bytes]:
    """``data`` as a serial port might hand it over: whole, in random pieces, or byte by byte."""
    style = rng.random()
    if style < 0.4 or len(data) < 2:
        return [data]
    if style < 0.45 and len(data) <= 400:
        return [data[i : i + 1] for i in range(len(data))]
    cuts = sorted({rng.randrange(1, len(data)) for _ in range(rng.randint(1, 8))})
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]
