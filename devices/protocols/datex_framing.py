"""Datex-Ohmeda S/5 framing: checksum, byte stuffing and a resynchronising deframer.

A frame on the wire is ``7E, escaped(record + checksum), 7E`` with its own start
and end flag (§A.2). The deframer must survive everything a serial line does to
that: garbage between frames, truncated frames, corrupt bytes, and reads split
at arbitrary points (§A.8). It works on whole runs of bytes with ``find`` and
``replace`` rather than a per-byte loop so it keeps up far faster than 19200 baud.
"""

from __future__ import annotations

import logging
from collections import deque

from devices.protocols.datex_layout import (
    ESCAPE,
    ESCAPE_BIT,
    FLAG,
    HEADER_SIZE,
    MAX_RECORD_SIZE,
)
from monitor.readings import FrameStats

log = logging.getLogger(__name__)

_FLAG = bytes([FLAG])
_ESCAPE = bytes([ESCAPE])
_ESCAPED_FLAG = bytes([ESCAPE, FLAG & ~ESCAPE_BIT])  # 7D 5E
_ESCAPED_ESCAPE = bytes([ESCAPE, ESCAPE & ~ESCAPE_BIT])  # 7D 5D

MAX_UNESCAPED_FRAME = MAX_RECORD_SIZE + 1  # record + checksum
MAX_ESCAPED_FRAME = 2 * MAX_UNESCAPED_FRAME  # every byte escaped
REJECT_REASONS_KEPT = 8


def checksum(record: bytes) -> int:
    """8-bit unsigned sum of every un-escaped record byte (§A.2)."""
    return sum(record) & 0xFF


def escape(data: bytes) -> bytes:
    """Byte-stuff 7D and 7E (7D first, so the inserted escapes are not escaped again)."""
    return data.replace(_ESCAPE, _ESCAPED_ESCAPE).replace(_FLAG, _ESCAPED_FLAG)


def unescape(body: bytes) -> bytes | None:
    """Undo byte stuffing; None if the body holds anything but 7D 5D / 7D 5E escapes.

    Only those two pairs are legal (§A.2); any other byte after 7D, or a
    dangling 7D, can only come from corruption, so the frame is rejected
    instead of trusting an 8-bit checksum to catch it.
    """
    escapes = body.count(_ESCAPE)
    if not escapes:
        return body
    if escapes != body.count(_ESCAPED_ESCAPE) + body.count(_ESCAPED_FLAG):
        return None
    return body.replace(_ESCAPED_FLAG, _FLAG).replace(_ESCAPED_ESCAPE, _ESCAPE)


def encode_frame(record: bytes) -> bytes:
    """Wire frame for ``record``: 7E + escaped(record + checksum) + 7E (§A.2)."""
    return _FLAG + escape(record + bytes([checksum(record)])) + _FLAG


def _reject_reason(frame: bytes | None) -> str | None:
    """Why an un-escaped frame (record + checksum) is not a valid record, or None."""
    if frame is None:
        return "illegal escape"
    if len(frame) > MAX_UNESCAPED_FRAME:
        return f"oversize ({len(frame) - 1} bytes)"
    record_len = len(frame) - 1
    if record_len < HEADER_SIZE:
        return f"short ({record_len} bytes)"
    if checksum(frame[:-1]) != frame[-1]:
        return f"bad checksum (calc {checksum(frame[:-1]):#04x}, recv {frame[-1]:#04x})"
    r_len = int.from_bytes(frame[0:2], "little", signed=True)
    if r_len != record_len:
        return f"r_len {r_len} != record length {record_len}"
    return None


class Deframer:
    """Turns a byte stream into validated records (checksum stripped).

    Every non-empty run of bytes between two 7E flags is a frame candidate, and
    every 7E both ends the candidate before it and starts the next one. With a
    monitor that sends its own start and end flag per frame (§A.2) the run
    between an end flag and the next start flag is empty and skipped, so this
    gives the resync rules of §A.8:

    - ``7E 7E``: the second flag starts a frame (an empty frame is no frame);
    - a lost end flag costs nothing when the next start flag closes an intact
      frame, and one frame when the frame was truncated; never the next frame;
    - ``7D 7E``: the partial frame is dropped and that 7E starts a frame;
    - garbage before the first flag is discarded; garbage between frames is a
      candidate that fails its checks (counted as a bad frame);
    - more bytes than the largest legal frame: dropped, then hunt for a flag.
    """

    def __init__(self) -> None:
        self._in_frame = False
        self._partial = bytearray()
        self._frames_ok = 0
        self._frames_bad = 0
        self._bytes_discarded = 0
        self._reasons: deque[str] = deque(maxlen=REJECT_REASONS_KEPT)

    @property
    def stats(self) -> FrameStats:
        """Counts so far; ``bytes_discarded`` is every non-flag byte not in an accepted record."""
        return FrameStats(
            frames_ok=self._frames_ok,
            frames_bad=self._frames_bad,
            bytes_discarded=self._bytes_discarded,
            details=tuple(self._reasons),
        )

    def reset(self) -> None:
        """Drop any partial frame and go back to hunting (counts are kept)."""
        self._in_frame = False
        self._partial.clear()

    def feed(self, data: bytes) -> list[bytes]:
        """Consume ``data``; return the complete valid records it finished."""
        if self._in_frame and FLAG not in data:  # fast path: the middle of a frame
            self._partial += data
            if len(self._partial) > MAX_ESCAPED_FRAME:
                self._drop_runaway()
            return []
        records: list[bytes] = []
        pos = 0
        end = len(data)
        while pos < end:
            flag_at = data.find(FLAG, pos)
            if not self._in_frame:
                pos = self._hunt(data, pos, flag_at)
                continue
            if flag_at < 0:
                self._partial += data[pos:]
                if len(self._partial) > MAX_ESCAPED_FRAME:
                    self._drop_runaway()
                break
            self._partial += data[pos:flag_at]
            self._close_frame(records)
            pos = flag_at + 1
        return records

    def _hunt(self, data: bytes, pos: int, flag_at: int) -> int:
        """Skip garbage up to the next flag, which starts a frame."""
        if flag_at < 0:
            self._bytes_discarded += len(data) - pos
            return len(data)
        self._bytes_discarded += flag_at - pos
        self._in_frame = True
        return flag_at + 1

    def _close_frame(self, records: list[bytes]) -> None:
        """A 7E ended the candidate frame; the same 7E starts the next one."""
        body = bytes(self._partial)
        self._partial.clear()
        if not body:
            return  # 7E 7E: stay in frame, the second flag is a start flag
        frame = unescape(body)
        reason = _reject_reason(frame)
        if reason is None:
            assert frame is not None
            self._frames_ok += 1
            records.append(frame[:-1])
            return
        if body[-1] == ESCAPE:
            reason = "7D 7E (illegal escape before flag)"
        self._reject(reason, len(body))

    def _drop_runaway(self) -> None:
        """Drop a frame that already exceeds the largest legal size; hunt for a flag."""
        self._reject("oversize (no end flag)", len(self._partial))
        self._partial.clear()
        self._in_frame = False

    def _reject(self, reason: str, nbytes: int) -> None:
        self._frames_bad += 1
        self._bytes_discarded += nbytes
        self._reasons.append(reason)
        log.debug("datex frame rejected: %s", reason)
