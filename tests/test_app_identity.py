"""The program's icon on its windows (issue 18): a teal drop with a white trace, not Qt's blank."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtGui import QColor, QImage

from ui import app_identity
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



def test_self_check_saves_the_first_window_and_ends(tmp_path):
    """In a process of its own: ending the application would end every later test's event loop."""
    target = tmp_path / "window.png"
    code = textwrap.dedent("""
        import sys
        from PySide6.QtWidgets import QApplication, QLabel
        from ui import app_identity
        app_identity.SELF_CHECK_AFTER_MS = 50
        app = QApplication(sys.argv[:1])
        app_identity.set_app_identity(app)
        window = QLabel("HR 72")
        window.resize(200, 100)
        window.show()
        sys.exit(app.exec())
    """)
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", app_identity.SELF_CHECK_ENV: str(target)}
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert QImage(str(target)).width() == 200
