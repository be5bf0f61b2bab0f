"""Reference framing checks, written again from the protocol specs, independent of the codecs.

Each function lists the payloads a correct host must accept from a byte
stream, with the reason every other frame candidate fails. The fuzzer holds the
production decoders to these: a frame that fails any check must yield nothing,
every frame that passes must decode, whatever the chunking.

Deliberately written differently from the production code (regular
expressions and explicit loops instead of counting and replacing), so one
mistake cannot hide in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

Verdict = tuple[bytes | None, str]  # (payload if accepted, reason)

# --- GE Datex-Ohmeda S/5 (spec §A.2, §A.8) ---------------------------------------------------

DATEX_HEADER = 40
DATEX_MAX_RECORD = 1490
_DATEX_ESCAPE = re.compile(rb"\x7d(.?)", re.DOTALL)


def _datex_unescape(body: bytes) -> bytes | None:
    out = bytearray()
    pos = 0
    for match in _DATEX_ESCAPE.finditer(body):
        escaped = match.group(1)
        if escaped not in (b"\x5d", b"\x5e"):
            return None  # only 7D 5D and 7D 5E exist; a dangling 7D is damage
        out += body[pos : match.start()]
        out.append(escaped[0] | 0x20)
        pos = match.end()
    out += body[pos:]
    return bytes(out)


def datex(stream: bytes) -> Iterator[Verdict]:
    """Every run between two 7E flags is a candidate; bytes after the last flag are incomplete."""
    for body in stream.split(b"\x7e")[1:-1]:
        if not body:
            continue  # 7E 7E: no frame
        frame = _datex_unescape(body)
        if frame is None:
            yield None, "illegal escape"
            continue
        record, check = frame[:-1], frame[-1:]
        if len(record) > DATEX_MAX_RECORD:
            yield None, "oversize"
        elif len(record) < DATEX_HEADER:
            yield None, "short"
        elif bytes([sum(record) % 256]) != check:
            yield None, "checksum"
        elif int.from_bytes(record[:2], "little", signed=True) != len(record):
            yield None, "r_len"
        else:
            yield record, "ok"


# --- Philips IntelliVue MIB/RS232 (spec §B.2, §B.7) -------------------------------------------

INTELLIVUE_MAX_ESCAPED = 2 * (4 + 2500 + 2)
_IV_FRAME = re.compile(rb"\xc0([^\xc0\xc1]*)\xc1")
_IV_ESCAPE = re.compile(rb"\x7d(.?)", re.DOTALL)


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1  # reflected CCITT polynomial
        table.append(crc)
    return table


_CRC_TABLE = _crc_table()


def crc16_x25(data: bytes) -> int:
    """CRC-16/X-25, table-driven (the codec uses binascii.crc_hqx on bit-reversed bytes)."""
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc ^ 0xFFFF


def intellivue(stream: bytes) -> Iterator[Verdict]:
    """A frame is C0, bytes that are neither C0 nor C1, C1; a later C0 restarts the frame."""
    for match in _IV_FRAME.finditer(stream):
        escaped = match.group(1)
        if len(escaped) > INTELLIVUE_MAX_ESCAPED:
            yield None, "oversize"
            continue
        body = bytearray()
        pos = 0
        aborted = False
        for esc in _IV_ESCAPE.finditer(escaped):
            if not esc.group(1):
                aborted = True  # 7D C1: the sender aborted the frame
                break
            body += escaped[pos : esc.start()]
            body.append(esc.group(1)[0] ^ 0x20)
            pos = esc.end()
        if aborted:
            yield None, "aborted"
            continue
        body += escaped[pos:]
        if len(body) < 6:
            yield None, "short"
        elif crc16_x25(bytes(body[:-2])) != body[-2] | body[-1] << 8:
            yield None, "FCS"
        elif body[0] != 0x11 or body[1] != 0x01:
            yield None, "header"
        elif body[2] << 8 | body[3] != len(body) - 6:
            yield None, "length"
        else:
            yield bytes(body[4:-2]), "ok"


# --- Masimo ASCII 1 (spec section C) -----------------------------------------------------------

MASIMO_MAX_LINE = 512
_TAG_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_VALUE_CHARS = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.+%-")
_DIGITS = set("0123456789")
_HEX_CHARS = set("0123456789abcdefABCDEF")
_ALNUM = _DIGITS | set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _dashes(value: str) -> bool:
    """'-', '---', '--.--': dashes, optionally one dot between two runs of dashes."""
    head, dot, tail = value.partition(".")
    return bool(head) and set(head) == {"-"} and (not dot or (bool(tail) and set(tail) == {"-"}))


def _number(fields: dict[str, str], tag: str, shape: str, maximum: float, required: bool) -> bool:
    if tag not in fields:
        return not required
    value = fields[tag]
    if value.endswith("%"):
        value = value[:-1]
    if _dashes(value):
        return True
    if len(value) != len(shape):
        return False
    for char, want in zip(value, shape):
        if (want == "9" and char not in _DIGITS) or (want == "." and char != "."):
            return False
    return float(value) <= maximum


def masimo_line_ok(raw: bytes) -> bool:
    """Whether one line (terminator included) is a well-formed ASCII 1 line."""
    if len(raw) > MASIMO_MAX_LINE or any(b > 0x7F for b in raw):
        return False
    text = raw.decode("ascii").strip(" \t\r\n")
    if any(not (0x20 <= ord(c) <= 0x7E or c == "\t") for c in text):
        return False
    stamp, rest = text[:17], text[17:]
    if len(stamp) != 17 or stamp[2] != "/" or stamp[5] != "/" or stamp[8] != " ":
        return False
    if stamp[11] != ":" or stamp[14] != ":":
        return False
    parts = (stamp[0:2], stamp[3:5], stamp[6:8], stamp[9:11], stamp[12:14], stamp[15:17])
    if not all(len(p) == 2 and set(p) <= _DIGITS for p in parts):
        return False
    month, day, year, hour, minute, second = (int(p) for p in parts)
    try:
        datetime(2000 + year, month, day, hour, minute, second)
    except ValueError:
        return False
    if rest and rest[0] not in " \t":
        return False
    fields: dict[str, str] = {}
    for token in rest.split():
        tag, equals, value = token.partition("=")
        if not equals or not tag or not ("A" <= tag[0] <= "Z") or not set(tag) <= _TAG_CHARS:
            return False
        if not set(value) <= _VALUE_CHARS or tag in fields:
            return False
        fields[tag] = value
    if not (_number(fields, "SPO2", "999", 100, True) and _number(fields, "BPM", "999", 300, True)):
        return False
    if not _number(fields, "PI", "99.99", 99.99, False):
        return False
    for tag in ("ALARM", "EXC"):
        if tag in fields and not (1 <= len(fields[tag]) <= 8 and set(fields[tag]) <= _HEX_CHARS):
            return False
    serial = fields.get("SN")
    if serial is not None and not _dashes(serial):
        if not (1 <= len(serial) <= 32 and set(serial) <= _ALNUM):
            return False
    return True


def masimo(stream: bytes) -> Iterator[Verdict]:
    """Lines end at LF; blank lines are not frames; the unterminated tail is still incomplete."""
    lines = stream.split(b"\n")
    for line in lines[:-1]:
        raw = line + b"\n"
        if not raw.strip():
            continue
        if masimo_line_ok(raw):
            yield raw, "ok"
        else:
            yield None, "format"


CHECKS = {"datex": datex, "intellivue": intellivue, "masimo": masimo}
