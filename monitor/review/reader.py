"""Open a session recording for review and export, read-only, refusing anything that is not one.

:func:`open_recording` checks, in this order, that the file exists and is a
regular file that can be read, that it is an SQLite database, that it is an
Infusion Room Monitor recording (``PRAGMA application_id``), that this program
knows its format version (``PRAGMA user_version``), that its tables are all
there, and (unless ``verify=False``) that SQLite finds every page intact and
every cell the reader uses holds the type the writer gives it. Each refusal is a
:class:`RecordingOpenError` whose text names the file, says what is wrong and
what to do.

The file is opened through a ``file:...?mode=ro`` URI, so review never changes
a recording. A recording whose writer was killed keeps its last committed
transactions in the ``-wal`` file beside it; a read-only connection reads them
(SQLite rebuilds its WAL index in the ``-shm`` file, never in the recording),
so those readings are reviewed and exported like the rest. A recording that
was closed normally has no ``-wal`` and is opened ``immutable`` (see
:func:`_connect`), so reviewing it creates no file at all.

Times everywhere are UTC Unix seconds (floats), as stored in ``host_time``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType

import numpy as np

from monitor.readings import Parameter
from monitor.recording import APPLICATION_ID, FORMAT_VERSION
from monitor.review.events import Event, PhaseRecord, load_events
from monitor.review.integrity import first_bad_cell
from monitor.review.metadata import parse_metadata

SQLITE_MAGIC = b"SQLite format 3\x00"

# The columns this reader relies on, per table (format version 1).
REQUIRED_COLUMNS: Mapping[str, frozenset[str]] = MappingProxyType({
    "session_info": frozenset({"key", "value"}),
    "readings": frozenset({"id", "host_time", "device_time", "parameter", "value", "unit", "source", "quality"}),
    "link_events": frozenset({"id", "host_time", "state", "message"}),
    "device_status": frozenset({"id", "host_time", "device_time", "conditions"}),
    "phase_changes": frozenset({"id", "host_time", "phase", "by"}),
    "annotations": frozenset({"id", "host_time", "kind", "text"}),
    "alarm_events": frozenset({
        "id", "host_time", "condition", "priority", "event", "value", "limit_value", "baseline",
        "phase", "detail",
    }),
    "operator_actions": frozenset({"id", "host_time", "action", "detail"}),
})

SERIES_SQL = "SELECT host_time, value, quality FROM readings WHERE parameter = ? ORDER BY host_time"
_COPY_AGAIN = "Copy it again from the original recordings folder (with its -wal file, if there is one)."


class RecordingOpenError(Exception):
    """A recording cannot be opened or read; ``str()`` is the full sentence for the user.

    ``reason`` is the short form the session library shows in its status column.
    """

    def __init__(self, message: str, *, path: Path, reason: str) -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PhaseSpan:
    """One phase from its start to the next phase (or the end of the data)."""

    phase: str
    start: float
    end: float
    by: str

    @property
    def duration_s(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Samples:
    """Every stored reading of one parameter, ordered by host time.

    ``values`` is NaN where the device had no valid value; ``flags`` holds each
    reading's quality flags (a frozenset of names, empty when none).
    """

    parameter: Parameter
    times: np.ndarray
    values: np.ndarray
    flags: tuple[frozenset[str], ...]
    # (the distinct flag sets, each reading's index into them): made on the first flagged() call
    _flag_index: tuple[tuple[frozenset[str], ...], np.ndarray] | None = field(
        default=None, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.times)

    def flagged(self, names: frozenset[str]) -> np.ndarray:
        """Boolean array: which readings carry any of the quality flags ``names``.

        A recording has a handful of distinct flag sets, so each reading's set is
        numbered once (per Samples) and every later question is one numpy lookup: a
        review asks several per NIBP series (docs/BENCHMARKS.md).
        """
        index = self._flag_index
        if index is None:
            distinct = tuple(dict.fromkeys(self.flags))
            number = {flags: i for i, flags in enumerate(distinct)}
            codes = np.fromiter(map(number.__getitem__, self.flags), dtype=np.intp, count=len(self.flags))
            index = (distinct, codes)
            object.__setattr__(self, "_flag_index", index)
        distinct, codes = index
        return np.array([bool(flags & names) for flags in distinct], dtype=bool)[codes]

    def with_values(self, values: np.ndarray) -> Samples:
        """The same readings and flags with other values (e.g. artefacts blanked)."""
        return Samples(self.parameter, self.times, values, self.flags, self._flag_index)


# -- opening ------------------------------------------------------------------------


def _refuse(path: Path, problem: str, advice: str, reason: str) -> RecordingOpenError:
    return RecordingOpenError(f"{path}: {problem}. {advice}", path=path, reason=reason)


def _check_file(path: Path) -> None:
    """Existence, readability and the SQLite signature, before SQLite sees the file."""
    if not path.exists():
        raise _refuse(path, "no such file", "Check the name and folder, or pick the session "
                      "from the library.", "missing")
    if path.is_dir():
        raise _refuse(path, "this is a folder, not a recording", "Choose a .irm.sqlite file.",
                      "not a file")
    if not path.is_file():  # reading a pipe would block for ever, a device may never end
        raise _refuse(path, "this is a pipe or a device, not a recording", "Choose a .irm.sqlite file.",
                      "not a file")
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except PermissionError:
        raise _refuse(path, "you do not have permission to read this file",
                      "Open it as the user who recorded it, or ask IT to restore its access.",
                      "cannot be read") from None
    except OSError as exc:
        raise _refuse(path, f"cannot be read ({exc.strerror})",
                      "Check the drive or network share and try again.", "cannot be read") from None
    if not head and Path(f"{path}-wal").exists():
        # Never let SQLite open this: it deletes the -wal of a zero-length database, even read-only.
        raise _refuse(path, "the file is empty, and the -wal file beside it cannot be read without it",
                      "Copy the recording again from the original recordings folder, with its -wal file.",
                      "empty")
    if not head:
        raise _refuse(path, "the file is empty: nothing was ever written to it",
                      "If it was copied, copy it again; otherwise the session was not recorded.",
                      "empty")
    if head != SQLITE_MAGIC:
        if len(head) < len(SQLITE_MAGIC) and SQLITE_MAGIC.startswith(head):
            raise _refuse(path, "the file is cut short (truncated)", _COPY_AGAIN, "damaged: truncated")
        raise _refuse(path, "this is not an Infusion Room Monitor recording (not an SQLite "
                      "database)", "Choose a .irm.sqlite file made by this program.", "not a recording")


def _connect(path: Path) -> sqlite3.Connection:
    """A read-only connection that changes nothing, not even beside the file.

    A -wal file means the writer is still running or was killed: its committed
    transactions are there, so SQLite must read it (``mode=ro``; SQLite then keeps
    its WAL index in the -shm file, never in the recording). Without a -wal file
    everything is in the file itself (a closed session is fully checkpointed, and
    a recording is never reopened for writing), so it is opened ``immutable``:
    no -wal or -shm is created, and it also works on read-only media.
    """
    uri = path.resolve().as_uri() + "?mode=ro"
    if not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def _damaged(path: Path, exc: sqlite3.Error) -> RecordingOpenError:
    if getattr(exc, "sqlite_errorname", "") == "SQLITE_NOTADB":
        return _refuse(path, "this is not an Infusion Room Monitor recording (not an SQLite "
                       "database)", "Choose a .irm.sqlite file made by this program.", "not a recording")
    return _refuse(path, f"the recording is damaged ({exc}); it may have been truncated or "
                   "only partly copied", _COPY_AGAIN, "damaged")


def _check_identity(path: Path, conn: sqlite3.Connection) -> int:
    application_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if application_id != APPLICATION_ID:
        if application_id == 0 and not tables:
            raise _refuse(path, "the file holds no recording data", "If it was copied from another "
                          "computer, copy its -wal file with it; otherwise the session was not "
                          "recorded.", "no recording data")
        raise _refuse(path, "this SQLite file was made by another program, not by the Infusion "
                      "Room Monitor", "Choose a .irm.sqlite file made by this program.",
                      "not a recording")
    if version > FORMAT_VERSION:
        raise _refuse(path, f"made by a newer version of the program (recording format "
                      f"{version}; this version reads format {FORMAT_VERSION})",
                      "Update the Infusion Room Monitor to review it.", "newer format")
    if version < 1:
        raise _refuse(path, f"the recording has an unknown format version ({version})",
                      "It is damaged or was not finished; " + _COPY_AGAIN, "damaged")
    for table, needed in REQUIRED_COLUMNS.items():
        if table not in tables:
            raise _refuse(path, f"the recording is damaged: its {table} table is missing",
                          _COPY_AGAIN, "damaged")
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if not needed <= columns:
            missing = ", ".join(sorted(needed - columns))
            raise _refuse(path, f"the recording is damaged: its {table} table lacks {missing}",
                          _COPY_AGAIN, "damaged")
    return version


def _bad_cell(path: Path, where: str) -> RecordingOpenError:
    return _refuse(path, f"the recording is damaged: {where} holds a value this program never writes "
                   "(edited by another tool?)", _COPY_AGAIN, "damaged")


def open_recording(path: Path | str, *, verify: bool = True) -> Recording:
    """Open ``path`` read-only, or raise :class:`RecordingOpenError` saying why not.

    ``verify`` runs SQLite's ``quick_check`` over every page (about 70 ms for an
    8-hour recording) and checks that every cell review reads holds the type the
    writer gives it (:mod:`monitor.review.integrity`, about as long again), so
    damage is found now and not halfway through an export.
    The session library passes ``verify=False`` to list a folder quickly.
    """
    path = Path(path)
    _check_file(path)
    conn: sqlite3.Connection | None = None
    try:
        conn = _connect(path)
        version = _check_identity(path, conn)
        if verify:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                raise _refuse(path, f"the recording is damaged ({problems[0]})", _COPY_AGAIN, "damaged")
            cell = first_bad_cell(conn)
            if cell is not None:
                raise _bad_cell(path, cell)
        return Recording(path, conn, version)
    except (TypeError, ValueError, OverflowError) as exc:  # a cell unverified (verify=False) is wrong
        assert conn is not None
        try:
            where = first_bad_cell(conn) or f"a stored value ({exc})"
        except sqlite3.Error:
            where = f"a stored value ({exc})"
        finally:
            conn.close()
        raise _bad_cell(path, where) from None
    except RecordingOpenError:
        if conn is not None:
            conn.close()
        raise
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, sqlite3.OperationalError) and "unable to open" in str(exc):
            raise _refuse(path, "cannot be opened: SQLite cannot read its -wal file or create "
                          "the index beside it (read-only folder?)", "Copy the file and its -wal "
                          "file to a folder you can write to, then open the copy.",
                          "cannot be read") from None
        raise _damaged(path, exc) from None


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
        self._events = self._guard(lambda: load_events(conn))
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
            raise _damaged(self.path, exc) from None

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
        if cached is not None:
            return cached
        rows = self._query(SERIES_SQL, (parameter.value,))
        if rows:
            times = np.fromiter((r[0] for r in rows), dtype=float, count=len(rows))
            values = np.array([r[1] for r in rows], dtype=float)  # None -> NaN
        else:
            times, values = np.empty(0), np.empty(0)
        interned: dict[str, frozenset[str]] = {}
        for q in {r[2] for r in rows}:
            interned[q] = frozenset(filter(None, q.split(",")))
        flags = tuple(interned[r[2]] for r in rows)
        times.flags.writeable = False  # shared by every caller: nobody may change them
        values.flags.writeable = False
        samples = Samples(parameter, times, values, flags)
        self._samples[parameter] = samples
        return samples

    def series(self, parameter: Parameter | str) -> tuple[np.ndarray, np.ndarray]:
        """``(times, values)``: UTC Unix seconds, and the values with NaN where there was none."""
        samples = self.samples(parameter)
        return samples.times, samples.values

    def rows(self) -> Iterator[tuple[float, str, float | None]]:
        """Every reading as ``(host_time, parameter, value)``, by time then arrival."""
        rows = self._query("SELECT host_time, parameter, value FROM readings ORDER BY id")
        # Arrival order is time order unless the computer's clock was set back; a stable sort
        # of rows already in order is one pass, where SQLite's ORDER BY host_time sorted them all.
        rows.sort(key=itemgetter(0))
        yield from rows

    # -- events -------------------------------------------------------------------------
    def events(self, categories: frozenset[str] | None = None) -> tuple[Event, ...]:
        """Phase changes, annotations, alarm, link and operator events, oldest first."""
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

    def summary(self):  # -> monitor.review.summary.Summary (import kept lazy: no cycle)
        from monitor.review.summary import summarize

        return summarize(self)
