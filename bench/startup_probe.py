"""Start the real program and print when its dashboard window is first drawn.

``python bench/startup_probe.py live --port ...`` runs ``main.main`` with those
arguments, exactly as ``infusion-monitor`` does. The only addition is an
application-wide event filter, installed on the QApplication before ``main``
runs: the first Paint event of the ``DashboardWindow`` (or a widget inside it)
prints ``PAINTED <CLOCK_MONOTONIC seconds>`` and asks the application to quit,
so the program then shuts down through its normal path. Nothing in the product
knows about this: no flag, no environment variable.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

_app = QApplication(sys.argv[:1])


class _FirstPaint(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.done = False
        self.panels: set[int] = set()

    def eventFilter(self, obj, event) -> bool:
        if not self.done and event.type() == QEvent.Type.Paint and isinstance(obj, QWidget):
            window = obj.window()
            kind = type(window).__name__
            if kind == "RoomWindow" and type(obj).__name__ == "ChairPanel":
                self.panels.add(id(obj))
            if kind == "DashboardWindow" or (kind == "RoomWindow" and len(self.panels) == len(window.overview.panels)):
                self.done = True
                print(f"PAINTED {time.monotonic():.6f}", flush=True)
                QTimer.singleShot(0, _app.quit)
        return False


_watch = _FirstPaint()
_app.installEventFilter(_watch)

import main

sys.exit(main.main(sys.argv[1:]))
