"""IntelliVue MIB/RS232 framing: BOF/EOF, transparency escapes, CRC-16/X-25 (spec §B.2, §B.7).

A frame on the wire is ``C0`` + escaped(header + user data + FCS) + ``C1``. The
4-byte header is protocol id ``0x11``, message type ``0x01`` and the user-data
length (u16 BE). The FCS is CRC-16/X-25 over header + user data *before*
escaping, sent low byte first, and is itself escaped (the real monitor does so;
VSCaptureMP's host code forgets to — §B.2 — we do not copy that).

Pure: no I/O, no clock. The :class:`Deframer` is the receive side; it resyncs
per §B.7: a BOF inside a frame starts a new frame and throws the partial bytes
away (VSCaptureMP keeps them and so also loses the next frame), ``7D C1``
aborts, and FCS or length mismatches drop the frame without touching the next.
"""

from __future__ import annotations

import binascii
import logging
import re
from binascii import crc_hqx
from collections import Counter
from dataclasses import dataclass

from monitor.readings import FrameStats

log = logging.getLogger(__name__)

BOF = 0xC0
EOF = 0xC1
ESC = 0x7D
ESC_XOR = 0x20

PROTOCOL_ID = 0x11  # Data Export (§B.2)
MESSAGE_TYPE = 0x01
HEADER_LEN = 4
FCS_LEN = 2

# Our AARQ offers to receive up to 2500 bytes of user data (§B.2; the real
# monitor's own MTU is 996) and escaping at most doubles a frame. Anything longer
# between BOF and EOF is noise, not a frame.
MAX_USER_DATA = 2500
MAX_ESCAPED_LEN = 2 * (HEADER_LEN + MAX_USER_DATA + FCS_LEN)


_BIT_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def _reverse16(value: int) -> int:
    return _BIT_REVERSED[value & 0xFF] << 8 | _BIT_REVERSED[value >> 8]


def fcs(data: bytes) -> int:
    """CRC-16/X-25 of ``data``: init 0xFFFF, reflected, final XOR 0xFFFF (§B.2).

    ``fcs(b"123456789") == 0x906E`` is the catalogue check value. X-25 is the
    bit-reflected form of CRC-CCITT, so it is computed by C's ``crc_hqx`` over
    bit-reversed bytes: a per-byte Python loop was the decoder's hottest spot.
    """
    return _reverse16(binascii.crc_hqx(data.translate(_BIT_REVERSED), 0xFFFF)) ^ 0xFFFF


_NEEDS_ESCAPE = re.compile(rb"[\xc0\xc1\x7d]")
_ESCAPED = re.compile(rb"\x7d(.)", re.DOTALL)


def escape(data: bytes) -> bytes:
    """Transparency: C0, C1 and 7D go out as 7D followed by the byte XOR 0x20 (§B.2)."""
    return _NEEDS_ESCAPE.sub(lambda m: bytes((ESC, m.group()[0] ^ ESC_XOR)), data)


def unescape(data: bytes) -> bytes:
    """Undo :func:`escape`. ``data`` must not end in a lone 7D (that is an abort)."""
    if ESC not in data:
        return bytes(data)
    return _ESCAPED.sub(lambda m: bytes((m.group(1)[0] ^ ESC_XOR,)), data)


def encode_frame(user_data: bytes) -> bytes:
    """Wrap user data into a complete wire frame, FCS included and escaped (§B.2).

    Used by the host session for its requests and by a simulated monitor for replies.
    """
    if len(user_data) > 0xFFFF:
        raise ValueError("user data longer than the u16 length field")
    header = bytes((PROTOCOL_ID, MESSAGE_TYPE)) + len(user_data).to_bytes(2, "big")
    body = header + bytes(user_data)
    return bytes((BOF,)) + escape(body + fcs(body).to_bytes(2, "little")) + bytes((EOF,))


@dataclass(frozen=True, slots=True)
class Frame:
    """A frame that passed every check: the user data inside it."""

    user_data: bytes


class FrameError(ValueError):
    """Why an un-escaped frame was rejected; the text goes into FrameStats.details."""


# CRC-16/X-25 run over a frame *and* its FCS (low byte first) always ends in one constant
# register value, the "good residue" (0xF0B8 in the reflected form, 0x1D0F as crc_hqx of
# the bit-reversed bytes keeps it); and for a given body exactly one FCS gives it (the
# register update is a bijection of the 16 FCS bits). So ``residue == _GOOD_RESIDUE`` is
# the same test as ``fcs(body) == received``, without slicing off the body or reversing.
_GOOD_RESIDUE = 0x1D0F


def checked_user_data(raw: bytes) -> bytes:
    """The user data of an un-escaped frame (header + user data + FCS); FrameError if it
    fails a check of §B.2/§B.7, tested in this order: length, FCS, header, length field."""
    if len(raw) < HEADER_LEN + FCS_LEN:
        raise FrameError("too short")
    if binascii.crc_hqx(raw.translate(_BIT_REVERSED), 0xFFFF) != _GOOD_RESIDUE:
        raise FrameError("FCS mismatch")
    if raw[0] != PROTOCOL_ID or raw[1] != MESSAGE_TYPE:
        raise FrameError("not a Data Export header")
    if (raw[2] << 8 | raw[3]) != len(raw) - HEADER_LEN - FCS_LEN:
        raise FrameError("length field does not match the user data")
    return bytes(raw[HEADER_LEN:-FCS_LEN])


def check_frame(raw: bytes) -> Frame:
    """Validate an un-escaped frame (header + user data + FCS) per §B.2/§B.7."""
    return Frame(user_data=checked_user_data(raw))


class Deframer:
    """Splits a byte stream into checked frames, however the stream is chunked.

    Keeps :class:`FrameStats`: good and bad frames, bytes thrown away, and a
    count per reason in ``details`` (e.g. ``"FCS mismatch: 2"``).
    """

    def __init__(self) -> None:
        self._in_frame = False  # a BOF was seen and no EOF yet; False = hunting for a BOF
        self._pending = bytearray()  # the escaped bytes of that frame from earlier chunks
        self._ok = 0
        self._bad = 0
        self._discarded = 0
        self._reasons: Counter[str] = Counter()

    @property
    def stats(self) -> FrameStats:
        details = tuple(f"{reason}: {n}" for reason, n in sorted(self._reasons.items()))
        return FrameStats(self._ok, self._bad, self._discarded, details)

    def reset(self) -> None:
        """Forget a partial frame (e.g. after the port was reopened); keep the counts."""
        self._in_frame = False
        self._pending.clear()

    def feed(self, data: bytes) -> list[Frame]:
        """Consume received bytes; return the frames they complete, in order."""
        return [Frame(user_data) for user_data in self.feed_user_data(data)]

    def feed_user_data(self, data: bytes) -> list[bytes]:
        """:meth:`feed`, giving each checked frame's user data alone.

        The host session's path: it needs only the bytes (a Frame per frame was an
        object made and dropped for every reply). One pass over the chunk with
        ``bytes.find`` (memchr, far cheaper than a regex); a frame wholly inside the
        chunk is checked straight from a slice of it, without the pending buffer.
        """
        frames: list[bytes] = []
        pos, end = 0, len(data)
        pending, in_frame = self._pending, self._in_frame
        while pos < end:
            if not in_frame:  # hunting: bytes outside BOF...EOF are ignored (§B.7)
                start = data.find(BOF, pos)
                if start < 0:
                    self._discard(end - pos)
                    break
                if start > pos:
                    self._discard(start - pos)
                in_frame, pos = True, start + 1
                continue
            eof = data.find(EOF, pos)
            bof = data.find(BOF, pos, end if eof < 0 else eof)
            at = bof if bof >= 0 else eof
            if at < 0:  # the frame goes on in the next chunk
                pending += data[pos:]
                if len(pending) > MAX_ESCAPED_LEN:
                    self._reject("no EOF within the maximum frame length", len(pending) + 1)
                    pending.clear()
                    in_frame = False
                break
            if at == eof:
                in_frame = False
                if pending:
                    escaped = b"".join((pending, data[pos:at]))
                    pending.clear()
                else:
                    escaped = data[pos:at]
                size = len(escaped)
                # The usual frame, checked inline: no escapes (so nothing to undo and no
                # abort), and it passes every check of checked_user_data, in its order.
                # Anything else goes through _complete, which gives the reason.
                if (ESC not in escaped and HEADER_LEN + FCS_LEN <= size <= MAX_ESCAPED_LEN
                        and crc_hqx(escaped.translate(_BIT_REVERSED), 0xFFFF) == _GOOD_RESIDUE
                        and escaped[0] == PROTOCOL_ID and escaped[1] == MESSAGE_TYPE
                        and (escaped[2] << 8 | escaped[3]) == size - HEADER_LEN - FCS_LEN):
                    self._ok += 1
                    frames.append(bytes(escaped[HEADER_LEN:-FCS_LEN]))
                elif (user_data := self._complete(escaped)) is not None:
                    frames.append(user_data)
            else:  # BOF inside a frame: §B.7 says start again, drop the partial bytes
                partial = len(pending) + at - pos
                if partial:
                    self._reject("BOF inside a frame", partial + 1)
                else:  # a repeated BOF loses nothing
                    self._discard(1)
                pending.clear()
            pos = at + 1
        self._in_frame = in_frame
        return frames

    def _complete(self, escaped: bytes | bytearray) -> bytes | None:
        """The user data of the escaped bytes between a BOF and an EOF, or None (counted)."""
        size = len(escaped)
        wire_len = size + 2
        if size > MAX_ESCAPED_LEN:  # as when it arrives in pieces: chunking never matters
            self._reject("no EOF within the maximum frame length", wire_len)
            return None
        if size and escaped[-1] == ESC:  # an odd run of 7D before the EOF is the abort sequence
            trailing_escapes = size - len(escaped.rstrip(b"\x7d"))
            if trailing_escapes % 2:
                self._reject("aborted (7D C1)", wire_len)
                return None
        try:
            user_data = checked_user_data(unescape(escaped))
        except FrameError as err:
            self._reject(str(err), wire_len)
            return None
        self._ok += 1
        return user_data

    def _reject(self, reason: str, wire_len: int) -> None:
        log.debug("IntelliVue frame dropped: %s (%d bytes)", reason, wire_len)
        self._bad += 1
        self._discarded += wire_len
        self._reasons[reason] += 1

    def _discard(self, n: int) -> None:
        if n > 0:
            self._discarded += n
            self._reasons["bytes outside a frame"] += n
