"""Reviewing recorded sessions: the session library and the review window.

``main.py`` calls :func:`run_review` for ``infusion-monitor review [FILE]``; the
dashboard's menu can open :class:`LibraryWindow` or :func:`open_review` itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from monitor.review import RecordingOpenError
from ui.app_identity import set_app_identity
from ui.review.library import LibraryWindow
from ui.review.review_window import ReviewWindow, open_review

__all__ = ["LibraryWindow", "ReviewWindow", "open_review", "run_review"]

EXIT_CANNOT_OPEN = 2


def run_review(path_or_folder: Path | None, folder_default: Path, theme: str | None = None) -> int:
    """Open the library (no argument, or a folder) or one recording (a file); returns the exit code.

    A file that cannot be opened prints one line to stderr and returns 2 (no window).
    ``theme`` defaults to the one the dashboard last used.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    set_app_identity(app)
    if theme is None:
        from ui.dashboard.window import remembered_theme

        theme = remembered_theme()
    if path_or_folder is not None and not Path(path_or_folder).is_dir():
        try:
            window: LibraryWindow | ReviewWindow = open_review(path_or_folder, theme)
        except RecordingOpenError as exc:
            print(f"infusion-monitor: {exc}", file=sys.stderr)
            return EXIT_CANNOT_OPEN
    else:
        window = LibraryWindow(Path(path_or_folder) if path_or_folder is not None else folder_default, theme)
    window.show()
    return app.exec()
