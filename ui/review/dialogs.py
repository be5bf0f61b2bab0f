"""The few dialogs review needs, each replaceable in tests.

Messages are window-modal and non-blocking (``QMessageBox.open``): the caller
goes on, a test can read the box it left in ``window.message_box``, and nothing
ever waits on a dialog nobody can see.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

SaveDialog = Callable[[QWidget, str, Path, str], "Path | None"]
"""``(parent, caption, suggested file, name filter) -> chosen file, or None if cancelled``."""

FolderDialog = Callable[[QWidget, str, Path], "Path | None"]
"""``(parent, caption, current folder) -> chosen folder, or None if cancelled``."""


def ask_save_path(parent: QWidget, caption: str, suggested: Path, name_filter: str) -> Path | None:
    """The platform's save dialog. It does not offer to replace a file: exports never overwrite,
    and :func:`monitor.export.export` says so if an existing name is chosen."""
    chosen, _ = QFileDialog.getSaveFileName(
        parent, caption, str(suggested), name_filter, options=QFileDialog.Option.DontConfirmOverwrite
    )
    return Path(chosen) if chosen else None


def ask_folder(parent: QWidget, caption: str, current: Path) -> Path | None:
    chosen = QFileDialog.getExistingDirectory(parent, caption, str(current))
    return Path(chosen) if chosen else None


def documents_folder() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()


def show_message(parent: QWidget, title: str, text: str, warning: bool = True) -> QMessageBox:
    """A message over ``parent`` that does not block; returns the box (it deletes itself when closed)."""
    box = QMessageBox(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information, title, text,
                      QMessageBox.StandardButton.Ok, parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    return box
