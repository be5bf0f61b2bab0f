"""Session recordings: one SQLite file per session, written off the GUI thread.

Why SQLite in WAL mode: a committed transaction survives ``kill -9``, the file
opens in plain ``sqlite3`` and every clinic's tools, and a half-written file is
still readable. Readings are committed in batches at least every
``COMMIT_INTERVAL_S`` so a crash loses at most about a second.

A failing write (disk full, folder gone, read-only) never stops monitoring and
never drops data silently: the items stay queued, ``on_failure`` tells the app
(which raises the recording-failure alarm), and writing resumes when it can.
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

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
APPLICATION_ID = 0x49524D31  # "IRM1": tells our recordings from other SQLite files
COMMIT_INTERVAL_S = 0.5  # real seconds: the most a crash can lose is about this
RETRY_INTERVAL_S = 1.0
MAX_PENDING = 500_000  # about 12 h of every parameter at 1 Hz, held in memory while the disk is failing

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
CREATE INDEX IF NOT EXISTS readings_by_parameter_time ON readings (parameter, host_time);
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
"""

class Recordable(Protocol):
    """Anything the recording stores beyond readings: phase changes, annotations,
    alarm events, operator actions. ``to_record`` names the table (one of
    ``RECORD_TABLES``) and gives its column values (host_time as UTC Unix seconds).
    """

    def to_record(self) -> tuple[str, Mapping[str, object]]: ...


RECORD_TABLES = frozenset({"phase_changes", "annotations", "alarm_events", "operator_actions"})
Item = Reading | LinkEvent | tuple[datetime, DeviceStatus] | Recordable
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
        if table not in RECORD_TABLES:
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
    at, status = item
    return (
        "INSERT INTO device_status (host_time, device_time, conditions) VALUES (?, ?, ?)",
        (at.timestamp(), _iso(status.device_time), json.dumps(list(status.conditions))),
    )


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
        self.path = path
        self._metadata = dict(metadata)
        self._on_failure = on_failure
        self._on_recovered = on_recovered
        self._queue: queue.Queue[Item | None] = queue.Queue()
        self._pending: list[Item] = []
        self._failing = False
        self._retry_pause = threading.Event()  # never set: a pause that is not a sleep in a loop
        self.written = 0
        create_recording(path)
        self._conn = self._connect()
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()

    # -- any thread -----------------------------------------------------------
    def add(self, item: Item) -> None:
        self._queue.put(item)

    def close(self, end_reason: str = "ended normally") -> None:
        """Write everything queued, mark the session ended and close the file."""
        self._queue.put(None)
        self._thread.join()
        self._flush()
        self._set_info({"ended_at": datetime.now().astimezone().isoformat(), "end_reason": end_reason})
        self._conn.close()

    # -- writer thread ----------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
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
        if not self._pending:
            return True
        try:
            with self._conn:
                for item in self._pending:
                    self._execute(item)
        except (sqlite3.Error, OSError) as exc:
            self._note_failure(exc)
            return False
        self.written += len(self._pending)
        self._pending.clear()
        if self._failing:
            self._failing = False
            log.warning("recording to %s resumed", self.path)
            self._on_recovered()
        return True

    def _execute(self, item: Item) -> None:
        try:
            statement, values = _row(item)
        except (ValueError, TypeError) as exc:  # a programming error must not block the queue
            log.error("cannot record %r: %s", item, exc)
            return
        self._conn.execute(statement, values)

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
