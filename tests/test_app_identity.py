"""The program's icon on its windows (issue 18): a teal drop with a white trace, not Qt's blank."""

from __future__ import annotations

from PySide6.QtGui import QColor

from ui.app_identity import DESKTOP_ID, set_app_identity


def test_windows_get_the_application_icon(qapp):
    set_app_identity(qapp)
    assert qapp.desktopFileName() == DESKTOP_ID
    image = qapp.windowIcon().pixmap(48, 48).toImage()
    assert image.width() == 48
    corner = QColor(image.pixelColor(1, 1))
    assert corner.alpha() == 0  # the drop's outside is see-through
    colours = [QColor(image.pixelColor(x, y)) for x in range(10, 38) for y in range(26, 40)]
    assert any(c.red() > 240 and c.green() > 240 and c.blue() > 240 for c in colours)  # the trace
    assert any(c.blue() > c.red() + 60 and c.alpha() == 255 for c in colours)  # the drop


def test_self_check_saves_the_first_window_and_ends(qapp, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QLabel

    from ui import app_identity

    target = tmp_path / "window.png"
    monkeypatch.setenv(app_identity.SELF_CHECK_ENV, str(target))
    monkeypatch.setattr(app_identity, "SELF_CHECK_AFTER_MS", 50)
    window = QLabel("HR 72")
    qtbot.addWidget(window)
    window.resize(200, 100)
    window.show()
    set_app_identity(qapp)
    qtbot.waitUntil(target.exists, timeout=5000)
    from PySide6.QtGui import QImage

    assert QImage(str(target)).size().width() == 200
