"""How the program shows itself on the desktop: its name, its icon on every window, and the
desktop entry it belongs to (``make install-desktop``; the entry's file is
``packaging/infusion-monitor.desktop``). The icon ships in the package, so a wheel or a bundle
shows it without anything installed on the desktop.
"""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QGuiApplication, QIcon

APP_NAME = "Infusion Room Monitor"
DESKTOP_ID = "infusion-monitor"  # infusion-monitor.desktop; Wayland matches windows to it by this


def app_icon() -> QIcon:
    return QIcon(str(resources.files("ui") / "icons" / f"{DESKTOP_ID}.svg"))


def set_app_identity(app: QGuiApplication) -> None:
    """Name, window icon and desktop entry, set once where the application is created."""
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName(DESKTOP_ID)
    app.setWindowIcon(app_icon())
