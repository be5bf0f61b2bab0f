"""Keeping a session recording reachable when its file is deleted or replaced while open.

Why: SQLite writes through the file descriptors it opened, so a recording deleted by
hand, by a clean-up script or with its whole folder goes on being written into a file
nobody can reach, and vanishes when the program ends. :class:`FileKeeper` notices this
(the name no longer leads to the file that was opened) and restores the whole recording
from the still-open connection with SQLite's backup: at the same path, or beside it
(``NAME-restored-N.irm.sqlite``) if something else now sits there, never over it.

Used only by :class:`monitor.recording.SessionRecorder`, on its writer thread.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path

from monitor.storage import RECORDING_SUFFIX

log = logging.getLogger(__name__)

FILE_CHECK_INTERVAL_S = 1.0  # real seconds between checks that the file is still there
_SIDE_FILES = ("-wal", "-shm", "-journal")


def open_wal(path: Path) -> sqlite3.Connection:
    """A writer's connection to an existing recording: WAL, committed at most a second late."""
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``; None if there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def restored_name(path: Path, n: int) -> Path:
    """``NAME-restored-N.irm.sqlite`` beside ``path``."""
    name = path.name
    base, suffix = (name[: -len(RECORDING_SUFFIX)], RECORDING_SUFFIX) if name.endswith(
        RECORDING_SUFFIX) else (path.stem, path.suffix)
    return path.with_name(f"{base}-restored-{n}{suffix}")


class FileKeeper:
    """Watches that ``path`` is still the file the recorder opened, and restores it if not."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lost: str | None = None  # why the file at self.path is not ours any more
        self._identity = _identity(path)
        self._next_check = 0.0
        self._why_not: str | None = None  # why the last restore failed, logged once per reason
        self._sides: dict[str, tuple[int, int]] = {}  # our -wal/-shm, to tell them from others'

    def due(self, force: bool = False) -> bool:
        """At most once a second (always with ``force``): a check is a stat, a restore a copy."""
        now = time.monotonic()
        if not force and now < self._next_check:
            return False
        self._next_check = now + FILE_CHECK_INTERVAL_S
        return True

    def check(self) -> str | None:
        """Why the file was lost, if that happened since the last check; else None."""
        if self.lost is not None:
            return None
        found = _identity(self.path)
        if found == self._identity:
            self._note_sides()
            return None
        self.lost = "deleted" if found is None else "replaced by another file"
        return self.lost

    def _note_sides(self) -> None:
        """Remember our -wal and -shm once: SQLite keeps them for the connection's life."""
        for suffix in _SIDE_FILES[:2]:
            if suffix not in self._sides:
                found = _identity(self.path.with_name(self.path.name + suffix))
                if found is not None:
                    self._sides[suffix] = found

    def _remove_our_sides(self) -> None:
        """Our old -wal/-shm, left at the old name (SQLite keeps a moved database's journal):
        beside another file, SQLite would read them as that file's own."""
        for suffix, ours in self._sides.items():
            side = self.path.with_name(self.path.name + suffix)
            if _identity(side) == ours:
                _remove(side)
        self._sides = {}

    def restore(self, conn: sqlite3.Connection) -> sqlite3.Connection | None:
        """Copy the open database (everything committed so far) to a new file and go on there.

        Returns the connection to the restored file (``conn`` is then closed), or None
        if the folder cannot be written yet (``conn`` stays in use; try again later).
        The copy is made beside the target under a temporary name, then linked into
        place (never over an existing file) and opened; only then is the old connection
        closed. SQLite neither checkpoints nor deletes the journal (-wal, -shm) of a
        database that was moved or deleted, and would read a journal left beside a file
        as that file's own: stale ones at the target's name are removed before it is
        opened, and ours at the old name after (only if they are still ours: a file that
        replaced the recording keeps its own).
        """
        folder = self.path.parent
        temporary = folder / f".{self.path.name}.restoring-{os.getpid()}"
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            _remove(temporary)
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            copy = sqlite3.connect(temporary)
            try:
                conn.backup(copy)
            finally:
                copy.close()
            target = self._place(temporary)
        except (OSError, sqlite3.Error) as exc:
            if str(exc) != self._why_not:  # once per reason, not once a second
                self._why_not = str(exc)
                log.warning("cannot restore the recording %s yet: %s", self.path, exc)
            for side in ("", *_SIDE_FILES):
                _remove(temporary.with_name(temporary.name + side))
            return None
        for leftover in _SIDE_FILES:  # the target's name was free: a journal there is stale
            _remove(target.with_name(target.name + leftover))
        try:
            restored = open_wal(target)
        except sqlite3.Error as exc:  # keep writing through the old connection; try again later
            log.error("cannot open the restored recording %s: %s", target, exc)
            return None
        try:
            conn.close()  # SQLite neither checkpoints nor deletes anything of a moved database
        except sqlite3.Error:
            pass
        self._remove_our_sides()
        self.path, self._identity, self.lost, self._why_not = target, _identity(target), None, None
        log.warning("recording restored to %s", target)
        return restored

    def _place(self, temporary: Path) -> Path:
        """Give the finished copy the recording's name, or a name beside it if that is taken."""
        for n in range(0, 100):
            target = self.path if n == 0 else restored_name(self.path, n)
            try:
                os.link(temporary, target)  # fails if the name exists: nothing is overwritten
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links
                if target.exists():
                    continue
                os.rename(temporary, target)
                return target
            _remove(temporary)
            return target
        raise OSError(f"no free name beside {self.path}")
