"""How the program shows itself on the desktop: its name, its icon on every window, and the
desktop entry it belongs to (``make install-desktop``; the entry's file is
``packaging/infusion-monitor.desktop``). The icon ships in the package, so a wheel or a bundle
shows it without anything installed on the desktop.

Also the installation self-check: with ``INFUSION_MONITOR_SELF_CHECK=FILE.png`` in the
environment, the first window is saved to FILE.png a few seconds after start and the program
ends, so an installed copy (the bundle, a wheel) can be shown to open its windows without
anyone closing them (``make bundle-check``; docs/install.md).
"""

from __future__ import annotations

import logging
import os
from importlib import resources

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)
APP_NAME = "Infusion Room Monitor"
DESKTOP_ID = "infusion-monitor"  # infusion-monitor.desktop; Wayland matches windows to it by this
SELF_CHECK_ENV = "INFUSION_MONITOR_SELF_CHECK"
SELF_CHECK_AFTER_MS = 4000  # long enough for a window to open a recording and draw its chart
EXIT_NO_WINDOW = 3


def app_icon() -> QIcon:
    return QIcon(str(resources.files("ui") / "icons" / f"{DESKTOP_ID}.svg"))


def set_app_identity(app: QApplication) -> None:
    """Name, window icon and desktop entry, set once where the application is created."""
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName(DESKTOP_ID)
    app.setWindowIcon(app_icon())
    target = os.environ.get(SELF_CHECK_ENV)
    if target:
        QTimer.singleShot(SELF_CHECK_AFTER_MS, lambda: _save_first_window(app, target))


def _save_first_window(app: QApplication, target: str) -> None:
    windows = [w for w in app.topLevelWidgets() if w.isVisible() and w.isWindow()]
    if windows:
        windows[0].grab().save(target)
        log.warning("self-check: saved %s to %s", windows[0].windowTitle(), target)
    app.exit(0 if windows else EXIT_NO_WINDOW)
