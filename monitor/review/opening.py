"""Opening a recording: everything checked before a single reading is believed.

:func:`monitor.review.reader.open_recording` checks, in this order, that the file
exists and is a regular file that can be read, that it is an SQLite database, that
it is an Infusion Room Monitor recording (``PRAGMA application_id``), that this
program knows its format version (``PRAGMA user_version``), that its tables are all
there, and (unless ``verify=False``) that SQLite finds every page intact and every
cell the reader uses holds the type the writer gives it (:class:`Verification`).
Each refusal is a :class:`RecordingOpenError` whose text names the file, says what
is wrong and what to do.

The file is opened through a ``file:...?mode=ro`` URI, so review never changes
a recording. A recording whose writer was killed keeps its last committed
transactions in the ``-wal`` file beside it; a read-only connection reads them
(SQLite rebuilds its WAL index in the ``-shm`` file, never in the recording),
so those readings are reviewed and exported like the rest. A recording that
was closed normally has no ``-wal`` and is opened ``immutable`` (see
:func:`connect`), so reviewing it creates no file at all.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from monitor.recording import APPLICATION_ID, FORMAT_VERSION
from monitor.review.integrity import first_bad_cell

log = logging.getLogger(__name__)

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
COPY_AGAIN = "Copy it again from the original recordings folder (with its -wal file, if there is one)."


class RecordingOpenError(Exception):
    """A recording cannot be opened or read; ``str()`` is the full sentence for the user.

    ``reason`` is the short form the session library shows in its status column.
    """

    def __init__(self, message: str, *, path: Path, reason: str) -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason

def refuse(path: Path, problem: str, advice: str, reason: str) -> RecordingOpenError:
    return RecordingOpenError(f"{path}: {problem}. {advice}", path=path, reason=reason)


def check_file(path: Path) -> None:
    """Existence, readability and the SQLite signature, before SQLite sees the file."""
    if not path.exists():
        raise refuse(path, "no such file", "Check the name and folder, or pick the session "
                      "from the library.", "missing")
    if path.is_dir():
        raise refuse(path, "this is a folder, not a recording", "Choose a .irm.sqlite file.",
                      "not a file")
    if not path.is_file():  # reading a pipe would block for ever, a device may never end
        raise refuse(path, "this is a pipe or a device, not a recording", "Choose a .irm.sqlite file.",
                      "not a file")
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except PermissionError:
        raise refuse(path, "you do not have permission to read this file",
                      "Open it as the user who recorded it, or ask IT to restore its access.",
                      "cannot be read") from None
    except OSError as exc:
        raise refuse(path, f"cannot be read ({exc.strerror})",
                      "Check the drive or network share and try again.", "cannot be read") from None
    if not head and Path(f"{path}-wal").exists():
        # Never let SQLite open this: it deletes the -wal of a zero-length database, even read-only.
        raise refuse(path, "the file is empty, and the -wal file beside it cannot be read without it",
                      "Copy the recording again from the original recordings folder, with its -wal file.",
                      "empty")
    if not head:
        raise refuse(path, "the file is empty: nothing was ever written to it",
                      "If it was copied, copy it again; otherwise the session was not recorded.",
                      "empty")
    if head != SQLITE_MAGIC:
        if len(head) < len(SQLITE_MAGIC) and SQLITE_MAGIC.startswith(head):
            raise refuse(path, "the file is cut short (truncated)", COPY_AGAIN, "damaged: truncated")
        raise refuse(path, "this is not an Infusion Room Monitor recording (not an SQLite "
                      "database)", "Choose a .irm.sqlite file made by this program.", "not a recording")


def connect(path: Path) -> sqlite3.Connection:
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


def damaged(path: Path, exc: sqlite3.Error) -> RecordingOpenError:
    if getattr(exc, "sqlite_errorname", "") == "SQLITE_NOTADB":
        return refuse(path, "this is not an Infusion Room Monitor recording (not an SQLite "
                       "database)", "Choose a .irm.sqlite file made by this program.", "not a recording")
    return refuse(path, f"the recording is damaged ({exc}); it may have been truncated or "
                   "only partly copied", COPY_AGAIN, "damaged")


def check_identity(path: Path, conn: sqlite3.Connection) -> int:
    application_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if application_id != APPLICATION_ID:
        if application_id == 0 and not tables:
            raise refuse(path, "the file holds no recording data", "If it was copied from another "
                          "computer, copy its -wal file with it; otherwise the session was not "
                          "recorded.", "no recording data")
        raise refuse(path, "this SQLite file was made by another program, not by the Infusion "
                      "Room Monitor", "Choose a .irm.sqlite file made by this program.",
                      "not a recording")
    if version > FORMAT_VERSION:
        raise refuse(path, f"made by a newer version of the program (recording format "
                      f"{version}; this version reads format {FORMAT_VERSION})",
                      "Update the Infusion Room Monitor to review it.", "newer format")
    if version < 1:
        raise refuse(path, f"the recording has an unknown format version ({version})",
                      "It is damaged or was not finished; " + COPY_AGAIN, "damaged")
    for table, needed in REQUIRED_COLUMNS.items():
        if table not in tables:
            raise refuse(path, f"the recording is damaged: its {table} table is missing",
                          COPY_AGAIN, "damaged")
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if not needed <= columns:
            missing = ", ".join(sorted(needed - columns))
            raise refuse(path, f"the recording is damaged: its {table} table lacks {missing}",
                          COPY_AGAIN, "damaged")
    return version


def bad_cell(path: Path, where: str) -> RecordingOpenError:
    return refuse(path, f"the recording is damaged: {where} holds a value this program never writes "
                   "(edited by another tool?)", COPY_AGAIN, "damaged")


def sqlite_refusal(path: Path, exc: sqlite3.Error) -> RecordingOpenError:
    """What an SQLite error while opening or checking means to the user."""
    if isinstance(exc, sqlite3.OperationalError) and "unable to open" in str(exc):
        return refuse(path, "cannot be opened: SQLite cannot read its -wal file or create "
                      "the index beside it (read-only folder?)", "Copy the file and its -wal "
                      "file to a folder you can write to, then open the copy.", "cannot be read")
    return damaged(path, exc)


def find_damage(path: Path, conn: sqlite3.Connection) -> RecordingOpenError | None:
    """SQLite's ``quick_check`` of every page, then the type of every cell review reads.

    So damage is found when the file is opened, not halfway through an export.
    """
    problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    if problems != ["ok"]:
        # SQLite may head the first problem with "*** in database main ***" and a line break:
        # the sentence must stay one line
        problem = " ".join(str(problems[0]).replace("*** in database main ***", "").split())
        return refuse(path, f"the recording is damaged ({problem})", COPY_AGAIN, "damaged")
    cell = first_bad_cell(conn)
    return bad_cell(path, cell) if cell is not None else None


class Verification:
    """:func:`find_damage` on a thread and a connection of its own, started at once.

    The check reads the whole file (about 0.4 s for a 24-hour recording) in two
    SQLite statements, during which Python's sqlite3 releases the interpreter; so
    while it runs, the opening thread reads the events and the series a review
    draws, and on a computer with two cores the check costs little waiting. The
    caller must take :meth:`result` before it uses or returns anything it read.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._problem: RecordingOpenError | None = None
        self._thread = threading.Thread(target=self._run, name=f"verify {path.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            conn = connect(self._path)
            try:
                self._problem = find_damage(self._path, conn)
            finally:
                conn.close()
        except sqlite3.Error as exc:
            self._problem = sqlite_refusal(self._path, exc)
        except Exception as exc:
            log.exception("checking %s failed", self._path)
            self._problem = refuse(self._path, f"the recording could not be checked ({exc})",
                                   COPY_AGAIN, "damaged")

    def result(self) -> RecordingOpenError | None:
        """Wait for the check; the refusal it found, or None when the file is sound."""
        self._thread.join()
        return self._problem
