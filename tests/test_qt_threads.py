"""Readings reach the window through a signal emitted on the driver thread.

Some Qt for Python releases corrupt memory on exactly that path (6.12.0 aborts
the process at exit). This runs the real bridge in a child process, so such a
release fails here instead of crashing a nurse's session.
"""

from __future__ import annotations

import subprocess
import textwrap

from tests.conftest import ROOT

CHILD = textwrap.dedent(
    """
    import threading
    from datetime import datetime, timezone
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from monitor.latest import LatestValues
    from monitor.readings import Parameter, Reading
    from monitor.session import InfusionSession
    from monitor.clock import ScaledClock
    from monitor.trends import TrendStore
    from ui.bridge import EventBridge
    from ui.dashboard.window import DashboardWindow

    app = QApplication([])
    clock = ScaledClock()
    latest = LatestValues()
    window = DashboardWindow(latest, TrendStore(), InfusionSession(clock), clock.now, "dark")
    bridge = EventBridge()
    bridge.event.connect(window.on_event)

    def driver_thread():
        for i in range(2000):
            bridge.event.emit(Reading(Parameter.HR, 60.0 + i % 40, "/min", datetime.now(timezone.utc), "datex"))

    worker = threading.Thread(target=driver_thread)
    worker.start()
    watcher = QTimer(interval=20)
    watcher.timeout.connect(lambda: None if worker.is_alive() else app.quit())
    watcher.start()
    app.exec()
    assert latest.has_seen(Parameter.HR)  # readings reached the GUI thread's model
    print("clean exit", flush=True)
    """
)


def test_readings_emitted_from_a_worker_thread_reach_the_window_and_the_app_exits_cleanly(python, cli_env):
    cli_env["QT_QPA_PLATFORM"] = "offscreen"
    result = subprocess.run([python, "-c", CHILD], cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "clean exit" in result.stdout
