"""A session recording, read-only: its metadata, events, phases and every parameter's series.

:func:`open_recording` refuses anything that is not a sound recording of this
program (:mod:`monitor.review.opening` says how), and review never changes the
file. Times everywhere are UTC Unix seconds (floats), as stored in ``host_time``.

The modules of this package import in one direction: the values a recording
hands out (:mod:`~monitor.review.samples`) <- the hold rule
(:mod:`~monitor.review.resample`) <- the summary (:mod:`~monitor.review.summary`,
which reads a recording through the protocol it declares) <- this reader.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path

import numpy as np

from monitor.readings import Parameter
from monitor.review.events import Event, PhaseRecord, load_events
from monitor.review.integrity import first_bad_cell
from monitor.review.metadata import parse_metadata
from monitor.review.opening import (
    RecordingOpenError,
    Verification,
    bad_cell,
    check_file,
    check_identity,
    connect,
    damaged,
    sqlite_refusal,
)
from monitor.review.samples import PhaseSpan, Samples
from monitor.review.summary import Summary, summarize
from monitor.review.treatment import TreatmentEvent, read_treatment_tables, treatment_events

SERIES_SQL = "SELECT host_time, value, quality FROM readings WHERE parameter = ? ORDER BY host_time, id"
PARAMETER_INDEX_SQL = "CASE parameter {} ELSE -1 END".format(
    " ".join(f"WHEN '{p.value}' THEN {i}" for i, p in enumerate(Parameter)))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a series is read (about 15 % of a 24-hour review's load).

    A series arrives as one tuple per reading, and every 700 new tuples start a
    collection; as tens of thousands of them stay alive those escalate to full
    collections over every object of the program. The rows are tuples of numbers
    and strings, which cannot form cycles, so there is nothing for it to find.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _samples_from_rows(parameter: Parameter, rows: list[tuple]) -> Samples:
    """``(host_time, value, quality)`` rows (see :data:`SERIES_SQL`) as arrays and flag sets."""
    if rows:
        times = np.fromiter((r[0] for r in rows), dtype=float, count=len(rows))
        values = np.array([r[1] for r in rows], dtype=float)  # None -> NaN
    else:
        times, values = np.empty(0), np.empty(0)
    interned = {q: frozenset(filter(None, q.split(","))) for q in {r[2] for r in rows}}
    flags = tuple(interned[r[2]] for r in rows)
    times.flags.writeable = False  # shared by every caller: nobody may change them
    values.flags.writeable = False
    return Samples(parameter, times, values, flags)


# -- opening ------------------------------------------------------------------------


def open_recording(path: Path | str, *, verify: bool = True, preload: bool = False) -> Recording:
    """Open ``path`` read-only, or raise :class:`RecordingOpenError` saying why not.

    ``verify`` checks every page and every cell review reads
    (:class:`~monitor.review.opening.Verification`), on its own thread while this one
    reads the events and, with ``preload``, every parameter's series (what a review
    window needs first). Nothing is returned before the check has passed, and damage
    it finds is reported in its words even when reading stumbled on it first.
    The session library passes ``verify=False`` to list a folder quickly.
    """
    path = Path(path)
    check_file(path)
    conn: sqlite3.Connection | None = None
    verification: Verification | None = None
    try:
        conn = connect(path)
        version = check_identity(path, conn)
        verification = Verification(path) if verify else None
        recording = Recording(path, conn, version)
        if preload:
            recording.preload()
    except (TypeError, ValueError, OverflowError) as exc:  # a cell unverified (verify=False) is wrong
        assert conn is not None
        found = verification.result() if verification else None
        if found is None:
            try:
                found = bad_cell(path, first_bad_cell(conn) or f"a stored value ({exc})")
            except sqlite3.Error:
                found = bad_cell(path, f"a stored value ({exc})")
        conn.close()
        raise found from None
    except (RecordingOpenError, sqlite3.Error) as exc:
        if conn is not None:
            conn.close()
        found = verification.result() if verification else None
        if found is None and isinstance(exc, RecordingOpenError):
            raise
        raise found or sqlite_refusal(path, exc) from None
    found = verification.result() if verification else None
    if found is not None:
        recording.close()
        raise found
    return recording


# -- the open recording -----------------------------------------------------------------


class Recording:
    """One session recording, open read-only. Use as a context manager, or call close()."""

    def __init__(self, path: Path, conn: sqlite3.Connection, format_version: int) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.Lock()
        self._samples: dict[Parameter, Samples] = {}
        self._parameters: tuple[Parameter, ...] | None = None
        info = dict(self._query("SELECT key, value FROM session_info"))
        self.metadata = parse_metadata(info, format_version)
        base = self._guard(lambda: load_events(conn))
        treatment = treatment_events(read_treatment_tables(self))  # plan, rate changes, checks, discharge
        self._events: tuple[Event | TreatmentEvent, ...] = tuple(sorted((*base, *treatment), key=lambda e: e.time))
        first = self._query("SELECT host_time FROM readings ORDER BY id LIMIT 1")
        last = self._query("SELECT host_time FROM readings ORDER BY id DESC LIMIT 1")
        times = [t for (t,) in first + last] + [e.time for e in self._events]
        self._last_reading: float | None = last[0][0] if last else None
        started = self.metadata.started_at
        if started is not None:
            times.append(started.timestamp())
        self.start: float = min(times) if times else 0.0
        """Session start (UTC Unix s): the earliest of ``started_at``, readings and events."""
        self.end: float = max(times) if times else self.start
        """The last reading or event: where the data ends (not ``ended_at``, see docs)."""

    # -- plumbing ---------------------------------------------------------------------
    def _guard(self, work):
        try:
            with self._lock:
                return work()
        except sqlite3.Error as exc:
            raise damaged(self.path, exc) from None

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        return self._guard(lambda: self._conn.execute(sql, args).fetchall())

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Recording:  # noqa: PYI034
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- metadata -----------------------------------------------------------------------
    @property
    def duration_s(self) -> float:
        return self.end - self.start

    def elapsed(self, t: float | np.ndarray) -> float | np.ndarray:
        """Seconds since the session start."""
        return t - self.start

    def parameters(self) -> tuple[Parameter, ...]:
        """Parameters with at least one numeric value, in the product's order."""
        if self._parameters is None:
            self._parameters = tuple(p for p in Parameter if self._query(
                "SELECT 1 FROM readings WHERE parameter = ? AND value IS NOT NULL LIMIT 1", (p.value,)))
        return self._parameters

    # -- readings -----------------------------------------------------------------------
    def samples(self, parameter: Parameter | str) -> Samples:
        """All readings of ``parameter`` (one indexed query, cached)."""
        parameter = Parameter(parameter)
        cached = self._samples.get(parameter)
        if cached is None:
            with _collector_paused():
                cached = _samples_from_rows(parameter, self._query(SERIES_SQL, (parameter.value,)))
            self._samples[parameter] = cached
        return cached

    def preload(self) -> None:
        """Read every parameter's series now: a review window draws them all at once."""
        for parameter in Parameter:
            self.samples(parameter)

    def series(self, parameter: Parameter | str) -> tuple[np.ndarray, np.ndarray]:
        """``(times, values)``: UTC Unix seconds, and the values with NaN where there was none."""
        samples = self.samples(parameter)
        return samples.times, samples.values

    def rows(self) -> Iterator[tuple[float, str, float | None]]:
        """Every reading as ``(host_time, parameter, value)``, by time then arrival."""
        yield from self._every_reading("parameter")

    def indexed_rows(self) -> list[tuple[float, int, float | None]]:
        """Every reading as ``(host_time, i, value)``, by time then arrival, where ``i`` is the
        parameter's position in :class:`Parameter` (-1: a name this version does not know).

        For exports that put each reading in its parameter's column: SQLite maps the name,
        and a small int is no new Python object (a fifth of an 8-hour CSV export's time).
        """
        return self._every_reading(PARAMETER_INDEX_SQL)

    def _every_reading(self, parameter_sql: str) -> list[tuple]:
        with _collector_paused():
            rows = self._query(f"SELECT host_time, {parameter_sql}, value FROM readings ORDER BY id")
        # Arrival order is time order unless the computer's clock was set back; a stable sort
        # of rows already in order is one pass, where SQLite's ORDER BY host_time sorted them all.
        rows.sort(key=itemgetter(0))
        return rows

    def optional_rows(self, table: str, columns: str) -> list[tuple]:
        """``(id, host_time, *columns)`` rows of a table that older recordings lack (then: none),
        by time then arrival; e.g. the treatment tables (:mod:`monitor.review.treatment`)."""
        present = self._query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
        if not present:
            return []
        return self._query(f"SELECT id, host_time, {columns} FROM {table} ORDER BY host_time, id")

    # -- events -------------------------------------------------------------------------
    def events(self, categories: frozenset[str] | None = None) -> tuple[Event | TreatmentEvent, ...]:
        """Phase changes, annotations, alarm, link and operator events and the treatment's
        (category ``treatment``: plan, rate changes, checks, discharge criteria, sign-off), oldest first."""
        if categories is None:
            return self._events
        return tuple(e for e in self._events if e.category in categories)

    def phases(self) -> tuple[PhaseSpan, ...]:
        """Each phase with its start and end; the last one ends where the data ends.

        ``ended`` is a moment, not a period: its span has zero length.
        """
        changes = [e for e in self._events if isinstance(e, PhaseRecord)]
        spans = []
        for i, change in enumerate(changes):
            if change.phase == "ended":
                end = change.time
            elif i + 1 < len(changes):
                end = changes[i + 1].time
            else:
                end = max(self.end, change.time)
            spans.append(PhaseSpan(change.phase, change.time, end, change.by))
        return tuple(spans)

    def phase_start(self, phase: str) -> float | None:
        return next((s.start for s in self.phases() if s.phase == phase), None)

    def phase_lengths(self) -> dict[str, float]:
        """Seconds spent in baseline, infusion and recovery (phases that happened)."""
        lengths: dict[str, float] = {}
        for span in self.phases():
            if span.phase != "ended":
                lengths[span.phase] = lengths.get(span.phase, 0.0) + span.duration_s
        return lengths

    def end_of_observation(self) -> float:
        """When the session ended (the ``ended`` phase), else the last reading (a crash, or a
        headless ``record`` with no phases), else the last event."""
        ended = self.phase_start("ended")
        if ended is not None:
            return ended
        return self._last_reading if self._last_reading is not None else self.end

    def summary(self) -> Summary:
        return summarize(self)
