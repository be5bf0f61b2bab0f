"""Which sequence numbers the broker has acknowledged, and which must still be sent from the recording.

Why a ledger of its own: a bedside publishes readings and alarm events with
QoS 1, and MQTT's "at least once" only holds while one connection lasts. When
the connection is lost, whatever the broker has not acknowledged (PUBACK) may
never have reached it; whatever was not even handed to the client while the
broker was away certainly did not. Both go back on the ``missed`` list of their
stream, and the replay takes them from the recording, where the n-th reading of
the session is the row with ``id`` n (``central/backlog.py``). A PUBACK that came
after all, and a resend, make a duplicate the central station drops by
(bed, session, type, seq); nothing is skipped.

Thread-safe: the bed's thread assigns numbers, the publisher and the replay
thread hand messages to the client, paho's thread reports PUBACKs.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


class IntervalSet:
    """A set of positive integers kept as sorted, disjoint, non-adjacent closed ranges.

    A few ranges hold a whole outage's worth of numbers; the central station also
    uses it to remember which (bed, type) sequence numbers it has already shown.
    Not thread-safe on its own.
    """

    def __init__(self, ranges: Iterable[tuple[int, int]] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in ranges:
            self.add_range(start, end)

    def __contains__(self, n: int) -> bool:
        i = bisect.bisect_right(self._starts, n) - 1
        return i >= 0 and n <= self._ends[i]

    def __len__(self) -> int:
        return sum(e - s + 1 for s, e in zip(self._starts, self._ends, strict=True))

    def __bool__(self) -> bool:
        return bool(self._starts)

    def ranges(self) -> list[tuple[int, int]]:
        return list(zip(self._starts, self._ends, strict=True))

    def add(self, n: int) -> bool:
        """Add ``n``; False if it was already there."""
        if n in self:
            return False
        self.add_range(n, n)
        return True

    def add_range(self, start: int, end: int) -> None:
        if end < start:
            return
        lo = bisect.bisect_left(self._ends, start - 1)  # first range that touches or follows start
        hi = bisect.bisect_right(self._starts, end + 1)  # ranges before hi start at or before end + 1
        if lo < hi:
            start = min(start, self._starts[lo])
            end = max(end, self._ends[hi - 1])
        self._starts[lo:hi] = [start]
        self._ends[lo:hi] = [end]

    def take_first(self, limit: int) -> tuple[int, int] | None:
        """Remove and return the lowest run of at most ``limit`` consecutive numbers."""
        if not self._starts:
            return None
        start = self._starts[0]
        end = min(self._ends[0], start + limit - 1)
        if end == self._ends[0]:
            del self._starts[0], self._ends[0]
        else:
            self._starts[0] = end + 1
        return start, end


@dataclass(frozen=True, slots=True)
class Sent:
    """A message handed to the client on one connection, awaiting its PUBACK."""

    stream: str | None  # None: a message that is not numbered (state, online)
    seq: int


class Ledger:
    """Per stream (``reading``, ``alarm``, ...): the next number, what is in flight, what was missed."""

    def __init__(self, streams: Iterable[str]) -> None:
        self._lock = threading.Lock()
        self._next = {stream: 1 for stream in streams}
        self._missed = {stream: IntervalSet() for stream in self._next}
        self._in_flight: dict[tuple[int, int], Sent] = {}  # (connection, mid) -> what
        self._early: dict[tuple[int, int], bool] = {}  # PUBACKs that overtook the registration: refused?
        self._dead_upto = 0  # connections up to this number are lost
        self.acknowledged = 0
        self.refused = 0  # the broker said no (MQTT 5 reason code): not sent again
        self.refusing = False  # the last numbered message was refused (e.g. the ACL)

    # -- the bed's thread ----------------------------------------------------------------
    def assign(self, stream: str) -> int:
        with self._lock:
            seq = self._next[stream]
            self._next[stream] = seq + 1
            return seq

    def last(self, stream: str) -> int:
        """The highest number given out so far (0: none)."""
        with self._lock:
            return self._next[stream] - 1

    # -- the publisher and the replay -----------------------------------------------------------
    def miss(self, stream: str, start: int, end: int | None = None) -> None:
        """Not handed to the client (no connection, window full): to be sent from the recording."""
        with self._lock:
            self._missed[stream].add_range(start, start if end is None else end)

    def sent(self, connection: int, mid: int, stream: str | None, seq: int = 0) -> None:
        """Handed to the client; a message that is not numbered has ``stream`` None (its PUBACK
        is only matched, never replayed)."""
        key = (connection, mid)
        with self._lock:
            if connection <= self._dead_upto:  # the connection went while it was being handed over
                if stream is not None:
                    self._missed[stream].add(seq)
            elif key in self._early:
                refused = self._early.pop(key)
                self._count(stream, refused)
            else:
                self._in_flight[key] = Sent(stream, seq)

    def acked(self, connection: int, mid: int, refused: bool = False) -> None:
        """paho's thread: the broker's PUBACK for ``mid`` on ``connection``."""
        key = (connection, mid)
        with self._lock:
            sent = self._in_flight.pop(key, None)
            if sent is None:
                self._early[key] = refused
                return
            self._count(sent.stream, refused)

    def _count(self, stream: str | None, refused: bool) -> None:
        if stream is None:
            return
        self.refusing = refused
        if refused:
            self.refused += 1
        else:
            self.acknowledged += 1

    def connection_lost(self, connection: int) -> int:
        """Everything not acknowledged on ``connection`` goes back on the missed lists; how many."""
        with self._lock:
            self._dead_upto = max(self._dead_upto, connection)
            lost = [key for key in self._in_flight if key[0] <= connection]
            for key in lost:
                sent = self._in_flight.pop(key)
                if sent.stream is not None:
                    self._missed[sent.stream].add(sent.seq)
            self._early = {key: r for key, r in self._early.items() if key[0] > connection}
            return len(lost)

    def take_missed(self, stream: str, limit: int) -> tuple[int, int] | None:
        """The lowest run of missed numbers of ``stream`` (removed: the caller sends or returns it)."""
        with self._lock:
            return self._missed[stream].take_first(limit)

    def streams_with_missed(self) -> Iterator[str]:
        with self._lock:
            names = [name for name, missed in self._missed.items() if missed]
        yield from names

    # -- figures ------------------------------------------------------------------------------
    def in_flight(self) -> int:
        with self._lock:
            return sum(1 for sent in self._in_flight.values() if sent.stream is not None)

    def missed_count(self) -> int:
        with self._lock:
            return sum(len(m) for m in self._missed.values())
