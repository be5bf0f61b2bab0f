"""What every export shares: the error users see, and writing a file without ever damaging one.

A file is written to a hidden temporary file in the target folder (owner-only,
like the recordings: it holds patient data), flushed to disk, and only then
given its name, with a hard link that fails if the name exists (or, where the
file system has no hard links, a rename after checking). So an existing file is
never overwritten, and a failure (disk full, folder removed) leaves no
half-written export behind under the real name.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

_SPACE_ERRORS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_ACCESS_ERRORS = {errno.EACCES, errno.EPERM, errno.EROFS}


class ExportError(Exception):
    """An export that cannot be done; ``str()`` is the one sentence the user sees."""


def check_target(target: Path) -> None:
    """Refuse a target whose folder is missing or which already exists, before any work."""
    folder = target.parent
    if not folder.exists():
        raise ExportError(f"The folder {folder} does not exist; create it or choose another folder.")
    if not folder.is_dir():
        raise ExportError(f"{folder} is not a folder; choose a folder to export to.")
    if target.exists() or target.is_symlink():
        raise ExportError(
            f"{target} already exists; choose another name (an existing file is never overwritten)."
        )


def os_error_message(target: Path, exc: OSError) -> str:
    if exc.errno in _SPACE_ERRORS:
        return (
            f"Not enough disk space to write {target.name} in {target.parent} ({exc.strerror}). "
            "Nothing was written; free some space or choose another folder."
        )
    if exc.errno in _ACCESS_ERRORS or isinstance(exc, PermissionError):
        return (
            f"Cannot write to {target.parent} ({exc.strerror or 'permission denied'}). "
            "Choose a folder you can write to."
        )
    if isinstance(exc, FileNotFoundError) and not target.parent.exists():
        return f"The folder {target.parent} disappeared while exporting; choose another folder."
    if isinstance(exc, FileNotFoundError):  # e.g. /proc: a folder no file can be created in
        return f"Cannot write to {target.parent} ({exc.strerror}). Choose a folder you can write to."
    return f"Cannot write {target} ({exc.strerror or exc}). Nothing was written."


def _publish(temp: Path, target: Path) -> None:
    """Give the finished temporary file its name, refusing to replace anything."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise ExportError(
            f"{target} already exists; choose another name (an existing file is never overwritten)."
        ) from None
    except OSError:  # no hard links here (FAT/exFAT USB sticks, some shares)
        if target.exists():
            raise ExportError(
                f"{target} already exists; choose another name (an existing file is never overwritten)."
            ) from None
        os.rename(temp, target)
        return
    temp.unlink()


def write_atomically(target: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Create ``target`` with what ``write`` puts in a binary file; all or nothing."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise ExportError(os_error_message(target, exc)) from None
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        _publish(temp, target)
    except OSError as exc:
        raise ExportError(os_error_message(target, exc)) from None
    finally:
        try:
            temp.unlink()
        except OSError:  # already renamed or linked away, or the folder is gone
            pass
    return target
