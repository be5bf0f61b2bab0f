"""Session recordings: one SQLite file per session, written off the GUI thread.

Why SQLite in WAL mode: a committed transaction survives ``kill -9``, the file
opens in plain ``sqlite3`` and every clinic's tools, and a half-written file is
still readable. Readings are committed in batches at least every
``COMMIT_INTERVAL_S`` so a crash loses at most about a second.

A failing write (disk full, folder gone, read-only) never stops monitoring and
never drops data silently: the items stay queued, ``on_failure`` tells the app
(which raises the recording-failure alarm), and writing resumes when it can.
A recording deleted or replaced while open (the folder removed by hand, a
clean-up script) would otherwise go on into a file nobody can reach and vanish
with the program: the writer notices within a second, says so the same way,
and restores the whole file from its still-open connection (SQLite's backup),
at the same path or, if something else now sits there, beside it
(``monitor/recording_restore.py``).
A batch of items is committed as one transaction, so a write that fails midway
(disk full) leaves nothing half written to be written twice on the retry.
One item the database refuses (a NULL in a NOT NULL column, an unknown column)
is logged and skipped; it never blocks the queue or raises the alarm.
The schema is documented in ``docs/recording-format.md``.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Protocol

from monitor.readings import DeviceStatus, LinkEvent, Reading
from monitor.recording_restore import FileKeeper, open_wal

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
APPLICATION_ID = 0x49524D31  # "IRM1": tells our recordings from other SQLite files
COMMIT_INTERVAL_S = 0.5  # real seconds: the most a crash can lose is about this
RETRY_INTERVAL_S = 1.0
# SQLite result codes that mean "this one row is wrong", not "the disk is": skip the item.
_ITEM_ERRORS = frozenset({
    1,   # SQLITE_ERROR: no such column or table (a bad to_record mapping)
    18,  # SQLITE_TOOBIG
    19,  # SQLITE_CONSTRAINT: e.g. NULL in a NOT NULL column
    20,  # SQLITE_MISMATCH
    25,  # SQLITE_RANGE
})
MAX_PENDING = 500_000  # about 12 h of every parameter at 1 Hz, held in memory while the disk is failing
# The writer's SQLite page cache, in KiB. The writer only appends: each commit touches the
# rightmost leaf of the readings table, one leaf per parameter of the readings_series index
# and their parents, a few dozen 4 KiB pages. SQLite's default (2 MiB) would instead fill,
# over a session, with pages the writer never reads again (the OS keeps the file cached
# anyway): 2 MiB of the program's memory held for nothing. 256 KiB holds the working set
# with room to spare; measured over a simulated 8-hour session, commits are no slower.
WRITER_CACHE_KIB = 256

SCHEMA = """
CREATE TABLE IF NOT EXISTS session_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS readings (
    id INTEGER PRIMARY KEY,
    host_time REAL NOT NULL,      -- UTC, Unix seconds: when the host received it
    device_time TEXT,             -- ISO-8601 as the device stated it, or NULL
    parameter TEXT NOT NULL,      -- HR, PR, NIBP_SYS, ... (see docs/recording-format.md)
    value REAL,                   -- NULL when the device had no valid value
    unit TEXT NOT NULL,
    source TEXT NOT NULL,         -- protocol: datex, masimo, intellivue
    quality TEXT NOT NULL         -- comma-separated flags, '' when none
);
-- Covering: review reads a parameter's series from this index alone, never the table (twice as
-- fast), in time order and, within one time, in order of arrival (id)
CREATE INDEX IF NOT EXISTS readings_series ON readings (parameter, host_time, id, value, quality);
CREATE TABLE IF NOT EXISTS link_events (
    id INTEGER PRIMARY KEY, host_time REAL NOT NULL, state TEXT NOT NULL, message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS device_status (
    id INTEGER PRIMARY KEY, host_time REAL NOT NULL, device_time TEXT, conditions TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS phase_changes (
    id INTEGER PRIMARY KEY, host_time REAL NOT NULL, phase TEXT NOT NULL, by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS annotations (
    id INTEGER PRIMARY KEY, host_time REAL NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alarm_events (
    id INTEGER PRIMARY KEY, host_time REAL NOT NULL,
    condition TEXT NOT NULL,   -- e.g. NIBP_SYS_HIGH, LINK_LOST
    priority TEXT NOT NULL,    -- high, medium, low
    event TEXT NOT NULL,       -- raised, escalated, acknowledged, audio_paused, cleared, ...
    value REAL, limit_value REAL, baseline REAL,
    phase TEXT, detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS operator_actions (
    id INTEGER PRIMARY KEY, host_time REAL NOT NULL,
    action TEXT NOT NULL,      -- e.g. limit_changed, profile_loaded, start_confirmed_despite_caution
    detail TEXT NOT NULL       -- JSON object with the specifics
);

-- The treatment record (monitor/treatment, docs/treatment.md). Added without a new format
-- version: older recordings simply lack these tables, and readers treat that as empty.
CREATE TABLE IF NOT EXISTS treatment_plans (
    id INTEGER PRIMARY KEY, host_time REAL NOT NULL,
    weight_kg REAL NOT NULL, dose_mg_per_kg REAL NOT NULL, infusion_min REAL NOT NULL,
    concentration_mg_per_ml REAL NOT NULL,
    diluted INTEGER NOT NULL,     -- 1: volume_ml is drug plus diluent; 0: the drug undiluted
    volume_ml REAL NOT NULL, total_mg REAL NOT NULL, drug_ml REAL NOT NULL, rate_ml_per_h REAL NOT NULL,
    profile TEXT NOT NULL, by TEXT NOT NULL,
    confirmations TEXT NOT NULL   -- JSON list: values confirmed outside their sensible range
);
CREATE TABLE IF NOT EXISTS infusion_rate_changes (
    id INTEGER PRIMARY KEY, host_time REAL NOT NULL, rate_ml_per_h REAL NOT NULL,
    reason TEXT NOT NULL, by TEXT NOT NULL, confirmations TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS clinical_checks (
    id INTEGER PRIMARY KEY, host_time REAL NOT NULL,
    kind TEXT NOT NULL,           -- sedation, dissociation, side_effect
    scale TEXT NOT NULL,          -- MOAA/S, RASS, nurse-0-10, CADSS-6; a side effect's id
    score REAL NOT NULL,          -- the level, the items' sum, or 1 present / 0 resolved
    items TEXT NOT NULL, by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS discharge_criteria (
    id INTEGER PRIMARY KEY, host_time REAL NOT NULL,
    criterion TEXT NOT NULL, met INTEGER NOT NULL, detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS discharge_signoffs (
    id INTEGER PRIMARY KEY, host_time REAL NOT NULL, by TEXT NOT NULL, ready INTEGER NOT NULL,
    unmet TEXT NOT NULL, reason TEXT NOT NULL
);
"""
TREATMENT_TABLES = frozenset({
    "treatment_plans", "infusion_rate_changes", "clinical_checks", "discharge_criteria", "discharge_signoffs",
})

class Recordable(Protocol):
    """Anything the recording stores beyond readings: phase changes, annotations,
    alarm events, operator actions. ``to_record`` names the table (one of
    ``RECORD_TABLES`` or ``TREATMENT_TABLES``) and gives its column values (host_time as UTC
    Unix seconds).
    """

    def to_record(self) -> tuple[str, Mapping[str, object]]: ...


RECORD_TABLES = frozenset({"phase_changes", "annotations", "alarm_events", "operator_actions"})
Item = Reading | LinkEvent | DeviceStatus | tuple[datetime, DeviceStatus] | Recordable
INSERT_READING = (
    "INSERT INTO readings (host_time, device_time, parameter, value, unit, source, quality)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_TICK = object()  # "nothing new arrived": time to commit what is pending


class RecordingError(Exception):
    """The recording could not be created; ``str()`` is the sentence for the user."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _row(item: Item) -> tuple[str, tuple]:
    if hasattr(item, "to_record"):
        table, columns = item.to_record()
        if table not in RECORD_TABLES and table not in TREATMENT_TABLES:
            raise ValueError(f"no table {table!r} in the recording")
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        return f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(columns.values())
    if isinstance(item, Reading):
        return (
            INSERT_READING,
            (
                item.received_at.timestamp(), _iso(item.device_time), item.parameter.value,
                item.value, item.unit, item.source, ",".join(item.quality.names),
            ),
        )
    if isinstance(item, LinkEvent):
        return (
            "INSERT INTO link_events (host_time, state, message) VALUES (?, ?, ?)",
            (item.at.timestamp(), item.state.value, item.message),
        )
    at, status = (item.received_at, item) if isinstance(item, DeviceStatus) else item
    if at is None:
        raise ValueError("a device status without the time it was received")
    return (
        "INSERT INTO device_status (host_time, device_time, conditions) VALUES (?, ?, ?)",
        (at.timestamp(), _iso(status.device_time), json.dumps(list(status.conditions))),
    )


def _is_item_error(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _ITEM_ERRORS


def _bound_cache(conn: sqlite3.Connection) -> None:
    """Limit the writer's page cache to :data:`WRITER_CACHE_KIB` (why: see there)."""
    conn.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")


def create_recording(path: Path) -> None:
    """Create an empty recording at ``path`` that only its owner can read.

    Refuses to touch an existing file: a recording is part of the clinical record.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise RecordingError(f"{path} already exists; choose another file name.") from None
    except OSError as exc:
        raise RecordingError(f"Cannot create the recording {path}: {exc.strerror}.") from None
    os.close(fd)


class SessionRecorder:
    """Writes a session's readings and events to its recording on a writer thread."""

    def __init__(
        self,
        path: Path,
        metadata: Mapping[str, str],
        on_failure: Callable[[str], None] = lambda message: None,
        on_recovered: Callable[[], None] = lambda: None,
    ) -> None:
        self._metadata = dict(metadata)
        self._on_failure = on_failure
        self._on_recovered = on_recovered
        self._queue: queue.Queue[Item | None] = queue.Queue()
        self._pending: list[Item] = []
        self._failing = False
        self._retry_pause = threading.Event()  # never set: a pause that is not a sleep in a loop
        self.written = 0
        self.unwritten = 0  # items that could not be written by close(): disk still failing
        create_recording(path)
        self._keeper = FileKeeper(path)  # notices the file deleted or replaced, and restores it
        self._conn = self._connect()
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()

    @property
    def path(self) -> Path:
        """Where the recording is now (a restored recording may have moved beside the original)."""
        return self._keeper.path

    # -- any thread -----------------------------------------------------------
    def add(self, item: Item) -> None:
        self._queue.put(item)

    def close(self, end_reason: str = "ended normally") -> None:
        """Write everything queued, mark the session ended and close the file.

        Never raises: if the disk still fails, what could not be written is counted
        in ``unwritten``, logged and reported through ``on_failure``.
        """
        self._queue.put(None)
        self._thread.join()
        self._watch_file(force=True)
        self._flush()
        try:
            self._set_info({"ended_at": datetime.now().astimezone().isoformat(), "end_reason": end_reason})
        except (sqlite3.Error, OSError) as exc:
            log.error("cannot mark the recording %s ended: %s", self.path, exc)
        self.unwritten = len(self._pending)
        lost = self._keeper.lost
        if self.unwritten or lost:
            message = (
                f"The recording {self.path} is incomplete: {self.unwritten} items could not be written"
                + (f" and the file was {lost}" if lost else "") + "."
            )
            log.error("%s", message)
            self._on_failure(message)
        self._conn.close()

    # -- writer thread ----------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = open_wal(self.path)
            _bound_cache(conn)
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version={FORMAT_VERSION}")
            conn.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise RecordingError(f"Cannot create the recording {self.path}: {exc}.") from None
        self._conn = conn
        self._set_info({"format_version": str(FORMAT_VERSION), **self._metadata})
        return conn

    def _set_info(self, info: Mapping[str, str]) -> None:
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "INSERT OR REPLACE INTO session_info (key, value) VALUES (?, ?)", info.items()
            )

    def _run(self) -> None:
        done = False
        while not done:
            try:
                item = self._queue.get(timeout=COMMIT_INTERVAL_S)
            except queue.Empty:
                item = _TICK
            done = self._drain(item)
            self._watch_file()
            if not self._flush():
                self._retry_pause.wait(RETRY_INTERVAL_S)

    def _drain(self, first: object) -> bool:
        """Move everything queued into the pending batch; True when asked to stop."""
        item = first
        while True:
            if item is None:
                return True
            if item is not _TICK:
                self._pending.append(item)  # type: ignore[arg-type]
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return False

    def _flush(self) -> bool:
        """Commit the pending batch in one transaction; False if the write failed."""
        if self._pending:
            try:
                with self._conn:  # one transaction: a batch that fails is not half written
                    self._conn.execute("BEGIN")
                    for item in self._pending:
                        self._execute(item)
            except (sqlite3.Error, OSError) as exc:
                self._note_failure(exc)
                return False
            self.written += len(self._pending)
            self._pending.clear()
        if self._failing and self._keeper.lost is None:
            self._failing = False
            log.warning("recording to %s resumed", self.path)
            self._on_recovered()
        return True

    def _execute(self, item: Item) -> None:
        """One item; an item the database refuses is logged and skipped, never blocks the rest."""
        try:
            statement, values = _row(item)
            self._conn.execute(statement, values)
        except sqlite3.Error as exc:
            if not _is_item_error(exc):
                raise  # the disk, not the item: keep everything pending and retry
            log.error("cannot record %r: %s", item, exc)
        except (ValueError, TypeError, OverflowError) as exc:  # incl. text SQLite cannot encode
            log.error("cannot record %r: %s", item, exc)

    # -- the file itself ------------------------------------------------------------
    def _watch_file(self, force: bool = False) -> None:
        """Notice a recording deleted or replaced under us, say so, and restore it."""
        if not self._keeper.due(force):
            return
        lost = self._keeper.check()
        if lost is not None and not self._failing:
            self._failing = True
            log.error("recording %s was %s", self.path, lost)
            self._on_failure(
                f"The recording {self.path.name} was {lost}. Monitoring continues; "
                "the recording is restored from memory as soon as its folder can be written."
            )
        if self._keeper.lost is not None:
            restored = self._keeper.restore(self._conn)
            if restored is not None:
                _bound_cache(restored)
                self._conn = restored

    def _note_failure(self, exc: BaseException) -> None:
        if len(self._pending) > MAX_PENDING:
            lost = len(self._pending) - MAX_PENDING
            del self._pending[:lost]
            self._on_failure(f"Recording has failed for too long: {lost} oldest readings were dropped.")
        if not self._failing:
            self._failing = True
            log.error("recording to %s failed: %s", self.path, exc)
            self._on_failure(
                f"Cannot write the recording {self.path.name} ({exc}). Monitoring continues; "
                "readings are kept in memory and written when the disk is writable again. "
                "Free disk space or check the recordings folder."
            )
